"""Tidying a workspace after a crash: files no record refers to, runs whose process is gone.

Opening a workspace (and ``workspace check``) removes every artifact file that no record refers to
and no running process is writing: the complete file a killed import left at its address before
its record was committed, the partial files killed imports and trainings left in ``tmp``.

Why this is safe while other processes (another CLI, the GUI's worker process, a server) import or
train in the same workspace: a writer holds a lock from its first byte until its record is
committed, and names the address it fills (its claim) before it moves the file there
(``artifacts``). The sweep takes three looks, in this order:

1. the files at their addresses;
2. the writers in ``tmp``: a held lock is a live writer, whose staged file stays and whose claim
   is kept; a free lock is an ended one, whose files go;
3. the records' SHA-256s, read after 2.

A file seen in 1 was moved there before 1, so its writer had written its claim before 1; in 2
that writer either still held its lock (its claim spares the file) or had released it, which it
does only after its commit, so 3 sees the record. One writer escapes that argument: one whose
content was already at the address (a killed import's leftover, say) and who claims it after 2.
So a file found unwanted is first moved into a locked folder of the sweep's own, then the live
claims and the records are read again: what a writer claimed or committed meanwhile goes back
(equal bytes; the writer always moves its own copy to the address after its claim, so whichever
copy ends there is right), the rest is deleted. Not covered: deleting the last record of some
content while another process imports the very same content, a race of the deletion itself (it
removes the file after its own commit).
Nothing is hashed: listing ``artifacts/`` and reading one indexed column per table keeps opening
fast on a big workspace (``bench/bench_open.py``).

A run still marked running is failed when its training's lock (``tmp/<run id>.lock``) is free or
gone. Process ids are not consulted: they are reused, and asking whether one runs with
``os.kill(pid, 0)`` interrupts a console process group on Windows.
"""

import os
import socket
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from mlops_desktop.core.governance import audit
from mlops_desktop.core.store.artifacts import ArtifactStore
from mlops_desktop.core.store.db import Store
from mlops_desktop.core.store.models import DatasetVersion, Run

ABANDONED = "The training stopped unexpectedly (the program was closed or crashed)."


def remove_unreferenced(store: Store, artifacts: ArtifactStore) -> list[Path]:
    """Remove the files no record refers to and no live process is writing; returns them."""
    at_addresses = artifacts.address_files()
    in_flight, removed = artifacts.sweep_staging()
    wanted = in_flight | referenced(store)
    unwanted = [
        Path(entry.path) for entry in at_addresses if entry.name.partition(".")[0] not in wanted
    ]
    if not unwanted:
        return removed
    with artifacts.scratch_folder() as trash:  # locked: no other sweep takes it meanwhile
        moved = []
        for path in unwanted:
            with suppress(FileNotFoundError):  # another sweep took it first
                os.replace(path, trash / path.name)
                moved.append(path)
        # Looked at again after the move: a writer that claimed or committed one of them since
        # the first look gets it back (equal bytes: it may have moved its own copy there since).
        wanted = artifacts.live_claims() | referenced(store)
        for path in moved:
            if path.name.partition(".")[0] in wanted:
                os.replace(trash / path.name, path)
            else:
                removed.append(path)
    return removed


def referenced(store: Store) -> set[str]:
    """The SHA-256 of every artifact a record refers to."""
    with store.read() as session:  # every column that refers to an artifact
        wanted = set(session.scalars(select(DatasetVersion.artifact_sha256)))
        wanted.update(
            session.scalars(select(Run.model_sha256).where(Run.model_sha256.is_not(None)))
        )
    return wanted


def this_computer() -> str:
    """The name of this computer, as a deployment records it next to its process id."""
    return socket.gethostname()


def mark_abandoned_runs(store: Store, artifacts: ArtifactStore) -> int:
    """Runs still marked running whose process is gone become failed; returns how many."""
    with store.read() as session:  # usually none: no write transaction then
        if session.scalar(select(Run.id).where(Run.status == "running").limit(1)) is None:
            return 0
    with store.write() as session:
        stale = [
            run
            for run in session.scalars(select(Run).where(Run.status == "running"))
            if not _still_running(run, artifacts)
        ]
        for run in stale:
            run.status, run.error_message = "failed", ABANDONED
            run.finished_at = datetime.now(UTC)
            audit.record(session, "run.failed", f"run:{run.id}", reason="process gone")
        return len(stale)


def _still_running(run: Run, artifacts: ArtifactStore) -> bool:
    """A training holds a lock named by its run id while it runs; the lock says whether its
    process lives even if the process id has since been given to another program. No lock file
    means its training ended (a run recorded by a version before locks counts as ended)."""
    return artifacts.still_working(run.id) is True
