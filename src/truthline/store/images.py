"""Image rows: blob, size and the metadata dict whose keys become slice keys."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, select, tuple_, update

from truthline.store.bulk import bulk_insert
from truthline.store.events import now
from truthline.store.schema import blobs, images

BATCH = 5000


def ensure_blobs(conn: Connection, rows: Iterable[tuple[str, int, str]]) -> None:
    """Record blobs (sha, size, media type) that are not yet recorded."""
    todo = {sha: (size, mt) for sha, size, mt in rows}
    shas = list(todo)
    for i in range(0, len(shas), BATCH):
        chunk = shas[i : i + BATCH]
        for sha in conn.execute(select(blobs.c.sha256).where(blobs.c.sha256.in_(chunk))).scalars():
            todo.pop(sha, None)
    if todo:
        t = now()
        bulk_insert(
            conn, blobs, [{"sha256": s, "size": v[0], "media_type": v[1], "created_at": t} for s, v in todo.items()]
        )


def existing_images(conn: Connection, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Map (name, blob sha) to the id of an image already added with that name and content."""
    found: dict[tuple[str, str], str] = {}
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        q = select(images.c.name, images.c.blob_sha, images.c.id).where(
            tuple_(images.c.name, images.c.blob_sha).in_(chunk)
        )
        for name, sha, iid in conn.execute(q):
            found[(name, sha)] = iid
    return found


def insert_images(conn: Connection, rows: list[dict[str, Any]]) -> None:
    t = now()
    for r in rows:
        r.setdefault("created_at", t)
        r.setdefault("removed", False)
    bulk_insert(conn, images, rows)


def set_meta(conn: Connection, image_id: str, meta: dict[str, Any]) -> None:
    conn.execute(update(images).where(images.c.id == image_id).values(meta=meta))


def set_removed(conn: Connection, image_ids: Sequence[str], removed: bool = True) -> int:
    n = 0
    for i in range(0, len(image_ids), BATCH):
        res = conn.execute(update(images).where(images.c.id.in_(image_ids[i : i + BATCH])).values(removed=removed))
        n += res.rowcount
    return n


def staged_images(conn: Connection) -> list[Any]:
    """Images in the working set (not removed): id, blob sha, name, meta."""
    q = select(images.c.id, images.c.blob_sha, images.c.name, images.c.meta).where(images.c.removed.is_(False))
    return list(conn.execute(q))


def staged_blobs(conn: Connection, limit: int) -> list[str]:
    """Distinct blob shas of the working set, at most ``limit`` of them (sorted)."""
    q = select(images.c.blob_sha).where(images.c.removed.is_(False)).distinct().order_by(images.c.blob_sha).limit(limit)
    return list(conn.execute(q).scalars())


def get_image(conn: Connection, image_id: str) -> Any:
    return conn.execute(select(images).where(images.c.id == image_id)).first()


def image_ids_by_name(conn: Connection, names: Sequence[str]) -> dict[str, str]:
    """Map image names to the newest staged image id with that name."""
    out: dict[str, str] = {}
    for i in range(0, len(names), 500):
        q = (
            select(images.c.name, images.c.id)
            .where(images.c.name.in_(names[i : i + 500]), images.c.removed.is_(False))
            .order_by(images.c.id)
        )
        for name, iid in conn.execute(q):
            out[name] = iid
    return out
