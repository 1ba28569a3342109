"""Workspace backup and restore: a consistent copy while a server writes, every file checked
against the manifest before anything is restored, and only into an empty folder."""

import http.client
import json
import shutil
import sqlite3
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlops_desktop.core.data import datasets
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.governance import backup
from mlops_desktop.core.registry import model_registry
from mlops_desktop.core.serving import serve
from mlops_desktop.core.workspace import Workspace
from tests.governed import COLUMN, MODEL, PREPARED

CLIENTS = 12
LOAD_SECONDS = 3.0  # the whole load, backup included, is bounded by this and TIMEOUT
TIMEOUT = 60.0


@pytest.fixture
def copy(governed_home: Path, tmp_path: Path) -> Iterator[Workspace]:
    home = tmp_path / "governed"
    shutil.copytree(governed_home, home)
    ws = Workspace(home)
    yield ws
    ws.close()


@pytest.fixture
def backed_up(copy: Workspace, tmp_path: Path) -> Path:
    return Path(backup.backup(copy, tmp_path / "backup.zip")["output"])


def _logged_ids(database: Path) -> set[int]:
    with sqlite3.connect(database) as connection:
        return {row[0] for row in connection.execute("SELECT id FROM prediction_logs")}


def test_a_restored_backup_is_the_same_workspace(
    copy: Workspace, backed_up: Path, tmp_path: Path
) -> None:
    result = backup.restore(backed_up, tmp_path / "restored")
    members = zipfile.ZipFile(backed_up).namelist()
    assert result == {"home": str(tmp_path / "restored"), "verified": len(members) - 1}
    assert sorted(p.name for p in (tmp_path / "restored").iterdir()) == ["artifacts", "store.db"]
    restored = Workspace(tmp_path / "restored")
    try:
        assert restored.check() == {"integrity": "ok", "removed": []}  # no file left out or extra
        assert model_registry.list_models(restored) == model_registry.list_models(copy)
        version = datasets.get_version(restored, f"{PREPARED}@1")
        assert datasets.load_frame(restored, version).equals(
            datasets.load_frame(copy, datasets.get_version(copy, f"{PREPARED}@1"))
        )
        model_registry.load(restored, f"{MODEL}@2")  # its file passes its SHA-256 check
    finally:
        restored.close()


