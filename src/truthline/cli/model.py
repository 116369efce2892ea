"""`truthline model …`: register model versions, list and show them, promote them through stages, bench them."""

from __future__ import annotations

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
