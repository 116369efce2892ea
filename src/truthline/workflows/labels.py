"""Adding and editing annotations: append-only, an edit supersedes and never overwrites."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from truthline.domain.errors import NotFoundError, UserInputError
from truthline.domain.ids import Kind, expect_kind, new_ids
from truthline.domain.labels import Label
from truthline.store import annotations as ann_rows
from truthline.store.events import log_event
from truthline.workflows.images import resolve_images
from truthline.workflows.taxonomy import load as load_taxonomy

if TYPE_CHECKING:
    from truthline.workflows.workspace import Workspace


def add_labels(ws: Workspace, labels: Mapping[str, Sequence[Label]]) -> list[str]:
    """Add labels keyed by image id or name, against the current taxonomy; returns the new ids in order."""
    keys = list(labels)
    image_ids = dict(zip(keys, resolve_images(ws, keys), strict=True))
    with ws.transaction() as conn:
        tax_id, tax, _ = load_taxonomy(conn, None)
        known = set(tax.names)
        rows = []
        ids = iter(new_ids(Kind.ANNOTATION, sum(len(items) for items in labels.values())))
        for key, items in labels.items():
            for lab in items:
                if lab.label is not None and lab.label not in known:
                    raise UserInputError(
                        f"label {lab.label!r} is not in the current taxonomy {tax_id}",
                        where=f"image {key}",
                        fix="add the class with `truthline taxonomy set` first",
                    )
                rows.append(ann_rows.label_row(image_ids[key], tax_id, lab, ann_id=next(ids)))
        ann_rows.insert_rows(conn, rows)
        if rows:
            log_event(
                conn, ws.actor, tax_id, "annotations.added", n=len(rows), first=rows[0]["id"], last=rows[-1]["id"]
            )
    return [r["id"] for r in rows]


def supersede(ws: Workspace, ann_id: str, label: Label | None) -> str:
    """Write a new annotation replacing ``ann_id`` (or a tombstone when ``label`` is None)."""
    expect_kind(ann_id, Kind.ANNOTATION)
    with ws.transaction() as conn:
        old = ann_rows.get_annotation(conn, ann_id)
        if old is None:
            raise NotFoundError(f"no annotation {ann_id}", fix="see `truthline lineage IMAGE_ID` for its annotations")
        if ann_rows.superseded_by(conn, ann_id):
            raise UserInputError(f"annotation {ann_id} was already superseded", fix="edit the newest one instead")
        tax_id, tax, _ = load_taxonomy(conn, None)
        if label is not None and label.label is not None and label.label not in tax.names:
            raise UserInputError(f"label {label.label!r} is not in the current taxonomy {tax_id}")
        row = ann_rows.label_row(old.image_id, tax_id, label or ann_rows.row_to_label(old), supersedes=ann_id)
        row["tombstone"] = label is None
        ann_rows.insert_rows(conn, [row])
        log_event(
            conn, ws.actor, row["id"], "annotation.deleted" if label is None else "annotation.edited", supersedes=ann_id
        )
    return str(row["id"])
