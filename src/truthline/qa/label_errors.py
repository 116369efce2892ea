"""Label-error candidates from model predictions: confident learning for classes, four box error kinds.

Classification wraps cleanlab. Measured on scikit-learn's digits with 10% of labels flipped and 5-fold
logistic-regression probabilities (``benchmarks/qa_quality.py``), cleanlab's default ``filter_by=
'prune_by_noise_rate'`` reached F1 0.78-0.81 over three seeds; ``'low_self_confidence'`` (the examples of
lowest self-confidence, as many as the confident joint estimates are mislabelled) reached 0.86-0.89, so it is
our default. Examples are ranked by self-confidence, the best of cleanlab's scores there (AUROC 0.986-0.996).

Detection is our own code (cleanlab's object-detection module found under 10% of spurious boxes here):
each ground-truth box and each prediction is compared through one vectorised IoU matrix per image.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from truthline.qa.boxes import ImageBoxes, iou_matrix
from truthline.qa.issues import CheckResult, Issue, ranked

DETECTION_KINDS = ("missing_box", "spurious_box", "wrong_class", "bad_localisation")


@dataclass(frozen=True, slots=True)
class ClassificationErrorConfig:
    """How classification label errors are found (cleanlab's ``find_label_issues`` and label-quality scores).

    ``filter_by`` is any cleanlab ``filter_by`` ('low_self_confidence', 'prune_by_noise_rate', 'both',
    'prune_by_class', 'confident_learning', 'predicted_neq_given', 'low_normalized_margin');
    ``rank_by`` any cleanlab ``get_label_quality_scores`` method ('self_confidence', 'normalized_margin',
    'confidence_weighted_entropy'). ``frac_noise`` scales the estimated number of errors (1.0: all).
    """

    filter_by: str = "low_self_confidence"
    rank_by: str = "self_confidence"
    frac_noise: float = 1.0
    min_examples_per_class: int = 1


def classification_label_scores(
    labels: Sequence[int] | np.ndarray, pred_probs: np.ndarray, config: ClassificationErrorConfig | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(is_issue, error_score)`` for every example: a boolean mask and 1 - label quality (higher is worse).

    ``labels`` are class indices ``0..K-1``; ``pred_probs`` ``(N, K)`` out-of-sample probabilities (e.g.
    cross-validated), rows summing to 1.
    """
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    cfg = config or ClassificationErrorConfig()
    y = np.asarray(labels, dtype=np.int64)
    p = np.asarray(pred_probs, dtype=np.float64)
    if p.ndim != 2 or len(p) != len(y):
        raise ValueError(f"pred_probs must be (N, K) with N = {len(y)} labels, got {p.shape}")
    mask = find_label_issues(
        y,
        p,
        filter_by=cfg.filter_by,
        frac_noise=cfg.frac_noise,
        min_examples_per_class=cfg.min_examples_per_class,
    )
    quality = get_label_quality_scores(y, p, method=cfg.rank_by)
    return np.asarray(mask, dtype=bool), 1.0 - np.asarray(quality, dtype=np.float64)


def find_classification_errors(
    labels: Sequence[str] | Sequence[int] | np.ndarray,
    pred_probs: np.ndarray,
    *,
    classes: Sequence[str] | None = None,
    images: Sequence[str] | None = None,
    ids: Sequence[str | None] | None = None,
    config: ClassificationErrorConfig | None = None,
) -> CheckResult:
    """Image-level labels that the out-of-sample probabilities contradict, ranked (check ``label_errors``).

    ``labels`` are class names (then ``classes`` gives the column order of ``pred_probs``) or indices.
    ``images``/``ids`` name each example in the issues. Each issue: kind ``label_error``, ``label``,
    ``suggested_label`` (the most probable class), ``detail`` with ``p_given`` and ``p_suggested``.
    """
    cfg = config or ClassificationErrorConfig()
    names = list(classes) if classes is not None else None
    if names is not None and len(labels) and isinstance(labels[0], str):
        pos = {c: i for i, c in enumerate(names)}
        y = np.array([pos[str(c)] for c in labels], dtype=np.int64)
    else:
        y = np.asarray(labels, dtype=np.int64)
    p = np.asarray(pred_probs, dtype=np.float64)
    mask, score = classification_label_scores(y, p, cfg)

    def name(k: int) -> str:
        return names[k] if names is not None else str(k)

    issues = []
    for i in (int(k) for k in np.flatnonzero(mask)):
        guess = int(np.argmax(p[i]))
        issues.append(
            Issue(
                kind="label_error",
                score=float(score[i]),
                image=images[i] if images is not None else str(i),
                index=int(i),
                annotation_id=ids[i] if ids is not None else None,
                label=name(int(y[i])),
                suggested_label=name(guess),
                detail={"p_given": float(p[i, y[i]]), "p_suggested": float(p[i, guess])},
            )
        )
    return CheckResult(
        "label_errors",
        summary={
            "task": "classification",
            "n_examples": len(y),
            "n_issues": int(mask.sum()),
            "estimated_error_rate": float(mask.mean()) if len(y) else 0.0,
        },
        issues=ranked(issues),
        params=asdict(cfg),
    )


@dataclass(frozen=True, slots=True)
class DetectionErrorConfig:
    """Every threshold of the four detection error kinds (IoU in 0..1, scores are model confidences).

    - missing box: a prediction scoring ``>= missing_min_score`` that overlaps no ground-truth box of any
      class at IoU ``>= missing_max_iou``; duplicates among such predictions (IoU ``>= nms_iou``) are merged.
    - spurious box: a ground-truth box that no prediction scoring ``>= spurious_min_score`` overlaps at IoU
      ``>= spurious_max_iou`` (so even a weak detection nearby clears it).
    - wrong class: a prediction of another class overlaps the box at IoU ``>= wrong_class_min_iou`` with score
      ``>= wrong_class_min_score``, beating the best same-class prediction there by ``>= wrong_class_margin``.
    - bad localisation: the best same-class prediction scoring ``>= loc_min_score`` overlaps the box at an IoU
      in ``[loc_min_iou, loc_max_iou)`` and none reaches ``loc_max_iou``.
    """

    missing_min_score: float = 0.5
    missing_max_iou: float = 0.1
    nms_iou: float = 0.5
    spurious_min_score: float = 0.05
    spurious_max_iou: float = 0.1
    wrong_class_min_iou: float = 0.5
    wrong_class_min_score: float = 0.5
    wrong_class_margin: float = 0.2
    loc_min_iou: float = 0.1
    loc_max_iou: float = 0.7
    loc_min_score: float = 0.5


def _image_errors(gt: ImageBoxes, pred: ImageBoxes, cfg: DetectionErrorConfig) -> list[Issue]:
    scores = pred.scores if pred.scores is not None else np.ones(len(pred))
    iou = iou_matrix(gt.boxes, pred.boxes)  # (G, P)
    g_lab = np.array(gt.labels, dtype=object)
    p_lab = np.array(pred.labels, dtype=object)
    same = g_lab[:, None] == p_lab[None, :] if len(gt) and len(pred) else np.zeros(iou.shape, dtype=bool)
    size = {"width": gt.width, "height": gt.height} if gt.width and gt.height else {}
    out: list[Issue] = []

    # missing boxes: confident predictions that overlap no ground truth
    max_gt_iou = iou.max(axis=0) if len(gt) else np.zeros(len(pred))
    cand = np.flatnonzero((scores >= cfg.missing_min_score) & (max_gt_iou < cfg.missing_max_iou))
    cand = cand[np.argsort(-scores[cand], kind="stable")]
    kept: list[int] = []
    for j in (int(k) for k in cand):
        if kept and iou_matrix(pred.boxes[[j]], pred.boxes[kept]).max() >= cfg.nms_iou:
            continue
        kept.append(j)
        out.append(
            Issue(
                kind="missing_box",
                score=float(scores[j] * (1.0 - max_gt_iou[j])),
                image=gt.image,
                suggested_label=pred.labels[j],
                suggested_bbox=pred.boxes[j].tolist(),
                detail={"pred_score": float(scores[j]), "max_iou_with_labels": float(max_gt_iou[j]), **size},
            )
        )

    for i in range(len(gt)):
        row = iou[i]
        base = {"image": gt.image, "index": i, "annotation_id": gt.id_of(i), "bbox": gt.boxes[i].tolist()}
        base["label"] = gt.labels[i]
        support = row * scores
        near = (scores >= cfg.spurious_min_score) & (row >= cfg.spurious_max_iou)
        if not near.any():
            best = float(support.max()) if len(row) else 0.0
            out.append(Issue(kind="spurious_box", score=1.0 - best, detail={"best_iou_x_score": best, **size}, **base))
            continue
        over = row >= cfg.wrong_class_min_iou
        other = over & ~same[i]
        same_score = float(scores[over & same[i]].max()) if (over & same[i]).any() else 0.0
        if other.any():
            j = int(np.flatnonzero(other)[np.argmax(scores[other])])
            if scores[j] >= cfg.wrong_class_min_score and scores[j] - same_score >= cfg.wrong_class_margin:
                out.append(
                    Issue(
                        kind="wrong_class",
                        score=float(scores[j] - same_score),
                        suggested_label=pred.labels[j],
                        suggested_bbox=pred.boxes[j].tolist(),
                        detail={"pred_score": float(scores[j]), "iou": float(row[j]), "same_class_score": same_score}
                        | size,
                        **base,
                    )
                )
                continue
        mine = same[i] & (scores >= cfg.loc_min_score)
        if mine.any():
            j = int(np.flatnonzero(mine)[np.argmax(row[mine])])
            if cfg.loc_min_iou <= row[j] < cfg.loc_max_iou:
                out.append(
                    Issue(
                        kind="bad_localisation",
                        score=float(scores[j] * (1.0 - row[j])),
                        suggested_bbox=pred.boxes[j].tolist(),
                        detail={"pred_score": float(scores[j]), "iou": float(row[j]), **size},
                        **base,
                    )
                )
    return out


def find_detection_errors(
    ground_truth: Sequence[ImageBoxes],
    predictions: Sequence[ImageBoxes],
    config: DetectionErrorConfig | None = None,
) -> CheckResult:
    """Missing, spurious, wrong-class and badly placed boxes, one ranked list (check ``label_errors``).

    ``predictions`` are matched to ``ground_truth`` by ``image`` name; an image without predictions is
    skipped (no evidence). Scores lie in 0..1: missing ``pred_score * (1 - max IoU with labels)``, spurious
    ``1 - max(IoU * pred_score)``, wrong class ``other-class score - same-class score``, bad localisation
    ``pred_score * (1 - IoU)``. ``detail.kind_rank`` is the rank within the issue's kind.
    """
    cfg = config or DetectionErrorConfig()
    by_image = {p.image: p for p in predictions}
    issues: list[Issue] = []
    n_images = n_boxes = 0
    for gt in ground_truth:
        pred = by_image.get(gt.image)
        if pred is None:
            continue
        n_images += 1
        n_boxes += len(gt)
        issues.extend(_image_errors(gt, pred, cfg))
    for kind in DETECTION_KINDS:
        for r, issue in enumerate(ranked([i for i in issues if i.kind == kind]), start=1):
            issue.detail["kind_rank"] = r
    out = ranked(issues)
    counts = {k: sum(1 for i in out if i.kind == k) for k in DETECTION_KINDS}
    return CheckResult(
        "label_errors",
        summary={"task": "detection", "n_images": n_images, "n_boxes": n_boxes, "counts": counts},
        issues=out,
        params=asdict(cfg),
    )
