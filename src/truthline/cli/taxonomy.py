"""`truthline taxonomy …`: set, show and diff taxonomy versions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from truthline.cli.context import open_ws
from truthline.cli.render import console, print_json

app = typer.Typer(help="Versioned taxonomies: ordered classes with labelling guidelines.", no_args_is_help=True)


@app.command("set")
def set_(
    file: Annotated[Path, typer.Argument(help="YAML: a list of class names, or of {name, guideline}.")],
    message: Annotated[str, typer.Option("-m", "--message")] = "",
) -> None:
    """Make the classes in FILE the current taxonomy (a new version whose parent is the current one)."""
    from truthline.formats.native import read_taxonomy_file

    with open_ws() as ws:
        tax_id = ws.set_taxonomy(read_taxonomy_file(file), message or f"from {file.name}")
    console.print(f"taxonomy {tax_id}")


@app.command("show")
def show(
    tax_id: Annotated[str | None, typer.Argument(help="A tax_ id (default: the current one).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The classes of a taxonomy version, in order, with their guidelines."""
    with open_ws() as ws:
        info = ws.taxonomy(tax_id)
    if as_json:
        print_json(info)
        return
    table = Table("#", "class", "guideline", title=f"{info['id']} (parent {info['parent']})")
    for i, c in enumerate(info["classes"]):
        table.add_row(str(i), c["name"], c.get("guideline", ""))
    console.print(table)


@app.command("diff")
def diff(
    a: Annotated[str, typer.Argument()],
    b: Annotated[str, typer.Argument()],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Classes added, removed, with changed guidelines, and whether the order changed."""
    with open_ws() as ws:
        d = ws.taxonomy_diff(a, b)
    if as_json:
        print_json(d)
    else:
        for k in ("added", "removed", "guideline_changed", "reordered"):
            console.print(f"{k.replace('_', ' ')}: {d[k]}")
