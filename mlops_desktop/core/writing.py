"""Writing a file the user asked for (a model card, a monitoring report): whole or not at all."""

import contextlib
from pathlib import Path

from mlops_desktop.core.errors import UserError


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` as UTF-8 through a temporary file next to it, so a failed write
    leaves the previous file (if any) and no half-written one; a failure is one plain sentence."""
    temporary = path.with_name(path.name + ".part")
    try:
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        reason = error.strerror or "the file could not be written"
        raise UserError(f"Cannot write {path}: {reason}.") from None
    return path
