"""The `truthline` command: global options, sub-commands, and one-line errors with exit code 2."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from truthline.cli import dataset, model, qa, synth, taxonomy, train
from truthline.cli import eval as eval_cli
from truthline.cli.context import open_ws, options
from truthline.cli.render import console, err_console, narrator, print_json

app = typer.Typer(
    name="truthline",
    help="One lineage graph from image and label to production prediction.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(dataset.app, name="dataset")
app.add_typer(taxonomy.app, name="taxonomy")
app.add_typer(synth.app, name="synth")
app.add_typer(model.app, name="model")
app.add_typer(eval_cli.app, name="eval")
app.add_typer(train.app, name="train")
app.add_typer(qa.app, name="qa")


@app.callback()
def root(
    workspace: Annotated[
        Path | None, typer.Option("--workspace", "-w", help="Workspace folder (default: found above the cwd).")
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    options.workspace = workspace
    options.debug = debug


@app.command()
def init(directory: Annotated[Path, typer.Argument(help="Project folder.")] = Path(".")) -> None:
    """Create a workspace (.truthline/ with its database and blob store) in DIRECTORY."""
    from truthline.workflows.workspace import Workspace

    with Workspace.init(directory) as ws:
        console.print(f"workspace ready at {ws.dir} ({ws.engine.dialect.name})")


@app.command()
def doctor(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Versions, database and blob-store health. Exit code 1 when something is wrong."""
    with open_ws() as ws:
        report = ws.doctor()
    if as_json:
        print_json(report)
    else:
        table = Table("check", "value", show_header=False)
        table.add_row("workspace", report["workspace"])
        table.add_row("python", report["python"])
        for k, v in report["packages"].items():
            table.add_row(k, v)
        for k, v in report["database"].items():
            table.add_row(f"database {k}", str(v))
        for k, v in report["blobs"].items():
            table.add_row(f"blobs {k}", str(v))
        console.print(table)
        console.print("[green]ok[/]" if report["ok"] else "[red]problems:[/] " + "; ".join(report["problems"]))
    if not report["ok"]:
        raise typer.Exit(1)


