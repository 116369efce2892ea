"""Shared fixtures for the formats tests: the real public fixture files and a round-trip helper."""

from __future__ import annotations

from pathlib import Path

import pytest

from truthline.domain.records import DatasetContent
from truthline.formats import read_dataset, write_dataset

FIXTURES = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "formats"
if not FIXTURES.is_dir():
    FIXTURES = Path("/work/shared/fixtures/formats")


@pytest.fixture
def fixtures() -> Path:
    if not FIXTURES.is_dir():
        pytest.skip("shared fixtures not available")
    return FIXTURES


def roundtrip(fmt: str, content: DatasetContent, out: Path, images: Path | None = None) -> DatasetContent:
    write_dataset(fmt, content, out, copy_images=True)
    return read_dataset(fmt, out, images=images)


def labels_of(content: DatasetContent) -> list[list[dict]]:
    return [[lb.to_dict() for lb in r.labels] for r in content.images]
