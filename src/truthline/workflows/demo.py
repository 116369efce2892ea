"""`truthline demo`: the whole loop, as far as it exists, on generated data, narrated as it runs."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from truthline.domain.errors import UserInputError
from truthline.domain.labels import Label, Source
from truthline.workflows.workspace import Workspace

MARKER = "TRUTHLINE_DEMO"

#: (camera, seed, images, conditions): three daylight cameras and one night camera.
CAMERAS: list[tuple[str, int, int, list[str]]] = [
    ("cam1", 11, 160, []),
    ("cam2", 12, 160, []),
    ("cam3", 13, 160, ["lighting=afternoon:0.3"]),
    ("cam4", 14, 120, ["lighting=night:0.6"]),
]
DEFECT_RATE = 0.3  # training sets oversample defects; the line itself runs at about 2%


def _fresh(out: Path) -> None:
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise UserInputError(
                f"{out} exists and is not a truthline demo folder", fix="pass --out with a new or empty folder"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("created by `truthline demo`; safe to delete\n")


def run_demo(out: Path, say: Callable[[str], Any] = print) -> dict[str, Any]:
    """Build a demo workspace in ``out`` and walk the loop; returns the ids it made."""
    from truthline.synth import ImagePlan
    from truthline.workflows.synth import write_to_workspace

    t0 = time.perf_counter()
    out = out.resolve()
    _fresh(out)
    say(f"[bold]1. workspace[/] {out}/.truthline (SQLite + content-addressed blobs)")
    ws = Workspace.init(out)
    result: dict[str, Any] = {"workspace": str(out)}
    try:
        say("[bold]2. synth[/] inspection line: parts with scratch/dent/missing/contamination defects, exact boxes")
        for camera, seed, n, conditions in CAMERAS:
            plan = ImagePlan.build(
                "inspection", seed=seed, camera=camera, defect_rate=DEFECT_RATE, conditions=conditions
            )
            info = write_to_workspace(ws, (plan.record(i) for i in range(n)), plan.taxonomy)
            say(
                f"   {camera}: {info['images']} images, {info['annotations']} labels "
                + (" ".join(conditions) or "(daylight)")
            )

        v1 = ws.commit("synth inspection line, four cameras", group_by="camera", seed=0)
        result["v1"] = v1["id"]
        shown = ws.show(v1["id"])
        splits = {s: e["images"] for s, e in shown["stats"]["splits"].items()}
        say(
            f"[bold]3. commit[/] {v1['id']}: {v1['n_images']} images, {v1['n_annotations']} annotations, "
            f"splits {splits}"
        )
        cams = {c: sorted(v) for c, v in shown["stats"]["slices"]["camera"].items()}
        say(f"   split by camera (a camera never spans two splits): {cams}")
        say(f"   slice keys recorded from synth conditions: {sorted(shown['stats']['slices'])}")

        review = _review(ws)
        v2 = ws.commit("review: one box tightened, one spurious box removed")
        result["v2"] = v2["id"]
        d = ws.diff(v1["id"], v2["id"])
        say(
            f"[bold]4. review[/] {v2['id']}: {len(d['annotations_changed'])} annotation changed, "
            f"{len(d['annotations_removed'])} removed; the old ones stay in {v1['id']}"
        )
        node = ws.lineage(review["edited"])
        say(
            f"[bold]5. lineage[/] {review['edited']} → image {node['up']['image']['name']}, taxonomy "
            f"{node['up']['taxonomy']}, annotator {node['up']['annotator']}, supersedes {node['up']['supersedes']}, "
            f"in {node['down']['dataset_versions']}"
        )
        result["edited"] = review["edited"]
        result["round_trip"] = _round_trip(ws, out, v2["id"], say)
    finally:
        ws.close()
    say(
        f"done in {time.perf_counter() - t0:.0f} s. Look around: cd {out} && truthline dataset log "
        f"&& truthline lineage {result['v2']}"
    )
    return result


def _round_trip(ws: Workspace, out: Path, version: str, say: Callable[[str], Any]) -> dict[str, bool]:
    """Export the version to COCO and YOLO, re-import each into a fresh workspace, compare the box sets."""
    from truthline.workflows.transfer import version_content

    def boxes(content: Any) -> set[tuple[str, str, tuple[float, ...]]]:
        return {
            (img.name.rsplit("/", 1)[-1], lab.label, tuple(round(v, 3) for v in lab.bbox))
            for img in content.images
            for lab in img.labels
            if lab.bbox is not None
        }

    say("[bold]6. formats[/] export to COCO and YOLO, re-import each into a fresh workspace, compare the boxes")
    _, content = version_content(ws, version)
    ours = boxes(content)
    same: dict[str, bool] = {}
    for fmt in ("coco", "yolo"):
        folder = out / "exports" / fmt
        _, report = ws.export_dataset(version, fmt, folder)
        with Workspace.init(out / "reimport" / fmt) as other:
            if fmt == "coco":
                for split_file in sorted((folder / "annotations").glob("instances_*.json")):
                    split = split_file.stem.removeprefix("instances_")
                    other.import_dataset(fmt, split_file, images=folder / "images" / split)
            else:
                other.import_dataset(fmt, folder)
            _, back = version_content(other, other.commit(f"re-import of {fmt} export")["id"])
        same[fmt] = boxes(back) == ours
        lost = "; ".join(f"{e.what} ×{e.count}" for e in report.entries) or "nothing"
        say(f"   {fmt}: {folder} — re-imported boxes identical: {same[fmt]}; loss report: {lost}")
    return same


def _review(ws: Workspace) -> dict[str, str]:
    """A reviewer tightens the first defect box and deletes the second: two superseding annotations."""
    from sqlalchemy import select

    from truthline.store.annotations import current_filter
    from truthline.store.schema import annotation_table as a

    with ws.read() as conn:
        rows = conn.execute(
            select(a.c.id, a.c.label, a.c.x, a.c.y, a.c.w, a.c.h)
            .where(a.c.kind == "box", current_filter())
            .order_by(a.c.id)
            .limit(2)
        ).all()
    first, second = rows
    tighter = Label.box(
        first.label,
        first.x + 1,
        first.y + 1,
        max(first.w - 2, 1),
        max(first.h - 2, 1),
        annotator="reviewer",
        source=Source.REVIEW,
    )
    edited = ws.edit_label(first.id, tighter)
    ws.delete_label(second.id)
    return {"edited": edited, "deleted": second.id}
