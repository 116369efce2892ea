"""Label QA engine: agreement, label errors, duplicates and leakage, consistency, statistics, reports.

Pure: arrays and domain types in, ``CheckResult`` objects out (``to_dict()`` is JSON-able). No database,
no CLI: ``truthline.workflows`` loads a dataset version, calls these, writes JSON and the HTML report.
"""

from __future__ import annotations

from truthline.qa.agreement import (
    BoxCluster,
    box_agreement,
    class_agreement,
    cluster_boxes,
    consensus_boxes,
    consensus_classes,
)
from truthline.qa.boxes import ImageBoxes, iou_matrix, match_boxes
from truthline.qa.consistency import ConsistencyConfig, annotator_confusion, consistency, taxonomy_impact
from truthline.qa.duplicates import hamming_matrix, leakage, near_duplicates, phash, phash_many
from truthline.qa.inject import (
    DetectorSimulation,
    InjectedError,
    flip_labels,
    inject_box_errors,
    inject_synth,
    simulate_predictions,
)
from truthline.qa.issues import CheckResult, Issue
from truthline.qa.label_errors import (
    ClassificationErrorConfig,
    DetectionErrorConfig,
    classification_label_scores,
    find_classification_errors,
    find_detection_errors,
)
from truthline.qa.report import report_html, thumbnail
from truthline.qa.stats import AnomalyConfig, box_anomalies, dataset_statistics

__all__ = [
    "AnomalyConfig",
    "BoxCluster",
    "CheckResult",
    "ClassificationErrorConfig",
    "ConsistencyConfig",
    "DetectionErrorConfig",
    "DetectorSimulation",
    "ImageBoxes",
    "InjectedError",
    "Issue",
    "annotator_confusion",
    "box_agreement",
    "box_anomalies",
    "class_agreement",
    "classification_label_scores",
    "cluster_boxes",
    "consensus_boxes",
    "consensus_classes",
    "consistency",
    "dataset_statistics",
    "find_classification_errors",
    "find_detection_errors",
    "flip_labels",
    "hamming_matrix",
    "inject_box_errors",
    "inject_synth",
    "iou_matrix",
    "leakage",
    "match_boxes",
    "near_duplicates",
    "phash",
    "phash_many",
    "report_html",
    "simulate_predictions",
    "taxonomy_impact",
    "thumbnail",
]
