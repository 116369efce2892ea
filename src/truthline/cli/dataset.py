"""`truthline dataset …`: add images and annotations, commit versions, log, show and diff them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from truthline.cli.context import open_ws
from truthline.cli.render import console, err_console, print_json, progress_bar

app = typer.Typer(help="Images, annotations and immutable dataset versions.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.command("add-images")
def add_images(
    directory: Annotated[Path, typer.Argument(help="Folder of images (searched recursively).")],
    meta: Annotated[
        Path | None, typer.Option("--meta", help="CSV with a 'file' column; other columns become metadata keys.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add image files to the working set (bytes into the blob store, metadata from a CSV)."""
    with open_ws() as ws, progress_bar() as update:
        result = ws.add_images(directory, meta=meta, on_progress=update)
    if as_json:
        print_json({k: v for k, v in result.items() if k != "ids"} | {"n": len(result["ids"])})
    else:
        console.print(f"added {result['added']} image(s), {result['existing']} already present")


@app.command("add-annotations")
def add_annotations(
    file: Annotated[Path, typer.Argument(help="JSON lines: {image, label, kind?, bbox? | geometry?, annotator?, …}.")],
) -> None:
    """Add annotations from truthline's JSON-lines form (one annotation per line)."""
    from truthline.formats.native import read_labels_jsonl

    with open_ws() as ws:
        ids = ws.add_labels(read_labels_jsonl(file))
    console.print(f"added {len(ids)} annotation(s)")


@app.command("remove")
def remove(refs: Annotated[list[str], typer.Argument(help="Image ids or names.")]) -> None:
    """Take images out of the working set (the next commit leaves them out; nothing is deleted)."""
    with open_ws() as ws:
        n = ws.remove_images(refs)
    console.print(f"removed {n} image(s) from the working set")


