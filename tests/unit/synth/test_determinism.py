"""Same seed and arguments give byte-identical images and ground truth; a different seed does not."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from truthline.domain.content import content_hash
from truthline.synth import generate_image, generate_images

CONDS = ["lighting=night:0.6", "noise:0.3", "displacement:0.4", "occlusion:0.3", "jpeg:0.5"]


def _digest(scenario: str, seed: int, n: int = 6, **kw: Any) -> tuple[list[str], list[str]]:
    recs = list(generate_images(scenario, n, seed=seed, **kw))
    return [r.sha256 for r in recs], [r.ground_truth_hash() for r in recs]


def test_same_seed_same_bytes_and_ground_truth() -> None:
    for scenario in ("inspection", "shelf"):
        a = _digest(scenario, 5, conditions=CONDS, defect_rate=0.5)
        b = _digest(scenario, 5, conditions=CONDS, defect_rate=0.5)
        assert a == b


def test_different_seed_changes_bytes_and_ground_truth() -> None:
    png_a, gt_a = _digest("inspection", 1, defect_rate=0.5)
    png_b, gt_b = _digest("inspection", 2, defect_rate=0.5)
    assert set(png_a).isdisjoint(png_b)
    assert set(gt_a).isdisjoint(gt_b)


def test_image_i_does_not_depend_on_n_or_start() -> None:
    whole = list(generate_images("shelf", 8, seed=3, conditions=CONDS))
    chunk = list(generate_images("shelf", 3, seed=3, start=5, conditions=CONDS))
    single = generate_image(6, "shelf", seed=3, conditions=CONDS)
    assert [r.sha256 for r in whole[5:]] == [r.sha256 for r in chunk]
    assert single.sha256 == whole[6].sha256
    assert single.ground_truth() == whole[6].ground_truth()


def test_conditions_do_not_change_the_scene_underneath() -> None:
    """Each condition has its own random stream: adding noise keeps boxes and layout identical."""
    clean = list(generate_images("shelf", 4, seed=9))
    noisy = list(generate_images("shelf", 4, seed=9, conditions=["noise:0.5", "lighting=dusk:0.5"]))
    for c, d in zip(clean, noisy, strict=True):
        assert c.annotations == d.annotations
        assert not np.array_equal(c.image, d.image)


# Golden hashes of raw pixels and ground truth (independent of the PNG encoder). If a deliberate change to
# a scene or condition moves them, print the new ones with the snippet in docs/synth.md and update them here.
GOLDEN_CONDITIONS = ["lighting=dusk:0.4", "displacement:0.3", "noise:0.2", "occlusion:0.3"]
GOLDEN = {
    ("inspection", 1.0): (
        "64bab12650e69c4087e9331acf5a042c1042f5be7d5001d970e3c9e917ccfe6b",
        "ec6e0e73aaccdab5661bc47d4a69e5cd1147afbaae1106f4fc52780e03448c19",
    ),
    ("shelf", None): (
        "b52a3000bf707063c9dcec67f5293d5b1ea05536291881077e009857c14d1cc6",
        "0319ed0e0ac0ad945454c97b9410eb286b7514a78074aa8f57cd09cb27380b34",
    ),
}


def test_golden_content_hashes() -> None:
    for (scenario, rate), expected in GOLDEN.items():
        rec = generate_image(0, scenario, seed=42, defect_rate=rate, conditions=GOLDEN_CONDITIONS)
        got = (hashlib.sha256(rec.image.tobytes()).hexdigest(), content_hash(rec.ground_truth()))
        assert got == expected, f"{scenario}: {got}"
