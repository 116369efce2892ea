"""Each condition changes the image statistic it claims to, and is recorded in the metadata."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import pytest

from truthline.domain.errors import UserInputError
from truthline.synth import (
    SynthRecord,
    apply_condition,
    apply_condition_with_boxes,
    generate_images,
    parse_condition,
)

from .conftest import brightness, high_frequency, sharpness

N = 4


def pairs(condition: str, scenario: str = "inspection", **kw: Any) -> list[tuple[SynthRecord, SynthRecord]]:
    """(clean, conditioned) records of the same scenes."""
    clean = list(generate_images(scenario, N, seed=11, defect_rate=0.5, **kw))
    cond = list(generate_images(scenario, N, seed=11, defect_rate=0.5, conditions=[condition], **kw))
    return list(zip(clean, cond, strict=True))


def mean_stat(records: list[SynthRecord], fn: Callable[[np.ndarray], float]) -> float:
    return float(np.mean([fn(r.image) for r in records]))


@pytest.mark.parametrize(
    ("spec", "direction"),
    [
        ("lighting=night:0.6", -1),
        ("lighting=dusk:0.6", -1),
        ("lighting=morning:0.8", -1),
        ("lighting=overexposure:0.5", +1),
        ("glare:0.7", +1),
    ],
)
def test_lighting_moves_mean_brightness(spec: str, direction: int) -> None:
    ps = pairs(spec)
    before = mean_stat([c for c, _ in ps], brightness)
    after = mean_stat([d for _, d in ps], brightness)
    assert direction * (after - before) > 0.08 * before
    meta = ps[0][1].metadata
    name = spec.split("=")[0].split(":")[0]
    assert meta[f"{name}_severity"] == float(spec.split(":")[1])
    if name == "lighting":
        assert meta["lighting"] == spec.split("=")[1].split(":")[0]


def test_colour_temperature_night_is_blue_dusk_is_warm() -> None:
    def blue_over_red(img: np.ndarray) -> float:
        return float(img[..., 0].mean() / max(1.0, img[..., 2].mean()))

    base = [c.image for c, _ in pairs("lighting=night:0.6")]
    night = [d.image for _, d in pairs("lighting=night:0.6")]
    dusk = [d.image for _, d in pairs("lighting=dusk:0.6")]
    b0 = np.mean([blue_over_red(i) for i in base])
    assert np.mean([blue_over_red(i) for i in night]) > b0 * 1.1
    assert np.mean([blue_over_red(i) for i in dusk]) < b0 * 0.9


@pytest.mark.parametrize("name", ["defocus", "motion_blur", "fog", "smear"])
def test_blur_and_haze_lower_sharpness_monotonically(name: str) -> None:
    clean = [c for c, _ in pairs(f"{name}:0.3")]
    mild = [d for _, d in pairs(f"{name}:0.3")]
    strong = [d for _, d in pairs(f"{name}:0.9")]
    s0, s1, s2 = (mean_stat(x, sharpness) for x in (clean, mild, strong))
    assert s0 > s1 > s2
    assert s2 < 0.7 * s0
    assert f"{name}_severity" in mild[0].metadata


def test_noise_raises_high_frequency_energy() -> None:
    ps = pairs("noise:0.5")
    assert mean_stat([d for _, d in ps], high_frequency) > 2 * mean_stat([c for c, _ in ps], high_frequency)
    assert ps[0][1].metadata["noise_sigma"] == pytest.approx(21.0)


def test_jpeg_lowers_fidelity_with_severity() -> None:
    clean = [c for c, _ in pairs("jpeg:0.2")]
    mild = [d for _, d in pairs("jpeg:0.2")]
    strong = [d for _, d in pairs("jpeg:0.9")]
    psnr_mild = np.mean([cv2.PSNR(c.image, d.image) for c, d in zip(clean, mild, strict=True)])
    psnr_strong = np.mean([cv2.PSNR(c.image, d.image) for c, d in zip(clean, strong, strict=True)])
    assert psnr_strong < psnr_mild < 60
    assert all(c.png != d.png for c, d in zip(clean, strong, strict=True))
    assert strong[0].metadata["jpeg_quality"] == 18


def test_shift_moves_content_and_boxes_by_the_stated_amount() -> None:
    for clean, moved in pairs("displacement=shift:0.6", "shelf"):
        meta = moved.metadata
        dx, dy = meta["displacement_dx"], meta["displacement_dy"]
        assert meta["displacement_rotation_deg"] == 0.0
        assert np.hypot(dx, dy) == pytest.approx(0.6 * 0.08 * 256, abs=0.1)
        a = cv2.cvtColor(clean.image, cv2.COLOR_BGR2GRAY).astype(np.float64)
        b = cv2.cvtColor(moved.image, cv2.COLOR_BGR2GRAY).astype(np.float64)
        (sx, sy), _ = cv2.phaseCorrelate(a, b)
        assert sx == pytest.approx(dx, abs=0.75)
        assert sy == pytest.approx(dy, abs=0.75)
        # every box that stays fully inside moves by (dx, dy), to the rounding of the pixel grid
        before = {tuple(a["bbox"]) for a in clean.annotations}
        matched = 0
        for ann in moved.annotations:
            if ann.get("truncated"):
                continue
            x, y, w, h = ann["bbox"]
            near = [
                b
                for b in before
                if abs(b[0] + dx - x) <= 1 and abs(b[1] + dy - y) <= 1 and abs(b[2] - w) <= 1 and abs(b[3] - h) <= 1
            ]
            matched += bool(near)
        assert matched >= 0.9 * sum(not a.get("truncated") for a in moved.annotations)


def test_rotation_moves_boxes_like_the_camera_matrix() -> None:
    from truthline.synth import Displacement

    for clean, moved in pairs("displacement=rotate:0.5", "inspection"):
        meta = moved.metadata
        assert abs(meta["displacement_rotation_deg"]) == pytest.approx(4.0)
        m = Displacement(meta["displacement_rotation_deg"], meta["displacement_dx"], meta["displacement_dy"]).matrix(
            256, 256
        )
        assert len(clean.annotations) == len(moved.annotations)
        for a, b in zip(clean.annotations, moved.annotations, strict=True):
            cx, cy = a["bbox"][0] + a["bbox"][2] / 2 - 0.5, a["bbox"][1] + a["bbox"][3] / 2 - 0.5
            ex, ey = m @ np.array([cx, cy, 1.0])
            gx, gy = b["bbox"][0] + b["bbox"][2] / 2 - 0.5, b["bbox"][1] + b["bbox"][3] / 2 - 0.5
            assert np.hypot(ex - gx, ey - gy) < 2.5
        # the image content rotated too: it matches the clean image warped by the same matrix
        warped = cv2.warpAffine(clean.image, m, (256, 256), borderMode=cv2.BORDER_REPLICATE)
        inner = (slice(40, 216), slice(40, 216))
        assert cv2.PSNR(warped[inner], moved.image[inner]) > 20
        assert cv2.PSNR(clean.image[inner], moved.image[inner]) < cv2.PSNR(warped[inner], moved.image[inner])


def test_occlusion_covers_the_stated_fraction_of_a_box() -> None:
    for clean, occ in pairs("occlusion:0.4", "shelf"):
        anns = occ.annotations
        fractions = [a.get("occluded", 0.0) for a in anns]
        target = int(np.argmax([abs(f - 0.4) < 0.06 for f in fractions]))
        assert abs(fractions[target] - 0.4) < 0.06
        x, y, w, h = (int(v) for v in anns[target]["bbox"])
        diff = np.any(clean.image[y : y + h, x : x + w] != occ.image[y : y + h, x : x + w], axis=2)
        assert diff.mean() == pytest.approx(0.4, abs=0.08)
        assert occ.metadata["occlusion_fraction"] == 0.4
        assert [a["bbox"] for a in anns] == [a["bbox"] for a in clean.annotations]


def test_redesign_changes_one_class_only() -> None:
    checked = 0
    for clean, new in pairs("redesign=cereal_box:0.8", "shelf"):
        assert new.metadata["redesign"] == "cereal_box"
        changed = np.any(clean.image != new.image, axis=2)
        inside = np.zeros_like(changed)
        for ann in new.annotations:
            if ann["label"] == "cereal_box":
                x, y, w, h = (int(v) for v in ann["bbox"])
                inside[y : y + h, x : x + w] = True
        assert not np.any(changed & ~inside)
        checked += int(inside.any())
        assert changed.any() == inside.any()
    assert checked >= 1


def test_redesign_of_the_inspection_part_keeps_defects() -> None:
    for clean, new in pairs("redesign:0.8"):
        assert new.metadata["redesign"] == "part"
        assert new.annotations == clean.annotations
        assert brightness(new.image) != brightness(clean.image)


@pytest.mark.parametrize("scenario", ["inspection", "shelf"])
def test_novel_objects_have_labels_outside_the_taxonomy(scenario: str) -> None:
    from truthline.synth import taxonomy

    names = set(taxonomy(scenario).names)
    found = 0
    for clean, new in pairs("novel:0.8", scenario):
        assert new.metadata["novel_objects"] == len(new.novel_objects)
        assert all(o["label"] not in names and o["novel"] for o in new.novel_objects)
        assert all(a["label"] in names for a in new.annotations)
        found += len(new.novel_objects)
        assert not clean.novel_objects
    assert found >= N


def test_probability_mixes_conditioned_and_clean_images() -> None:
    recs = list(generate_images("inspection", 40, seed=1, width=64, height=64, conditions=["fog:0.2-0.9@0.5"]))
    fogged = [r for r in recs if "fog_severity" in r.metadata]
    assert 8 < len(fogged) < 32
    assert len({r.metadata["fog_severity"] for r in fogged}) > 3
    assert all(0.2 <= r.metadata["fog_severity"] <= 0.9 for r in fogged)
    assert {r.metadata["conditions"] for r in recs if r not in fogged} == {"none"}


def test_parse_condition_and_errors() -> None:
    c = parse_condition("lighting=night:0.6")
    assert (c.name, c.variant, c.severity) == ("lighting", "night", 0.6)
    assert parse_condition("noise").severity == 0.5
    for bad in ["bogus:0.5", "lighting:1.5", "lighting=noon:0.5", "noise:0.8-0.2", "fog:0.5@2", "fog::"]:
        with pytest.raises(UserInputError):
            parse_condition(bad)
    with pytest.raises(UserInputError):
        list(generate_images("inspection", 1, conditions=["noise:0.2", "noise:0.3"]))
    with pytest.raises(UserInputError):
        list(generate_images("shelf", 1, conditions=["redesign=part:0.3"]))
    with pytest.raises(UserInputError):
        list(generate_images("traffic", 1))


def test_apply_condition_on_an_arbitrary_image() -> None:
    rng = np.random.default_rng(0)
    img: np.ndarray = cv2.GaussianBlur(rng.integers(0, 256, (96, 128, 3), dtype=np.uint8), (0, 0), 2)
    for name in [
        "lighting",
        "glare",
        "fog",
        "defocus",
        "smear",
        "motion_blur",
        "noise",
        "jpeg",
        "displacement",
        "occlusion",
    ]:
        out = apply_condition(img, name, 0.7, np.random.default_rng(1))
        assert out.shape == img.shape and out.dtype == np.uint8
        assert not np.array_equal(out, img), name
        again = apply_condition(img, name, 0.7, np.random.default_rng(1))
        assert np.array_equal(out, again), name
    assert brightness(apply_condition(img, "lighting", 0.8, rng, variant="night")) < brightness(img) * 0.6
    with pytest.raises(UserInputError):
        apply_condition(img, "redesign", 0.5, rng)
    with pytest.raises(UserInputError):
        apply_condition(img, "noise", 1.2, rng)


def test_apply_condition_with_boxes_moves_boxes() -> None:
    img = np.full((100, 100, 3), 128, np.uint8)
    boxes = np.array([[10.0, 20.0, 30.0, 15.0]])
    _, moved, meta = apply_condition_with_boxes(
        img, boxes, "displacement", 0.5, np.random.default_rng(0), params={"dx": 5.0, "dy": -3.0}
    )
    assert moved.tolist() == [[15.0, 17.0, 30.0, 15.0]]
    assert meta["displacement_dx"] == 5.0
    _, same, meta = apply_condition_with_boxes(img, boxes, "occlusion", 0.5, np.random.default_rng(0))
    assert same.tolist() == boxes.tolist()
    assert meta["occluded_fractions"] == [pytest.approx(0.5, abs=0.04)]
