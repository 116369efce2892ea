"""A dataset version's split as training and evaluation material: decoded images, boxes, and COCO ground truth."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from truthline.domain.errors import UserInputError
from truthline.domain.geometry import GeometryKind
from truthline.domain.records import DatasetContent, ImageRecord
from truthline.formats import plan_export
from truthline.workflows.leakage import decode_path
from truthline.workflows.transfer import version_content

if TYPE_CHECKING:
    from truthline.workflows.workspace import Workspace


@dataclass
class SplitData:
    """One split of a version: its records (labels in pixels), the boxed class names, and COCO ids for each image."""

    version: str
    split: str | None
    records: list[ImageRecord]
    class_names: list[str]
    coco_gt: dict[str, Any] = field(default_factory=dict)
    image_ids: dict[str, int] = field(default_factory=dict)  # image name → COCO image id of coco_gt

    def boxes(self, rec: ImageRecord) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        """Boxes (xywh) and class indexes of a record's box-like labels of the boxed classes."""
        index = {n: i for i, n in enumerate(self.class_names)}
        rows = [
            (lab.bbox, index[lab.label])
            for lab in rec.labels
            if lab.kind is not GeometryKind.LABEL and lab.label in index
        ]
        boxes = np.array([b for b, _ in rows if b is not None], np.float32).reshape(-1, 4)
        classes = np.array([c for b, c in rows if b is not None], np.int64)
        return boxes, classes

    def image(self, rec: ImageRecord) -> npt.NDArray[np.uint8]:
        """The image as displayed (EXIF orientation applied), BGR uint8."""
        assert rec.path is not None
        img = decode_path(rec.path)
        if img is None:
            raise UserInputError(f"cannot decode image {rec.name}", where=str(rec.path), fix="run `truthline doctor`")
        return np.asarray(img, np.uint8)


def boxed_classes(content: DatasetContent) -> list[str]:
    """Taxonomy classes that are drawn as shapes (not image-level only), in taxonomy order."""
    return [c.name for c in content.taxonomy.classes if not c.extra.get("image_level")]


def load_split(ws: Workspace, version: str | None, split: str | None) -> SplitData:
    """The images of one split (all when ``split`` is None) with labels, and their COCO ground truth."""
    vid, content = version_content(ws, version)
    return split_data(vid, content, split)


def split_data(vid: str, content: DatasetContent, split: str | None) -> SplitData:
    """SplitData of a version already loaded as ``content`` (its images are filtered to ``split`` in place)."""
    if split is not None:
        splits = sorted({r.split or "" for r in content.images})
        content.images = [r for r in content.images if r.split == split]
        if not content.images:
            raise UserInputError(
                f"{vid} has no images in split {split!r}", fix=f"use one of {', '.join(splits)} (DSV:SPLIT)"
            )
    written, _ = plan_export("coco", content)
    gt = _coco_gt(written.files)
    ids = {img["file_name"]: int(img["id"]) for img in gt["images"]}
    return SplitData(vid, split, content.images, boxed_classes(content), gt, ids)


def _coco_gt(files: dict[str, bytes]) -> dict[str, Any]:
    """Merge the per-split COCO files an export plans into one ground-truth dict."""
    import json

    merged: dict[str, Any] = {"images": [], "annotations": [], "categories": []}
    for name, data in sorted(files.items()):
        if not name.endswith(".json"):
            continue
        doc = json.loads(data)
        merged["images"] += doc.get("images", [])
        merged["annotations"] += doc.get("annotations", [])
        merged["categories"] = doc.get("categories", merged["categories"])
    return merged


def parse_data_ref(ref: str) -> tuple[str, str | None]:
    """``dsv_…:test`` → (``dsv_…``, ``test``); no split → all images."""
    version, _, split = ref.partition(":")
    return version or "head", split or None
