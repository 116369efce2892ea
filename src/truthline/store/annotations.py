"""Annotation rows: append-only; an edit writes a new row that supersedes the old one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, and_, exists, select
from sqlalchemy.orm import aliased

from truthline.domain.ids import Kind, new_id
from truthline.domain.labels import Label
from truthline.store.bulk import bulk_insert
from truthline.store.events import now
from truthline.store.schema import annotation_table, images


def label_row(
    image_id: str,
    taxonomy_id: str,
    label: Label,
    supersedes: str | None = None,
    content_hash: str | None = None,
    ann_id: str | None = None,
) -> dict[str, Any]:
    box = label.bbox
    return {
        "id": ann_id or new_id(Kind.ANNOTATION),
        "image_id": image_id,
        "taxonomy_id": taxonomy_id,
        "label": label.label,
        "kind": label.kind.value,
        "geometry": label.geometry,
        "x": box[0] if box else None,
        "y": box[1] if box else None,
        "w": box[2] if box else None,
        "h": box[3] if box else None,
        "attributes": label.attributes,
        "extra": label.extra,
        "annotator": label.annotator,
        "source": label.source,
        "track_id": label.track_id,
        "frame": label.frame,
        "grp": label.group,
        "supersedes": supersedes,
        "tombstone": False,
        "content_hash": content_hash or label.content_hash,
    }


def insert_rows(conn: Connection, rows: list[dict[str, Any]]) -> None:
    t = now()
    for r in rows:
        r["created_at"] = t
    bulk_insert(conn, annotation_table, rows)


def row_to_label(r: Any) -> Label:
    return Label(
        label=r.label,
        kind=r.kind,
        geometry=r.geometry,
        attributes=r.attributes,
        extra=r.extra,
        annotator=r.annotator,
        source=r.source,
        track_id=r.track_id,
        frame=r.frame,
        group=r.grp,
    )


def current_filter() -> Any:
    """Annotations that are live: not a tombstone and not superseded by a newer row."""
    newer = aliased(annotation_table)
    return and_(annotation_table.c.tombstone.is_(False), ~exists().where(newer.c.supersedes == annotation_table.c.id))


def current_of_staged(columns: Sequence[Any]) -> Select[Any]:
    """Live annotations of the images in the working set."""
    return (
        select(*columns)
        .select_from(annotation_table.join(images, images.c.id == annotation_table.c.image_id))
        .where(images.c.removed.is_(False), current_filter())
    )


def get_annotation(conn: Connection, ann_id: str) -> Any:
    return conn.execute(select(annotation_table).where(annotation_table.c.id == ann_id)).first()


def superseded_by(conn: Connection, ann_id: str) -> list[str]:
    return list(conn.execute(select(annotation_table.c.id).where(annotation_table.c.supersedes == ann_id)).scalars())
