"""Which kind of file system a folder is on: a workspace's SQLite database in WAL mode needs a local
one (its shared-memory index and its locks do not work over SMB, NFS and the like).

- Linux: the mount holding the folder, from ``/proc/self/mounts`` (the longest mount point that
  contains it), and its type.
- macOS: the same from the output of ``mount`` ("… on /Volumes/share (smbfs, nodev, …)").
- Windows: ``GetDriveTypeW`` of the folder's drive is ``DRIVE_REMOTE``, or the path is a UNC path
  (``\\\\server\\share``).
"""

import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

# Mount types that live on another computer (or, for 9p, another system: WSL's Windows drives).
NETWORK_TYPES = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "ncpfs",
        "afs",
        "9p",
        "ceph",
        "glusterfs",
        "lustre",
        "gpfs",
        "davfs",
        "webdav",
        "afpfs",
        "fuse.sshfs",
        "fuse.glusterfs",
        "fuse.rclone",
        "fuse.davfs",
        "fuse.s3fs",
    }
)
DRIVE_REMOTE = 4  # GetDriveTypeW


def _unescape(field: str) -> str:
    """``/proc/mounts`` writes a space in a mount point as ``\\040`` (tab, newline, \\ likewise)."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def linux_mounts(text: str) -> list[tuple[str, str]]:
    """(mount point, type) of each line of ``/proc/self/mounts``."""
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3:
            mounts.append((_unescape(fields[1]), fields[2]))
    return mounts


def macos_mounts(text: str) -> list[tuple[str, str]]:
    """(mount point, type) of each line of macOS's ``mount``: ``DEVICE on POINT (TYPE, …)``."""
    mounts = []
    for line in text.splitlines():
        device_and_point, _, options = line.rpartition(" (")
        _, on, point = device_and_point.partition(" on ")
        if on and options:
            mounts.append((point, options.split(",")[0].rstrip(")").strip()))
    return mounts


def mount_type(path: Path, mounts: Iterable[tuple[str, str]]) -> str | None:
    """The type of the mount holding ``path`` (an absolute, resolved path): the longest mount point
    that is ``path`` or one of its parents; the last such mount wins (it is mounted over the rest)."""
    best: tuple[int, str] | None = None
    for point, kind in mounts:
        mounted = Path(point)
        if path == mounted or mounted in path.parents:
            depth = len(mounted.parts)
            if best is None or depth >= best[0]:
                best = (depth, kind)
    return best[1] if best else None


def _existing(path: Path) -> Path:
    """The folder itself, or its nearest parent that exists (a workspace may not be made yet)."""
    path = path.resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def filesystem_type(path: Path) -> str | None:
    """The type of file system ``path`` is on (``ext4``, ``nfs4``, ``smbfs``, ``remote`` on
    Windows for a network drive…), or None when it cannot be told."""
    path = _existing(path)
    if sys.platform == "win32":
        import ctypes

        if str(path).startswith("\\\\"):
            return "remote"
        drive_type = ctypes.windll.kernel32.GetDriveTypeW(path.anchor)  # type: ignore[attr-defined]
        return "remote" if drive_type == DRIVE_REMOTE else "local"
    try:
        if sys.platform.startswith("linux"):
            text = Path("/proc/self/mounts").read_text(encoding="utf-8", errors="replace")
            return mount_type(path, linux_mounts(text))
        if sys.platform == "darwin":
            done = subprocess.run(["/sbin/mount"], capture_output=True, text=True, timeout=5)
            return mount_type(path, macos_mounts(done.stdout))
    except (OSError, subprocess.SubprocessError):
        return None
    return None


def network_filesystem(path: Path) -> str | None:
    """The network file system ``path`` is on, or None if it is on a local one (or it cannot be
    told)."""
    kind = filesystem_type(path)
    if kind is None:
        return None
    return kind if kind == "remote" or kind.lower() in NETWORK_TYPES else None
