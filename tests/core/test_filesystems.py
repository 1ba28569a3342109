"""Workspaces on network drives: SQLite's write-ahead log does not work over SMB or NFS, so a
workspace there is refused in one sentence that says what to do, before anything is written."""

from pathlib import Path

import pytest

from mlops_desktop.core import filesystems
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.workspace import Workspace

LINUX_MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
tmpfs /tmp tmpfs rw,nosuid,nodev 0 0
fileserver:/export/home /home nfs4 rw,relatime,vers=4.2 0 0
//nas/team /mnt/team\\040share cifs rw,relatime,vers=3.1.1 0 0
/dev/sdb1 /home/ana/local ext4 rw,relatime 0 0
"""
MACOS_MOUNT = """\
/dev/disk3s1s1 on / (apfs, sealed, local, read-only, journaled)
/dev/disk3s5 on /System/Volumes/Data (apfs, local, journaled, nobrowse)
//ana@nas._smb._tcp.local/Team on /Volumes/Team Share (smbfs, nodev, nosuid, mounted by ana)
fileserver:/export on /Volumes/export (nfs, nodev, nosuid, mounted by ana)
"""


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/home/ana/workspace", "nfs4"),
        ("/home", "nfs4"),
        ("/home/ana/local/workspace", "ext4"),  # a local disk mounted inside the network one
        ("/homework", "ext4"),  # a name that starts like a mount point is not inside it
        ("/mnt/team share/models", "cifs"),  # \040 is a space
        ("/tmp/x", "tmpfs"),
    ],
)
def test_linux_mount_of_a_folder_is_the_longest_mount_point_holding_it(
    path: str, kind: str
) -> None:
    assert filesystems.mount_type(Path(path), filesystems.linux_mounts(LINUX_MOUNTS)) == kind


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/Volumes/Team Share/workspace", "smbfs"),
        ("/Volumes/export", "nfs"),
        ("/Users/ana/workspace", "apfs"),
    ],
)
def test_macos_mount_of_a_folder_is_read_from_mount(path: str, kind: str) -> None:
    assert filesystems.mount_type(Path(path), filesystems.macos_mounts(MACOS_MOUNT)) == kind


def test_a_local_folder_is_not_a_network_drive(tmp_path: Path) -> None:
    assert filesystems.filesystem_type(tmp_path / "not made yet") is not None
    assert filesystems.network_filesystem(tmp_path / "not made yet") is None


def test_a_workspace_on_a_network_drive_is_refused_before_anything_is_written(
    on_nfs: Path,
) -> None:
    with pytest.raises(UserError) as refused:
        Workspace(on_nfs / "workspace")
    assert str(refused.value) == (
        f"The workspace {on_nfs / 'workspace'} is on a network drive (nfs4), where its database "
        "cannot be kept safely; choose a folder on this computer (File → Open Workspace…, "
        "--home DIR or MLOPS_DESKTOP_HOME)."
    )
    assert not on_nfs.exists()
