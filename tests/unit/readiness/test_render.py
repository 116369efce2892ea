"""Reports: self-contained HTML (parses strictly, inline SVG, no network), Markdown for pull requests."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from truthline.readiness import BaselineRun, assess, render_html, render_markdown, worst_failures


@pytest.fixture(scope="module")
def failing(scene: Any, policy: Any, build: Any) -> Any:
    good = build(scene, good=True)
    return assess(build(scene, good=False, baseline=BaselineRun(dt=good.dt, model={"id": "mdl_champion"})), policy)


def test_html_is_self_contained_and_parses(scene: Any, failing: Any) -> None:
    want = worst_failures(failing)
    thumbs = {i: scene.pngs[i] for i in want if i in scene.pngs}
    html = render_html(failing, thumbs)
    root = ET.fromstring(html[len("<!DOCTYPE html>") :])  # well-formed XML: every tag closed, all text escaped
    assert root.tag == "html"
    # PR curves, slice bars, confusion, reliability, corruption curves, latency histogram
    assert html.count("<svg") >= 6
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html and "<script" not in html and "<link" not in html
    assert len(re.findall(r'<img alt="image \d+" src="data:image/png;base64,', html)) == len(thumbs) > 0
    assert 'class="banner fail"' in html
    assert "max_slice_gap[lighting]" in html and "Readiness checklist (6/8 answered)" in html
    assert "mdl_champion" in html


def test_html_without_thumbnails_still_lists_failures(failing: Any) -> None:
    html = render_html(failing)
    assert "<img " not in html
    assert f"image {failing.failures[0].image_id}: missed" in html


def test_markdown_lists_failed_gates_first(failing: Any, scene: Any, policy: Any, build: Any) -> None:
    md = render_markdown(failing)
    assert md.startswith("### Readiness FAIL")
    rows = [ln for ln in md.splitlines() if ln.startswith("| ") and not ln.startswith("| gate")]
    failed = [ln.split(" | ")[0][2:] for ln in rows if "fail |" in ln]
    assert set(failed) == {
        "max_slice_gap[lighting]",
        "min_probe_confidence_auroc[defocus]",
        "max_probe_drop[defocus]",
        "max_baseline_regression[ap50]",
    }
    assert [ln.split(" | ")[0][2:] for ln in rows[: len(failed)]] == failed
    assert "checklist 6/8 answered" in md
    good = render_markdown(assess(build(scene, good=True), policy))
    assert good.startswith("### Readiness PASS")
    assert "fail |" not in good
