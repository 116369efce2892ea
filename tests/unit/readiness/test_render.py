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


def test_html_renders_in_a_browser_without_network(scene: Any, failing: Any, tmp_path: Any) -> None:
    """Headless Chromium, its network pointed nowhere, draws the report: the red verdict banner and the plots."""
    import os
    import shutil
    import subprocess

    import cv2
    import numpy as np

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing; scripts/test.sh installs Debian's chromium package")
        pytest.skip("chromium is not installed")
    page = tmp_path / "report.html"
    page.write_text(render_html(failing, {i: scene.pngs[i] for i in worst_failures(failing) if i in scene.pngs}))
    shot = tmp_path / "shot.png"
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--proxy-server=127.0.0.1:9", f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,1600",
    ]  # fmt: skip
    subprocess.run([chromium, *flags, f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120)
    img = cv2.imread(str(shot))
    assert img is not None and img.shape[:2] == (1600, 1200)
    banner = img[30:110, 20:1100].reshape(-1, 3).astype(int)  # BGR: the FAIL banner is a light red
    assert ((banner[:, 2] > 230) & (banner[:, 1] < 235) & (banner[:, 0] < 235)).mean() > 0.3
    assert len(np.unique(img.reshape(-1, 3), axis=0)) > 50  # text, tables and plots, not a blank page
