"""Consistency over time and across annotators: class mix and box size/aspect per window and per annotator,
confusion against consensus, and the annotations a taxonomy change touches.

A group (a time window of ``captured_at``, or one annotator) is flagged when it differs from all the other
groups together both significantly (scipy: chi-square on the class mix, two-sample KS on box size and
aspect per class, p < ``alpha``) and by enough to matter (total-variation distance of the class mix >=
``min_share_shift``; median size or aspect ratio beyond ``size_ratio``/``aspect_ratio``), so large
datasets do not flag trivial differences.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from scipy import stats as sps

from truthline.domain.records import ImageRecord
from truthline.domain.taxonomy import Taxonomy, diff_taxonomies
from truthline.qa.agreement import ClassRatings, consensus_classes
from truthline.qa.boxes import as_boxes
from truthline.qa.issues import CheckResult, Issue, ranked


@dataclass(frozen=True, slots=True)
class ConsistencyConfig:
    """Window size (hours, windows start at the Unix epoch), test level and effect-size floors."""

    window_hours: float = 24.0 * 7
    alpha: float = 0.01
    min_share_shift: float = 0.1
    size_ratio: float = 1.25
    aspect_ratio: float = 1.25
    min_boxes: int = 20
    time_key: str = "captured_at"


def window_of(value: Any, hours: float) -> str | None:
    """The ISO start of the window holding an ISO 8601 timestamp (``None`` if it does not parse)."""
    try:
        t = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    step = hours * 3600.0
    start = np.floor(t.timestamp() / step) * step
    return datetime.fromtimestamp(start, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_Item = tuple[str, int, str, tuple[float, float, float, float] | None]  # image, index, class, bbox


def _groups(records: Sequence[ImageRecord], by: str, cfg: ConsistencyConfig) -> dict[str, list[_Item]]:
    out: dict[str, list[_Item]] = defaultdict(list)
    for r in records:
        win = window_of(r.metadata.get(cfg.time_key), cfg.window_hours) if by == "window" else None
        for i, lab in enumerate(r.labels):
            key = win if by == "window" else lab.annotator
            if key is not None and lab.label is not None:
                box = lab.bbox if lab.kind.value != "label" else None
                out[str(key)].append((r.name, i, str(lab.label), box))
    return dict(sorted(out.items()))


def _size_aspect(items: list[_Item], cls: str) -> tuple[np.ndarray, np.ndarray]:
    b = as_boxes([x[3] for x in items if x[2] == cls and x[3] is not None])
    b = b[(b[:, 2] > 0) & (b[:, 3] > 0)]
    return np.sqrt(b[:, 2] * b[:, 3]), np.log(b[:, 2] / b[:, 3])


def _compare(groups: dict[str, list[_Item]], by: str, cfg: ConsistencyConfig) -> tuple[dict[str, Any], list[Issue]]:
    classes = sorted({x[2] for g in groups.values() for x in g})
    counts = {k: Counter(x[2] for x in g) for k, g in groups.items()}
    table: dict[str, Any] = {}
    issues: list[Issue] = []
    for key, items in groups.items():
        mine = np.array([counts[key][c] for c in classes], dtype=float)
        rest = np.array([sum(counts[o][c] for o in groups if o != key) for c in classes], dtype=float)
        row: dict[str, Any] = {"n_labels": len(items), "class_share": {}, "boxes": {}}
        if mine.sum():
            row["class_share"] = {c: mine[i] / mine.sum() for i, c in enumerate(classes) if mine[i]}
        if mine.sum() and rest.sum() and len(classes) > 1:
            used = (mine + rest) > 0
            tvd = 0.5 * np.abs(mine / mine.sum() - rest / rest.sum()).sum()
            p = float(sps.chi2_contingency(np.stack([mine[used], rest[used]]))[1]) if used.sum() > 1 else 1.0
            row["class_mix"] = {"tvd": tvd, "p": p}
            if p < cfg.alpha and tvd >= cfg.min_share_shift:
                share = {c: (mine[i] / mine.sum(), rest[i] / rest.sum()) for i, c in enumerate(classes)}
                detail = {"group_by": by, "group": key, "tvd": tvd, "p": p, "share_vs_rest": share}
                issues.append(Issue("class_mix_shift", float(tvd), detail=detail))
        others = [x for o, g in groups.items() if o != key for x in g]
        for c in classes:
            s1, a1 = _size_aspect(items, c)
            s0, a0 = _size_aspect(others, c)
            if not len(s1):
                continue
            fig = {"n": len(s1), "size_median": float(np.median(s1)), "aspect_median": float(np.exp(np.median(a1)))}
            row["boxes"][c] = fig
            if len(s1) < cfg.min_boxes or len(s0) < cfg.min_boxes:
                continue
            for what, x1, x0, limit in (("size", s1, s0, cfg.size_ratio), ("aspect", a1, a0, cfg.aspect_ratio)):
                ratio = (
                    float(np.median(x1) / np.median(x0))
                    if what == "size"
                    else float(np.exp(np.median(x1) - np.median(x0)))
                )
                p = float(sps.ks_2samp(x1, x0).pvalue)
                if p < cfg.alpha and max(ratio, 1 / ratio) >= limit:
                    detail = {"group_by": by, "group": key, "ratio_vs_rest": ratio, "p": p, "n": len(x1)}
                    issues.append(Issue(f"box_{what}_shift", float(abs(np.log(ratio))), label=c, detail=detail))
        table[key] = row
    return table, issues


def consistency(
    records: Sequence[ImageRecord],
    config: ConsistencyConfig | None = None,
    *,
    by: Sequence[str] = ("window", "annotator"),
) -> CheckResult:
    """Per time window and per annotator: class mix and per-class box size and aspect, with flags (check
    ``consistency``). Summary: ``per_window`` and ``per_annotator`` (group -> ``n_labels``, ``class_share``,
    ``class_mix`` {tvd, p}, ``boxes`` class -> {n, size_median, aspect_median}). Issues: ``class_mix_shift``
    (score: total-variation distance), ``box_size_shift`` and ``box_aspect_shift`` (score: |log ratio|),
    each naming ``detail.group_by`` and ``detail.group``.
    """
    cfg = config or ConsistencyConfig()
    summary: dict[str, Any] = {}
    issues: list[Issue] = []
    for what in by:
        groups = _groups(records, what, cfg)
        table, found = (
            _compare(groups, what, cfg)
            if len(groups) > 1
            else ({k: {"n_labels": len(g)} for k, g in groups.items()}, [])
        )
        summary[f"per_{what}"] = table
        issues.extend(found)
    return CheckResult("consistency", summary=summary, issues=ranked(issues), params=asdict(cfg))


def annotator_confusion(ratings: ClassRatings) -> dict[str, dict[str, dict[str, int]]]:
    """Per annotator, counts of (consensus class -> the annotator's class) over items with a consensus."""
    consensus = consensus_classes(ratings)
    out: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for item, rated in ratings.items():
        truth = consensus.get(item)
        if truth is None:
            continue
        for a, c in {a: c for a, c in rated}.items():
            row = out[a][truth]
            row[c] = row.get(c, 0) + 1
    return {a: {t: dict(r) for t, r in rows.items()} for a, rows in sorted(out.items())}


def taxonomy_impact(old: Taxonomy, new: Taxonomy, records: Sequence[ImageRecord]) -> CheckResult:
    """The annotations a taxonomy change touches (check ``taxonomy_diff``): labels of a removed class
    (``class_removed``, score 1) or of a class whose guideline changed (``guideline_changed``, score 0.5).
    Summary: the diff and, per touched class, how many annotations it has."""
    diff = diff_taxonomies(old, new)
    removed, changed = set(diff.removed), set(diff.guideline_changed)
    issues = []
    touched: Counter[str] = Counter()
    for r in records:
        for i, lab in enumerate(r.labels):
            name = str(lab.label)
            kind = "class_removed" if name in removed else "guideline_changed" if name in changed else None
            if kind:
                touched[name] += 1
                issues.append(
                    Issue(
                        kind,
                        1.0 if kind == "class_removed" else 0.5,
                        r.name,
                        i,
                        bbox=list(lab.bbox) if lab.bbox else None,
                        label=name,
                    )
                )
    return CheckResult(
        "taxonomy_diff", summary={"diff": diff.to_dict(), "annotations_per_class": dict(touched)}, issues=ranked(issues)
    )
