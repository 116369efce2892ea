"""The readiness report's plots as inline SVG strings (matplotlib's Agg/SVG backend; fonts as paths, no links)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from truthline.readiness.measure import ModelFigures

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf")


def _svg(draw: Callable[[Any], None], size: tuple[float, float] = (5.0, 3.4)) -> str:
    """Draw on a fresh figure and return its SVG element (no XML prolog, DOCTYPE or metadata)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with plt.rc_context({"svg.fonttype": "path", "font.size": 8, "svg.hashsalt": "truthline"}):
        fig = plt.figure(figsize=size)
        try:
            draw(fig)
            fig.tight_layout()
            buf = io.StringIO()
            fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
        finally:
            plt.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    return re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)


def pr_curves(fig_: ModelFigures, base: ModelFigures | None = None) -> str:
    """Object-level PR per class, and the positive group's precision at production prevalence vs recall."""

    def draw(fig: Any) -> None:
        a1, a2 = fig.subplots(1, 2)
        for i, (name, c) in enumerate(fig_.pr_curves.items()):
            a1.plot(c["recall"], c["precision"], color=PALETTE[i % len(PALETTE)], label=name, lw=1.2)
        a1.set(xlabel="recall", ylabel="precision", title="per class (objects)", xlim=(0, 1), ylim=(0, 1.02))
        if fig_.pr_curves:
            a1.legend(fontsize=6, loc="lower left")
        g = fig_.group_curve
        a2.plot(g["recall"], g["precision_at_prevalence"], color=PALETTE[0], label="candidate")
        if base is not None:
            b = base.group_curve
            a2.plot(b["recall"], b["precision_at_prevalence"], color=PALETTE[7], ls="--", label="baseline")
        gr = fig_.group
        if gr.recall is not None and gr.production is not None and gr.production.precision is not None:
            a2.plot([gr.recall], [gr.production.precision], "o", color=PALETTE[1], label="operating point")
        a2.set(xlabel="image recall", ylabel="precision at prevalence", title="positive group (images)")
        a2.set(xlim=(0, 1), ylim=(0, 1.02))
        a2.legend(fontsize=6, loc="lower left")

    return _svg(draw, (7.5, 3.2))


def slice_bars(fig_: ModelFigures, key: str) -> str:
    """Image recall and FPR per value of one slice key, the overall recall as a line."""
    rows = fig_.slices[key]

    def draw(fig: Any) -> None:
        ax = fig.subplots()
        x = np.arange(len(rows))
        rec = [r.group.recall if r.group.recall is not None else 0.0 for r in rows]
        fpr = [r.group.fpr if r.group.fpr is not None else 0.0 for r in rows]
        ax.bar(x - 0.2, rec, 0.4, color=PALETTE[0], label="recall")
        ax.bar(x + 0.2, fpr, 0.4, color=PALETTE[1], label="FPR")
        if fig_.group.recall is not None:
            ax.axhline(fig_.group.recall, color=PALETTE[0], ls=":", lw=1, label="overall recall")
        ax.set_xticks(x, [f"{r.value}\n({r.group.images})" for r in rows], fontsize=7)
        ax.set(ylim=(0, 1.05), title=f"by {key} (images)")
        ax.legend(fontsize=6)

    return _svg(draw, (max(3.5, 0.8 * len(rows) + 2), 3.0))


def confusion(matrix: dict[str, Any]) -> str:
    """Cross-class confusion (last row/column: background) as a heat map with counts."""
    labels, m = matrix["labels"], np.asarray(matrix["matrix"], dtype=np.float64)

    def draw(fig: Any) -> None:
        ax = fig.subplots()
        ax.imshow(np.log1p(m), cmap="Blues")
        for (i, j), v in np.ndenumerate(m):
            ax.text(j, i, f"{int(v)}", ha="center", va="center", fontsize=6)
        ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=6)
        ax.set_yticks(range(len(labels)), labels, fontsize=6)
        ax.set(xlabel="predicted", ylabel="truth", title="confusion at IoU 0.5")

    n = len(labels)
    return _svg(draw, (min(2 + 0.5 * n, 7), min(1.8 + 0.45 * n, 6.5)))


def reliability(fig_: ModelFigures) -> str:
    """Reliability diagram: accuracy vs mean confidence per bin, bar width by count."""
    cal = fig_.calibration
    assert cal is not None

    def draw(fig: Any) -> None:
        ax = fig.subplots()
        ok = cal.count > 0
        mid = (cal.bin_lower + cal.bin_upper) / 2
        ax.bar(mid[ok], cal.accuracy[ok], width=(cal.bin_upper - cal.bin_lower)[ok] * 0.9, color=PALETTE[0])
        ax.plot([0, 1], [0, 1], color="#555", ls="--", lw=1)
        ax.plot(cal.avg_confidence[ok], cal.accuracy[ok], "o", color=PALETTE[1], ms=3)
        ax.set(xlabel="confidence", ylabel="fraction TP", xlim=(0, 1), ylim=(0, 1), title=f"ECE {cal.ece:.3f}")

    return _svg(draw, (3.4, 3.2))


def corruption_curves(fig_: ModelFigures) -> str:
    """Per probe: image recall and AP50 vs severity (clean at 0), and confidence AUROC vs severity."""
    conds = sorted({p.condition for p in fig_.probes})

    def draw(fig: Any) -> None:
        a1, a2 = fig.subplots(1, 2)
        for i, c in enumerate(conds):
            rows = [p for p in fig_.probes if p.condition == c]
            col = PALETTE[i % len(PALETTE)]
            xs = [0.0] + [p.severity for p in rows]
            rc = [rows[0].recall_clean] + [p.recall for p in rows]
            a1.plot(xs, [np.nan if v is None else v for v in rc], "o-", color=col, label=c, ms=3)
            a1.plot(xs, [max(rows[0].ap50_clean, 0)] + [max(p.ap50, 0) for p in rows], "x:", color=col, ms=3)
            au = [np.nan if p.auroc is None else p.auroc for p in rows]
            a2.plot([p.severity for p in rows], au, "o-", color=col, label=c, ms=3)
        a1.set(xlabel="severity", ylabel="recall (—) / AP50 (···)", ylim=(0, 1.02), title="metric vs severity")
        a2.axhline(0.5, color="#555", ls="--", lw=1)
        a2.set(xlabel="severity", ylabel="AUROC clean vs corrupted", ylim=(0, 1.02), title="does confidence drop?")
        a1.legend(fontsize=6, loc="lower left")

    return _svg(draw, (7.5, 3.2))


def latency_histogram(fig_: ModelFigures) -> str:
    """Histogram of per-call wall times per batch size, with p50/p95 marks."""

    def draw(fig: Any) -> None:
        ax = fig.subplots()
        for i, (b, lat) in enumerate(fig_.latency.items()):
            col = PALETTE[i % len(PALETTE)]
            ax.hist(lat.samples, bins=30, alpha=0.6, color=col, label=f"batch {b}")
            ax.axvline(lat.p95, color=col, ls="--", lw=1)
        ax.set(xlabel="ms per call (dashed: p95)", ylabel="calls", title="latency")
        ax.legend(fontsize=6)

    return _svg(draw, (4.5, 3.0))
