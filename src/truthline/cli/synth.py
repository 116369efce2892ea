"""`truthline synth`: generate synthetic images (into a workspace or a COCO/YOLO folder) and videos."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from truthline.cli.context import options
from truthline.cli.render import console, err_console, print_json
from truthline.domain.errors import UserInputError

# The engine (OpenCV, NumPy) is imported inside each command, so that other commands start fast.

app = typer.Typer(
    help="Generate synthetic images and videos with exact ground truth under production conditions.",
    no_args_is_help=True,
)


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )


@app.command("images")
def images(
    scenario: str = typer.Option(
        "inspection", "--scenario", help="inspection or shelf (see `truthline synth conditions`)"
    ),
    n: int = typer.Option(2000, "--n", min=0, help="number of images"),
    condition: list[str] = typer.Option(
        [],
        "--condition",
        "-c",
        help="a condition as NAME=VARIANT:SEVERITY@PROBABILITY (all but NAME optional; SEVERITY may be a "
        "range LO-HI), repeatable; e.g. lighting=night:0.6, noise:0.2-0.8@0.3. "
        "Names: `truthline synth conditions`.",
    ),
    seed: int = typer.Option(0, "--seed", help="same seed and arguments give byte-identical output"),
    defect_rate: float | None = typer.Option(
        None,
        "--defect-rate",
        help="fraction of defective parts (inspection, default 0.02) or out-of-stock runs (shelf, default 0.1)",
    ),
    width: int = typer.Option(256, "--width"),
    height: int = typer.Option(256, "--height"),
    start: int = typer.Option(0, "--start", min=0, help="index of the first image"),
    workspace: bool = typer.Option(
        False, "--workspace", help="add the images to the workspace (truthline -w PATH, else found above the cwd)"
    ),
    out: Path | None = typer.Option(None, "--out", help="write a COCO + YOLO folder here"),
    split: str | None = typer.Option(
        None,
        "--split",
        help="split fractions, e.g. train=0.8,val=0.2 (--out default); with --workspace, the next commit keeps them",
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="allow --out to be a non-empty folder"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as JSON"),
) -> None:
    """Generate N images of a scenario with exact boxes and per-image condition metadata."""
    if workspace == (out is not None):
        raise UserInputError(
            "say where the images go",
            where="truthline synth images",
            fix="pass exactly one of --workspace or --out DIR",
        )
    from truthline.domain.splits import parse_split_spec
    from truthline.synth import FolderWriter, ImagePlan, SynthRecord, split_by_index

    plan = ImagePlan.build(
        scenario, seed=seed, conditions=condition, defect_rate=defect_rate, width=width, height=height
    )

    def records(progress: Progress) -> Any:
        task = progress.add_task(f"synth {scenario}", total=n)
        for i in range(start, start + n):
            record: SynthRecord = plan.record(i)
            yield record
            progress.advance(task)

    summary: dict[str, Any] = {
        "scenario": scenario,
        "images": n,
        "seed": seed,
        "conditions": [c.spec() for c in plan.conditions],
    }
    if workspace:
        # --- workspace writer (owned by workflows; imported lazily so the engine stays store-free) ---
        from truthline.workflows.synth import write_to_workspace

        fractions = parse_split_spec(split) if split else None
        with _progress() as progress:
            result = write_to_workspace(
                options.workspace or Path.cwd(), records(progress), plan.taxonomy, split=fractions, seed=seed
            )
        summary["workspace"] = result
    else:
        assert out is not None
        if out.exists() and any(out.iterdir()) and not overwrite:
            raise UserInputError(f"{out} is not empty", where="--out", fix="choose an empty folder or pass --overwrite")
        writer = FolderWriter(out, plan.taxonomy, split_by_index(parse_split_spec(split or "train=0.8,val=0.2"), seed))
        with _progress() as progress:
            for record in records(progress):
                writer.add(record)
        summary["out"] = str(out)
        summary["splits"] = writer.close()
    if as_json:
        print_json(summary)
    else:
        where = summary.get("out") or "the workspace"
        console.print(f"wrote {n} {scenario} images to {where}")


@app.command("video")
def video(
    schedule: Path = typer.Option(..., "--schedule", help="schedule YAML (see docs/synth.md)"),
    out: Path = typer.Option(..., "--out", help="FILE.mp4"),
    ground_truth: Path | None = typer.Option(
        None, "--ground-truth", help="per-frame JSON lines (default: next to the video, .jsonl)"
    ),
    as_json: bool = typer.Option(False, "--json", help="print the summary as JSON"),
) -> None:
    """Render a video from a schedule file, with per-frame ground truth as JSON lines."""
    from truthline.synth import load_schedule, write_video

    plan = load_schedule(schedule)
    with _progress() as progress:
        task = progress.add_task(f"synth video {plan.scenario}", total=plan.frames)
        summary = write_video(plan, out, ground_truth, on_frame=lambda _f: progress.advance(task))
    info = {
        "video": str(summary.path),
        "ground_truth": str(summary.ground_truth_path),
        "frames": summary.frames,
        "fps": summary.fps,
        "codec": summary.codec,
    }
    if as_json:
        print_json(info)
    else:
        console.print(
            f"wrote {summary.frames} frames to {summary.path} ({summary.codec}); "
            f"ground truth in {summary.ground_truth_path}"
        )


@app.command("conditions")
def conditions(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """The scenarios and production conditions synth can render, with their variants."""
    from dataclasses import asdict

    from truthline.synth import CONDITIONS
    from truthline.synth.scenes import SCENES

    if as_json:
        print_json({"scenarios": list(SCENES), "conditions": {k: asdict(v) for k, v in CONDITIONS.items()}})
        return
    console.print("scenarios: " + ", ".join(SCENES))
    for name, info in CONDITIONS.items():
        variants = f" (variants: {', '.join(info.variants)})" if info.variants else ""
        console.print(f"  {name}: {info.summary}{variants}")
