"""The HTML report is self-contained: thumbnails inline, boxes drawn, no network references."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from truthline.qa.boxes import ImageBoxes
from truthline.qa.inject import inject_box_errors, simulate_predictions
from truthline.qa.label_errors import find_detection_errors
from truthline.qa.report import report_html, thumbnail


def test_report_embeds_thumbnails_and_boxes(
    tmp_path: Path, shelf_records: list[Any], shelf_truth: tuple[list[ImageBoxes], list[str]]
) -> None:
    truth, classes = shelf_truth
    noisy, _ = inject_box_errors(truth[:10], classes, seed=1, rates={"spurious_box": 1.0})
    res = find_detection_errors(noisy, simulate_predictions(truth[:10], classes, seed=2))
    data = {"title": "QA <test>", "checks": [res.to_dict()]}
    json.dumps(data)
    thumbs = {r.file_name: thumbnail(r.image, max_side=128) for r in shelf_records[:10]}
    page = report_html(data, thumbs, tmp_path / "r.html", top=5).read_text()
    assert page.count("data:image/jpeg;base64,") == 5
    assert page.count("<rect") >= 5 and 'viewBox="0 0 256 256"' in page
    assert "QA &lt;test&gt;" in page
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
