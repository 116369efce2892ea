"""Error analysis: cross-class confusion and a TIDE-style breakdown, from hotcoco's diagnostics.

Both need overlaps between detections and ground truths of *other* classes, which the COCO
match does not compute; hotcoco runs them on the same inputs (one more pass, only when
asked). TIDE (Bolya et al. 2020) splits errors into classification, localisation, both,
duplicate, background and missed, with the AP each would recover if fixed.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from truthline.metrics.matchtable import MatchTable

TIDE_NAMES = {
    "Cls": "classification",
    "Loc": "localisation",
    "Both": "both",
    "Dupe": "duplicate",
    "Bkg": "background",
    "Miss": "missed",
}


def _hotcoco_eval(match: MatchTable) -> Any:
    import hotcoco

    G, D = match.source_gt, match.source_dt
    if G is None or D is None:
        raise ValueError("this match table does not keep its inputs")
    images = [
        {"id": int(i), "height": int(h), "width": int(w)}
        for i, h, w in zip(G.image_ids, G.image_height, G.image_width, strict=True)
    ]
    cats = [{"id": int(c), "name": n} for c, n in zip(G.category_ids, G.category_names, strict=True)]
    gt = hotcoco.COCO.from_arrays(
        images,
        cats,
        G.image_ids[G.ann_image],
        G.category_ids[G.ann_class],
        G.bbox,
        ids=G.ann_ids,
        area=G.area,
        iscrowd=G.iscrowd.astype(np.int64),
        segmentation=list(G.segmentation) if G.segmentation is not None else None,
    )
    if match.params.iou_type == "bbox":
        arr = np.column_stack([D.image_id, D.bbox, D.score, D.category_id]).astype(np.float64)
        dt = gt.load_res(arr)
    else:
        assert D.segmentation is not None
        dt = gt.load_res(
            [
                {"image_id": int(i), "category_id": int(c), "score": float(s), "segmentation": seg}
                for i, c, s, seg in zip(D.image_id, D.category_id, D.score, D.segmentation, strict=True)
            ]
        )
    ev = hotcoco.COCOeval(gt, dt, match.params.iou_type)
    with contextlib.redirect_stdout(io.StringIO()):
        ev.evaluate()
    return ev


@dataclass(frozen=True)
class ErrorBreakdown:
    """TIDE counts and ΔAP per error type, and the cross-class confusion matrix (last row/column: background)."""

    counts: dict[str, int]
    delta_ap: dict[str, float]
    ap_base: float
    confusion: npt.NDArray[np.uint64]
    labels: tuple[str, ...]

    def top_confusions(self, n: int = 5) -> list[tuple[str, str, int]]:
        """The most frequent (truth, predicted) pairs between different classes."""
        K = len(self.labels)
        m = self.confusion[:K, :K].astype(np.int64).copy()
        np.fill_diagonal(m, 0)
        flat = np.argsort(-m, axis=None, kind="stable")[:n]
        return [(self.labels[i // K], self.labels[i % K], int(m.flat[i])) for i in flat if m.flat[i] > 0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "tide": {
                TIDE_NAMES.get(k, k): {"count": self.counts.get(k), "delta_ap": v} for k, v in self.delta_ap.items()
            },
            "ap_base": self.ap_base,
            "confusion": {"labels": [*self.labels, "background"], "matrix": self.confusion.astype(np.int64).tolist()},
            "top_confusions": [{"truth": a, "predicted": b, "count": c} for a, b, c in self.top_confusions()],
        }


def tide_breakdown(match: MatchTable, pos_thr: float = 0.5, bg_thr: float = 0.1) -> ErrorBreakdown:
    """TIDE error types and the cross-class confusion at IoU ``pos_thr`` for the match's inputs."""
    ev = _hotcoco_eval(match)
    tide = ev.tide_errors(pos_thr=pos_thr, bg_thr=bg_thr)
    cm = ev.confusion_matrix(iou_thr=pos_thr, max_det=match.params.max_det)
    return ErrorBreakdown(
        counts={k: int(v) for k, v in tide["counts"].items()},
        delta_ap={k: float(v) for k, v in tide["delta_ap"].items()},
        ap_base=float(tide["ap_base"]),
        confusion=np.asarray(cm["matrix"]),
        labels=tuple(cm["cat_names"]),
    )
