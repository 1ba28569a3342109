"""Exclusive advisory locks on small files, used to tell whether the process writing something is alive.

A lock belongs to one open handle and the operating system drops it when its process ends in any
way, ``kill -9`` and power-off of the process included; so "its lock is held" means "its writer
runs", without process ids (which are reused) and on Windows as on POSIX: ``flock`` there (per open
file, so a second handle in the same process is refused too), ``msvcrt.locking`` of the first byte
on Windows (per handle as well).
"""

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

if sys.platform == "win32":
    import msvcrt

    def _lock(fd: int, wait: bool) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:  # LK_LOCK retries for ten seconds, then raises
            msvcrt.locking(fd, msvcrt.LK_LOCK if wait else msvcrt.LK_NBLCK, 1)
        except OSError:
            if wait:
                raise
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int, wait: bool) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def create_locked(path: Path) -> int | None:
    """Create ``path`` (it must not exist) and lock it; returns the handle to pass to ``release``.
    None if a sweep took the file for a dead writer's before it was locked: try again."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL)
    _lock(fd, wait=True)  # waits only while a sweep holds it, for an instant
    try:
        ours = os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        ours = False
    if not ours:
        os.close(fd)
    return fd if ours else None


def holder_alive(path: Path) -> bool | None:
    """Whether a live process holds the lock on ``path``; None when there is no such file."""
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return None
    try:
        free = _lock(fd, wait=False)
        if free:
            _unlock(fd)
        return not free
    finally:
        os.close(fd)


def release(fd: int, path: Path) -> None:
    """Unlock, close and remove the lock file (Windows refuses to remove a file another process has
    open: a sweep that is looking at it then removes it, finding it free)."""
    _unlock(fd)
    os.close(fd)
    with suppress(FileNotFoundError, PermissionError):
        path.unlink()


@contextmanager
def unless_held(path: Path) -> Iterator[bool]:
    """True when no live process holds the lock on ``path`` (the file is gone, or its lock was
    free and is now held here until the block ends, then the file is removed); False otherwise."""
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        yield True
        return
    if not _lock(fd, wait=False):
        os.close(fd)
        yield False
        return
    try:
        yield True
    finally:
        release(fd, path)
