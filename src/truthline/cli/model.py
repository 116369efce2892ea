"""`truthline model …`: register model versions, list and show them, promote them through stages, bench them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from truthline.cli.context import open_ws
from truthline.cli.render import console, print_json

app = typer.Typer(help="The model registry: versions, preprocessing specs, stages with evidence.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.command("list")
def list_(as_json: JsonOpt = False) -> None:
    """Model versions, newest first, with their stage."""
    from truthline.workflows.registry import list_models

    with open_ws() as ws:
        models = list_models(ws)
    if as_json:
        print_json(models)
        return
    table = Table("id", "name", "stage", "format", "taxonomy", "training run", "created")
    for m in models:
        table.add_row(
            m["id"], m["name"], m["stage"], m["format"], m["taxonomy"], m["training_run"] or "", m["created_at"][:19]
        )
    console.print(table)


@app.command("show")
def show(model_id: Annotated[str, typer.Argument(help="A mdl_ id.")], as_json: JsonOpt = False) -> None:
    """A model version: format, preprocessing spec, stage history and evaluations."""
    from truthline.workflows.registry import show_model

    with open_ws() as ws:
        info = show_model(ws, model_id)
    if as_json:
        print_json(info)
        return
    console.print(f"[bold]{info['id']}[/] {info['name']}  stage [bold]{info['stage']}[/]  format {info['format']}")
    console.print(f"taxonomy {info['taxonomy']}  training run {info['training_run']}  blob {info['blob']}")
    console.print(f"preprocess {info['preprocess']}")
    for e in info["evaluations"]:
        console.print(f"evaluation {e['id']} on {e['dataset_version']}:{e['split']} → {e['verdict']}")
    for h in info["history"]:
        console.print(f"{h['at'][:19]} {h['actor']} {h['action']} {h['detail']}")


@app.command("promote")
def promote(
    model_id: Annotated[str, typer.Argument(help="A mdl_ id.")],
    to: Annotated[str, typer.Option("--to", help="candidate, staging, production or archived.")],
    force: Annotated[bool, typer.Option("--force", help="Promote without a passing evaluation.")] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="Why the evidence is waived (logged).")] = None,
    evaluation: Annotated[str | None, typer.Option("--evaluation", help="The evl_ id to cite.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Move a model version to a stage; production needs a passing readiness evaluation (or --force --reason)."""
    from truthline.workflows.registry import promote as do_promote

    with open_ws() as ws:
        result = do_promote(ws, model_id, to, force=force, reason=reason, evaluation=evaluation)
    if as_json:
        print_json(result)
        return
    how = f"on evidence {result['evidence']}" if result["evidence"] else "[yellow]forced[/] (logged)"
    if result["from"] == result["to"]:
        how = ""
    console.print(f"{model_id}: {result['from']} → {result['to']} {how}")
    for other in result["archived"]:
        console.print(f"{other}: production → archived")


@app.command("register")
def register(
    source: Annotated[
        str, typer.Argument(help="Model file (.onnx, .pt, results .json) or a built-in: opencv:hog-people.")
    ],
    fmt: Annotated[
        str | None, typer.Option("--format", help="onnx, torch, opencv or predictions (default: from the file).")
    ] = None,
    preprocess: Annotated[Path | None, typer.Option("--preprocess", help="Preprocessing spec YAML.")] = None,
    layout: Annotated[
        str | None, typer.Option("--layout", help="Output layout: yolov5, yolov8, yolo11, truthline-centernet, …")
    ] = None,
    taxonomy: Annotated[str | None, typer.Option("--taxonomy", help="tax_ id (default: the current one).")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Registry name (default: from the source).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Register a model version with its preprocessing spec; it cannot be registered without one."""
    from truthline.workflows.registry import register_source

    with open_ws() as ws:
        mid = register_source(ws, source, fmt=fmt, preprocess=preprocess, layout=layout, taxonomy=taxonomy, name=name)
    if as_json:
        print_json({"id": mid})
    else:
        console.print(f"registered {mid}")


@app.command("bench")
def bench(
    model_id: Annotated[str, typer.Argument(help="A mdl_ id.")],
    batch: Annotated[str, typer.Option("--batch", help="Batch sizes, e.g. 1,8.")] = "1,8",
    n: Annotated[int, typer.Option("--n", help="Timed calls per batch size (after warm-up).")] = 200,
    data: Annotated[
        str | None, typer.Option("--data", help="DSV[:split] images to run on (default: a grey frame).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Latency p50/p95/p99 and throughput per batch size on this machine."""
    from truthline.domain.errors import UserInputError
    from truthline.workflows.inference import bench_model

    try:
        sizes = [int(b) for b in batch.split(",") if b.strip()]
    except ValueError:
        raise UserInputError(f"bad --batch {batch!r}", fix="write batch sizes as 1,8") from None
    with open_ws() as ws:
        rows = bench_model(ws, model_id, data, sizes, n)
    if as_json:
        print_json(rows)
        return
    table = Table("batch", "p50 ms", "p95 ms", "p99 ms", "images/s", title=f"{model_id} latency ({n} calls each)")
    for r in rows:
        table.add_row(
            str(r["batch_size"]),
            f"{r['p50_ms']:.1f}",
            f"{r['p95_ms']:.1f}",
            f"{r['p99_ms']:.1f}",
            f"{r['throughput_ips']:.1f}",
        )
    console.print(table)
