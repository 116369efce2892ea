"""`truthline qa …`: label QA of a dataset version (JSON + offline HTML report), and applying a reviewer's decisions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from truthline.cli.context import open_ws
from truthline.cli.render import console, narrator, print_json

app = typer.Typer(
    help="Label QA: agreement, label errors, duplicates and leakage, consistency, anomalies.",
    invoke_without_command=True,
)


@app.callback()
def qa(
    ctx: typer.Context,
    version: Annotated[str, typer.Option("--data", help="The dataset version (dsv_… or head).")] = "head",
    predictions: Annotated[
        str | None, typer.Option("--predictions", help="A mdl_ id or a COCO results JSON, for label-error candidates.")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for qa.json and report.html.")] = Path("qa-report"),
    max_distance: Annotated[
        int, typer.Option("--max-distance", help="pHash bits (of 255) within which two images are near-duplicates.")
    ] = 16,
    min_score: Annotated[
        float | None,
        typer.Option("--min-score", help="Confidence a prediction needs to count as evidence (default 0.5)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Run every check on a dataset version and write qa.json and a self-contained report.html."""
    if ctx.invoked_subcommand is not None:
        return
    from truthline.workflows.qa import run_qa

    with open_ws() as ws:
        result = run_qa(
            ws,
            version,
            out,
            predictions=predictions,
            max_distance=max_distance,
            min_score=min_score,
            say=narrator(as_json),
        )
    if as_json:
        print_json(result)
        return
    for check, n in result["issues"].items():
        console.print(f"  {check}: {n} issue(s)")
    console.print(f"report: {result['report']}")


@app.command("apply")
def apply(
    decisions: Annotated[Path, typer.Argument(help='JSON: {"reviewer": NAME, "decisions": [{action, …}]}.')],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Write a reviewer's decisions (relabel, move, delete, add, keep) as new annotations attributed to them."""
    from truthline.workflows.qa import apply_decisions

    with open_ws() as ws:
        result = apply_decisions(ws, decisions)
    if as_json:
        print_json(result)
    else:
        console.print(f"{result['reviewer']}: {result['applied']}; commit to put them in a version")
