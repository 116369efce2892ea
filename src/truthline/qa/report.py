"""A self-contained HTML report of QA results: inline CSS, thumbnails as data URIs with boxes drawn in SVG.

The page needs no network and no files beside it: every image is embedded, nothing is fetched.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:2px 8px;text-align:left}
th{background:#f4f4f4}.issues{display:flex;flex-wrap:wrap;gap:12px}
.issue{border:1px solid #ccc;border-radius:6px;padding:6px;width:260px;font-size:12px}
.issue svg{width:100%;height:auto;background:#eee}.kind{font-weight:600;color:#a00}
pre{background:#f7f7f7;padding:8px;overflow:auto;max-height:300px;font-size:12px}
.legend span{display:inline-block;margin-right:1em}.label{stroke:#e00}.suggest{stroke:#0a0}
"""


def thumbnail(image: np.ndarray, *, max_side: int = 256, quality: int = 85) -> bytes:
    """A JPEG thumbnail of a BGR uint8 image, at most ``max_side`` pixels on its longer side."""
    h, w = image.shape[:2]
    s = min(1.0, max_side / max(h, w))
    small = (
        cv2.resize(image, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
        if s < 1
        else image
    )
    ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover - OpenCV only fails on invalid arrays
        raise ValueError("JPEG encoding failed")
    return buf.tobytes()


def _mime(data: bytes) -> str:
    return "image/png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg"


def _decoded_size(data: bytes) -> tuple[int, int]:
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    return (int(img.shape[1]), int(img.shape[0])) if img is not None else (1, 1)


def _svg(data: bytes, size: tuple[int, int], boxes: Sequence[tuple[Sequence[float] | None, str]]) -> str:
    w, h = size
    uri = f"data:{_mime(data)};base64,{base64.b64encode(data).decode()}"
    sw = max(1.0, max(w, h) / 128)
    rects = "".join(
        f'<rect class="{cls}" x="{b[0]:.1f}" y="{b[1]:.1f}" width="{b[2]:.1f}" height="{b[3]:.1f}" fill="none" '
        f'stroke-width="{sw:.1f}"{" stroke-dasharray=" + repr(f"{3 * sw:.0f}") if cls == "suggest" else ""}/>'
        for b, cls in boxes
        if b is not None and len(b) == 4
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" preserveAspectRatio="xMidYMid meet">'
        f'<image href="{uri}" x="0" y="0" width="{w}" height="{h}"/>{rects}</svg>'
    )


def _issue_card(issue: Mapping[str, Any], thumbnails: Mapping[str, bytes], sizes: Mapping[str, tuple[int, int]]) -> str:
    e = html.escape
    detail = issue.get("detail") or {}
    parts = [f'<div class="issue"><div><span class="kind">{e(str(issue.get("kind")))}</span> #{issue.get("rank")}']
    parts.append(f" score {float(issue.get('score') or 0):.3f}</div>")
    for name in [issue.get("image"), detail.get("other")]:
        if name is None or name not in thumbnails:
            continue
        data = thumbnails[name]
        size = sizes.get(name) or (
            (int(detail["width"]), int(detail["height"]))
            if "width" in detail and "height" in detail
            else _decoded_size(data)
        )
        boxes = (
            [(issue.get("bbox"), "label"), (issue.get("suggested_bbox"), "suggest")]
            if name == issue.get("image")
            else []
        )
        parts.append(_svg(data, size, boxes))
    text = {
        k: issue[k] for k in ("image", "label", "suggested_label", "annotation_id", "index") if issue.get(k) is not None
    }
    shown = {k: v for k, v in detail.items() if k not in ("width", "height")}
    rows = "".join(f"<tr><th>{e(k)}</th><td>{e(json.dumps(v))}</td></tr>" for k, v in {**text, **shown}.items())
    parts.append(f"<table>{rows}</table></div>")
    return "".join(parts)


def _summary(summary: Mapping[str, Any]) -> str:
    e = html.escape
    flat = {k: v for k, v in summary.items() if isinstance(v, str | int | float | bool) or v is None}
    rows = "".join(f"<tr><th>{e(k)}</th><td>{e(json.dumps(v))}</td></tr>" for k, v in flat.items())
    rest = {k: v for k, v in summary.items() if k not in flat}
    out = f"<table>{rows}</table>" if rows else ""
    if rest:
        out += f"<details><summary>details</summary><pre>{e(json.dumps(rest, indent=1, default=str))}</pre></details>"
    return out


def report_html(
    result_dict: Mapping[str, Any],
    thumbnails: Mapping[str, bytes],
    out_path: str | Path,
    *,
    top: int = 24,
    sizes: Mapping[str, tuple[int, int]] | None = None,
) -> Path:
    """Write one HTML page: per check its summary and its ``top`` issues, each with a thumbnail and boxes.

    ``result_dict`` is ``{"title": str (optional), "checks": [CheckResult.to_dict(), ...]}`` (a bare list of
    check dicts also works). ``thumbnails`` maps image names to PNG/JPEG bytes (``thumbnail()`` makes them).
    Boxes are drawn in image pixels: ``sizes`` (name -> original (width, height)) or the issue's
    ``detail.width/height`` say how a downscaled thumbnail maps to them; else the thumbnail is taken to be
    full size. The annotation's box is red, the suggested one dashed green.
    """
    e = html.escape
    checks = result_dict.get("checks", []) if isinstance(result_dict, Mapping) else list(result_dict)
    title = str(result_dict.get("title", "truthline QA report")) if isinstance(result_dict, Mapping) else "QA report"
    body = [f"<h1>{e(title)}</h1>", '<p class="legend"><span style="color:#e00">&#9632; label</span>']
    body.append('<span style="color:#0a0">&#9632; suggested</span></p>')
    body.append("<table><tr><th>check</th><th>issues</th></tr>")
    body += [
        f'<tr><td><a href="#{e(c["check"])}">{e(c["check"])}</a></td><td>{c.get("n_issues", 0)}</td></tr>'
        for c in checks
    ]
    body.append("</table>")
    for c in checks:
        body.append(f'<h2 id="{e(c["check"])}">{e(c["check"])} ({c.get("n_issues", 0)} issues)</h2>')
        body.append(_summary(c.get("summary", {})))
        issues = c.get("issues", [])[:top]
        if issues:
            body.append('<div class="issues">')
            body += [_issue_card(i, thumbnails, sizes or {}) for i in issues]
            body.append("</div>")
    page = (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{e(title)}</title>'
        f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>"
    )
    path = Path(out_path)
    path.write_text(page, encoding="utf-8")
    return path
