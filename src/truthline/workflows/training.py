"""Training runs: record dataset version, config, code, environment and seed; train; register what comes out.

A run row is written when training starts (status ``running``), per-epoch metrics are appended as they come,
and the run is finished together with the registration of its model in one transaction. A failed trainer
marks its run ``failed`` with the error. ``rerun`` starts a new run from an old run's record.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from truthline.domain.errors import NotFoundError, TruthlineError, UserInputError
from truthline.domain.ids import Kind, expect_kind, new_id
from truthline.store import models as model_rows
from truthline.store.events import log_event, now
from truthline.workflows.registry import register_model
from truthline.workflows.samples import load_split

if TYPE_CHECKING:
    from truthline.workflows.workspace import Workspace

Say = Callable[[str], Any]


def _quiet(_: str) -> None:
    return None


def start_run(ws: Workspace, version: str, config: Mapping[str, Any], seed: int | None) -> str:
    from truthline.models.environment import code_ref, environment_snapshot

    run_id = new_id(Kind.TRAINING_RUN)
    with ws.transaction() as conn:
        model_rows.insert_run(
            conn,
            {
                "id": run_id,
                "dataset_version_id": version,
                "status": "running",
                "config": dict(config),
                "code_ref": code_ref(Path.cwd()) or {},
                "environment": environment_snapshot(),
                "seed": seed,
                "metrics": {"epochs": []},
                "artefacts": {},
                "actor": ws.actor,
            },
        )
        log_event(conn, ws.actor, run_id, "run.started", dataset_version=version, kind=config.get("kind"))
    return run_id


def record_epoch(ws: Workspace, run_id: str, metrics: Mapping[str, Any]) -> None:
    with ws.transaction() as conn:
        row = model_rows.get_run(conn, run_id)
        epochs = [*row.metrics.get("epochs", []), dict(metrics)]
        model_rows.update_run(conn, run_id, metrics={**row.metrics, "epochs": epochs})


def fail_run(ws: Workspace, run_id: str, error: str) -> None:
    with ws.transaction() as conn:
        model_rows.update_run(conn, run_id, status="failed", finished_at=now(), artefacts={"error": error})
        log_event(conn, ws.actor, run_id, "run.failed", error=error)


def train_builtin(
    ws: Workspace,
    version: str | None,
    *,
    task: str = "detect",
    name: str = "detector",
    config: Mapping[str, Any] | None = None,
    say: Say = _quiet,
) -> dict[str, Any]:
    """Train the built-in detector on a version's train split, validate on val, register the ONNX export."""
    from truthline.models import DetectorTrainConfig, train_detector

    if task != "detect":
        raise UserInputError(f"no built-in trainer for task {task!r}", fix="use --task detect")
    cfg = DetectorTrainConfig.model_validate(dict(config or {}))
    train = load_split(ws, version, "train")
    val = load_split(ws, train.version, "val")
    # the spec the network is trained with, so that serving can be checked against it
    trainer = {**cfg.model_dump(mode="json"), "preprocess": cfg.spec().to_dict()}
    run_config = {"kind": "builtin", "task": task, "name": name, "trainer": trainer}
    run_id = start_run(ws, train.version, run_config, cfg.seed)
    t0 = time.perf_counter()
    try:
        samples = [(train.image(r), *train.boxes(r)) for r in train.records]
        val_samples = [(val.image(r), *val.boxes(r)) for r in val.records]
        say(f"   training {name} on {len(samples)} train / {len(val_samples)} val images of {train.version} ({run_id})")

        def on_epoch(epoch: int, metrics: dict[str, float]) -> None:
            record_epoch(ws, run_id, {"epoch": epoch, **metrics})
            shown = ", ".join(f"{k} {v:.3f}" for k, v in metrics.items() if k != "epoch")
            say(f"   epoch {epoch}: {shown}")

        trained = train_detector(samples, val_samples, train.class_names, cfg, on_epoch=on_epoch)
        with tempfile.TemporaryDirectory() as tmp:
            onnx = trained.export_onnx(Path(tmp) / "model.onnx")
            model_config = trained.model_config("onnx")
            mid = _finish(ws, run_id, name, onnx, model_config.model_dump(mode="json"), trained.final_metrics, t0)
    except TruthlineError as exc:
        fail_run(ws, run_id, exc.one_line())
        raise
    except Exception as exc:
        fail_run(ws, run_id, f"{type(exc).__name__}: {exc}")
        raise
    return {"run": run_id, "model": mid, "metrics": trained.final_metrics, "seconds": time.perf_counter() - t0}


def _finish(
    ws: Workspace,
    run_id: str,
    name: str,
    file: Path,
    model_config: Mapping[str, Any],
    final: Mapping[str, Any],
    t0: float,
    artefacts: Mapping[str, Any] | None = None,
) -> str:
    """Register the model and close the run, in one transaction."""
    with ws.transaction() as conn:
        row = model_rows.get_run(conn, run_id)
        mid = register_model(
            ws,
            name=name,
            fmt=str(model_config["format"]),
            preprocess=model_config["preprocess"],
            file=file,
            config=model_config,
            training_run_id=run_id,
            taxonomy_id=_version_taxonomy(conn, row.dataset_version_id),
            conn=conn,
        )
        model_rows.update_run(
            conn,
            run_id,
            status="finished",
            finished_at=now(),
            metrics={**row.metrics, "final": dict(final), "duration_s": time.perf_counter() - t0},
            artefacts={**dict(artefacts or {}), "model": mid},
        )
        log_event(conn, ws.actor, run_id, "run.finished", model=mid)
    return mid


