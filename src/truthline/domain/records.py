"""Dataset content in memory: images with their labels and taxonomy, as formats read and write it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from truthline.domain.labels import Label
from truthline.domain.taxonomy import Taxonomy


@dataclass(slots=True)
class ImageRecord:
    """One image as a format names it.

    ``name`` is its path relative to the dataset's image root (forward slashes), unique in the dataset.
    ``path`` is where its bytes are on disk when known. ``split`` is the subset the source file put it in
    (train/val/test or any name). ``source_id`` is the image id the file used. ``extra`` keeps image-level
    fields the format carried that truthline has no use for.
    """

    name: str
    width: int | None = None
    height: int | None = None
    path: Path | None = None
    split: str | None = None
    source_id: int | str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    labels: list[Label] = field(default_factory=list)


@dataclass(slots=True)
class DatasetContent:
    """A whole dataset: taxonomy, images in order, each with its labels, and dataset-level extras."""

    taxonomy: Taxonomy
    images: list[ImageRecord] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n_labels(self) -> int:
        return sum(len(i.labels) for i in self.images)
