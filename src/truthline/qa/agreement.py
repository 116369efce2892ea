"""Agreement between annotators: kappas and alpha for class labels, IoU-matched agreement for boxes, consensus.

Coefficients come from the libraries that define them, all behind this module: Cohen's kappa from
scikit-learn (per annotator pair, on the items both labelled), Fleiss' kappa from statsmodels (on the
items with the most common number of ratings, since Fleiss assumes a fixed number), Krippendorff's alpha
(nominal, missing ratings allowed) from the ``krippendorff`` package.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from truthline.qa.boxes import as_boxes, iou_matrix, match_boxes
from truthline.qa.issues import CheckResult, Issue, ranked

ClassRatings = Mapping[str, Sequence[tuple[str, str]]]
"""Item (image) name -> ``[(annotator, class), ...]``."""
BoxRatings = Mapping[str, Sequence[tuple[str, str, Sequence[float]]]]
"""Image name -> ``[(annotator, class, [x, y, w, h]), ...]``."""


def _nan(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def class_agreement(ratings: ClassRatings) -> CheckResult:
    """Cohen's kappa per annotator pair, Fleiss' kappa, Krippendorff's alpha (nominal), and disputed items.

    Summary: ``n_items`` (with >= 2 ratings), ``annotators``, ``cohen`` (list of ``{a, b, kappa, n_items}``),
    ``fleiss`` (``{kappa, n_items, n_raters}``), ``krippendorff_alpha``, ``percent_agreement``. Issues: items
    whose raters disagree (kind ``class_disagreement``, score = 1 - majority share; ``detail.votes``).
    A coefficient that is undefined (one class only, too few items) is ``None``.
    """
    import krippendorff
    from sklearn.metrics import cohen_kappa_score
    from statsmodels.stats.inter_rater import fleiss_kappa

    items = [k for k, v in ratings.items() if len({a for a, _ in v}) >= 2]
    annotators = sorted({a for k in items for a, _ in ratings[k]})
    classes = sorted({c for k in items for _, c in ratings[k]})
    cpos = {c: i for i, c in enumerate(classes)}
    apos = {a: i for i, a in enumerate(annotators)}
    # one rating per (item, annotator): the last one given
    table = np.full((len(annotators), len(items)), np.nan)
    for j, k in enumerate(items):
        for a, c in ratings[k]:
            table[apos[a], j] = cpos[c]

    cohen = []
    for ia, ib in itertools.combinations(range(len(annotators)), 2):
        both = ~np.isnan(table[ia]) & ~np.isnan(table[ib])
        kappa = None
        if both.sum() >= 2:
            with np.errstate(divide="ignore", invalid="ignore"):
                kappa = _nan(cohen_kappa_score(table[ia, both], table[ib, both]))
        cohen.append({"a": annotators[ia], "b": annotators[ib], "kappa": kappa, "n_items": int(both.sum())})

    counts = np.zeros((len(items), len(classes)))
    for j in range(len(items)):
        col = table[:, j]
        for v in col[~np.isnan(col)]:
            counts[j, int(v)] += 1
    n_per_item = counts.sum(axis=1).astype(int)
    fleiss: dict[str, float | int | None] = {"kappa": None, "n_items": 0, "n_raters": 0}
    if len(items):
        n_raters = Counter(n_per_item.tolist()).most_common(1)[0][0]
        keep = n_per_item == n_raters
        if keep.sum() >= 2 and len(classes) >= 2:
            with np.errstate(divide="ignore", invalid="ignore"):
                fleiss = {"kappa": _nan(fleiss_kappa(counts[keep])), "n_items": int(keep.sum()), "n_raters": n_raters}

    alpha = None
    if len(items) >= 2 and len(classes) >= 2:
        alpha = _nan(krippendorff.alpha(reliability_data=table, level_of_measurement="nominal"))

    issues = []
    agree = 0
    for j, k in enumerate(items):
        votes = {classes[c]: int(n) for c, n in enumerate(counts[j]) if n}
        top = max(votes.values())
        if len(votes) == 1:
            agree += 1
            continue
        issues.append(
            Issue(
                kind="class_disagreement",
                score=1.0 - top / n_per_item[j],
                image=k,
                label=majority(votes),
                detail={"votes": votes},
            )
        )
    return CheckResult(
        "agreement_classes",
        summary={
            "n_items": len(items),
            "annotators": annotators,
            "classes": classes,
            "cohen": cohen,
            "fleiss": fleiss,
            "krippendorff_alpha": alpha,
            "percent_agreement": agree / len(items) if items else None,
        },
        issues=ranked(issues),
    )


def majority(votes: Mapping[str, int]) -> str | None:
    """The class with most votes; ``None`` on a tie for first place."""
    if not votes:
        return None
    top = sorted(votes.items(), key=lambda kv: -kv[1])
    if len(top) > 1 and top[1][1] == top[0][1]:
        return None
    return top[0][0]


def consensus_classes(ratings: ClassRatings, *, min_share: float = 0.5) -> dict[str, str | None]:
    """Majority class per item; ``None`` on a tie or when the majority's share is not above ``min_share``."""
    out: dict[str, str | None] = {}
    for k, v in ratings.items():
        last = {a: c for a, c in v}  # one vote per annotator
        votes = Counter(last.values())
        m = majority(votes)
        out[k] = m if m is not None and votes[m] / len(last) > min_share else None
    return out


