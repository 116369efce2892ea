"""Readiness reports: a self-contained offline HTML page (inline CSS, SVG plots, data-URI thumbnails) and Markdown."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import numpy as np

from truthline.readiness import plots
from truthline.readiness.assess import FailureExample, ReadinessResult
from truthline.readiness.gates import GateResult

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left}
th{background:#f4f4f4}.banner{padding:12px 16px;font-size:18px;font-weight:bold;border-radius:4px}
.pass{background:#e3f4e1;color:#1b5e20}.fail{background:#fde2e1;color:#b71c1c}.warn{background:#fff4d6;color:#8a5a00}
.skipped,.open,.partial{background:#f1f1f1;color:#555}.answered{background:#e3f4e1}
.s-not-measured{background:#fde2e1;color:#b71c1c}.thumbs{display:flex;flex-wrap:wrap;gap:10px}
.thumb{font-size:11px;width:260px}.thumb img{width:256px;image-rendering:pixelated;border:1px solid #ccc}
.plot svg{max-width:100%;height:auto}small{color:#666}
"""


def _fmt(x: Any, spec: str = ".3f") -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        return "–" if np.isnan(x) else format(x, spec)
    return str(x)


def _table(head: Sequence[str], rows: Sequence[Sequence[Any]], classes: Sequence[str] | None = None) -> str:
    out = ["<table><tr>", *(f"<th>{escape(h)}</th>" for h in head), "</tr>"]
    for i, r in enumerate(rows):
        cls = f' class="{classes[i]}"' if classes else ""
        out.append(f"<tr{cls}>" + "".join(f"<td>{escape(_fmt(v))}</td>" for v in r) + "</tr>")
    out.append("</table>")
    return "".join(out)


def _status_class(status: str) -> str:
    return "s-not-measured" if status == "not measured" else status


def _ordered_gates(gates: Sequence[GateResult]) -> list[GateResult]:
    rank = {"fail": 0, "not measured": 1, "warn": 2, "skipped": 3, "pass": 4}
    return sorted(gates, key=lambda g: rank.get(g.status, 5))


