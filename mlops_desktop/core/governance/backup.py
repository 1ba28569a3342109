"""Backing up a workspace into one zip file, and restoring it into an empty folder.

A backup may be taken while the app, a training or a server writes to the workspace. The database
is copied first with SQLite's online backup API in one step (``Store.backup_to``), which gives the
database as of one moment; then the artifact files the copy's records refer to are added. Those
files are content-addressed and never change once at their address, so the copy and its files
agree whatever was written meanwhile. Each file's bytes are checked against its address while it is
read, so a damaged file is never backed up as good.

``manifest.json`` lists every other member with its SHA-256. A restore checks every member against
it, and that no member is missing or added, before anything reaches the chosen folder; the SHA-256
of the backup file itself (printed by ``workspace backup``) lets someone check the whole file,
manifest included, out of band.
"""

import hashlib
import json
import os
import re
import shutil
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from mlops_desktop import __version__
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.progress import (
    CancelCheck,
    Progress,
    check_cancel,
    never_cancel,
    no_progress,
)
from mlops_desktop.core.store import upkeep
from mlops_desktop.core.store.artifacts import CHUNK, sha256_of_file
from mlops_desktop.core.store.db import SCHEMA_HEAD, Store
from mlops_desktop.core.vocabulary import counted
from mlops_desktop.core.workspace import Workspace

MANIFEST = "manifest.json"
DATABASE = "store.db"
FORMAT = "mlops-desktop workspace backup"
# The members a backup may hold besides its manifest: the database and artifact files at their
# address. Anything else (a path leaving the folder, say) makes the file no backup of ours.
MEMBER = re.compile(r"store\.db|artifacts/[0-9a-f]{2}/[0-9a-f]{64}\.[a-z]{1,10}")
RESTORING = ".restoring"  # where a restore unpacks before everything has been verified


