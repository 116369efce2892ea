"""`truthline eval …`: evaluate detections against ground truth (COCO) and print production figures."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from truthline.domain.errors import FormatError, UserInputError

app = typer.Typer(
    help="Evaluate models: COCO AP/AR, operating points, slices and base rates from one exact match.",
    no_args_is_help=True,
)


@app.callback()
def _group() -> None:
    """Evaluate models: COCO AP/AR, operating points, slices and base rates from one exact match."""


def read_meta_csv(path: Path) -> dict[int, dict[str, str]]:
    """Image metadata from a CSV whose first column (``image_id`` or ``id``) holds the image id."""
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames:
                raise FormatError("the metadata file has no header", where=str(path), fix="add a header row")
            id_col = next((c for c in ("image_id", "id") if c in reader.fieldnames), reader.fieldnames[0])
            out: dict[int, dict[str, str]] = {}
            for line, row in enumerate(reader, start=2):
                try:
                    out[int(row[id_col])] = row
                except (TypeError, ValueError):
                    raise FormatError(
                        f"image id {row[id_col]!r} is not an integer", where=f"{path}:{line}", fix="give COCO image ids"
                    ) from None
            return out
    except OSError as exc:
        raise UserInputError(f"cannot read {path}: {exc.strerror}", where=str(path), fix="check the path") from exc


@app.command("coco")
def coco(
    gt: Annotated[Path, typer.Option("--gt", help="COCO annotation file (ground truth).")],
    dt: Annotated[Path, typer.Option("--dt", help="COCO results file (detections).")],
    iou_type: Annotated[str, typer.Option("--iou-type", help="bbox or segm.")] = "bbox",
    meta: Annotated[Path | None, typer.Option("--meta", help="CSV of image metadata (image_id, key, …).")] = None,
    slice_by: Annotated[str | None, typer.Option("--slice-by", help="Metadata column to slice by.")] = None,
    threshold: Annotated[float, typer.Option("--threshold", help="Score threshold of the operating point.")] = 0.5,
    iou: Annotated[float, typer.Option("--iou", help="IoU threshold of the operating point.")] = 0.5,
    as_json: Annotated[bool, typer.Option("--json", help="Print every figure as JSON.")] = False,
) -> None:
    """Print pycocotools' 12 summary lines, then the operating-point table (and slices with --slice-by)."""
    if iou_type not in ("bbox", "segm"):
        raise UserInputError(f"--iou-type must be bbox or segm, not {iou_type!r}", fix="use bbox or segm")
    if slice_by is not None and meta is None:
        raise UserInputError("--slice-by needs --meta", fix="give the metadata CSV with --meta")
    if not 0.0 <= threshold <= 1.0:
        raise UserInputError(f"--threshold {threshold} is outside [0, 1]", fix="give a score threshold")
    from truthline.metrics.matching import match_coco
    from truthline.metrics.params import COCO_IOU_THRESHOLDS

    if not any(abs(iou - t) < 1e-9 for t in COCO_IOU_THRESHOLDS):
        raise UserInputError(f"--iou {iou} is not a COCO threshold", fix="use one of 0.50, 0.55, … 0.95")
    image_meta = read_meta_csv(meta) if meta is not None else None
    if image_meta is not None and slice_by is not None:
        first = next(iter(image_meta.values()), {})
        if first and slice_by not in first:
            raise UserInputError(
                f"--slice-by {slice_by!r} is not a column of {meta}", fix=f"use one of {sorted(first)}"
            )
    match = match_coco(gt, dt, iou_type=iou_type)
    if as_json:
        from truthline.metrics.report import coco_report

        report: dict[str, Any] = coco_report(match, threshold, iou, image_meta, slice_by)
        sys.stdout.write(json.dumps(report, indent=1, allow_nan=False, default=_json_default) + "\n")
        return
    from truthline.metrics.coco import summarize
    from truthline.metrics.operating import operating_point
    from truthline.metrics.report import operating_table, pycocotools_notes, slice_table

    lines = list(summarize(match).lines)
    lines += pycocotools_notes(match)
    lines += list(match.notes)
    lines.append("")
    lines += operating_table(operating_point(match, threshold, iou))
    if image_meta is not None and slice_by is not None:
        from truthline.metrics.slices import slice_metrics

        lines.append("")
        lines += slice_table(slice_metrics(match, image_meta, slice_by, threshold, iou))
    sys.stdout.write("\n".join(lines) + "\n")


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "tolist"):
        return obj.tolist()
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


if __name__ == "__main__":
    from truthline.domain.errors import TruthlineError

    try:
        app()
    except TruthlineError as exc:
        sys.stderr.write(f"error: {exc.one_line()}\n")
        raise SystemExit(exc.exit_code) from None
