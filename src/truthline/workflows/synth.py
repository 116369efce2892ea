"""Writing generated images straight into a workspace: images, metadata, taxonomy and exact annotations."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from truthline.domain.labels import Label, Source
from truthline.domain.taxonomy import Taxonomy, TaxonomyClass

if TYPE_CHECKING:
    from truthline.synth.records import SynthRecord
    from truthline.synth.records import Taxonomy as SynthTaxonomy
    from truthline.workflows.workspace import Workspace

CHUNK = 500
ANNOTATOR = "synth"


def synth_taxonomy(tax: SynthTaxonomy) -> Taxonomy:
    """The workspace taxonomy of a scenario; classes without boxes are marked ``image_level``."""
    return Taxonomy(
        tuple(TaxonomyClass(c.name, c.guideline, extra={} if c.boxed else {"image_level": True}) for c in tax.classes)
    )


def record_labels(record: SynthRecord) -> list[Label]:
    """Boxes for every annotated object, plus the image-level class when the scenario has one."""
    labels = []
    for a in record.annotations:
        attributes = {k: a[k] for k in ("truncated", "occluded") if k in a}
        labels.append(
            Label.box(
                a["label"],
                *a["bbox"],
                attributes=attributes,
                annotator=ANNOTATOR,
                source=Source.SYNTH,
                track_id=str(a["track_id"]) if a.get("track_id") is not None else None,
            )
        )
    if record.image_class is not None:
        labels.append(Label.image_label(record.image_class, annotator=ANNOTATOR, source=Source.SYNTH))
    return labels


def write_to_workspace(
    target: Workspace | Path,
    records: Iterable[SynthRecord],
    taxonomy: SynthTaxonomy,
    *,
    split: Mapping[str, float] | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Add the records' images and labels to a workspace (a Workspace or a folder inside one).

    With ``split``, each image carries the split it was generated for (``_source.split``, by image index and
    ``seed``), which the next commit keeps, as it keeps the splits of an imported COCO or YOLO file.
    """
    from truthline.synth import split_by_index
    from truthline.workflows.transfer import SOURCE_KEY
    from truthline.workflows.workspace import Workspace

    assign = split_by_index(dict(split), seed) if split else None

    def meta(r: SynthRecord) -> dict[str, Any]:
        return {**r.metadata, SOURCE_KEY: {"format": "synth", "split": assign(r)}} if assign else r.metadata

    ws = target if isinstance(target, Workspace) else Workspace.open(target)
    try:
        tax_id = ws.set_taxonomy(synth_taxonomy(taxonomy), f"synth scenario {taxonomy.scenario}")
        n_images = n_labels = 0
        batch: list[SynthRecord] = []

        def flush() -> None:
            nonlocal n_images, n_labels
            ids = ws.add_image_bytes([(r.file_name, r.png, meta(r)) for r in batch])
            n_labels += len(ws.add_labels({iid: record_labels(r) for iid, r in zip(ids, batch, strict=True)}))
            n_images += len(ids)
            batch.clear()

        for record in records:
            batch.append(record)
            if len(batch) >= CHUNK:
                flush()
        if batch:
            flush()
    finally:
        if ws is not target:
            ws.close()
    return {"taxonomy": tax_id, "images": n_images, "annotations": n_labels}
