"""Import a dataset from an annotation format into the workspace, and export a dataset version to one.

Import parses the whole file first (``truthline.formats``), so a malformed file imports nothing; then blobs
are written, then every row in one transaction. What a format carried that truthline has no column for is
kept: image ids, splits and extras in the image's ``_source`` metadata entry, annotation extras in the
annotation's ``extra``, class ids in the taxonomy. Export puts it all back.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from truthline.domain.content import canonical_json
from truthline.domain.errors import UserInputError
from truthline.domain.ids import Kind, new_id, new_ids
from truthline.domain.records import DatasetContent, ImageRecord
from truthline.domain.taxonomy import Taxonomy
from truthline.formats import read_dataset, write_dataset
from truthline.formats.loss import LossReport
from truthline.store import annotations as ann_rows
from truthline.store import images as image_rows
from truthline.store.events import log_event
from truthline.store.schema import annotation_table, dataset_version_annotations, dataset_version_images, images
from truthline.workflows.images import media_type
from truthline.workflows.taxonomy import current_taxonomy, set_current
from truthline.workflows.taxonomy import load as load_taxonomy
from truthline.workflows.versions import resolve

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from truthline.workflows.workspace import OnProgress, Workspace

SOURCE_KEY = "_source"  # image metadata entry holding what the import file said about the image


def merged_taxonomy(current: Taxonomy | None, incoming: Taxonomy) -> Taxonomy:
    """The current classes in their order, then the incoming classes it lacks, in theirs."""
    if current is None:
        return incoming
    have = set(current.names)
    return Taxonomy(current.classes + tuple(c for c in incoming.classes if c.name not in have))


def import_dataset(
    ws: Workspace, fmt: str, path: Path, images_dir: Path | None = None, on_progress: OnProgress | None = None
) -> dict[str, Any]:
    """Add a dataset file's images and labels to the working set; returns counts and the taxonomy id."""
    content = read_dataset(fmt, path, images_dir)
    missing = [r.name for r in content.images if r.path is None or not r.path.is_file()]
    if missing:
        raise UserInputError(
            f"{len(missing)} image file(s) not found, e.g. {missing[0]!r}",
            where=str(path),
            fix="pass --images DIR with the image files",
        )
    extra_sha = ws.blobs.put_bytes(canonical_json(content.extra).encode()) if content.extra else None
    staged: list[dict[str, Any]] = []
    blob_rows: list[tuple[str, int, str]] = []

    def copied(k: int) -> None:
        if on_progress:
            on_progress("copying images", k, len(content.images))

    stored = ws.blobs.put_files([Path(str(rec.path)) for rec in content.images], copied)
    for rec, (sha, size) in zip(content.images, stored, strict=True):
        blob_rows.append((sha, size, media_type(rec.name)))
        source = {"format": fmt, "split": rec.split, "id": rec.source_id, "extra": rec.extra, "dataset": extra_sha}
        meta = {**rec.metadata, SOURCE_KEY: source}
        staged.append({"name": rec.name, "blob_sha": sha, "width": rec.width, "height": rec.height, "meta": meta})
    with ws.transaction() as conn:
        tax = merged_taxonomy(current_taxonomy(conn), content.taxonomy)
        tax_id = set_current(conn, ws.actor, tax, f"import {fmt} {Path(path).name}")
        image_rows.ensure_blobs(conn, blob_rows)
        known = image_rows.existing_images(conn, [(r["name"], r["blob_sha"]) for r in staged])
        present = _live_hashes(conn, list(known.values()))
        ids, new, rows = [], [], []
        fresh = iter(new_ids(Kind.ANNOTATION, sum(len(rec.labels) for rec in content.images)))
        for r, rec in zip(staged, content.images, strict=True):
            key = (str(r["name"]), str(r["blob_sha"]))
            iid = known.get(key)
            if iid is None:
                iid = new_id(Kind.IMAGE)
                known[key] = iid
                new.append({**r, "id": iid})
            ids.append(iid)
            have = present[iid]
            for lab in rec.labels:
                h = lab.content_hash
                if have[h] > 0:  # re-importing a label that is already there adds nothing
                    have[h] -= 1
                    continue
                rows.append(ann_rows.label_row(iid, tax_id, lab, content_hash=h, ann_id=next(fresh)))
        image_rows.insert_images(conn, new)
        image_rows.set_removed(conn, ids, removed=False)
        ann_rows.insert_rows(conn, rows)
        log_event(
            conn, ws.actor, tax_id, "dataset.imported", format=fmt, path=str(path), images=len(new), labels=len(rows)
        )
    return {
        "format": fmt,
        "images": len(new),
        "images_already_present": len(ids) - len(new),
        "annotations": len(rows),
        "taxonomy": tax_id,
    }


