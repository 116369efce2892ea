"""OpenCV's HOG people detector on real clips, and the Haar cascade adapters."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from truthline.domain.errors import NotFoundError, UserInputError
from truthline.models import Detections, PreprocessSpec, load_model

VIDEO = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "video"
PEOPLE = VIDEO / "one-by-one-person-detection.mp4"
CARS = VIDEO / "car-detection.mp4"
needs_video = pytest.mark.skipif(not PEOPLE.is_file() or not CARS.is_file(), reason=f"no clips under {VIDEO}")


def _frames(path: Path, indices: list[int]) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    out = []
    for i in indices:
        cap.set(cv2.CAP_PROP_POS_FRAMES, i)
        ok, frame = cap.read()
        assert ok, f"cannot read frame {i} of {path.name}"
        out.append(frame)
    cap.release()
    return out


@needs_video
def test_hog_finds_people_once_they_enter_and_none_in_the_empty_room_or_car_park() -> None:
    hog = load_model("opencv", "opencv:hog-people")
    assert hog.class_names == ("person",)
    empty = hog.predict(_frames(PEOPLE, [0, 40, 80]))
    people = hog.predict(_frames(PEOPLE, [280, 320, 400, 800, 840]))
    cars = hog.predict(_frames(CARS, [0, 100, 200, 300]))
    assert all(isinstance(d, Detections) for d in people)
    assert sum(len(d) for d in empty) == 0
    assert sum(len(d) > 0 for d in people) >= 4
    assert sum(len(d) for d in cars) <= 1
    d = next(d for d in people if len(d))
    x, y, w, h = d.boxes[0]
    assert x >= 0 and y >= 0 and x + w <= 768 + 1e-3 and y + h <= 432 + 1e-3 and h > w  # upright person box
    assert d.scores[0] > 0 and d.class_ids[0] == 0


@needs_video
def test_hog_behind_a_letterbox_maps_boxes_back_to_the_frame() -> None:
    spec = PreprocessSpec(
        input_size=(1536, 864), mode="letterbox", colour="bgr", scale=1.0, dtype="uint8", layout="nhwc"
    )
    native = load_model("opencv", "opencv:hog-people").predict(_frames(PEOPLE, [320]))[0]
    upscaled = load_model("opencv", "opencv:hog-people", spec).predict(_frames(PEOPLE, [320]))[0]
    assert len(native) and len(upscaled)
    assert upscaled.boxes[:, 0].max() <= 768 and upscaled.boxes[:, 1].max() <= 432


def test_haar_cascades_by_name() -> None:
    face = load_model("opencv", "opencv:haar-frontalface")
    assert face.class_names == ("face",)
    blank = np.full((120, 160, 3), 128, np.uint8)
    (d,) = face.predict([blank])
    assert isinstance(d, Detections) and len(d) == 0
    assert load_model(None, "opencv:haar-fullbody").class_names == ("full_body",)
    with pytest.raises(NotFoundError, match="haar-frontalface-default"):
        load_model("opencv", "opencv:haar-unicorn")
    with pytest.raises(UserInputError, match="BGR uint8"):
        load_model("opencv", "opencv:hog-people", PreprocessSpec(input_size=(64, 128)))