@app.command()
def lineage(
    entity_id: Annotated[str, typer.Argument(help="Any id: ann_, img_, dsv_, tax_, or a blob sha256.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Walk the lineage graph up (what it came from) and down (what was made from it)."""
    with open_ws() as ws:
        node = ws.lineage(entity_id)
    if as_json:
        print_json(node)
        return
    console.print(f"[bold]{node['kind']} {node['id']}[/]")
    for k, v in node["summary"].items():
        console.print(f"  {k}: {v}")
    for direction in ("up", "down"):
        console.print(f"[bold]{direction}[/]")
        for k, v in node[direction].items():
            console.print(f"  {k}: {_short(v)}")


def _short(v: Any) -> str:
    if isinstance(v, list) and len(v) > 8:
        return f"{v[:8]} … ({len(v)} in all)"
    return str(v)


@app.command()
def formats(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The annotation formats truthline reads and writes, and what each can carry without loss."""
    from dataclasses import asdict

    from truthline.formats import capabilities

    infos = capabilities()
    if as_json:
        print_json([asdict(i) for i in infos])
        return
    cols = [
        "boxes",
        "rotated_boxes",
        "polygons",
        "polylines",
        "masks",
        "keypoints",
        "image_labels",
        "attributes",
        "tracks",
        "annotators",
    ]
    table = Table("format", *[c.replace("_", " ") for c in cols], "class ids", title="what each format carries")
    for i in infos:
        base = "by name" if i.class_id_base is None else f"{i.class_id_base}-based"
        table.add_row(i.name, *("✓" if getattr(i, c) else "·" for c in cols), base)
    console.print(table)
    console.print("Exporting what a format cannot carry writes a loss report; --strict makes it an error.")


@app.command()
def predict(
    model_id: Annotated[str, typer.Argument(help="A mdl_ id.")],
    data: Annotated[str, typer.Option("--data", help="DSV[:split], e.g. dsv_…:test or head:val.")],
    out: Annotated[Path, typer.Option("--out", help="COCO results JSON to write.")],
    gt_out: Annotated[
        Path | None, typer.Option("--gt-out", help="Also write the split's COCO ground truth (for eval coco).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Run a registered model over a dataset version split; write COCO results (and the model version)."""
    from truthline.cli.render import progress_bar
    from truthline.workflows.inference import predict as run_predict

    with open_ws() as ws, progress_bar() as update:
        info = run_predict(ws, model_id, data, out, gt_out=gt_out, on_progress=update)
    if as_json:
        print_json(info)
    else:
        console.print(f"{info['detections']} detections on {info['images']} images → {out}")


@app.command()
def ready(
    model_id: Annotated[str, typer.Argument(help="The candidate mdl_ id.")],
    data: Annotated[str, typer.Option("--data", help="DSV[:split] (default split: the policy's).")],
    policy: Annotated[Path, typer.Option("--policy", help="Readiness policy YAML (truthline schema readiness).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for report.html, readiness.json, summary.md.")] = Path(
        "readiness"
    ),
    baseline: Annotated[str | None, typer.Option("--baseline", help="The champion mdl_ id to compare with.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Judge a model against a production readiness policy. Exit 0 pass, 1 fail, 2 error."""
    from truthline.workflows.readiness import ready as run_ready

    with open_ws() as ws:
        result = run_ready(ws, model_id, data, policy, out, baseline=baseline, say=narrator(as_json))
    if as_json:
        print_json(result)
    else:
        colour = "green" if result["verdict"] == "pass" else "red"
        console.print(
            f"[bold {colour}]{result['verdict'].upper()}[/] {result['evaluation']}  checklist {result['checklist']}"
        )
        for g in result["gates"]:
            console.print(f"  {g['status']:>12}  {g['name']}: {g['value']} (threshold {g['threshold']})")
        console.print(f"report: {result['report']}")
    raise typer.Exit(result["exit_code"])


@app.command()
def benchmark(
    more: Annotated[list[str] | None, typer.Argument(help="More mdl_ ids (so that --models A B works).")] = None,
    models: Annotated[list[str] | None, typer.Option("--models", help="mdl_ ids to compare.")] = None,
    data: Annotated[str, typer.Option("--data", help="DSV[:split], or a video file with per-frame ground truth.")] = "",
    ground_truth: Annotated[
        Path | None, typer.Option("--ground-truth", help="Video ground truth JSON lines (default: VIDEO.jsonl).")
    ] = None,
    threshold: Annotated[float, typer.Option("--threshold", help="Operating score threshold.")] = 0.5,
    out: Annotated[Path, typer.Option("--out", help="Folder for report.html and benchmark.json.")] = Path("benchmark"),
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Compare models side by side on the same golden truth (images or video frame by frame), in one report."""
    from truthline.domain.errors import UserInputError
    from truthline.workflows.benchmark import benchmark as run_benchmark

    ids = [*(models or []), *(more or [])]
    if not data:
        raise UserInputError("say what to compare on", fix="pass --data DSV[:split] or --data VIDEO.mp4")
    with open_ws() as ws:
        result = run_benchmark(
            ws, ids, data, out, threshold=threshold, ground_truth=ground_truth, say=narrator(as_json)
        )
    if as_json:
        print_json(result)
        return
    table = Table("model", "name", "precision", "recall", "FP/unit", "AP50", title=f"{data} at score ≥ {threshold:g}")
    for r in result["models"]:
        cells = [r["precision"], r["recall"], r["fp_per_unit"], r["ap50"]]
        table.add_row(r["model"], r["name"], *("–" if v is None else f"{v:.3f}" for v in cells))
    console.print(table)
    console.print(f"report: {result['report']}")


def _schemas() -> dict[str, Any]:
    """Config files truthline reads, by name, with the pydantic model that validates each."""
    from truthline.models import PreprocessSpec
    from truthline.readiness import ReadinessPolicy
    from truthline.synth.schedule import VideoSchedule

    return {"preprocess": PreprocessSpec, "readiness": ReadinessPolicy, "synth-schedule": VideoSchedule}


@app.command()
def schema(name: Annotated[str, typer.Argument(help="Config file kind; omit to list them.")] = "") -> None:
    """Print the JSON schema of a config file (omit NAME to list the names)."""
    from truthline.domain.errors import UserInputError

    models = _schemas()
    if not name:
        console.print("\n".join(models))
        return
    if name not in models:
        raise UserInputError(f"no schema named {name!r}", fix=f"use one of {', '.join(models)}")
    print_json(models[name].model_json_schema())


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for the demo workspace.")] = Path("truthline-demo"),
) -> None:
    """Run the whole loop as far as it exists on generated data, printing what it did and where to look."""
    from truthline.workflows.demo import run_demo

    run_demo(out, say=console.print)


def main() -> None:
    """Entry point: user errors print one line and exit 2; --debug shows the traceback."""
    from truthline.domain.errors import TruthlineError

    try:
        code = app(standalone_mode=False)  # click returns a command's typer.Exit code instead of raising it
    except TruthlineError as exc:
        if options.debug:
            raise
        err_console.print(f"[red]error:[/] {exc.one_line()}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except Exception as exc:  # a click usage error carries its own exit code
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
