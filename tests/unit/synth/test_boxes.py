"""Boxes are exact: the tight bounds of what each object drew, clipped to the image."""

from __future__ import annotations

import numpy as np

from truthline.synth import generate_image, generate_images, taxonomy
from truthline.synth.canvas import Canvas
from truthline.synth.scenes import SCENES, SceneConditions, View


def _assert_tight(changed: np.ndarray, box: list[float]) -> None:
    x, y, w, h = (int(v) for v in box)
    assert [float(v) for v in (x, y, w, h)] == box, "boxes are whole pixels"
    region = changed[y : y + h, x : x + w]
    assert region[0].any() and region[-1].any() and region[:, 0].any() and region[:, -1].any(), box


def test_defect_pixels_lie_exactly_within_their_boxes() -> None:
    """The same part rendered clean (rate 0) and defective (rate 1): the difference is the defects."""
    seen = set()
    for i in range(24):
        clean = generate_image(i, "inspection", seed=4, defect_rate=0.0)
        bad = generate_image(i, "inspection", seed=4, defect_rate=1.0)
        assert clean.image_class == "clean" and not clean.annotations
        assert bad.image_class in taxonomy("inspection").box_names
        changed = np.any(clean.image != bad.image, axis=2)
        union = np.zeros_like(changed)
        for ann in bad.annotations:
            assert ann["label"] == bad.image_class
            x, y, w, h = (int(v) for v in ann["bbox"])
            assert w >= 12 and h >= 12, ann
            union[y : y + h, x : x + w] = True
            if len(bad.annotations) == 1:
                _assert_tight(changed, ann["bbox"])
        assert changed.any()
        assert not np.any(changed & ~union)
        seen.add(bad.image_class)
    assert seen == {"scratch", "dent", "missing_component", "contamination"}


def test_shelf_objects_are_tight_and_account_for_every_drawn_pixel() -> None:
    scene = SCENES["shelf"]
    for i in range(6):
        rec = generate_image(i, "shelf", seed=8)
        view = View(8, i, 256, 256, scene.default_rate)
        background = scene.background(view)
        changed = np.any(rec.image != background, axis=2)
        union = np.zeros_like(changed)
        for ann in rec.annotations:
            x, y, w, h = (int(v) for v in ann["bbox"])
            assert w >= 12 and h >= 12
            union[y : y + h, x : x + w] = True
            _assert_tight(changed, ann["bbox"])
        assert not np.any(changed & ~union)
        assert len(rec.annotations) >= 8


def test_canvas_box_equals_mask_and_clips_at_the_border() -> None:
    img = np.zeros((50, 60, 3), np.uint8)
    canvas = Canvas(img)
    canvas.begin_object()
    canvas.polygon([[-10, 5], [20, 5], [20, 30], [-10, 30]], (255, 255, 255))
    box = canvas.end_object()
    assert box is not None and box.truncated
    assert (box.x, box.y, box.w, box.h) == (0, 5, 21, 26)
    ys, xs = np.nonzero(img[..., 0])
    assert (xs.min(), ys.min(), xs.max() + 1 - xs.min(), ys.max() + 1 - ys.min()) == (0, 5, 21, 26)
    canvas.begin_object()
    canvas.polygon([[100, 100], [120, 100], [120, 120]], (255, 255, 255))
    assert canvas.end_object() is None


def test_default_defect_rate_is_two_percent_and_overridable() -> None:
    recs = list(generate_images("inspection", 1500, seed=0, width=32, height=32))
    rate = np.mean([r.image_class != "clean" for r in recs])
    assert 0.01 <= rate <= 0.032
    half = list(generate_images("inspection", 300, seed=0, width=32, height=32, defect_rate=0.5))
    assert 0.4 <= np.mean([r.image_class != "clean" for r in half]) <= 0.6


def test_video_view_boxes_track_the_world() -> None:
    """In video, an object moves by exactly the world speed between frames (same track id)."""
    scene = SCENES["shelf"]
    boxes = []
    for f in (10, 11):
        view = View(1, f, 256, 256, 0.1, video=True, offset=f * 3.0)
        canvas = Canvas(scene.background(view))
        out = scene.render(canvas, view, SceneConditions())
        boxes.append({o.track_id: o.box for o in out.objects if not o.box.truncated})
    common = set(boxes[0]) & set(boxes[1])
    assert len(common) >= 8
    for t in common:
        assert boxes[0][t].x - boxes[1][t].x == 3
        assert boxes[0][t].w == boxes[1][t].w
