"""The predictions-file adapter serves a COCO results JSON by image id or file name."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from truthline.domain.errors import FormatError, UserInputError
from truthline.models import load_model
from truthline.models.adapters.predictions import PredictionsFileDetector

RESULTS = [
    {"image_id": 1, "category_id": 7, "bbox": [1, 2, 3, 4], "score": 0.9},
    {"image_id": 1, "category_id": 3, "bbox": [5, 6, 7, 8], "score": 0.4},
    {"image_id": 2, "category_id": 99, "bbox": [0, 0, 1, 1], "score": 0.5},
]
CATEGORIES = [{"id": 3, "name": "dent"}, {"id": 7, "name": "scratch"}, {"id": 99, "name": "other"}]


def test_serves_by_id_and_file_name_with_categories_by_name(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text(json.dumps(RESULTS))
    model = PredictionsFileDetector(
        path,
        ["scratch", "dent"],
        categories=CATEGORIES,
        images=[{"id": 1, "file_name": "a/b.png"}, {"id": 2, "file_name": "c.png"}],
    )
    d = model.detections_for("b.png")
    assert d.class_ids.tolist() == [0, 1] and np.allclose(d.boxes[0], [1, 2, 3, 4]) and model.skipped == 1
    (by_key,) = model.predict([np.zeros((2, 2, 3), np.uint8)], keys=[1])
    assert np.allclose(by_key.scores, [0.9, 0.4])
    assert len(model.detections_for(2)) == 0
    with pytest.raises(UserInputError, match="image id or file name"):
        model.predict([np.zeros((2, 2, 3), np.uint8)])


def test_default_category_ids_and_load_model(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps([{"image_id": 5, "category_id": 2, "bbox": [0, 0, 2, 2], "score": 0.3}]))
    model = load_model("predictions", path, class_names=["a", "b"])
    assert isinstance(model, PredictionsFileDetector)
    assert model.detections_for(5).class_ids.tolist() == [1]


def test_malformed_files_are_format_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "a list"}')
    with pytest.raises(FormatError, match="JSON list"):
        PredictionsFileDetector(bad, ["a"])
    with pytest.raises(FormatError, match=r"results\[0\]"):
        PredictionsFileDetector([{"image_id": 1, "bbox": [0, 0, 1, 1]}], ["a"])
