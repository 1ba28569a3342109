"""Content-addressed artifact files (Parquet data, joblib models) under ``artifacts/``.

A new file is written to ``artifacts/tmp`` and moved to its SHA-256 address only when complete, so an
interrupted write never leaves a partial file at a real address. Each writer holds, from its first
byte until the record that refers to the file is committed, a lock on ``tmp/<token>.lock`` (see
``locks``), and before the move it names the address it is about to fill in ``tmp/<token>.claim``.
``sweep_staging`` uses both: a token whose lock is free belongs to a process that has ended (finished,
failed or killed), so its files are leftovers; a held lock's claim is a file whose record is on its way.
``core.store.upkeep`` builds the workspace's sweep on that. Everything a writer puts in tmp is named
``<token>.…`` (its staged file, its claim, a scratch folder), so a sweep finds all of it by the token.
"""

import hashlib
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from mlops_desktop.core.errors import UserError
from mlops_desktop.core.store import locks

CHUNK = 1 << 20
# Entries in tmp that are not a writer's (left by an older version, say) are left alone for a day:
# they have no lock to tell whether their process still runs.
STALE_AFTER_S = 24 * 3600
LOCK, CLAIM = ".lock", ".claim"
TOKEN = re.compile(r"([0-9a-f]{32})\.")
ADDRESS_FOLDER = re.compile(r"[0-9a-f]{2}")


def sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class NewArtifact:
    """A file being written: write it at ``path``, then ``add`` moves it to its address."""

    def __init__(self, store: "ArtifactStore", token: str, suffix: str) -> None:
        self.store = store
        self.suffix = suffix
        self.path = store.tmp / f"{token}{suffix}"
        self.claim = store.tmp / f"{token}{CLAIM}"

    def add(self) -> str:
        """Move the finished file to its content address; returns its SHA-256.

        The claim is written whole (under another name, then renamed) before the move, so a sweep
        never reads half of one. The file is always moved, even onto an equal file already at the
        address (a leftover a sweep may be taking away at this moment): the address then holds
        this writer's own copy, which its claim protects."""
        sha256 = sha256_of_file(self.path)
        target = self.store.path_for(sha256, self.suffix)
        partial = self.claim.with_name(f"{self.claim.name}.part")
        partial.write_text(sha256, encoding="ascii")
        os.replace(partial, self.claim)
        target.parent.mkdir(exist_ok=True)
        try:
            os.replace(self.path, target)
        except PermissionError:  # Windows: a reader has the equal file open, so it stays
            self.path.unlink()
        return sha256


class ArtifactStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)

    def path_for(self, sha256: str, suffix: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}{suffix}"

    @contextmanager
    def new(self, suffix: str) -> Iterator[NewArtifact]:
        """A new artifact, safe from sweeps until the block ends: commit the record that refers to
        it inside the block. Its staged file is removed afterwards unless it was added."""
        with self._writer() as token:
            artifact = NewArtifact(self, token, suffix)
            try:
                yield artifact
            finally:
                artifact.path.unlink(missing_ok=True)
                artifact.claim.unlink(missing_ok=True)

    @contextmanager
    def scratch_folder(self) -> Iterator[Path]:
        """A folder in tmp for a task's temporary files: removed when the block ends, or by a sweep
        once the process has ended without removing it."""
        with self._writer() as token:
            folder = self.tmp / f"{token}.dir"
            folder.mkdir()
            try:
                yield folder
            finally:
                shutil.rmtree(folder, ignore_errors=True)

    @contextmanager
    def _writer(self) -> Iterator[str]:
        """A new writer's token, its lock held until the block ends."""
        token = uuid.uuid4().hex
        with self.working_on(token):
            yield token

    @contextmanager
    def working_on(self, token: str) -> Iterator[None]:
        """Hold ``tmp/<token>.lock`` until the block ends, so that other processes can tell this
        one still works on ``token`` (a writer's, or a training's run id)."""
        while (fd := locks.create_locked(self._lock_of(token))) is None:
            pass  # a sweep took the file for an ended writer's before it was locked: again
        try:
            yield
        finally:
            locks.release(fd, self._lock_of(token))

    def still_working(self, token: str) -> bool | None:
        """Whether a live process holds ``token``'s lock; None if there is no lock file for it
        (never taken, or an ended holder's already swept)."""
        return locks.holder_alive(self._lock_of(token))

    def _lock_of(self, token: str) -> Path:
        return self.tmp / f"{token}{LOCK}"

    def address_files(self) -> list[os.DirEntry[str]]:
        """Every file at an address (not in tmp), as directory entries: building a Path for each
        of ten thousand files would cost more than listing them."""
        return [
            entry
            for folder in os.scandir(self.root)
            if ADDRESS_FOLDER.fullmatch(folder.name) and folder.is_dir()
            for entry in os.scandir(folder.path)
        ]

    def sweep_staging(self) -> tuple[set[str], list[Path]]:
        """Remove what ended writers left in tmp. Returns the SHA-256s live writers have claimed
        (files at their address whose records are not committed yet) and the files removed."""
        claimed: set[str] = set()
        removed: list[Path] = []
        tokens: set[str] = set()
        for entry in self.tmp.iterdir():
            if match := TOKEN.match(entry.name):
                tokens.add(match.group(1))
            elif _older_than_a_day(entry) and _removed(entry):
                removed.append(entry)
        for token in tokens:
            with locks.unless_held(self._lock_of(token)) as ended:
                if not ended:
                    with suppress(FileNotFoundError):  # not claimed yet, or just committed
                        claimed.add((self.tmp / f"{token}{CLAIM}").read_text(encoding="ascii"))
                    continue
                # Listed again: it may have written more between the first listing and its end.
                # The lock file goes last, as it is released; it and the claim are bookkeeping.
                for entry in self.tmp.glob(f"{token}.*"):
                    if entry.suffix == LOCK:
                        continue
                    if _removed(entry) and entry.suffix != CLAIM:
                        removed.append(entry)
        return claimed, removed

    def live_claims(self) -> set[str]:
        """The SHA-256s that writers still running have claimed."""
        claimed: set[str] = set()
        for entry in self.tmp.glob(f"*{CLAIM}"):
            if self.still_working(entry.name.partition(".")[0]) is not False:
                with suppress(FileNotFoundError):  # committed and cleared meanwhile
                    claimed.add(entry.read_text(encoding="ascii"))
        return claimed

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


def _older_than_a_day(path: Path) -> bool:
    try:
        return time.time() - path.stat().st_mtime > STALE_AFTER_S
    except FileNotFoundError:
        return False


def _removed(path: Path) -> bool:
    """Remove a file or folder; False if it was gone already or cannot be removed."""
    try:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    except OSError:
        return False
    return True