@dataclass(frozen=True, slots=True)
class BoxCluster:
    """Boxes from different annotators that the matching put on one object, and their consensus."""

    label: str | None
    bbox: list[float]
    annotators: list[str]
    members: list[int]  # indices into the image's rating list
    support: float  # share of the image's annotators that drew it


def cluster_boxes(rated: Sequence[tuple[str, str, Sequence[float]]], *, iou_threshold: float = 0.5) -> list[BoxCluster]:
    """Group one image's boxes by object: each annotator's boxes are matched (Hungarian on IoU, any class) to
    the clusters so far, at IoU >= ``iou_threshold`` with the cluster's median box; unmatched ones start new
    clusters. Consensus box: coordinate-wise median; class: majority (``None`` on a tie)."""
    by_ann: dict[str, list[int]] = defaultdict(list)
    for i, (a, _, _) in enumerate(rated):
        by_ann[a].append(i)
    boxes = as_boxes([b for _, _, b in rated])
    clusters: list[list[int]] = []
    for a in sorted(by_ann):
        idx = by_ann[a]
        if clusters:
            centres = np.array([np.median(boxes[c], axis=0) for c in clusters])
            pairs = match_boxes(iou_matrix(boxes[idx], centres), iou_threshold)
        else:
            pairs = []
        matched = {i for i, _, _ in pairs}
        for i, ci, _ in pairs:
            clusters[ci].append(idx[i])
        clusters.extend([idx[i]] for i in range(len(idx)) if i not in matched)
    n_ann = len(by_ann)
    out = []
    for members in clusters:
        votes = Counter(rated[i][1] for i in members)
        out.append(
            BoxCluster(
                label=majority(votes),
                bbox=np.median(boxes[members], axis=0).round(2).tolist(),
                annotators=[rated[i][0] for i in members],
                members=list(members),
                support=len({rated[i][0] for i in members}) / n_ann,
            )
        )
    return out


def consensus_boxes(
    ratings: BoxRatings, *, iou_threshold: float = 0.5, min_support: float = 0.5
) -> dict[str, list[BoxCluster]]:
    """Consensus boxes per image: clusters drawn by at least ``min_support`` of the image's annotators."""
    return {
        k: [c for c in cluster_boxes(v, iou_threshold=iou_threshold) if c.support >= min_support]
        for k, v in ratings.items()
    }


def box_agreement(ratings: BoxRatings, *, iou_threshold: float = 0.5) -> CheckResult:
    """IoU-matched agreement between annotators who boxed the same image.

    For every image and annotator pair, boxes of each class are matched one-to-one (Hungarian on IoU) at
    IoU >= ``iou_threshold``; F1 = 2 * matched / (boxes of a + boxes of b); mean IoU over matched pairs.
    Summary: ``overall``, ``per_class`` and ``per_pair`` (each ``{f1, mean_iou, matched, boxes_a, boxes_b}``)
    and ``n_images``. Issues: box clusters not drawn by every annotator of the image (``box_disagreement``,
    score = 1 - support) and clusters whose annotators chose different classes (``class_disagreement``).
    """
    tallies: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    per_class: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    issues: list[Issue] = []
    n_images = 0
    for image, rated in ratings.items():
        anns = sorted({a for a, _, _ in rated})
        if len(anns) < 2:
            continue
        n_images += 1
        for a, b in itertools.combinations(anns, 2):
            t = tallies[(a, b)]
            for cls in sorted({c for _, c, _ in rated}):
                ba = as_boxes([x for r, c, x in rated if r == a and c == cls])
                bb = as_boxes([x for r, c, x in rated if r == b and c == cls])
                pairs = match_boxes(iou_matrix(ba, bb), iou_threshold)
                add = [len(pairs), sum(p[2] for p in pairs), len(ba), len(bb)]
                for k in range(4):
                    t[k] += add[k]
                    per_class[cls][k] += add[k]
        for c in cluster_boxes(rated, iou_threshold=iou_threshold):
            first = rated[c.members[0]]
            if c.support < 1.0:
                missing = [a for a in anns if a not in c.annotators]
                detail: dict[str, object] = {"drawn_by": sorted(set(c.annotators)), "not_drawn_by": missing}
                issues.append(
                    Issue("box_disagreement", 1.0 - c.support, image, bbox=c.bbox, label=c.label, detail=detail)
                )
            classes = Counter(rated[i][1] for i in c.members)
            if len(classes) > 1:
                share = max(classes.values()) / sum(classes.values())
                detail = {"votes": dict(classes), "first": first[1]}
                issues.append(
                    Issue("class_disagreement", 1.0 - share, image, bbox=c.bbox, label=c.label, detail=detail)
                )

    def fig(t: list[float]) -> dict[str, float | int | None]:
        m, s, na, nb = t
        return {
            "f1": 2 * m / (na + nb) if na + nb else None,
            "mean_iou": s / m if m else None,
            "matched": int(m),
            "boxes_a": int(na),
            "boxes_b": int(nb),
        }

    total = [sum(t[k] for t in tallies.values()) for k in range(4)]
    return CheckResult(
        "agreement_boxes",
        summary={
            "n_images": n_images,
            "iou_threshold": iou_threshold,
            "overall": fig(total),
            "per_class": {c: fig(t) for c, t in sorted(per_class.items())},
            "per_pair": [{"a": a, "b": b, **fig(t)} for (a, b), t in sorted(tallies.items())],
        },
        issues=ranked(issues),
        params={"iou_threshold": iou_threshold},
    )
