"""Label QA over a dataset version: run the checks of `truthline.qa`, write JSON and an offline HTML report,
and apply a reviewer's decisions as new annotations (append-only, attributed to the reviewer)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from truthline.domain.errors import FormatError, NotFoundError, UserInputError
from truthline.domain.geometry import GeometryKind
from truthline.domain.ids import Kind, kind_of
from truthline.domain.labels import Label, Source
from truthline.store import annotations as ann_rows
from truthline.store import versions as version_rows
from truthline.store.events import log_event
from truthline.workflows.images import resolve_images
from truthline.workflows.leakage import decode_path, hash_matrix
from truthline.workflows.samples import SplitData, split_data
from truthline.workflows.taxonomy import load as load_taxonomy
from truthline.workflows.transfer import version_content

if TYPE_CHECKING:
    from truthline.domain.records import ImageRecord
    from truthline.qa import CheckResult, ImageBoxes
    from truthline.workflows.workspace import Workspace

Say = Callable[[str], Any]


def _quiet(_: str) -> None:
    return None


QA_MAX_DISTANCE = (
    16  # pHash bits of 255: shifted, re-encoded copies measured ≤ 12; distinct fixed-camera frames from 12 up
)


def run_qa(
    ws: Workspace,
    version: str | None,
    out: Path,
    *,
    predictions: str | None = None,
    max_distance: int = QA_MAX_DISTANCE,
    min_score: float | None = None,
    say: Say = _quiet,
) -> dict[str, Any]:
    """Run every check on a version; write ``qa.json`` and ``report.html`` into ``out``; return the summary.

    ``min_score``: the confidence a prediction needs to count as evidence of a missing box, a wrong class or a
    bad localisation (default: the engine's, 0.5); lower it for a weaker model.
    """
    from truthline import qa

    ids: dict[str, list[str]] = {}
    vid, content = version_content(ws, version, ids=ids)
    records = content.images
    checks: list[CheckResult] = [qa.dataset_statistics(records), qa.box_anomalies(records)]
    say(f"   {vid}: {len(records)} images; statistics and box anomalies")
    hashes = hash_matrix(ws, [r.path.name for r in records if r.path is not None])  # every record has its blob
    names, splits = [r.name for r in records], [r.split for r in records]
    checks.append(qa.near_duplicates(hashes, names, splits=splits, max_distance=max_distance))
    checks.append(qa.consistency(records))
    ratings = _box_ratings(records)
    if ratings:
        checks.append(qa.box_agreement(ratings))
    parent_tax = _parent_taxonomy(ws, vid)
    if parent_tax is not None:
        checks.append(qa.taxonomy_impact(parent_tax, content.taxonomy, records))
    if predictions:
        gt = [
            qa.ImageBoxes.from_labels(r.name, r.labels, ids=ids.get(r.name), width=r.width, height=r.height)
            for r in records
        ]
        preds = _predictions(ws, split_data(vid, content, None), predictions, records)
        config = qa.DetectionErrorConfig()
        if min_score is not None:
            config = qa.DetectionErrorConfig(
                missing_min_score=min_score, wrong_class_min_score=min_score, loc_min_score=min_score
            )
        checks.append(qa.find_detection_errors(gt, preds, config))
        say(f"   label errors from {predictions}")
    result: dict[str, Any] = {"title": f"Label QA of {vid}", "version": vid, "checks": [c.to_dict() for c in checks]}
    for issue in (i for c in result["checks"] for i in c["issues"]):  # checks on records name labels by position
        known = ids.get(issue.get("image") or "", [])
        if not issue.get("annotation_id") and isinstance(issue.get("index"), int) and issue["index"] < len(known):
            issue["annotation_id"] = known[issue["index"]]
    out.mkdir(parents=True, exist_ok=True)
    (out / "qa.json").write_text(json.dumps(result, indent=2, default=str))
    wanted = {i["image"] for c in result["checks"] for i in c["issues"][:24] if i.get("image")}
    wanted |= {
        i["detail"]["other"] for c in result["checks"] for i in c["issues"][:24] if i.get("detail", {}).get("other")
    }
    by_name = {r.name: r for r in records}
    thumbs = {n: qa.thumbnail(_decode(by_name[n])) for n in wanted if n in by_name}
    sizes = {n: (int(by_name[n].width or 0), int(by_name[n].height or 0)) for n in thumbs}
    qa.report_html(result, thumbs, out / "report.html", sizes=sizes)
    summary = {c["check"]: c["n_issues"] for c in result["checks"]}
    with ws.transaction() as conn:
        log_event(conn, ws.actor, vid, "dataset_version.qa", issues=summary, out=str(out))
    return {"version": vid, "issues": summary, "json": str(out / "qa.json"), "report": str(out / "report.html")}


def _decode(rec: ImageRecord) -> Any:
    assert rec.path is not None
    return decode_path(rec.path)


def _box_ratings(records: list[ImageRecord]) -> dict[str, list[tuple[str, str, list[float]]]]:
    """Boxes of images labelled by two or more annotators, for agreement."""
    out = {}
    for r in records:
        rows = [(lab.annotator or "?", str(lab.label), list(lab.bbox)) for lab in r.labels if lab.bbox is not None]
        if len({a for a, _, _ in rows}) >= 2:
            out[r.name] = rows
    return out


def _parent_taxonomy(ws: Workspace, vid: str) -> Any:
    with ws.read() as conn:
        row = version_rows.get_version(conn, vid)
        if row.parent_id is None:
            return None
        parent = version_rows.get_version(conn, row.parent_id)
        if parent.taxonomy_id == row.taxonomy_id:
            return None
        return load_taxonomy(conn, parent.taxonomy_id)[1]


def _predictions(ws: Workspace, split: SplitData, source: str, records: list[ImageRecord]) -> list[ImageBoxes]:
    """Model predictions per image: from a registered model (mdl_…) or a COCO results file."""
    from truthline.qa import ImageBoxes

    names_by_id = {v: k for k, v in split.image_ids.items()}
    if source.startswith("mdl_"):
        from truthline.workflows.inference import load_registered, predict_split

        _, adapter = load_registered(ws, source)
        results = predict_split(adapter, split)
    else:
        path = Path(source)
        try:
            results = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise FormatError(
                f"cannot read predictions: {exc}", where=source, fix="pass a COCO results JSON or mdl_ id"
            ) from None
    cat_names = {int(c["id"]): c["name"] for c in split.coco_gt["categories"]}
    per: dict[str, list[dict[str, Any]]] = {r.name: [] for r in records}
    for d in results:
        name = names_by_id.get(int(d["image_id"]))
        if name in per:
            per[name].append(
                {
                    "label": cat_names.get(int(d["category_id"]), str(d["category_id"])),
                    "bbox": d["bbox"],
                    "score": d["score"],
                }
            )
    return [ImageBoxes.from_dicts(r.name, per[r.name]) for r in records]


def apply_decisions(ws: Workspace, path: Path) -> dict[str, Any]:
    """Write a reviewer's decisions as new annotations, all in one transaction.

    The file is ``{"reviewer": NAME, "decisions": [...]}``; each decision has an ``action``: ``relabel``
    (``annotation_id``, ``label``), ``move`` (``annotation_id``, ``bbox``), ``delete`` (``annotation_id``),
    ``add`` (``image``, ``label``, ``bbox``) or ``keep`` (``annotation_id``; recorded, nothing changes).
    """
    try:
        doc = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise FormatError(f"cannot read decisions: {exc}", where=str(path)) from None
    if (
        not isinstance(doc, dict)
        or not isinstance(doc.get("reviewer"), str)
        or not isinstance(doc.get("decisions"), list)
    ):
        raise FormatError(
            'expected {"reviewer": NAME, "decisions": [...]}', where=str(path), fix="see `truthline qa apply --help`"
        )
    reviewer = doc["reviewer"]
    add_images = [str(d.get("image")) for d in doc["decisions"] if isinstance(d, dict) and d.get("action") == "add"]
    image_ids = dict(zip(add_images, resolve_images(ws, add_images), strict=True)) if add_images else {}
    counts: dict[str, int] = {}
    written: list[str] = []
    with ws.transaction() as conn:
        tax_id, tax, _ = load_taxonomy(conn, None)
        for i, d in enumerate(doc["decisions"]):
            where = f"{path}:decisions[{i}]"
            action = d.get("action") if isinstance(d, dict) else None
            if action not in ("relabel", "move", "delete", "add", "keep"):
                raise FormatError(
                    f"unknown action {action!r}", where=where, fix="use relabel, move, delete, add or keep"
                )
            if action == "add":
                lab = _label(d, tax.names, reviewer, where)
                row = ann_rows.label_row(image_ids[str(d["image"])], tax_id, lab)
            else:
                old = _old(conn, d.get("annotation_id"), where)
                if action == "keep":
                    log_event(conn, reviewer, old.id, "annotation.kept", via="qa apply")
                    counts[action] = counts.get(action, 0) + 1
                    continue
                base = ann_rows.row_to_label(old)
                if action == "relabel":
                    lab = _with(base, label=_class(d.get("label"), tax.names, where), annotator=reviewer)
                elif action == "move":
                    lab = _with(
                        base, kind=GeometryKind.BOX, geometry={"bbox": _bbox(d.get("bbox"), where)}, annotator=reviewer
                    )
                else:
                    lab = _with(base, annotator=reviewer)
                row = ann_rows.label_row(old.image_id, tax_id, lab, supersedes=old.id)
                row["tombstone"] = action == "delete"
            ann_rows.insert_rows(conn, [row])
            log_event(conn, reviewer, row["id"], f"annotation.{action}", supersedes=row["supersedes"], via="qa apply")
            written.append(row["id"])
            counts[action] = counts.get(action, 0) + 1
    return {"reviewer": reviewer, "applied": counts, "annotations": written}


def _old(conn: Any, ann_id: Any, where: str) -> Any:
    if not isinstance(ann_id, str) or _kind(ann_id) is not Kind.ANNOTATION:
        raise FormatError(f"annotation_id {ann_id!r} is not an ann_ id", where=where)
    old = ann_rows.get_annotation(conn, ann_id)
    if old is None:
        raise NotFoundError(f"no annotation {ann_id}", where=where)
    if ann_rows.superseded_by(conn, ann_id):
        raise UserInputError(f"annotation {ann_id} was already superseded", where=where, fix="decide on the newest one")
    return old


def _kind(ann_id: str) -> Kind | None:
    try:
        return kind_of(ann_id)
    except UserInputError:
        return None


def _class(name: Any, names: list[str], where: str) -> str:
    if name not in names:
        raise FormatError(
            f"label {name!r} is not in the current taxonomy", where=where, fix=f"use one of {', '.join(names)}"
        )
    return str(name)


def _bbox(value: Any, where: str) -> list[float]:
    if not (isinstance(value, list) and len(value) == 4 and all(isinstance(v, int | float) for v in value)):
        raise FormatError(f"bbox {value!r} is not [x, y, w, h]", where=where)
    return [float(v) for v in value]


def _label(d: Mapping[str, Any], names: list[str], reviewer: str, where: str) -> Label:
    return Label.box(
        _class(d.get("label"), names, where), *_bbox(d.get("bbox"), where), annotator=reviewer, source=Source.REVIEW
    )


def _with(base: Label, **changes: Any) -> Label:
    data = {**base.to_dict(), **{k: (v.value if isinstance(v, GeometryKind) else v) for k, v in changes.items()}}
    data["source"] = Source.REVIEW
    return Label.from_dict(data)
