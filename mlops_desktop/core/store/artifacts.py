"""Content-addressed artifact files (Parquet data, joblib models) under ``artifacts/``.

A file is written to ``artifacts/tmp`` first and only moved to its SHA-256 address when complete, so an
interrupted write never leaves a file at a real address. Leftovers of a killed process are swept from
tmp once they are a day old (younger ones may belong to another process writing right now).
"""

import hashlib
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from mlops_desktop.core.errors import UserError

CHUNK = 1 << 20
STALE_AFTER_S = 24 * 3600


def sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class ArtifactStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)
        now = time.time()
        for leftover in self.tmp.iterdir():
            with suppress(OSError):
                if now - leftover.stat().st_mtime > STALE_AFTER_S:
                    leftover.unlink()

    def path_for(self, sha256: str, suffix: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}{suffix}"

    @contextmanager
    def staging(self, suffix: str) -> Iterator[Path]:
        """A temporary path to write a new artifact to; removed afterwards unless it was added."""
        path = self.tmp / f"{uuid.uuid4().hex}{suffix}"
        try:
            yield path
        finally:
            path.unlink(missing_ok=True)

    def add(self, staged: Path, suffix: str) -> str:
        """Move a finished staged file to its content address; returns its SHA-256."""
        sha256 = sha256_of_file(staged)
        target = self.path_for(sha256, suffix)
        target.parent.mkdir(exist_ok=True)
        if target.exists():
            staged.unlink()
        else:
            os.replace(staged, target)
        return sha256

    def existing_path(self, sha256: str, suffix: str) -> Path:
        """The artifact's path; a plain message if the file has gone missing."""
        path = self.path_for(sha256, suffix)
        if not path.is_file():
            raise UserError(f"A stored file of this workspace is missing ({path.name}).")
        return path

    def verified_path(self, sha256: str, suffix: str) -> Path:
        """The artifact's path after checking its bytes still match its SHA-256 (before unpickling)."""
        path = self.existing_path(sha256, suffix)
        if sha256_of_file(path) != sha256:
            raise UserError(
                f"A stored file of this workspace ({path.name}) has been changed or damaged "
                "and will not be loaded."
            )
        return path

    def remove(self, sha256: str, suffix: str) -> None:
        self.path_for(sha256, suffix).unlink(missing_ok=True)
