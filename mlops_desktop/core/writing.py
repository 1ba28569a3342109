"""Writing a file the user asked for (a model card, a monitoring report, a model bundle): whole or
not at all."""

import contextlib
from collections.abc import Callable
from pathlib import Path

from mlops_desktop.core.errors import UserError


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` as UTF-8, whole or not at all (``write_file``)."""
    return write_file(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def write_file(path: Path, write: Callable[[Path], object]) -> Path:
    """Have ``write`` write the file at a temporary path next to ``path``, then move it to
    ``path``, so a failed write leaves the previous file (if any) and no half-written one; a
    failure is one plain sentence."""
    temporary = path.with_name(path.name + ".part")
    try:
        write(temporary)
        temporary.replace(path)
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        reason = error.strerror or "the file could not be written"
        raise UserError(f"Cannot write {path}: {reason}.") from None
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise
    return path
