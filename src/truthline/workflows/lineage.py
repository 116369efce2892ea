"""Lineage: walk up and down the graph from any id (annotation, image, dataset or taxonomy version, blob)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from truthline.domain.errors import NotFoundError
from truthline.domain.ids import Kind, kind_of
from truthline.store import annotations as ann_rows
from truthline.store import models as model_rows
from truthline.store import versions as version_rows
from truthline.store.events import events_for
from truthline.store.images import get_image
from truthline.store.schema import (
    annotation_table,
    dataset_version_annotations,
    dataset_versions,
    images,
    model_versions,
    training_runs,
)
from truthline.store.taxonomies import get_taxonomy_row

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from truthline.workflows.workspace import Workspace

MAX_LISTED = 50


def lineage(ws: Workspace, entity_id: str) -> dict[str, Any]:
    """What ``entity_id`` came from (up), what was made from it (down), and its events."""
    kind = kind_of(entity_id)
    walkers = {
        Kind.ANNOTATION: _annotation,
        Kind.IMAGE: _image,
        Kind.DATASET_VERSION: _dataset_version,
        Kind.TAXONOMY: _taxonomy,
        Kind.MODEL_VERSION: _model,
        Kind.TRAINING_RUN: _run,
        None: _blob,
    }
    walk = walkers.get(kind)
    if walk is None:
        raise NotFoundError(f"lineage of {kind.value if kind else ''}_ ids is not recorded yet", where=entity_id)
    with ws.read() as conn:
        node = walk(conn, entity_id)
        node["events"] = events_for(conn, entity_id)[-MAX_LISTED:]
    return node


def _missing(entity_id: str) -> NotFoundError:
    return NotFoundError(f"no entity {entity_id} in this workspace", fix="check the id with `truthline dataset log`")


def _annotation(conn: Connection, ann_id: str) -> dict[str, Any]:
    r = ann_rows.get_annotation(conn, ann_id)
    if r is None:
        raise _missing(ann_id)
    img = get_image(conn, r.image_id)
    return {
        "id": ann_id,
        "kind": "annotation",
        "summary": {
            "label": r.label,
            "geometry": r.kind,
            "bbox": [r.x, r.y, r.w, r.h] if r.x is not None else None,
            "annotator": r.annotator,
            "source": r.source,
            "tombstone": r.tombstone,
            "created_at": r.created_at.isoformat(),
        },
        "up": {
            "image": {"id": img.id, "name": img.name, "blob": img.blob_sha},
            "taxonomy": r.taxonomy_id,
            "annotator": r.annotator,
            "supersedes": r.supersedes,
        },
        "down": {
            "superseded_by": ann_rows.superseded_by(conn, ann_id),
            "dataset_versions": version_rows.versions_with_annotation(conn, ann_id),
        },
    }


def _image(conn: Connection, image_id: str) -> dict[str, Any]:
    img = get_image(conn, image_id)
    if img is None:
        raise _missing(image_id)
    live = conn.execute(
        select(annotation_table.c.id)
        .where(annotation_table.c.image_id == image_id, ann_rows.current_filter())
        .order_by(annotation_table.c.id)
    ).scalars()
    return {
        "id": image_id,
        "kind": "image",
        "summary": {
            "name": img.name,
            "width": img.width,
            "height": img.height,
            "meta": img.meta,
            "removed": img.removed,
        },
        "up": {"blob": img.blob_sha},
        "down": {
            "annotations": list(live)[:MAX_LISTED],
            "dataset_versions": [{"id": v, "split": s} for v, s in version_rows.versions_with_image(conn, image_id)],
        },
    }


def _dataset_version(conn: Connection, vid: str) -> dict[str, Any]:
    row = version_rows.get_version(conn, vid)
    if row is None:
        raise _missing(vid)
    annotators = conn.execute(
        select(annotation_table.c.annotator)
        .select_from(
            dataset_version_annotations.join(
                annotation_table, annotation_table.c.id == dataset_version_annotations.c.annotation_id
            )
        )
        .where(dataset_version_annotations.c.version_id == vid)
        .distinct()
    ).scalars()
    models = conn.execute(
        select(model_versions.c.id)
        .select_from(model_versions.join(training_runs, training_runs.c.id == model_versions.c.training_run_id))
        .where(training_runs.c.dataset_version_id == vid)
    ).scalars()
    runs = conn.execute(select(training_runs.c.id).where(training_runs.c.dataset_version_id == vid)).scalars()
    return {
        "id": vid,
        "kind": "dataset_version",
        "summary": {
            "message": row.message,
            "content_hash": row.content_hash,
            "n_images": row.n_images,
            "n_annotations": row.n_annotations,
            "splits": {s: e["images"] for s, e in row.stats["splits"].items()},
        },
        "up": {
            "parent": row.parent_id,
            "taxonomy": row.taxonomy_id,
            "annotators": sorted(a or "(unknown)" for a in annotators),
        },
        "down": {"children": version_rows.children(conn, vid), "training_runs": list(runs), "models": list(models)},
    }


def _taxonomy(conn: Connection, tax_id: str) -> dict[str, Any]:
    row = get_taxonomy_row(conn, tax_id)
    if row is None:
        raise _missing(tax_id)
    from truthline.store.schema import taxonomy_versions

    kids = conn.execute(select(taxonomy_versions.c.id).where(taxonomy_versions.c.parent_id == tax_id)).scalars()
    dsvs = conn.execute(select(dataset_versions.c.id).where(dataset_versions.c.taxonomy_id == tax_id)).scalars()
    n_ann = conn.execute(select(func.count()).where(annotation_table.c.taxonomy_id == tax_id)).scalar()
    return {
        "id": tax_id,
        "kind": "taxonomy",
        "summary": {"classes": [c["name"] for c in row.classes], "message": row.message, "annotations": n_ann},
        "up": {"parent": row.parent_id},
        "down": {"children": list(kids), "dataset_versions": list(dsvs)},
    }


def _model(conn: Connection, model_id: str) -> dict[str, Any]:
    m = model_rows.get_model(conn, model_id)
    if m is None:
        raise _missing(model_id)
    up: dict[str, Any] = {"taxonomy": m.taxonomy_id, "blob": m.blob_sha, "training_run": m.training_run_id}
    if m.training_run_id:
        run = _run(conn, m.training_run_id)
        up["dataset_version"] = run["up"]["dataset_version"]
        up["dataset_taxonomy"] = run["up"]["taxonomy"]
        up["annotators"] = run["up"]["annotators"]
    evals = [{"id": e.id, "verdict": e.verdict} for e in model_rows.evaluations_of(conn, model_id)]
    return {
        "id": model_id,
        "kind": "model_version",
        "summary": {"name": m.name, "stage": m.stage, "format": m.format},
        "up": up,
        "down": {"evaluations": evals},
    }


def _run(conn: Connection, run_id: str) -> dict[str, Any]:
    r = model_rows.get_run(conn, run_id)
    if r is None:
        raise _missing(run_id)
    dsv = _dataset_version(conn, r.dataset_version_id)
    models = conn.execute(select(model_versions.c.id).where(model_versions.c.training_run_id == run_id)).scalars()
    return {
        "id": run_id,
        "kind": "training_run",
        "summary": {"status": r.status, "seed": r.seed, "code_ref": r.code_ref, "config": r.config},
        "up": {
            "dataset_version": r.dataset_version_id,
            "taxonomy": dsv["up"]["taxonomy"],
            "annotators": dsv["up"]["annotators"],
        },
        "down": {"models": list(models)},
    }


def _blob(conn: Connection, sha: str) -> dict[str, Any]:
    imgs = list(conn.execute(select(images.c.id).where(images.c.blob_sha == sha)).scalars())
    mdls = list(conn.execute(select(model_versions.c.id).where(model_versions.c.blob_sha == sha)).scalars())
    if not imgs and not mdls:
        raise _missing(sha)
    return {"id": sha, "kind": "blob", "summary": {}, "up": {}, "down": {"images": imgs, "models": mdls}}
