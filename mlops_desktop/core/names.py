"""The one rule for the names an analyst gives: datasets, models, experiments and recipes.

A name is shown in lists (one per line), written in references (``name@2``) and may one day name a
file or folder, so it is one line of visible characters without ``@``, ``/`` or ``\\``, and not
``.`` or ``..``.
"""

import unicodedata

from mlops_desktop.core.errors import UserError

MAX_NAME_LENGTH = 200
# Control characters (line breaks, tabs), invisible format marks and line/paragraph separators.
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp"}


def check_name(name: str, what: str) -> str:
    """``name`` without surrounding spaces, or one sentence saying why a ``what`` ("dataset",
    "model", "experiment", "recipe") cannot be called that."""
    name = name.strip()
    a_what = f"{'An' if what[0] in 'aeiou' else 'A'} {what}"
    if not name:
        raise UserError(f"{a_what} needs a name.")
    if len(name) > MAX_NAME_LENGTH:
        raise UserError(f"{a_what} name can be at most {MAX_NAME_LENGTH} characters long.")
    if any(unicodedata.category(char) in _INVISIBLE for char in name):
        raise UserError(
            f"{a_what} name cannot contain line breaks, tabs or other invisible characters."
        )
    if "@" in name:
        raise UserError(
            f"{a_what} name cannot contain '@' (it is used for versions, as in name@2)."
        )
    if "/" in name or "\\" in name:
        raise UserError(f"{a_what} name cannot contain '/' or '\\'.")
    if name in {".", ".."}:
        raise UserError(f"{a_what} name cannot be '.' or '..'.")
    return name
