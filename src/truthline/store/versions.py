"""Dataset version rows and their membership: per-image split and the annotation ids they hold."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, insert, select

from truthline.store.bulk import bulk_insert
from truthline.store.events import now
from truthline.store.schema import (
    dataset_version_annotations,
    dataset_version_images,
    dataset_versions,
)


def insert_version(
    conn: Connection, row: dict[str, Any], splits: dict[str, str], annotation_ids: Sequence[str]
) -> None:
    """Write a version row, its images with their splits, and the ids of the annotations it holds."""
    conn.execute(insert(dataset_versions).values(**row, created_at=now()))
    vid = row["id"]
    bulk_insert(
        conn, dataset_version_images, [{"version_id": vid, "image_id": i, "split": s} for i, s in splits.items()]
    )
    bulk_insert(conn, dataset_version_annotations, [{"version_id": vid, "annotation_id": a} for a in annotation_ids])


def get_version(conn: Connection, vid: str) -> Any:
    return conn.execute(select(dataset_versions).where(dataset_versions.c.id == vid)).first()


def list_versions(conn: Connection) -> list[Any]:
    return list(conn.execute(select(dataset_versions).order_by(dataset_versions.c.id.desc())))


def version_splits(conn: Connection, vid: str) -> dict[str, str]:
    q = select(dataset_version_images.c.image_id, dataset_version_images.c.split).where(
        dataset_version_images.c.version_id == vid
    )
    return dict(conn.execute(q).all())


def version_annotation_ids(conn: Connection, vid: str) -> list[str]:
    q = select(dataset_version_annotations.c.annotation_id).where(dataset_version_annotations.c.version_id == vid)
    return list(conn.execute(q).scalars())


def versions_with_annotation(conn: Connection, ann_id: str) -> list[str]:
    q = select(dataset_version_annotations.c.version_id).where(dataset_version_annotations.c.annotation_id == ann_id)
    return sorted(conn.execute(q).scalars())


def versions_with_image(conn: Connection, image_id: str) -> list[tuple[str, str]]:
    q = select(dataset_version_images.c.version_id, dataset_version_images.c.split).where(
        dataset_version_images.c.image_id == image_id
    )
    return sorted(conn.execute(q).all())


def children(conn: Connection, vid: str) -> list[str]:
    return list(conn.execute(select(dataset_versions.c.id).where(dataset_versions.c.parent_id == vid)).scalars())