@app.command("commit")
def commit(
    message: Annotated[str, typer.Option("-m", "--message", help="What changed.")],
    split: Annotated[
        str | None, typer.Option("--split", help="e.g. train=0.8,val=0.1,test=0.1 (default: the parent's).")
    ] = None,
    group_by: Annotated[
        str | None, typer.Option("--group-by", help="Metadata key whose groups never span two splits.")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the split assignment.")] = 0,
    strict: Annotated[bool, typer.Option("--strict", help="Refuse to commit when images leak across splits.")] = False,
    ignore_source_splits: Annotated[
        bool,
        typer.Option("--ignore-source-splits", help="Re-split imported images instead of keeping their file's split."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Freeze the working set as an immutable dataset version with stored splits."""
    with open_ws() as ws, progress_bar() as update:
        info = ws.commit(
            message,
            split=split,
            group_by=group_by,
            seed=seed,
            source_splits=not ignore_source_splits,
            strict=strict,
            on_progress=update,
        )
    for leak in info["leakage"][:5]:
        err_console.print(
            f"[yellow]warning:[/] leakage across splits: {leak['a']} ~ {leak['b']} (distance {leak['distance']})"
        )
    if len(info["leakage"]) > 5:
        err_console.print(f"[yellow]warning:[/] … {len(info['leakage'])} leaking pairs in all; see `truthline qa`")
    if as_json:
        print_json(info)
    else:
        console.print(
            f"committed [bold]{info['id']}[/] ({info['n_images']} images, {info['n_annotations']} annotations)"
            f" hash {info['content_hash'][:12]}"
        )


@app.command("log")
def log(as_json: JsonOpt = False) -> None:
    """Dataset versions, newest first."""
    with open_ws() as ws:
        versions = ws.log()
    if as_json:
        print_json(versions)
        return
    table = Table("id", "created", "images", "annotations", "message", "hash")
    for v in versions:
        table.add_row(
            v["id"],
            v["created_at"][:19],
            str(v["n_images"]),
            str(v["n_annotations"]),
            v["message"],
            v["content_hash"][:12],
        )
    console.print(table)


@app.command("show")
def show(
    version: Annotated[str, typer.Argument(help="A dsv_ id, or 'head'.")] = "head",
    as_json: JsonOpt = False,
) -> None:
    """A version: splits, class counts per split, and its slice keys (metadata) with image counts."""
    with open_ws() as ws:
        info = ws.show(version)
    if as_json:
        print_json(info)
        return
    console.print(f"[bold]{info['id']}[/]  {info['message']}")
    console.print(f"parent {info['parent']}  taxonomy {info['taxonomy']}  hash {info['content_hash']}")
    splits = info["stats"]["splits"]
    classes = sorted({c for e in splits.values() for c in e["classes"]})
    table = Table("split", "images", "annotations", *classes, title="splits")
    for s, e in splits.items():
        table.add_row(s, str(e["images"]), str(e["annotations"]), *(str(e["classes"].get(c, 0)) for c in classes))
    console.print(table)
    _print_slices(info["stats"]["slices"], list(splits))


def _print_slices(slices: dict[str, Any], split_names: list[str]) -> None:
    if not slices:
        return
    table = Table("slice key", "value", *split_names, title="slices (images per value and split)")
    for key, values in slices.items():
        for i, (value, counts) in enumerate(values.items()):
            table.add_row(key if i == 0 else "", value, *(str(counts.get(s, 0)) for s in split_names))
    console.print(table)


@app.command("diff")
def diff(
    a: Annotated[str, typer.Argument(help="Older version.")],
    b: Annotated[str, typer.Argument(help="Newer version.")],
    as_json: JsonOpt = False,
) -> None:
    """Images added and removed, annotations added, removed and changed, class counts, taxonomy diff."""
    with open_ws() as ws:
        d = ws.diff(a, b)
    if as_json:
        print_json(d)
        return
    console.print(f"[bold]{d['from']} → {d['to']}[/]")
    for key in ("images_added", "images_removed", "annotations_added", "annotations_removed", "annotations_changed"):
        items = d[key]
        shown = ", ".join(json.dumps(i) if isinstance(i, dict) else str(i) for i in items[:5])
        console.print(
            f"{key.replace('_', ' ')}: {len(items)}" + (f"  ({shown}{' …' if len(items) > 5 else ''})" if items else "")
        )
    t = d["taxonomy"]
    console.print(
        f"taxonomy {t['from']} → {t['to']}: +{t['added']} -{t['removed']} guideline changed {t['guideline_changed']}"
    )
    table = Table("version", "split", "class counts")
    for vid, per_split in d["class_counts"].items():
        for s, counts in per_split.items():
            table.add_row(vid, s, ", ".join(f"{k}={v}" for k, v in counts.items()))
    console.print(table)


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="The annotation file or dataset folder.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="See `truthline formats`.")],
    images: Annotated[Path | None, typer.Option("--images", help="Folder with the image files.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Import an annotation file with its images into the working set (nothing is imported if it is malformed)."""
    with open_ws() as ws, progress_bar() as update:
        info = ws.import_dataset(fmt, path, images=images, on_progress=update)
    if as_json:
        print_json(info)
    else:
        console.print(
            f"imported {info['images']} image(s) ({info['images_already_present']} already present) and "
            f"{info['annotations']} annotation(s) from {fmt}; taxonomy {info['taxonomy']}"
        )


@app.command("export")
def export(
    version: Annotated[str, typer.Argument(help="A dsv_ id, or 'head'.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="See `truthline formats`.")],
    out: Annotated[Path, typer.Option("--out", help="Output folder.")],
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail (write nothing) if the format would lose anything.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Export a dataset version; writes an id map, and a loss report for anything the format cannot carry."""
    with open_ws() as ws:
        vid, report = ws.export_dataset(version, fmt, out, strict=strict)
    if as_json:
        print_json({"version": vid, "out": str(out), "loss": report.to_dict()})
        return
    console.print(f"exported {vid} as {fmt} to {out}")
    for entry in report.entries:
        console.print(f"  [yellow]{entry.kind}[/] {entry.what}: {entry.count} (e.g. {', '.join(entry.items[:3])})")
    if report:
        console.print(f"  loss report: {out / 'truthline_loss_report.json'}")
