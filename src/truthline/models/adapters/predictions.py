"""Predictions-file adapter: detections made elsewhere, read from a COCO results JSON and served by image."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from truthline.domain.errors import FormatError, NotFoundError, UserInputError
from truthline.models.preprocess import PreprocessSpec
from truthline.models.results import Detections, Image, Timings

ImageKey = int | str


class PredictionsFileDetector:
    """Serves the detections of a COCO results file (``[{image_id, category_id, bbox, score}, …]``).

    Images are named by COCO image id or, given ``images`` (a ``{file_name: image_id}`` map or a COCO
    ``images`` list), by file name. Category ids map to class positions by ``category_ids`` (the COCO id of
    class ``k`` at position ``k``; default ``k + 1``) or, given ``categories`` (a COCO ``categories`` list),
    by name against ``class_names``. Records of other categories are dropped and counted in ``skipped``.
    Boxes are in original pixels already, so the preprocessing spec is recorded, never applied.
    """

    task: Literal["detect"] = "detect"

    def __init__(
        self,
        results: str | Path | bytes | Sequence[Mapping[str, Any]],
        class_names: Sequence[str],
        *,
        images: Mapping[str, int] | Sequence[Mapping[str, Any]] | None = None,
        category_ids: Sequence[int] | None = None,
        categories: Sequence[Mapping[str, Any]] | None = None,
        preprocess: PreprocessSpec | None = None,
    ) -> None:
        if not class_names:
            raise UserInputError("a predictions file needs the model's class names", fix="pass class_names")
        self.class_names = tuple(class_names)
        self.preprocess = preprocess or PreprocessSpec.opencv_native()
        records = self._read(results)
        cat_to_class = self._category_map(category_ids, categories)
        self.file_ids: dict[str, int] = {}
        if isinstance(images, Mapping):
            self.file_ids = {str(k): int(v) for k, v in images.items()}
        elif images is not None:
            self.file_ids = {str(im["file_name"]): int(im["id"]) for im in images}
        grouped: dict[int, list[tuple[list[float], float, int]]] = {}
        self.skipped = 0
        for i, r in enumerate(records):
            try:
                image_id, cat, bbox, score = int(r["image_id"]), int(r["category_id"]), r["bbox"], float(r["score"])
                box = [float(v) for v in bbox]
            except (KeyError, TypeError, ValueError) as e:
                raise FormatError(f"not a COCO result record ({e})", where=f"results[{i}]") from None
            if len(box) != 4:
                raise FormatError("bbox must be [x, y, w, h]", where=f"results[{i}].bbox")
            if cat not in cat_to_class:
                self.skipped += 1
                continue
            grouped.setdefault(image_id, []).append((box, score, cat_to_class[cat]))
        self._by_image = {
            k: Detections.build([b for b, _, _ in v], [s for _, s, _ in v], [c for _, _, c in v])
            for k, v in grouped.items()
        }

    @staticmethod
    def _read(results: str | Path | bytes | Sequence[Mapping[str, Any]]) -> Sequence[Mapping[str, Any]]:
        if isinstance(results, str | Path | bytes):
            where = "predictions" if isinstance(results, bytes) else str(results)
            try:
                raw = json.loads(results if isinstance(results, bytes) else Path(results).read_bytes())
            except FileNotFoundError:
                raise UserInputError(f"no predictions file {where}") from None
            except json.JSONDecodeError as e:
                raise FormatError(f"predictions file is not JSON: {e}", where=where) from None
            if isinstance(raw, dict) and "annotations" in raw:
                raw = raw["annotations"]
            if not isinstance(raw, list):
                raise FormatError("a COCO results file is a JSON list of detections", where=where)
            return raw
        return results

    def _category_map(
        self, category_ids: Sequence[int] | None, categories: Sequence[Mapping[str, Any]] | None
    ) -> dict[int, int]:
        if categories is not None:
            by_name = {str(c["name"]): int(c["id"]) for c in categories}
            return {by_name[n]: k for k, n in enumerate(self.class_names) if n in by_name}
        ids = list(category_ids) if category_ids is not None else list(range(1, len(self.class_names) + 1))
        if len(ids) != len(self.class_names):
            raise UserInputError(f"{len(ids)} category ids for {len(self.class_names)} classes")
        return {int(c): k for k, c in enumerate(ids)}

    @property
    def image_ids(self) -> list[int]:
        return sorted(self._by_image)

    def image_id(self, key: ImageKey) -> int:
        if isinstance(key, int):
            return key
        if key in self.file_ids:
            return self.file_ids[key]
        name = Path(key).name
        matches = [v for k, v in self.file_ids.items() if Path(k).name == name]
        if len(matches) == 1:
            return matches[0]
        raise NotFoundError(f"image {key!r} is not in the predictions' image list", fix="pass images= with its id")

    def detections_for(self, key: ImageKey) -> Detections:
        """Detections of one image (empty when the file has none for it)."""
        return self._by_image.get(self.image_id(key)) or Detections.empty()

    def predict(self, images: Sequence[Image], *, keys: Sequence[ImageKey] | None = None) -> list[Detections]:
        """The stored detections of ``keys`` (image ids or file names), one per image; pixels are not read."""
        if keys is None or len(keys) != len(images):
            raise UserInputError(
                "a predictions file serves detections by image id or file name, not by pixels",
                fix="call predict(images, keys=[...]) or detections_for(key)",
            )
        t0 = time.perf_counter()
        found = [self.detections_for(k) for k in keys]
        timings = Timings(0.0, (time.perf_counter() - t0) * 1e3, 0.0, len(keys))
        return [Detections(d.boxes, d.scores, d.class_ids, timings) for d in found]
