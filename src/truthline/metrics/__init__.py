"""Evaluation engine: one exact COCO match through hotcoco, every production figure derived from it.

Arrays and domain types in, results out; no store access. Public API (see docs/metrics.md):

- ``match_coco(gt, dt, iou_type="bbox") -> MatchTable``: the one match, as columns.
- ``summarize``, ``per_class_ap``, ``accumulate``: COCO AP/AR, identical to pycocotools.
- ``slice_metrics``: figures per value of an image metadata key.
- ``operating_point``, ``sweep``, ``pick_threshold``: figures at and across score thresholds.
- ``reweight_to_prevalence``, ``production_figures``: figures at the production base rate.
- ``classification_report``, ``classification_slices``: classifier figures.
- ``calibration``, ``classifier_calibration``, ``detection_calibration``: ECE/MCE and reliability data.
- ``track_metrics``, ``frame_metrics``: video figures (per frame, per track, MOTA, IDF1).
- ``tide_breakdown``: TIDE-style error types and cross-class confusion.
"""

from truthline.metrics.baserate import BaseRateFigures, production_figures, reweight_to_prevalence
from truthline.metrics.calibration import Calibration, calibration, classifier_calibration, detection_calibration
from truthline.metrics.classification import ClassificationReport, classification_report, classification_slices
from truthline.metrics.coco import CocoAccumulation, CocoSummary, accumulate, per_class_ap, summarize
from truthline.metrics.cocoio import CocoDetections, CocoGroundTruth, load_detections, load_ground_truth
from truthline.metrics.error_analysis import ErrorBreakdown, tide_breakdown
from truthline.metrics.matching import match_coco
from truthline.metrics.matchtable import MatchTable
from truthline.metrics.operating import OperatingPoint, Sweep, ThresholdChoice, operating_point, pick_threshold, sweep
from truthline.metrics.params import CocoParams
from truthline.metrics.report import coco_report, pycocotools_notes
from truthline.metrics.slices import SliceReport, slice_metrics
from truthline.metrics.tracking import TrackingResult, frame_metrics, track_metrics

__all__ = [
    "BaseRateFigures",
    "Calibration",
    "ClassificationReport",
    "CocoAccumulation",
    "CocoDetections",
    "CocoGroundTruth",
    "CocoParams",
    "CocoSummary",
    "ErrorBreakdown",
    "MatchTable",
    "OperatingPoint",
    "SliceReport",
    "Sweep",
    "ThresholdChoice",
    "TrackingResult",
    "accumulate",
    "calibration",
    "classification_report",
    "classification_slices",
    "classifier_calibration",
    "coco_report",
    "detection_calibration",
    "frame_metrics",
    "load_detections",
    "load_ground_truth",
    "match_coco",
    "operating_point",
    "per_class_ap",
    "pick_threshold",
    "production_figures",
    "pycocotools_notes",
    "reweight_to_prevalence",
    "slice_metrics",
    "summarize",
    "sweep",
    "tide_breakdown",
    "track_metrics",
]
