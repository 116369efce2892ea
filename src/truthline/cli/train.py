"""`truthline train …`: train the built-in detector or run an external trainer on a dataset version; rerun a run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from truthline.cli.context import open_ws
from truthline.cli.render import console, narrator, print_json

app = typer.Typer(
    help="Training runs recorded with dataset version, config, code and environment.",
    invoke_without_command=True,
)


@app.callback()
def train(
    ctx: typer.Context,
    data: Annotated[str, typer.Option("--data", help="Dataset version to train on (dsv_… or head).")] = "head",
    command: Annotated[
        str | None, typer.Option("--command", help='External trainer, e.g. "python t.py --data {data} --out {out}".')
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="Format the version is exported in for --command.")] = "yolo",
    preprocess: Annotated[
        Path | None, typer.Option("--preprocess", help="Preprocessing spec YAML of the external model.")
    ] = None,
    layout: Annotated[str | None, typer.Option("--layout", help="Output layout of the external ONNX model.")] = None,
    name: Annotated[str, typer.Option("--name", help="Registry name of the model.")] = "detector",
    epochs: Annotated[int | None, typer.Option("--epochs", help="Built-in trainer: epochs.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Built-in trainer: seed.")] = 0,
    time_budget: Annotated[float | None, typer.Option("--time-budget", help="Built-in trainer: seconds.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Train on a version's train split (validated on val) and register the model with its training run."""
    if ctx.invoked_subcommand is not None:
        return
    from truthline.workflows.training import train_builtin, train_external

    with open_ws() as ws:
        if command:
            result = train_external(
                ws, data, command, fmt=fmt, preprocess=preprocess, layout=layout, name=name, say=narrator(as_json)
            )
        else:
            config: dict[str, object] = {"seed": seed}
            if epochs is not None:
                config["epochs"] = epochs
            if time_budget is not None:
                config["time_budget_s"] = time_budget
            result = train_builtin(ws, data, name=name, config=config, say=narrator(as_json))
    if as_json:
        print_json(result)
    else:
        console.print(f"run {result['run']} registered model {result['model']}")


@app.command("rerun")
def rerun(
    run_id: Annotated[str, typer.Argument(help="A run_ id.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Reproduce a run from its record: same dataset version, config and seed (a new run, linked to the old)."""
    from truthline.workflows.training import rerun as do_rerun

    with open_ws() as ws:
        result = do_rerun(ws, run_id, say=narrator(as_json))
    if as_json:
        print_json(result)
    else:
        console.print(f"run {result['run']} (rerun of {run_id}) registered model {result['model']}")