def test_a_backup_during_a_serving_load_holds_every_row_logged_before_it(
    copy: Workspace, tmp_path: Path
) -> None:
    earlier = _logged_ids(copy.store.db_path)  # the governed workspace's own few rows
    stop, ready, urls = threading.Event(), threading.Event(), []
    server = threading.Thread(
        target=serve,
        args=(copy, f"{MODEL}@2"),
        kwargs={"port": 0, "on_ready": lambda url: (urls.append(url), ready.set()), "stop": stop},
        daemon=True,
    )
    server.start()
    assert ready.wait(TIMEOUT), "the server never became ready"
    host, port = urls[0].removeprefix("http://").rsplit(":", 1)
    deadline = time.monotonic() + LOAD_SECONDS
    answered: list[int] = []

    def client(number: int) -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)
        body = json.dumps({"dataframe_records": [{"income": 40.0 + number, COLUMN: "north"}]})
        while time.monotonic() < deadline:
            connection.request("POST", "/invocations", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            answered.append(response.status)
        connection.close()

    clients = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in clients:
        thread.start()
    while len(_logged_ids(copy.store.db_path)) < 50 and time.monotonic() < deadline:
        time.sleep(0.01)  # until the log writer has committed some rows
    before = _logged_ids(copy.store.db_path)
    result = backup.backup(copy, tmp_path / "during.zip")
    for thread in clients:
        thread.join(TIMEOUT)
    stop.set()
    server.join(TIMEOUT)
    after = _logged_ids(copy.store.db_path)
    assert len(before) >= 50 and len(after) > len(before)  # it wrote before, during and after
    assert set(answered) == {200} and len(answered) == len(after - earlier)  # each one logged

    backup.restore(Path(result["output"]), tmp_path / "restored")
    database = tmp_path / "restored" / "store.db"
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert before <= _logged_ids(database) <= after


def _rewritten(source: Path, target: Path, change: dict[str, bytes | None]) -> Path:
    """A copy of the zip ``source`` with members replaced (or left out, for None)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            data = change.get(name, old.read(name))
            if data is not None:
                new.writestr(name, data)
        for name, data in change.items():
            if name not in old.namelist() and data is not None:
                new.writestr(name, data)
    return target


def _flipped(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


def test_a_tampered_backup_is_refused_and_restores_nothing(backed_up: Path, tmp_path: Path) -> None:
    names = [n for n in zipfile.ZipFile(backed_up).namelist() if n != backup.MANIFEST]
    assert backup.DATABASE in names and any(n.endswith(".joblib") for n in names)
    for number, name in enumerate(names):
        original = zipfile.ZipFile(backed_up).read(name)
        tampered = _rewritten(backed_up, tmp_path / f"t{number}.zip", {name: _flipped(original)})
        with pytest.raises(UserError, match=f"damaged or was altered \\({name} does not match"):
            backup.restore(tampered, tmp_path / "into")
        assert not (tmp_path / "into").exists()
    left_out = _rewritten(backed_up, tmp_path / "less.zip", {names[-1]: None})
    added = _rewritten(backed_up, tmp_path / "more.zip", {"artifacts/00/" + "0" * 64 + ".x": b""})
    for incomplete in (left_out, added):
        with pytest.raises(UserError, match="incomplete or was altered"):
            backup.restore(incomplete, tmp_path / "into")
    manifest = json.loads(zipfile.ZipFile(backed_up).read(backup.MANIFEST))
    manifest["files"]["../evil.db"] = "0" * 64
    escaping = _rewritten(
        backed_up, tmp_path / "escape.zip", {backup.MANIFEST: json.dumps(manifest).encode()}
    )
    with pytest.raises(UserError, match="is not a workspace backup of MLOps Desktop"):
        backup.restore(escaping, tmp_path / "into")
    assert not (tmp_path / "into").exists() and not (tmp_path / "evil.db").exists()
    manifest = json.loads(zipfile.ZipFile(backed_up).read(backup.MANIFEST))
    manifest["schema"] = "9999_future"
    newer = _rewritten(
        backed_up, tmp_path / "newer.zip", {backup.MANIFEST: json.dumps(manifest).encode()}
    )
    with pytest.raises(UserError, match="made by a newer version of MLOps Desktop"):
        backup.restore(newer, tmp_path / "into")
    assert not (tmp_path / "into").exists()


def test_restore_wants_an_empty_folder_and_a_backup_file(backed_up: Path, tmp_path: Path) -> None:
    full = tmp_path / "full"
    full.mkdir()
    (full / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(UserError, match=f"^{full} is not an empty folder; choose an empty or new"):
        backup.restore(backed_up, full)
    assert [p.name for p in full.iterdir()] == ["notes.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert backup.restore(backed_up, empty)["home"] == str(empty)
    text = tmp_path / "not a backup.zip"
    text.write_text("hello", encoding="utf-8")
    with pytest.raises(UserError, match="is not a workspace backup, or it is damaged"):
        backup.restore(text, tmp_path / "other")
    with pytest.raises(UserError, match="There is no file"):
        backup.restore(tmp_path / "missing.zip", tmp_path / "other")
    assert not (tmp_path / "other").exists()


def test_a_backup_is_not_written_inside_the_workspace(copy: Workspace) -> None:
    with pytest.raises(UserError, match="outside the workspace folder"):
        backup.backup(copy, copy.home / "backup.zip")
    assert not (copy.home / "backup.zip").exists()


def test_a_backup_with_a_missing_or_damaged_file_is_not_written(
    copy: Workspace, tmp_path: Path
) -> None:
    model_file = next(copy.artifacts.root.glob("*/*.joblib"))
    original = model_file.read_bytes()
    model_file.write_bytes(_flipped(original))
    with pytest.raises(UserError, match=f"\\({model_file.name}\\) has been changed or damaged"):
        backup.backup(copy, tmp_path / "damaged.zip")
    model_file.unlink()
    with pytest.raises(UserError, match="are missing \\(1 file, such as"):
        backup.backup(copy, tmp_path / "missing.zip")
    assert list(tmp_path.glob("*.zip*")) == []
    assert list(copy.artifacts.tmp.iterdir()) == []  # its copy of the database is gone too