def _version_taxonomy(conn: Any, version: str) -> str:
    from truthline.store.versions import get_version

    return str(get_version(conn, version).taxonomy_id)


def train_external(
    ws: Workspace,
    version: str | None,
    command: str,
    *,
    fmt: str = "yolo",
    preprocess: Path | Mapping[str, Any] | None = None,
    layout: str | None = None,
    name: str = "external",
    say: Say = _quiet,
) -> dict[str, Any]:
    """Export the version in ``fmt`` to {data}, run ``command`` with {data} and {out}, register what it writes.

    The command's standard output is scanned for JSON objects, one per line, which become the run's
    per-epoch metrics. It must write ``model.onnx`` into {out}; the preprocessing spec comes from
    ``preprocess`` or ``{out}/preprocess.yaml``.
    """
    from truthline.workflows.transfer import export_dataset

    if "{out}" not in command:
        raise UserInputError("the command must name {out}, where it writes model.onnx", where=command)
    with tempfile.TemporaryDirectory() as tmp:
        data, out = Path(tmp) / "data", Path(tmp) / "out"
        out.mkdir()
        vid, _ = export_dataset(ws, version, fmt, data)
        run_config = {
            "kind": "external",
            "command": command,
            "format": fmt,
            "name": name,
            "layout": layout,
            "preprocess": _read_spec(preprocess) if preprocess is not None else None,
        }
        run_id = start_run(ws, vid, run_config, None)
        t0 = time.perf_counter()
        argv = [a.replace("{data}", str(data)).replace("{out}", str(out)) for a in shlex.split(command)]
        say(f"   running {' '.join(argv)} ({run_id})")
        proc = subprocess.run(argv, capture_output=True, text=True)
        log = ws.blobs.put_bytes((proc.stdout + "\n--- stderr ---\n" + proc.stderr).encode())
        for line in proc.stdout.splitlines():
            metrics = _json_object(line)
            if metrics is not None:
                record_epoch(ws, run_id, metrics)
        if proc.returncode != 0:
            fail_run(ws, run_id, f"command exited {proc.returncode}; log blob {log}")
            raise UserInputError(
                f"training command exited {proc.returncode}: {proc.stderr.strip().splitlines()[-1:] or ''}",
                where=run_id,
                fix=f"see its log: truthline lineage {log}",
            )
        model = out / "model.onnx"
        if not model.is_file():
            fail_run(ws, run_id, "no model.onnx in {out}")
            raise UserInputError("the training command wrote no model.onnx into {out}", where=run_id)
        spec = run_config["preprocess"] or _read_spec(out / "preprocess.yaml")
        assert isinstance(spec, dict)
        model_config = _onnx_config(ws, vid, spec, layout)
        mid = _finish(ws, run_id, name, model, model_config, {}, t0, {"log": log})
    return {"run": run_id, "model": mid}


def _json_object(line: str) -> dict[str, Any] | None:
    line = line.strip()
    if not (line.startswith("{") and line.endswith("}")):
        return None
    try:
        value = json.loads(line)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _read_spec(source: Path | Mapping[str, Any]) -> dict[str, Any]:
    """A validated preprocessing spec from a YAML file or a stored dict."""
    from truthline.models.preprocess import PreprocessSpec

    if isinstance(source, Mapping):
        return PreprocessSpec.model_validate(dict(source)).model_dump(mode="json")
    if not source.is_file():
        raise UserInputError(f"preprocessing spec not found: {source}", fix="pass --preprocess SPEC.yaml")
    return PreprocessSpec.from_yaml(source.read_text(), where=str(source)).model_dump(mode="json")


def _onnx_config(ws: Workspace, version: str, spec: Mapping[str, Any], layout: str | None) -> dict[str, Any]:
    from truthline.models.model_config import ModelConfig

    split = load_split(ws, version, None)
    cfg = ModelConfig.model_validate(
        {"format": "onnx", "layout": layout or "yolov8", "class_names": split.class_names, "preprocess": spec}
    )
    return cfg.model_dump(mode="json")


def rerun(ws: Workspace, run_id: str, say: Say = _quiet) -> dict[str, Any]:
    """Start a new run from an old run's record: same dataset version, config and seed."""
    expect_kind(run_id, Kind.TRAINING_RUN)
    with ws.read() as conn:
        row = model_rows.get_run(conn, run_id)
    if row is None:
        raise NotFoundError(f"no training run {run_id}", fix="see `truthline lineage MODEL`")
    cfg = row.config
    if cfg.get("kind") == "builtin":
        result = train_builtin(
            ws, row.dataset_version_id, task=cfg["task"], name=cfg["name"], config=cfg["trainer"], say=say
        )
    elif cfg.get("kind") == "external":
        result = train_external(
            ws,
            row.dataset_version_id,
            cfg["command"],
            fmt=cfg["format"],
            preprocess=cfg["preprocess"],
            layout=cfg["layout"],
            name=cfg["name"],
            say=say,
        )
    else:
        raise UserInputError(f"run {run_id} has no rerunnable config")
    with ws.transaction() as conn:
        log_event(conn, ws.actor, result["run"], "run.rerun_of", original=run_id)
    return result
