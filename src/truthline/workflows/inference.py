"""Running registered models: rebuild the adapter from the registry, predict over a split, bench latency.

Every path serves through the spec stored with the model version; when the model came from a training run,
the spec the run trained with is compared first and a mismatch stops the run (one preprocessing path).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from truthline.domain.errors import UserInputError
from truthline.store import models as model_rows
from truthline.store.events import log_event
from truthline.workflows.registry import model_row
from truthline.workflows.samples import SplitData, load_split

if TYPE_CHECKING:
    from truthline.models import Detector
    from truthline.workflows.workspace import Workspace

OnProgress = Callable[[str, int, int], None]


def load_registered(ws: Workspace, model_id: str) -> tuple[Any, Detector]:
    """(registry row, detector adapter) for a model version, after the serving-spec check."""
    from truthline.models import ModelConfig, check_same_spec, load_model_from_config
    from truthline.models.preprocess import PreprocessSpec

    with ws.read() as conn:
        row = model_row(conn, model_id)
        run = model_rows.get_run(conn, row.training_run_id) if row.training_run_id else None
    config = ModelConfig.model_validate(row.config)
    trained = (run.config.get("trainer") or {}).get("preprocess") if run is not None else None
    if trained is None and run is not None:
        trained = run.config.get("preprocess")
    if trained is not None:
        check_same_spec(config.preprocess, PreprocessSpec.model_validate(trained))
    source = str(ws.blobs.path(row.blob_sha)) if row.blob_sha else config.name
    adapter = load_model_from_config(config, source)
    if config.task != "detect":
        raise UserInputError(f"{model_id} is a {config.task} model; this command needs a detector")
    return row, adapter  # type: ignore[return-value]


def category_ids(split: SplitData, class_names: Sequence[str]) -> list[int]:
    """COCO category id of each model class in the split's ground truth (by name); unknown names get new ids."""
    by_name = {c["name"]: int(c["id"]) for c in split.coco_gt["categories"]}
    nxt = max(by_name.values(), default=0) + 1
    out = []
    for name in class_names:
        if name not in by_name:
            by_name[name] = nxt
            nxt += 1
        out.append(by_name[name])
    return out


def batches(split: SplitData, size: int) -> Iterator[tuple[list[int], list[Any]]]:
    """(COCO image ids, decoded images) of the split, ``size`` at a time."""
    for i in range(0, len(split.records), size):
        recs = split.records[i : i + size]
        yield [split.image_ids[r.name] for r in recs], [split.image(r) for r in recs]


def predict_split(
    adapter: Detector, split: SplitData, *, batch: int = 8, on_progress: OnProgress | None = None
) -> list[dict[str, Any]]:
    """COCO results for every image of the split (category ids those of the split's COCO ground truth)."""
    cats = category_ids(split, adapter.class_names)
    results: list[dict[str, Any]] = []
    done = 0
    for ids, images in batches(split, batch):
        for image_id, dets in zip(ids, adapter.predict(images), strict=True):
            results += dets.to_coco(image_id, cats)
        done += len(ids)
        if on_progress:
            on_progress("predicting", done, len(split.records))
    return results


def predict(
    ws: Workspace,
    model_id: str,
    data: str,
    out: Path,
    *,
    gt_out: Path | None = None,
    on_progress: OnProgress | None = None,
) -> dict[str, Any]:
    """Write COCO results of a model over ``DSV[:split]`` (and, if asked, the matching COCO ground truth)."""
    from truthline.workflows.samples import parse_data_ref

    version, split_name = parse_data_ref(data)
    _, adapter = load_registered(ws, model_id)
    split = load_split(ws, version, split_name)
    results = predict_split(adapter, split, on_progress=on_progress)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results))
    meta = {"model": model_id, "dataset_version": split.version, "split": split_name, "results": str(out)}
    out.with_suffix(".provenance.json").write_text(json.dumps(meta, indent=2))
    if gt_out is not None:
        gt_out.parent.mkdir(parents=True, exist_ok=True)
        gt_out.write_text(json.dumps(split.coco_gt))
    with ws.transaction() as conn:
        log_event(conn, ws.actor, model_id, "model.predicted", dataset_version=split.version, split=split_name)
    return {**meta, "detections": len(results), "images": len(split.records)}


def bench_model(
    ws: Workspace, model_id: str, data: str | None, batch_sizes: Sequence[int], n: int
) -> list[dict[str, Any]]:
    """Latency p50/p95/p99 and throughput per batch size on images of a version (or a grey frame)."""
    import numpy as np

    from truthline.models import bench
    from truthline.workflows.samples import parse_data_ref

    _, adapter = load_registered(ws, model_id)
    if data:
        version, split_name = parse_data_ref(data)
        split = load_split(ws, version, split_name)
        images = [split.image(r) for r in split.records[: max(batch_sizes) * 4]]
    else:
        images = [np.full((256, 256, 3), 128, np.uint8)]
    return [b.to_dict() for b in bench(adapter, images, batch_sizes=batch_sizes, n=n)]
