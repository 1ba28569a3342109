"""The workspace store: SQLite in WAL mode with a busy timeout, a schema that Alembic and the models
agree on, automatic upgrade of older workspaces with a backup copy, and artifacts checked by SHA-256."""

import hashlib
import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from mlops_desktop.core.data import datasets
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.store import db
from mlops_desktop.core.store.artifacts import ArtifactStore, sha256_of_file
from mlops_desktop.core.store.models import Base
from mlops_desktop.core.workspace import Workspace
from tests.core.conftest import store_at
from tests.stores import both_stores


def _revision(path: Path) -> str | None:
    connection = sqlite3.connect(path)
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None
    finally:
        connection.close()


class TestConnection:
    def test_wal_mode_busy_timeout_and_foreign_keys(self, workspace: Workspace) -> None:
        with workspace.store.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == db.BUSY_TIMEOUT_MS
            assert db.BUSY_TIMEOUT_MS >= 1000
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1

    def test_wal_mode_is_in_the_file_for_other_processes(self, workspace: Workspace) -> None:
        """WAL is a property of the database file: a plain sqlite3 client sees it too."""
        connection = sqlite3.connect(workspace.store.db_path)
        try:
            assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        finally:
            connection.close()

    def test_workspace_layout(self, workspace: Workspace) -> None:
        assert (workspace.home / "store.db").is_file()
        assert (workspace.home / "artifacts").is_dir()
        assert (workspace.home / "logs").is_dir()
        assert workspace.store.integrity_ok()

    @both_stores
    def test_a_write_that_fails_is_rolled_back(self, workspace: Workspace) -> None:
        from mlops_desktop.core.store.models import Dataset

        with pytest.raises(RuntimeError), workspace.store.write() as session:
            session.add(Dataset(name="half"))
            session.flush()
            raise RuntimeError("boom")
        assert datasets.list_datasets(workspace) == []
        with workspace.store.read() as session:
            assert session.query(Dataset).count() == 0


