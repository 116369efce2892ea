"""Readiness engine: a candidate model's figures judged against a production policy, and its reports.

Pure: figures and arrays in, verdict and reports out; no store, no CLI, no model running
(see docs/readiness.md). The workflow runs the model on clean and probed images, times it,
finds near-duplicates, then calls:

- ``ReadinessPolicy.from_yaml(path)`` / ``parse_policy(data)``: the validated policy.
- ``probe_image_ids(gt, policy, max_images)``: which evaluation images to probe.
- ``assess(ReadinessInputs, policy) -> ReadinessResult``: figures, gates, verdict, checklist.
- ``worst_failures(result, n)``: image ids whose thumbnails the report wants.
- ``render_html(result, thumbnails)``, ``render_markdown(result)``, ``result.to_dict()``: the reports.
- ``score_images``, ``score_frames``, ``render_comparison``: the golden-truth benchmark of several models.
"""

from truthline.readiness.assess import ChecklistItem, FailureExample, ReadinessResult, assess, worst_failures
from truthline.readiness.comparison import ModelScore, render_comparison, score_frames, score_images
from truthline.readiness.gates import GateResult, ProvenanceFigures
from truthline.readiness.inputs import BaselineRun, ProbeRun, ReadinessInputs, probe_image_ids
from truthline.readiness.policy import ReadinessPolicy, parse_policy
from truthline.readiness.render import render_html, render_markdown

__all__ = [
    "BaselineRun",
    "ChecklistItem",
    "FailureExample",
    "GateResult",
    "ModelScore",
    "ProbeRun",
    "ProvenanceFigures",
    "ReadinessInputs",
    "ReadinessPolicy",
    "ReadinessResult",
    "assess",
    "parse_policy",
    "probe_image_ids",
    "render_comparison",
    "render_html",
    "render_markdown",
    "score_frames",
    "score_images",
    "worst_failures",
]
