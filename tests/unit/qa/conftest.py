"""Fixtures for the QA engine tests: a small synthetic shelf set (many boxes per image), rendered once."""

from __future__ import annotations

from typing import Any

import pytest

from truthline.qa.boxes import ImageBoxes
from truthline.synth import generate_images, taxonomy


@pytest.fixture(scope="session")
def shelf_records() -> list[Any]:
    return list(generate_images("shelf", 120, seed=5))


@pytest.fixture(scope="session")
def shelf_truth(shelf_records: list[Any]) -> tuple[list[ImageBoxes], list[str]]:
    truth = [ImageBoxes.from_dicts(r.file_name, r.annotations, width=r.width, height=r.height) for r in shelf_records]
    return truth, taxonomy("shelf").box_names