class TestSchema:
    @both_stores
    def test_alembic_head_matches_the_models(self, workspace: Workspace) -> None:
        with workspace.store.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []

    def test_the_declared_schema_head_is_alembics_head(self) -> None:
        """The store skips loading Alembic by comparing against a constant; it must not drift."""
        assert db.head_revision() == db.SCHEMA_HEAD

    def test_a_new_workspace_is_at_head_without_a_backup(self, workspace: Workspace) -> None:
        assert _revision(workspace.store.db_path) == db.head_revision()
        assert list(workspace.home.glob("store.db.before-*")) == []

    @both_stores
    def test_every_table_of_the_data_model_exists(self, workspace: Workspace) -> None:
        tables = set(inspect(workspace.store.engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        for name in ("datasets", "dataset_versions", "runs", "model_versions", "audit_events"):
            assert name in tables

    def test_reopening_a_current_workspace_makes_no_backup(self, home: Path) -> None:
        Workspace(home).close()
        Workspace(home).close()
        assert list(home.glob("store.db.before-*")) == []

    def test_a_damaged_database_is_refused_in_plain_words(self, home: Path) -> None:
        home.mkdir(parents=True)
        (home / "store.db").write_bytes(b"this is not a database" * 100)
        with pytest.raises(UserError, match="damaged"):
            Workspace(home)

    def test_a_file_given_as_the_workspace_folder_is_refused(self, tmp_path: Path) -> None:
        not_a_folder = tmp_path / "file.txt"
        not_a_folder.write_text("x")
        with pytest.raises(UserError, match="not a workspace folder"):
            Workspace(not_a_folder)


SECOND_REVISION = '''"""test-only: a later schema that adds a column

Revision ID: 9999
Revises: {head}
"""

import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("datasets") as batch_op:
        batch_op.add_column(sa.Column("test_note", sa.String(50), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("datasets") as batch_op:
        batch_op.drop_column("test_note")
'''


def test_an_older_workspace_is_upgraded_after_a_backup(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulates a newer app opening an older workspace, through the real ``Store._upgrade``.

    The app ships only its baseline revision, so "older" is made honestly from the other side: a
    workspace is created and filled at the real head, then the migrations folder is replaced by a
    copy of the real one plus a test-only revision that adds a column, and the app's declared
    schema head is set to that revision (as a release with a new migration would). Opening the workspace again
    must copy store.db aside (still at the old revision, with all its data), then upgrade it in
    place with the data intact.
    """
    old = Workspace(home)
    source = tmp_path / "d.csv"
    source.write_text("a,b\n1,x\n2,y\n")
    imported = datasets.import_file(old, source, "d")
    old.close()
    old_head = db.head_revision()

    migrations = tmp_path / "migrations"
    shutil.copytree(db.MIGRATIONS_DIR, migrations, ignore=shutil.ignore_patterns("__pycache__"))
    (migrations / "versions" / "9999_test_note.py").write_text(
        SECOND_REVISION.format(head=old_head)
    )
    monkeypatch.setattr(db, "MIGRATIONS_DIR", migrations)
    monkeypatch.setattr(db, "SCHEMA_HEAD", "9999")  # what the newer app would declare
    assert db.head_revision() == "9999"

    new = Workspace(home)
    try:
        assert _revision(new.store.db_path) == "9999"
        columns = {c["name"] for c in inspect(new.store.engine).get_columns("datasets")}
        assert "test_note" in columns
        assert datasets.show(new, "d")["content_hash"] == imported.content_hash
        assert new.store.integrity_ok()

        (backup,) = home.glob("store.db.before-9999-*.bak")
        assert _revision(backup) == old_head
        copy = sqlite3.connect(backup)
        try:
            assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert copy.execute("SELECT name FROM datasets").fetchall() == [("d",)]
            backup_columns = {row[1] for row in copy.execute("PRAGMA table_info(datasets)")}
            assert "test_note" not in backup_columns
        finally:
            copy.close()
    finally:
        new.close()

    Workspace(home).close()  # at the new head now: no second backup
    assert len(list(home.glob("store.db.before-*"))) == 1


class TestArtifacts:
    def test_content_addressed_and_deduplicated(self, tmp_path: Path) -> None:
        store = ArtifactStore(tmp_path / "artifacts")
        payload = b"model bytes" * 1000
        shas = []
        for _ in range(2):
            with store.new(".bin") as new:
                new.path.write_bytes(payload)
                shas.append(new.add())
        assert shas[0] == shas[1] == hashlib.sha256(payload).hexdigest()
        stored = store.path_for(shas[0], ".bin")
        assert stored.read_bytes() == payload
        assert stored.parent.name == shas[0][:2]
        assert list(store.tmp.iterdir()) == []

    def test_verified_path_accepts_an_intact_file(self, tmp_path: Path) -> None:
        store = ArtifactStore(tmp_path / "artifacts")
        with store.new(".joblib") as new:
            new.path.write_bytes(b"intact")
            sha = new.add()
        assert store.verified_path(sha, ".joblib") == store.path_for(sha, ".joblib")

    def test_verified_path_refuses_a_tampered_file(self, tmp_path: Path) -> None:
        store = ArtifactStore(tmp_path / "artifacts")
        with store.new(".joblib") as new:
            new.path.write_bytes(b"the real model")
            sha = new.add()
        path = store.path_for(sha, ".joblib")
        path.write_bytes(b"the real modeL")  # one byte changed
        with pytest.raises(UserError, match="changed or damaged"):
            store.verified_path(sha, ".joblib")
        assert sha256_of_file(path) != sha

    def test_a_missing_artifact_is_reported_in_plain_words(self, tmp_path: Path) -> None:
        store = ArtifactStore(tmp_path / "artifacts")
        with pytest.raises(UserError, match="missing"):
            store.verified_path("ab" * 32, ".joblib")

    def test_staging_is_cleaned_when_a_write_fails(self, tmp_path: Path) -> None:
        store = ArtifactStore(tmp_path / "artifacts")
        with pytest.raises(OSError), store.new(".parquet") as new:
            new.path.write_bytes(b"half")
            raise OSError("disk full")
        assert list(store.tmp.iterdir()) == []
        assert [p for p in store.root.rglob("*") if p.is_file()] == []

    def test_entries_in_tmp_that_are_no_writers_are_swept_once_stale(self, tmp_path: Path) -> None:
        """Something in tmp without a writer's lock (a retraining's temporary folder, say) cannot
        tell whether its process still runs: it is removed once older than a day, and younger
        ones stay."""
        store = ArtifactStore(tmp_path / "artifacts")
        stale, fresh = store.tmp / "old.parquet", store.tmp / "new.parquet"
        stale.write_bytes(b"half")
        fresh.write_bytes(b"half")
        two_days_ago = time.time() - 2 * 24 * 3600
        os.utime(stale, (two_days_ago, two_days_ago))

        assert store.sweep_staging() == (set(), [stale])
        assert not stale.exists()
        assert fresh.exists()

    def test_an_imported_dataset_file_matches_its_address(self, tmp_path: Path, workspace) -> None:
        source = tmp_path / "d.csv"
        source.write_text("a\n1\n2\n")
        datasets.import_file(workspace, source, "d")
        version = datasets.get_version(workspace, "d")
        path = workspace.artifacts.verified_path(version.artifact_sha256, ".parquet")
        assert sha256_of_file(path) == version.artifact_sha256
        assert version.source_sha256 == sha256_of_file(source)


def test_a_write_takes_the_write_lock_when_it_begins(workspace: Workspace) -> None:
    """BEGIN IMMEDIATE: once a write transaction has only read, another connection already cannot
    start writing, so no writer ever has to upgrade a read to a write and fail with "database is
    locked" because someone else wrote in between."""
    other = sqlite3.connect(workspace.store.db_path, timeout=0, isolation_level=None)
    with workspace.store.write() as session:
        session.execute(text("SELECT count(*) FROM datasets"))
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()


def test_upgrading_marks_the_rows_logged_before_as_traffic(tmp_path: Path) -> None:
    """Revision 0007 adds each logged prediction's source; rows logged before it were all real
    requests, so monitoring keeps counting them."""
    path = tmp_path / "store.db"
    engine = store_at(path, "0006")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO prediction_logs (deployment_id, request_id, created_at, inputs, "
                "prediction, probabilities, latency_ms) "
                "VALUES (1, 'old', '2026-11-01 10:00:00', '{}', '1', 'null', 2.0)"
            )
        )
    engine.dispose()
    store = db.Store(path)
    try:
        with store.read() as session:
            assert session.execute(text("SELECT source FROM prediction_logs")).all() == [
                ("traffic",)
            ]
    finally:
        store.engine.dispose()