def backup(
    workspace: Workspace,
    output: Path,
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> dict[str, Any]:
    """Write a backup of ``workspace`` to ``output`` (whole or not at all); returns its path and
    its SHA-256."""
    output = output.expanduser().resolve()
    if output.is_relative_to(workspace.home):
        raise UserError("Save the backup outside the workspace folder it backs up.")
    progress(0.0, "Copying the database")
    with workspace.artifacts.scratch_folder() as scratch, _written(output) as partial:
        snapshot = scratch / DATABASE
        workspace.store.backup_to(snapshot)
        artifacts = _artifacts_of(workspace, snapshot)
        files = [(DATABASE, snapshot, sha256_of_file(snapshot)), *artifacts]
        total = sum(path.stat().st_size for _member, path, _sha in files) or 1
        done = 0
        manifest: dict[str, str] = {}
        with zipfile.ZipFile(partial, "w") as archive:
            for member, path, sha256 in files:
                check_cancel(cancel)
                progress(0.05 + 0.9 * done / total, f"Adding {counted(len(files), 'file')}")
                kind = zipfile.ZIP_DEFLATED if member == DATABASE else zipfile.ZIP_STORED
                with path.open("rb") as source, archive.open(_info(member, kind), "w") as target:
                    if _copied(source, target) != sha256:
                        raise UserError(
                            f"A stored file of this workspace ({path.name}) has been changed or "
                            "damaged; run 'workspace check' and take the backup again."
                        )
                manifest[member] = sha256
                done += path.stat().st_size
            archive.writestr(_info(MANIFEST, zipfile.ZIP_DEFLATED), _manifest_text(manifest))
    progress(1.0, "Backed up")
    return {"output": str(output), "sha256": sha256_of_file(output)}


def _artifacts_of(workspace: Workspace, snapshot: Path) -> list[tuple[str, Path, str]]:
    """The artifact files the copied database's records refer to: (member, path, SHA-256)."""
    copy = Store(snapshot)
    try:
        wanted = upkeep.referenced(copy)
    finally:
        copy.close()
    found = {
        entry.name.partition(".")[0]: Path(entry.path)
        for entry in workspace.artifacts.address_files()
    }
    missing = sorted(wanted - set(found))
    if missing:
        raise UserError(
            f"Files this workspace's records refer to are missing ({counted(len(missing), 'file')}"
            f", such as {missing[0][:12]}…), so the backup was not written."
        )
    return [
        (path.relative_to(workspace.home).as_posix(), path, sha256)
        for sha256, path in sorted(found.items())
        if sha256 in wanted
    ]


def _info(member: str, kind: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(member, date_time=datetime.now(UTC).timetuple()[:6])
    info.compress_type = kind
    return info


def _copied(source: IO[bytes], target: IO[bytes]) -> str:
    """Copy ``source`` to ``target``; returns the SHA-256 of the bytes copied."""
    digest = hashlib.sha256()
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        target.write(chunk)
    return digest.hexdigest()


def _manifest_text(files: dict[str, str]) -> str:
    return json.dumps(
        {
            "format": FORMAT,
            "app_version": __version__,
            "schema": SCHEMA_HEAD,
            "created": datetime.now(UTC).isoformat(),
            "files": files,
        },
        indent=2,
    )


@contextmanager
def _written(output: Path) -> Iterator[Path]:
    """A file next to ``output`` to write, moved to ``output`` when the block ends well and
    removed otherwise."""
    partial = output.with_name(output.name + ".part")
    try:
        yield partial
        partial.replace(output)
    except OSError as error:
        raise UserError(f"Cannot write {output}: {error.strerror or error}.") from None
    finally:
        partial.unlink(missing_ok=True)


def restore(
    source: Path,
    folder: Path,
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> dict[str, Any]:
    """Restore the backup ``source`` into the empty (or new) ``folder`` after checking every
    file against the manifest; returns the folder and how many files were verified. A backup
    that fails a check restores nothing."""
    folder = folder.expanduser().resolve()
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UserError(f"{folder} is not an empty folder; choose an empty or new one.")
    created = not folder.exists()
    unpacked = folder / RESTORING
    try:
        unpacked.mkdir(parents=True)
        with _opened(source) as archive:
            files = _listed(archive, source)
            for number, (member, sha256) in enumerate(sorted(files.items())):
                check_cancel(cancel)
                progress(number / len(files), f"Checking {counted(len(files), 'file')}")
                _unpack(archive, member, sha256, unpacked / member, source)
        for entry in unpacked.iterdir():
            os.replace(entry, folder / entry.name)
    except BaseException:
        shutil.rmtree(unpacked, ignore_errors=True)
        if created:
            with suppress(OSError):
                folder.rmdir()
        raise
    unpacked.rmdir()
    progress(1.0, "Restored")
    return {"home": str(folder), "verified": len(files)}


@contextmanager
def _opened(source: Path) -> Iterator[zipfile.ZipFile]:
    try:
        with zipfile.ZipFile(source) as archive:
            yield archive
    except FileNotFoundError:
        raise UserError(f"There is no file {source}.") from None
    except (zipfile.BadZipFile, EOFError):
        raise UserError(f"{source} is not a workspace backup, or it is damaged.") from None
    except OSError as error:
        raise UserError(f"Cannot restore {source}: {error.strerror or error}.") from None


def _listed(archive: zipfile.ZipFile, source: Path) -> dict[str, str]:
    """The manifest's members and SHA-256s, after checking it lists exactly the other members."""
    try:
        manifest = json.loads(archive.read(MANIFEST))
        files = dict(manifest["files"]) if manifest.get("format") == FORMAT else {}
    except (KeyError, ValueError, TypeError, AttributeError):
        manifest, files = {}, {}
    if DATABASE not in files or not all(MEMBER.fullmatch(str(m)) for m in files):
        raise UserError(f"{source} is not a workspace backup of MLOps Desktop.")
    schema = str(manifest.get("schema", ""))
    if not schema[:4].isdigit() or int(schema[:4]) > int(SCHEMA_HEAD[:4]):
        raise UserError(
            f"The backup {source} was made by a newer version of MLOps Desktop; restore it with "
            "that version or a later one."
        )
    members = set(archive.namelist()) - {MANIFEST}
    if members != set(files):
        raise UserError(
            f"The backup {source} is incomplete or was altered: its files differ from the list "
            "it was written with; nothing was restored."
        )
    return {str(member): str(sha256) for member, sha256 in files.items()}


def _unpack(archive: zipfile.ZipFile, member: str, sha256: str, target: Path, source: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with archive.open(member) as packed, target.open("wb") as unpacked:
            found = _copied(packed, unpacked)
    except (zipfile.BadZipFile, EOFError):  # a damaged member fails its zip checksum
        found = ""
    if found != sha256:
        raise UserError(
            f"The backup {source} is damaged or was altered ({member} does not match its "
            "recorded SHA-256); nothing was restored."
        )