def thumbnail(image_bytes: bytes, example: FailureExample) -> str:
    """A PNG data URI of the image with ground truth in green and predictions (with scores) in red."""
    import cv2

    img = cv2.imdecode(np.frombuffer(image_bytes, dtype=np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError(f"thumbnail of image {example.image_id} is not a decodable image")
    scale = max(1, 256 // max(img.shape[:2]))
    if scale > 1:
        img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)

    def rect(b: Sequence[float], color: tuple[int, int, int]) -> tuple[int, int]:
        x, y, w, h = (round(v * scale) for v in b)
        cv2.rectangle(img, (x, y), (x + w, y + h), color, 1)
        return x, y

    for _, b in example.gt_boxes:
        rect(b, (0, 200, 0))
    for label, b, s in example.dt_boxes:
        x, y = rect(b, (0, 0, 230))
        cv2.putText(img, f"{label[:10]} {s:.2f}", (x, max(y - 3, 9)), cv2.FONT_HERSHEY_PLAIN, 0.8, (0, 0, 230), 1)
    ok, png = cv2.imencode(".png", img)
    assert ok
    return "data:image/png;base64," + base64.b64encode(png.tobytes()).decode("ascii")


def _section(title: str, body: str) -> str:
    return f"<h2>{escape(title)}</h2>{body}"


def _plot(svg: str) -> str:
    return f'<div class="plot">{svg}</div>'


def render_html(result: ReadinessResult, thumbnails: Mapping[int, bytes] | None = None) -> str:
    """The whole report as one HTML document that needs no network (well-formed XML, so it parses strictly).

    ``thumbnails``: {image_id: encoded image bytes (PNG/JPEG)} for ``worst_failures(result)``;
    the boxes are drawn here.
    """
    r, f, pol = result, result.candidate, result.policy
    title = f"Readiness: {r.model.get('name') or r.model.get('id') or 'model'} — {pol.name}"
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"/>',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<div class="banner {r.verdict}">{r.verdict.upper()} · {sum(g.passed for g in r.gates)}/{len(r.gates)}'
        f" gates pass · checklist {escape(r.checklist_score)}</div>",
        "<p><small>model "
        + escape(", ".join(f"{k}={v}" for k, v in r.model.items()) or "–")
        + " · data "
        + escape(", ".join(f"{k}={v}" for k, v in r.dataset.items()) or "–")
        + f" · split {escape(pol.split)} · threshold {f.threshold.value:.3f} ({escape(f.threshold.source)})"
        + "</small></p>",
    ]
    gates = _ordered_gates(r.gates)
    parts.append(
        _section(
            "Gates",
            _table(
                ["gate", "status", "value", "threshold", "evidence"],
                [[g.name, g.status, g.value, g.threshold, g.evidence] for g in gates],
                [_status_class(g.status) for g in gates],
            ),
        )
    )
    if r.flags:
        parts.append(_section("Flags", "<ul>" + "".join(f"<li>{escape(x)}</li>" for x in r.flags) + "</ul>"))
    parts.append(
        _section(
            f"Readiness checklist ({r.checklist_score})",
            _table(
                ["question", "status", "evidence"],
                [[c.question, c.status, c.evidence] for c in r.checklist],
                [c.status for c in r.checklist],
            ),
        )
    )
    gr = f.group.to_dict()
    prod = gr["production"] or {}
    parts.append(
        _section(
            f"Operating point and production base rate ('{pol.positive.name}', images)",
            _table(
                [
                    "threshold",
                    "images",
                    "positives",
                    "recall",
                    "FPR",
                    "test precision",
                    "precision at π",
                    "alerts/day",
                    "false alerts/day",
                    "missed/day",
                ],
                [
                    [
                        gr["threshold"],
                        gr["images"],
                        gr["positives"],
                        gr["recall"],
                        gr["fpr"],
                        gr["test_precision"],
                        prod.get("precision"),
                        prod.get("alerts_per_day"),
                        prod.get("false_alerts_per_day"),
                        prod.get("missed_per_day"),
                    ]
                ],
            )
            + f"<p><small>recommended for {escape(str(f.threshold.recommended.target))}: "
            + escape(_fmt(f.threshold.recommended.threshold))
            + "</small></p>"
            + _plot(plots.pr_curves(f, r.baseline)),
        )
    )
    parts.append(
        _section(
            "Per class",
            _table(
                ["class", "AP", "AP50", "GT", "TP", "FP", "FN", "precision", "recall", "image FPR"],
                [
                    [
                        n,
                        c["AP"],
                        c["AP50"],
                        c["num_gt"],
                        c["tp"],
                        c["fp"],
                        c["fn"],
                        c["precision"],
                        c["recall"],
                        c["image_fpr"],
                    ]
                    for n, c in f.per_class.items()
                ],
            )
            + (_plot(plots.confusion(f.confusion)) if f.confusion else ""),
        )
    )
    for key, rows in f.slices.items():
        body = _table(
            ["value", "images", "positives", "recall", "FPR", "precision (objects)", "AP50"],
            [
                [s.value, s.group.images, s.group.tp + s.group.fn, s.group.recall, s.group.fpr, s.precision, s.ap50]
                for s in rows
            ],
        )
        body += _table(
            ["value", "class", "FP", "FN", "miss rate", "image FPR"],
            [
                [s.value, n, c["fp"], c["fn"], c["miss_rate"], c["image_fpr"]]
                for s in rows
                for n, c in s.per_class.items()
                if c["tp"] + c["fp"] + c["fn"] > 0
            ],
        )
        parts.append(_section(f"Slices by {key}", _plot(plots.slice_bars(f, key)) + body))
    if f.calibration is not None:
        parts.append(_section("Calibration", _plot(plots.reliability(f))))
    if f.probes:
        parts.append(
            _section(
                "Corruption and out-of-distribution probes",
                _plot(plots.corruption_curves(f))
                + _table(
                    [
                        "probe",
                        "severity",
                        "images",
                        "recall clean→probe",
                        "Δ recall (pts)",
                        "AP50 clean→probe",
                        "Δ AP50 (pts)",
                        "FPR clean→probe",
                        "confidence AUROC",
                    ],
                    [
                        [
                            p.condition,
                            p.severity,
                            p.images,
                            f"{_fmt(p.recall_clean)}→{_fmt(p.recall)}",
                            p.drop_recall,
                            f"{_fmt(p.ap50_clean)}→{_fmt(p.ap50)}",
                            p.drop_ap50,
                            f"{_fmt(p.fpr_clean)}→{_fmt(p.fpr)}",
                            p.auroc,
                        ]
                        for p in f.probes
                    ],
                )
                + "<p><small>Confidence AUROC: per positive image, the highest score of a positive-group detection; "
                "the probability that a clean image scores above its corrupted counterpart set (0.5: confidence "
                "does not move — a silent failure when the metric drops).</small></p>",
            )
        )
    if f.latency:
        parts.append(
            _section(
                "Latency",
                _table(
                    ["batch", "calls", "p50 ms", "p95 ms", "p99 ms", "images/s"],
                    [[b, x.calls, x.p50, x.p95, x.p99, x.images_per_s] for b, x in f.latency.items()],
                )
                + _plot(plots.latency_histogram(f)),
            )
        )
    pv = r.provenance.to_dict()
    parts.append(
        _section(
            "Provenance",
            _table(
                ["source" + (f" ({pv['key']})" if pv["key"] else ""), "images", "production"],
                [[k, n, k in pv["production_values"]] for k, n in pv["counts"].items()],
            )
            + "<p>near-duplicates of training images: "
            + ("not searched" if not pv["near_duplicates_checked"] else str(pv["near_duplicate_test_images"]))
            + "</p>",
        )
    )
    if r.baseline is not None:
        parts.append(
            _section(
                f"Against the baseline ({', '.join(f'{k}={v}' for k, v in r.baseline_model.items()) or '–'})",
                _table(
                    ["metric", "candidate", "baseline", "Δ"],
                    [[c["metric"], c["candidate"], c["baseline"], c["delta"]] for c in r.comparison()],
                ),
            )
        )
    if r.failures:
        thumbs = thumbnails or {}
        cards = []
        for ex in r.failures:
            img = (
                f'<img alt="image {ex.image_id}" src="{thumbnail(thumbs[ex.image_id], ex)}"/>'
                if ex.image_id in thumbs
                else ""
            )
            meta = ", ".join(f"{k}={v}" for k, v in ex.meta.items() if k in pol.slice_keys())
            cards.append(
                f'<div class="thumb">{img}<br/>image {ex.image_id}: {escape(ex.kind)}, best score '
                f"{ex.score:.2f}<br/><small>{escape(meta)}</small></div>"
            )
        parts.append(
            _section(
                "Worst failures (green: truth, red: predictions)",
                '<div class="thumbs">' + "".join(cards) + "</div>",
            )
        )
    parts.append("</body></html>")
    return "\n".join(parts)


def render_markdown(result: ReadinessResult) -> str:
    """A short pull-request comment: verdict, failing gates first, flags, checklist score."""
    r = result
    icon = {"pass": "✅", "fail": "❌", "warn": "⚠️", "not measured": "❔", "skipped": "➖"}
    who = r.model.get("name") or r.model.get("id") or "model"
    lines = [
        f"### Readiness {r.verdict.upper()} {icon[r.verdict]} — {who} · policy `{r.policy.name}`",
        "",
        f"Threshold {r.candidate.threshold.value:.3f} ({r.candidate.threshold.source}); "
        f"{sum(g.passed for g in r.gates)}/{len(r.gates)} gates pass; checklist {r.checklist_score}.",
        "",
        "| gate | status | value | threshold | evidence |",
        "|---|---|---|---|---|",
    ]
    for g in _ordered_gates(r.gates):
        ev = g.evidence.replace("|", "\\|")
        lines.append(
            f"| {g.name} | {icon.get(g.status, '')} {g.status} | {_fmt(g.value)} | {_fmt(g.threshold)} | {ev} |"
        )
    extra = [x for x in r.flags if not any(x.startswith(f"{g.name}:") for g in r.gates)]
    if extra:
        lines += ["", "**Flags**", *(f"- {x}" for x in extra)]
    open_items = [c.question for c in r.checklist if c.status != "answered"]
    if open_items:
        lines += ["", f"**Checklist {r.checklist_score}**; open or partial:", *(f"- {q}" for q in open_items)]
    return "\n".join(lines) + "\n"