def _live_hashes(conn: Connection, image_ids: list[str]) -> defaultdict[str, Counter[str]]:
    """Content-hash counts of the live annotations of images already in the workspace."""
    out: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for i in range(0, len(image_ids), 500):
        q = select(annotation_table.c.image_id, annotation_table.c.content_hash).where(
            annotation_table.c.image_id.in_(image_ids[i : i + 500]), ann_rows.current_filter()
        )
        for iid, h in conn.execute(q):
            out[iid][h] += 1
    return out


def version_content(
    ws: Workspace, version: str | None, *, ids: dict[str, list[str]] | None = None
) -> tuple[str, DatasetContent]:
    """A dataset version as DatasetContent: its taxonomy, images (with blob paths and splits) and labels.

    When ``ids`` is given, it receives each image name's annotation ids, in the order of its labels.
    """
    with ws.read() as conn:
        row = resolve(conn, version)
        _, tax, _ = load_taxonomy(conn, row.taxonomy_id)
        q = (
            select(images, dataset_version_images.c.split)
            .select_from(images.join(dataset_version_images, dataset_version_images.c.image_id == images.c.id))
            .where(dataset_version_images.c.version_id == row.id)
            .order_by(images.c.name, images.c.id)
        )
        records: dict[str, ImageRecord] = {}
        dataset_extra: set[str | None] = set()
        for r in conn.execute(q):
            meta = dict(r.meta)
            source = meta.pop(SOURCE_KEY, None) or {}
            dataset_extra.add(source.get("dataset"))
            records[r.id] = ImageRecord(
                name=r.name,
                width=r.width,
                height=r.height,
                path=ws.blobs.path(r.blob_sha),
                split=r.split,
                source_id=source.get("id"),
                metadata=meta,
                extra=source.get("extra") or {},
            )
        aq = (
            select(annotation_table)
            .select_from(
                annotation_table.join(
                    dataset_version_annotations, dataset_version_annotations.c.annotation_id == annotation_table.c.id
                )
            )
            .where(dataset_version_annotations.c.version_id == row.id)
            .order_by(annotation_table.c.created_at, annotation_table.c.id)  # creation order: ids rise within a batch
        )
        for a in conn.execute(aq):
            rec = records[a.image_id]
            rec.labels.append(ann_rows.row_to_label(a))
            if ids is not None:
                ids.setdefault(rec.name, []).append(a.id)
    extra: dict[str, Any] = {}
    shas = dataset_extra - {None}
    if len(shas) == 1:
        import json

        extra = json.loads(ws.blobs.read_bytes(shas.pop() or ""))
    return row.id, DatasetContent(taxonomy=tax, images=list(records.values()), extra=extra)


def export_dataset(
    ws: Workspace, version: str | None, fmt: str, out: Path, *, strict: bool = False, copy_images: bool = True
) -> tuple[str, LossReport]:
    """Write a dataset version in ``fmt`` under ``out`` (with the id map, and the loss report if lossy)."""
    vid, content = version_content(ws, version)
    report = write_dataset(fmt, content, out, strict=strict, copy_images=copy_images)
    with ws.transaction() as conn:
        log_event(conn, ws.actor, vid, "dataset_version.exported", format=fmt, out=str(out), lossy=bool(report))
    return vid, report
