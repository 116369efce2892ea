"""SQL schema of the lineage graph (SQLAlchemy Core). Alembic migrations build it; this mirrors the head."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

#: The Alembic revision this schema corresponds to. A test checks it equals the migrations' head.
SCHEMA_REVISION = "0001"

Json = JSON().with_variant(JSONB(), "postgresql")
Id = String(32)
Sha = String(64)
Time = DateTime(timezone=True)

metadata = MetaData()

blobs = Table(
    "blobs",
    metadata,
    Column("sha256", Sha, primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("created_at", Time, nullable=False),
)

perceptual_hashes = Table(
    "perceptual_hashes",
    metadata,
    Column("blob_sha", Sha, ForeignKey("blobs.sha256"), primary_key=True),
    Column("phash", LargeBinary, nullable=False),
)

refs = Table(
    "refs",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("target", Id, nullable=False),
)

images = Table(
    "images",
    metadata,
    Column("id", Id, primary_key=True),
    Column("blob_sha", Sha, ForeignKey("blobs.sha256"), nullable=False),
    Column("name", Text, nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("meta", Json, nullable=False),
    Column("removed", Boolean, nullable=False, default=False),
    Column("created_at", Time, nullable=False),
    Index("ix_images_name", "name"),
    Index("ix_images_blob", "blob_sha"),
)

taxonomy_versions = Table(
    "taxonomy_versions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("parent_id", Id, ForeignKey("taxonomy_versions.id"), nullable=True),
    Column("content_hash", Sha, nullable=False),
    Column("classes", Json, nullable=False),
    Column("message", Text, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("created_at", Time, nullable=False),
)

annotation_table = Table(
    "annotations",
    metadata,
    Column("id", Id, primary_key=True),
    Column("image_id", Id, ForeignKey("images.id"), nullable=False),
    Column("taxonomy_id", Id, ForeignKey("taxonomy_versions.id"), nullable=False),
    Column("label", Text, nullable=True),
    Column("kind", String(20), nullable=False),
    Column("geometry", Json, nullable=False),
    Column("x", Float, nullable=True),
    Column("y", Float, nullable=True),
    Column("w", Float, nullable=True),
    Column("h", Float, nullable=True),
    Column("attributes", Json, nullable=False),
    Column("extra", Json, nullable=False),
    Column("annotator", String(200), nullable=True),
    Column("source", String(100), nullable=False),
    Column("track_id", String(100), nullable=True),
    Column("frame", Integer, nullable=True),
    Column("grp", String(100), nullable=True),
    Column("supersedes", Id, ForeignKey("annotations.id"), nullable=True),
    Column("tombstone", Boolean, nullable=False, default=False),
    Column("content_hash", Sha, nullable=False),
    Column("created_at", Time, nullable=False),
    Index("ix_annotations_image", "image_id"),
    Index("ix_annotations_supersedes", "supersedes"),
)

dataset_versions = Table(
    "dataset_versions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("parent_id", Id, ForeignKey("dataset_versions.id"), nullable=True),
    Column("taxonomy_id", Id, ForeignKey("taxonomy_versions.id"), nullable=False),
    Column("message", Text, nullable=False),
    Column("content_hash", Sha, nullable=False),
    Column("split_spec", Json, nullable=False),
    Column("group_by", String(200), nullable=True),
    Column("seed", Integer, nullable=False),
    Column("n_images", Integer, nullable=False),
    Column("n_annotations", Integer, nullable=False),
    Column("stats", Json, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("created_at", Time, nullable=False),
)

dataset_version_images = Table(
    "dataset_version_images",
    metadata,
    Column("version_id", Id, ForeignKey("dataset_versions.id"), primary_key=True),
    Column("image_id", Id, ForeignKey("images.id"), primary_key=True),
    Column("split", String(50), nullable=False),
    Index("ix_dvi_image", "image_id"),
)

# The largest table (one row per annotation per version), written only by a commit from the ids it read in the same
# transaction, and never deleted from (versions and annotations are append-only). Foreign keys here would add a
# per-row check to every commit (2.6x the COPY time on PostgreSQL, measured) and protect nothing.
dataset_version_annotations = Table(
    "dataset_version_annotations",
    metadata,
    Column("version_id", Id, primary_key=True),
    Column("annotation_id", Id, primary_key=True),
    Index("ix_dva_annotation", "annotation_id"),
)

training_runs = Table(
    "training_runs",
    metadata,
    Column("id", Id, primary_key=True),
    Column("dataset_version_id", Id, ForeignKey("dataset_versions.id"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("config", Json, nullable=False),
    Column("code_ref", Json, nullable=False),
    Column("environment", Json, nullable=False),
    Column("seed", Integer, nullable=True),
    Column("metrics", Json, nullable=False),
    Column("artefacts", Json, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("started_at", Time, nullable=False),
    Column("finished_at", Time, nullable=True),
)

model_versions = Table(
    "model_versions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("blob_sha", Sha, ForeignKey("blobs.sha256"), nullable=True),
    Column("format", String(50), nullable=False),
    Column("config", Json, nullable=False),
    Column("preprocess", Json, nullable=False),
    Column("taxonomy_id", Id, ForeignKey("taxonomy_versions.id"), nullable=False),
    Column("training_run_id", Id, ForeignKey("training_runs.id"), nullable=True),
    Column("stage", String(20), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("created_at", Time, nullable=False),
)

evaluations = Table(
    "evaluations",
    metadata,
    Column("id", Id, primary_key=True),
    Column("model_version_id", Id, ForeignKey("model_versions.id"), nullable=False),
    Column("dataset_version_id", Id, ForeignKey("dataset_versions.id"), nullable=False),
    Column("split", String(50), nullable=True),
    Column("policy", Json, nullable=False),
    Column("metrics", Json, nullable=False),
    Column("verdict", String(20), nullable=False),
    Column("report_blob", Sha, ForeignKey("blobs.sha256"), nullable=True),
    Column("actor", String(200), nullable=False),
    Column("created_at", Time, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("at", Time, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("entity_id", String(64), nullable=False),
    Column("action", String(50), nullable=False),
    Column("detail", Json, nullable=False),
    Index("ix_events_entity", "entity_id"),
)
