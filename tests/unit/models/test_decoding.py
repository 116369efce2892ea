"""Output layouts decoded in numpy: the built-in head, generic post-NMS graphs, classifiers, and class-wise NMS."""

from __future__ import annotations

import numpy as np
import pytest

from truthline.domain.errors import UserInputError
from truthline.models import Detections, PostprocessConfig
from truthline.models.decoding import decode_class_scores, decode_detections
from truthline.models.nms import nms_classwise


def test_centernet_peak_becomes_a_box_in_input_pixels() -> None:
    out = np.zeros((1, 2 + 4, 8, 8), np.float32)
    out[0, 1, 3, 5] = 0.9  # class 1 centre at cell (x=5, y=3)
    out[0, 1, 3, 4] = 0.5  # a neighbour, not a local maximum
    out[0, 2:4, 3, 5] = [2.0, 1.0]  # w, h in cells
    out[0, 4:6, 3, 5] = [0.5, 0.25]  # offset in the cell
    ((boxes, scores, classes),) = decode_detections(
        [out], "truthline-centernet", PostprocessConfig(score_threshold=0.3), num_classes=2, stride=4
    )
    assert classes.tolist() == [1] and np.allclose(scores, [0.9])
    # centre (5.5, 3.25) cells = (22, 13) px; size (8, 4) px
    assert np.allclose(boxes, [[18, 11, 8, 4]])
    with pytest.raises(UserInputError, match="stride"):
        decode_detections([out], "truthline-centernet", PostprocessConfig())


def test_generic_layout_one_or_three_outputs() -> None:
    one = np.array([[[10, 20, 30, 60, 0.8, 2], [0, 0, 1, 1, 0.01, 0]]], np.float32)
    ((b, s, c),) = decode_detections([one], "xyxy-score-class", PostprocessConfig(score_threshold=0.05))
    assert np.allclose(b, [[10, 20, 20, 40]]) and c.tolist() == [2]
    three = [one[..., :4], one[..., 4], one[..., 5]]
    ((b3, s3, c3),) = decode_detections(three, "xyxy-score-class", PostprocessConfig(score_threshold=0.05))
    assert np.array_equal(b, b3) and np.array_equal(s, s3) and np.array_equal(c, c3)


def test_classifier_layouts() -> None:
    logits = np.array([[0.0, np.log(3.0)]], np.float32)
    assert np.allclose(decode_class_scores([logits], "logits"), [[0.25, 0.75]])
    probs = np.array([[0.2, 0.8]], np.float32)
    assert np.allclose(decode_class_scores([probs], "probabilities"), probs)
    with pytest.raises(UserInputError, match="2 scores"):
        decode_class_scores([probs], "probabilities", num_classes=3)
    with pytest.raises(UserInputError, match="unknown model output layout"):
        decode_detections([probs], "yolov9", PostprocessConfig())


def test_nms_is_class_wise_and_ordered() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 0, 10, 10], [1, 0, 10, 10], [50, 50, 5, 5]], np.float32)
    scores = np.array([0.6, 0.9, 0.7, 0.01], np.float32)
    classes = np.array([0, 0, 1, 0], np.int64)
    keep = nms_classwise(boxes, scores, classes, PostprocessConfig(score_threshold=0.05, iou_threshold=0.5))
    assert keep.tolist() == [1, 2]
    cap = nms_classwise(boxes, scores, classes, PostprocessConfig(score_threshold=0.0, max_detections=1))
    assert cap.tolist() == [1]


def test_detections_to_coco() -> None:
    d = Detections.build([[1, 2, 3, 4]], [0.5], [1])
    assert d.to_coco(7) == [{"image_id": 7, "category_id": 2, "bbox": [1.0, 2.0, 3.0, 4.0], "score": 0.5}]
    assert d.to_coco(7, category_ids=[10, 20])[0]["category_id"] == 20
    assert len(d.above(0.6)) == 0 and len(Detections.empty()) == 0
