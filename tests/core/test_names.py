"""Recipes follow the same naming rule as datasets, models and experiments (the command line's
tests cover those)."""

import pytest

from mlops_desktop.core.data import recipes
from mlops_desktop.core.errors import UserError


@pytest.mark.parametrize("name", ["../evil", "a/b", "..", "a\\b", "two\nlines", "x\x00y"])
def test_a_recipe_with_an_unsafe_name_is_refused_and_not_saved(workspace, name: str) -> None:
    with pytest.raises(UserError, match="A recipe name cannot"):
        recipes.save(workspace, name, [])
    assert recipes.saved(workspace) == []
