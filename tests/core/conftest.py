from collections.abc import Iterator
from pathlib import Path

import pytest

from mlops_desktop.core.workspace import Workspace


@pytest.fixture
def workspace(home: Path) -> Iterator[Workspace]:
    ws = Workspace(home)
    yield ws
    ws.close()
