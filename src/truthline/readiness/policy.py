"""The readiness policy file: what production looks like and the gates a model must pass (pydantic-validated YAML)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from truthline.domain.specs import parse_spec, read_yaml

CONDITION_RE = re.compile(r"^[a-z_]+(=[a-z_]+)?$")
RATE = Annotated[float, Field(ge=0.0, le=1.0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PositiveGroup(_Strict):
    """The classes that make an image *positive* (the "defect" notion) for image-level decisions.

    An image is positive when it holds a ground-truth box of any of ``classes``; it *alerts*
    (is predicted positive) when a detection of any of them scores at least the threshold.
    """

    name: str = Field("positive", description="name printed for the group, e.g. 'defect'")
    classes: list[str] | None = Field(
        None, description="class names of the group; omitted: every class of the ground truth"
    )


class ThresholdTarget(_Strict):
    """What the recommended threshold must achieve on the evaluation images (image level, positive group)."""

    min_recall: RATE | None = Field(None, description="image-level recall of the positive group, e.g. 0.95")
    max_fpr: RATE | None = Field(None, description="image-level false-positive rate, e.g. 0.01")

    @model_validator(mode="after")
    def _one(self) -> ThresholdTarget:
        if self.min_recall is None and self.max_fpr is None:
            raise ValueError("state min_recall, max_fpr or both")
        return self


class Production(_Strict):
    """The production line: base rate, volume and where production images come from."""

    prevalence: float = Field(gt=0.0, lt=1.0, description="share of production units (images) that are positive")
    volume_per_day: float | None = Field(None, gt=0, description="units (images) inspected per day")
    provenance_key: str | None = Field(None, description="image metadata key naming the source, e.g. 'camera'")
    production_values: list[str] = Field(
        default_factory=list, description="values of provenance_key that are production sources, e.g. [cam1, cam2]"
    )


class ProbeSpec(_Strict):
    """A corruption or out-of-distribution probe: a synth condition applied to the evaluation images."""

    condition: str = Field(description="synth condition, optionally with a variant: 'defocus', 'lighting=night'")
    severities: list[RATE] = Field(default_factory=lambda: [0.3, 0.6, 0.9], min_length=1)
    max_images: int = Field(200, ge=1, description="evaluation images probed (positives first, see probe_image_ids)")

    @field_validator("condition")
    @classmethod
    def _condition(cls, v: str) -> str:
        if not CONDITION_RE.match(v):
            raise ValueError(f"condition {v!r} is not NAME or NAME=VARIANT (e.g. 'fog', 'lighting=night')")
        return v


class LatencySpec(_Strict):
    """How the workflow measures latency: wall time of one model call per batch, after warm-up."""

    batch_sizes: list[Annotated[int, Field(ge=1)]] = Field(default_factory=lambda: [1], min_length=1)
    n: int = Field(100, ge=1, description="timed calls per batch size")
    warmup: int = Field(5, ge=0, description="untimed calls first")


class ReportSpec(_Strict):
    examples: int = Field(8, ge=0, description="worst-failure thumbnails in the HTML report")
    calibration_bins: int = Field(10, ge=2, le=100)


class _Gate(_Strict):
    name: str | None = Field(None, description="shown in reports; default: the kind and its key")
    on_fail: Literal["fail", "warn"] = Field("fail", description="'warn': a failing gate is flagged, verdict kept")


class MinRecall(_Gate):
    """Recall ≥ min: image-level recall of the positive group, or object recall of one class (``on``)."""

    kind: Literal["min_recall"]
    min: RATE
    on: str | None = Field(None, description="a class name (object recall); omitted: the positive group")


class MaxFpr(_Gate):
    """Image-level false-positive rate of the positive group ≤ max (alerts on negative images / negatives)."""

    kind: Literal["max_fpr"]
    max: RATE


class MinPrecisionAtPrevalence(_Gate):
    """Precision at the production prevalence π ≥ min: π·TPR / (π·TPR + (1 − π)·FPR)."""

    kind: Literal["min_precision_at_prevalence"]
    min: RATE


class MaxSliceGap(_Gate):
    """No value of metadata ``key`` more than ``points`` (×100) below the overall figure."""

    kind: Literal["max_slice_gap"]
    key: str
    metric: Literal["recall", "precision", "ap50"] = "recall"
    points: float = Field(ge=0)
    min_support: int = Field(5, ge=1, description="slices with fewer units behind the metric are not judged")


class MaxLatencyP95(_Gate):
    """95th percentile of the wall time of one model call at ``batch`` ≤ max milliseconds."""

    kind: Literal["max_latency_p95_ms"]
    batch: int = Field(1, ge=1)
    max: float = Field(gt=0)


class MinProbeConfidenceAuroc(_Gate):
    """Confidence drops when accuracy does: AUROC(clean vs corrupted) ≥ min where the probe hurt."""

    kind: Literal["min_probe_confidence_auroc"]
    min: RATE
    probes: list[str] | None = Field(None, description="probe conditions judged; omitted: all")
    when_drop_points: float = Field(
        5.0, ge=0, description="judge only probe severities whose recall or AP50 dropped at least this many points"
    )


class MaxProbeDrop(_Gate):
    """Metric drop (points) on named probes ≤ ``points`` at every severity up to ``max_severity``."""

    kind: Literal["max_probe_drop"]
    probes: list[str] | None = Field(None, description="probe conditions judged; omitted: all")
    metric: Literal["recall", "ap50"] = "recall"
    points: float = Field(ge=0)
    max_severity: RATE | None = Field(None, description="judge severities up to this; omitted: all")


class MaxEce(_Gate):
    """Expected calibration error of detection scores (TP at IoU 0.5) ≤ max."""

    kind: Literal["max_ece"]
    max: RATE


class MaxBaselineRegression(_Gate):
    """The candidate is no more than ``max`` worse than the baseline (champion) on ``metric``."""

    kind: Literal["max_baseline_regression"]
    metric: Literal["ap50", "ap", "recall", "fpr", "precision_at_prevalence"] = "ap50"
    max: float = Field(ge=0)


class MinAp50(_Gate):
    """COCO AP at IoU 0.5 ≥ min, over all classes or for one class (``on``)."""

    kind: Literal["min_ap50"]
    min: RATE
    on: str | None = None


class MinProvenanceShare(_Gate):
    """Share of evaluation images from a production source (``production.production_values``) ≥ min."""

    kind: Literal["min_provenance_share"]
    min: RATE = 1.0


class MaxNearDuplicates(_Gate):
    """Evaluation images with a (near-)duplicate among the training images ≤ max."""

    kind: Literal["max_near_duplicates"]
    max: int = Field(0, ge=0)
    max_distance: float | None = Field(None, description="count only pairs at most this far apart")


Gate = Annotated[
    MinRecall
    | MaxFpr
    | MinPrecisionAtPrevalence
    | MaxSliceGap
    | MaxLatencyP95
    | MinProbeConfidenceAuroc
    | MaxProbeDrop
    | MaxEce
    | MaxBaselineRegression
    | MinAp50
    | MinProvenanceShare
    | MaxNearDuplicates,
    Field(discriminator="kind"),
]
GATE_KINDS: tuple[str, ...] = (
    "min_recall",
    "max_fpr",
    "min_precision_at_prevalence",
    "max_slice_gap",
    "max_latency_p95_ms",
    "min_probe_confidence_auroc",
    "max_probe_drop",
    "max_ece",
    "max_baseline_regression",
    "min_ap50",
    "min_provenance_share",
    "max_near_duplicates",
)


class ReadinessPolicy(_Strict):
    """A readiness policy: the production conditions a model is judged under, and its gates."""

    name: str = Field(description="policy name, printed in reports")
    split: str = Field("test", description="dataset split evaluated")
    iou: float = Field(0.5, gt=0, lt=1, description="IoU for TP/FP at the operating point")
    positive: PositiveGroup = Field(default_factory=lambda: PositiveGroup.model_validate({}))
    threshold: float | Literal["auto"] = Field(
        "auto", description="operating score threshold, or 'auto': the recommended threshold for `target`"
    )
    target: ThresholdTarget = Field(
        default_factory=lambda: ThresholdTarget.model_validate({"min_recall": 0.95}),
        description="what the recommended threshold meets",
    )
    production: Production
    slices: list[str] = Field(default_factory=list, description="image metadata keys to report per value")
    probes: list[ProbeSpec] = Field(default_factory=list)
    latency: LatencySpec = Field(default_factory=lambda: LatencySpec.model_validate({}))
    report: ReportSpec = Field(default_factory=lambda: ReportSpec.model_validate({}))
    gates: list[Gate] = Field(default_factory=list)

    @field_validator("probes", mode="before")
    @classmethod
    def _probe_shorthand(cls, v: Any) -> Any:
        if isinstance(v, list):
            return [{"condition": p} if isinstance(p, str) else p for p in v]
        return v

    @field_validator("threshold")
    @classmethod
    def _threshold(cls, v: float | str) -> float | str:
        if isinstance(v, float) and not 0.0 <= v <= 1.0:
            raise ValueError("threshold must lie in [0, 1] or be 'auto'")
        return v

    def slice_keys(self) -> list[str]:
        """``slices`` plus every key a slice-gap gate names, in order, once each."""
        keys = list(self.slices)
        for g in self.gates:
            if isinstance(g, MaxSliceGap) and g.key not in keys:
                keys.append(g.key)
        return keys

    @classmethod
    def from_yaml(cls, path: str | Path) -> ReadinessPolicy:
        """Read and validate a policy file; a FormatError names the file and the first bad field."""
        return parse_policy(read_yaml(path, what="policy", option="--policy"), str(path))


def parse_policy(data: Any, where: str = "policy") -> ReadinessPolicy:
    """Validate a parsed YAML/JSON document as a policy; a FormatError names ``where:field.path``."""
    return parse_spec(
        ReadinessPolicy,
        data,
        what="policy",
        where=where,
        fix="see docs/readiness.md or `truthline schema readiness` for the format",
        skip=GATE_KINDS,
    )
