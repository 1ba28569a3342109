"""The workspace's data model (DESIGN.md, "Workspace and data model").

Every table the lifecycle needs exists from the baseline migration on, so later features add columns
through Alembic migrations rather than rewriting the schema.
"""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC in SQLite and always hands back timezone-aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use UTC-aware ones")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Dataset(Base):
    __tablename__ = "datasets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    target: Mapped[str | None] = mapped_column(String(500))  # the column its models predict
    versions: Mapped[list["DatasetVersion"]] = relationship(
        back_populates="dataset", order_by="DatasetVersion.version", cascade="all, delete-orphan"
    )


class DatasetVersion(Base):
    __tablename__ = "dataset_versions"
    __table_args__ = (UniqueConstraint("dataset_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    version: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    source_name: Mapped[str] = mapped_column(String(500))
    source_sha256: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    n_rows: Mapped[int]
    n_columns: Mapped[int]
    schema: Mapped[list[Any]] = mapped_column(JSON)
    profile: Mapped[dict[str, Any]] = mapped_column(JSON)
    import_options: Mapped[dict[str, Any]] = mapped_column(JSON)
    artifact_sha256: Mapped[str] = mapped_column(String(64), index=True)
    parent_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("dataset_versions.id", ondelete="SET NULL")
    )
    recipe: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # how it was prepared
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    validation: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # its check against the rules
    dataset: Mapped[Dataset] = relationship(back_populates="versions")
    parent: Mapped["DatasetVersion | None"] = relationship(remote_side=[id])  # prepared from


class Recipe(Base):
    """A named list of preparation steps, to apply again to other versions or new files."""

    __tablename__ = "recipes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    steps: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DatasetRules(Base):
    """What valid data looks like for a dataset: every new version is checked against it."""

    __tablename__ = "dataset_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), unique=True
    )
    rules: Mapped[list[Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Experiment(Base):
    __tablename__ = "experiments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)


class Run(Base):
    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id"), index=True)
    dataset_version_id: Mapped[int] = mapped_column(ForeignKey("dataset_versions.id"), index=True)
    target: Mapped[str] = mapped_column(String(500))
    features: Mapped[list[Any]] = mapped_column(JSON)
    excluded: Mapped[list[Any]] = mapped_column(JSON)
    task: Mapped[str] = mapped_column(String(20))
    algorithm: Mapped[str] = mapped_column(String(50))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    seed: Mapped[int]
    split: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), index=True)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    duration_s: Mapped[float | None] = mapped_column(Float)
    library_versions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    model_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    error_message: Mapped[str | None] = mapped_column(Text)
    pid: Mapped[int | None]  # the training process while running
    evaluation: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # what the charts need


class RegisteredModel(Base):
    __tablename__ = "registered_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    description: Mapped[str] = mapped_column(Text, default="")
    # Four-eyes rule: a move to production asked for by one person is made when another approves.
    four_eyes: Mapped[bool] = mapped_column(default=False, server_default=false())


class ModelVersion(Base):
    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("model_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("registered_models.id"))
    version: Mapped[int]
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"))
    stage: Mapped[str] = mapped_column(String(20), default="none")
    description: Mapped[str] = mapped_column(Text, default="")
    input_schema: Mapped[list[Any]] = mapped_column(JSON)
    reference_summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # For a version imported from a model bundle: the bundle's hash, file and source (bundles.py)
    imported_from: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class StageTransition(Base):
    __tablename__ = "stage_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    model_version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"), index=True)
    from_stage: Mapped[str] = mapped_column(String(20))
    to_stage: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    user: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_by: Mapped[str | None] = mapped_column(
        String(200)
    )  # four-eyes: who asked; user approved


class StageRequest(Base):
    """A move to production waiting for another person's approval (the four-eyes rule)."""

    __tablename__ = "stage_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    model_version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"), unique=True)
    to_stage: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    user: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Deployment(Base):
    __tablename__ = "deployments"

    id: Mapped[int] = mapped_column(primary_key=True)
    model_version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"), index=True)
    host: Mapped[str] = mapped_column(String(200))
    port: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    stopped_at: Mapped[datetime | None]
    pid: Mapped[int | None]  # the serving process; it runs while stopped_at is unset and it lives
    # the computer it runs on (None: recorded before 0009, on the computer of the store.db)
    computer: Mapped[str | None] = mapped_column(String(255))


TRAFFIC, TRY_IT, REFUSED = "traffic", "try_it", "refused"  # a logged row's sources


class PredictionLog(Base):
    __tablename__ = "prediction_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id"), index=True)
    request_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    prediction: Mapped[Any] = mapped_column(JSON)
    probabilities: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    latency_ms: Mapped[float] = mapped_column(Float)
    violations: Mapped[list[Any] | None] = mapped_column(JSON)  # broken rules; it still predicted
    # "traffic", "try_it" (the Serve tab's form) or "refused" (no prediction); monitoring
    # windows hold only traffic
    source: Mapped[str] = mapped_column(String(16), default=TRAFFIC, server_default=TRAFFIC)


class Label(Base):
    __tablename__ = "labels"

    id: Mapped[int] = mapped_column(primary_key=True)
    prediction_log_id: Mapped[int] = mapped_column(ForeignKey("prediction_logs.id"), index=True)
    value: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MonitorResult(Base):
    """One monitoring window's report (``monitoring``): a day of the prediction log, a chosen
    time range, or an imported dataset, checked against a reference. ``key`` names the window,
    the reference and the thresholds, so the same check is stored once."""

    __tablename__ = "monitor_results"
    __table_args__ = (UniqueConstraint("model_version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model_version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"), index=True)
    key: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))  # day / range / dataset
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]
    last_log_id: Mapped[int | None]  # the newest log row included: a later one makes it stale
    n_current: Mapped[int] = mapped_column(Integer)
    drift_share: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20))  # healthy / watch / drift / not enough data
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user: Mapped[str] = mapped_column(String(200), index=True)
    action: Mapped[str] = mapped_column(String(100), index=True)
    entity: Mapped[str] = mapped_column(String(500), index=True)  # the object: "dataset:iris@2"
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # SHA-256 chaining this event to the one before (governance.chain); NULL only if put in by hand
    hash: Mapped[str | None] = mapped_column(String(64))
