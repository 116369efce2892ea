"""Result types shared by every QA check: one ranked issue, and a check's summary with its issues."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def jsonable(value: Any) -> Any:
    """Numpy scalars and arrays, tuples and non-finite floats turned into plain JSON values (NaN/inf -> None)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass(slots=True)
class Issue:
    """One finding a reviewer can act on.

    ``kind`` names what is wrong (``missing_box``, ``label_error``, ``zero_area`` ...); ``score`` is how sure
    the check is (higher is worse; comparable within a kind); ``rank`` is 1-based within the check.
    ``image`` is the image name; ``index`` the position of the annotation in the image's label list as given
    to the check, and ``annotation_id`` its id when the input carried ids. ``bbox`` is the box concerned
    (``[x, y, w, h]``), ``label`` its current class, ``suggested_label``/``suggested_bbox`` what the evidence
    suggests instead. ``detail`` holds anything else (IoUs, the other image of a duplicate pair, ...).
    """

    kind: str
    score: float
    image: str | None = None
    index: int | None = None
    annotation_id: str | None = None
    bbox: list[float] | None = None
    label: str | None = None
    suggested_label: str | None = None
    suggested_bbox: list[float] | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    rank: int = 0

    def to_dict(self) -> dict[str, Any]:
        d = {
            "kind": self.kind,
            "rank": self.rank,
            "score": self.score,
            "image": self.image,
            "index": self.index,
            "annotation_id": self.annotation_id,
            "bbox": self.bbox,
            "label": self.label,
            "suggested_label": self.suggested_label,
            "suggested_bbox": self.suggested_bbox,
            "detail": self.detail,
        }
        return jsonable({k: v for k, v in d.items() if v is not None and v != {}})


def ranked(issues: Sequence[Issue]) -> list[Issue]:
    """Issues sorted by score (highest first; ties by image and index) with ``rank`` set from 1."""
    out = sorted(issues, key=lambda i: (-i.score, i.image or "", i.index if i.index is not None else -1, i.kind))
    for r, issue in enumerate(out, start=1):
        issue.rank = r
    return out


@dataclass(slots=True)
class CheckResult:
    """What one check found: its name, a JSON-able summary (figures, tables) and its ranked issues."""

    check: str
    summary: dict[str, Any] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "params": jsonable(self.params),
            "summary": jsonable(self.summary),
            "n_issues": len(self.issues),
            "issues": [i.to_dict() for i in self.issues],
        }

    def by_kind(self, kind: str) -> list[Issue]:
        return [i for i in self.issues if i.kind == kind]
