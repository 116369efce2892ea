"""Fixtures of the metrics tests; puts this folder on sys.path for the shared case builders."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from metrics_cases import make_coco


@pytest.fixture(scope="session")
def coco_small() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    return make_coco(0)
