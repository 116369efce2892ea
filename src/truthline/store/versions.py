"""Dataset version rows and their membership: per-image split and the annotation ids they hold."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, literal, select

from truthline.store.annotations import current_filter
from truthline.store.events import now
from truthline.store.schema import (
    annotation_table,
    dataset_version_annotations,
    dataset_version_images,
    dataset_versions,
)

BATCH = 10000


def insert_version(conn: Connection, row: dict[str, Any], splits: dict[str, str]) -> int:
    """Write a version row, its images with their splits, and its live annotations; returns #annotations."""
    row = {**row, "created_at": now()}
    conn.execute(insert(dataset_versions).values(**row))
    vid = row["id"]
    items = [{"version_id": vid, "image_id": iid, "split": s} for iid, s in splits.items()]
    for i in range(0, len(items), BATCH):
        conn.execute(insert(dataset_version_images), items[i : i + BATCH])
    members = (
        select(literal(vid), annotation_table.c.id)
        .select_from(
            annotation_table.join(
                dataset_version_images,
                (dataset_version_images.c.image_id == annotation_table.c.image_id)
                & (dataset_version_images.c.version_id == vid),
            )
        )
        .where(current_filter())
    )
    res = conn.execute(insert(dataset_version_annotations).from_select(["version_id", "annotation_id"], members))
    return int(res.rowcount)


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
