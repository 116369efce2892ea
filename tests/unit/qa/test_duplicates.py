"""Perceptual hashes survive a one-pixel shift and JPEG; Hamming distances match a bitwise reference."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from truthline.qa.duplicates import DEFAULT_MAX_DISTANCE, hamming_matrix, leakage, near_duplicates, phash, phash_many


def _copy(img: np.ndarray, quality: int = 80, crop: int = 0) -> np.ndarray:
    shifted = cv2.warpAffine(img, np.float32([[1, 0, 1], [0, 1, 0]]), img.shape[1::-1], borderMode=cv2.BORDER_REPLICATE)
    if crop:
        shifted = shifted[crop:, crop:]
    ok, buf = cv2.imencode(".jpg", shifted, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def test_hamming_matrix_equals_unpacked_bits() -> None:
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (7, 32), dtype=np.uint8)
    b = rng.integers(0, 256, (5, 32), dtype=np.uint8)
    ref = (np.unpackbits(a, axis=1)[:, None, :] != np.unpackbits(b, axis=1)[None]).sum(-1)
    assert (hamming_matrix(a, b) == ref).all()


def test_phash_is_robust_to_shift_jpeg_and_light_crop(shelf_records: list[Any]) -> None:
    imgs = [r.image for r in shelf_records[:40]]
    base = phash_many(imgs)
    assert base.shape == (40, 32)
    copies = phash_many(_copy(i, q) for i, q in zip(imgs, [70, 80, 95] * 14, strict=False))
    d_copy = np.diag(hamming_matrix(base, copies))
    d = hamming_matrix(base, base)
    d_distinct = d[~np.eye(len(d), dtype=bool)]
    assert d_copy.max() <= DEFAULT_MAX_DISTANCE < d_distinct.min()
    crops = np.diag(hamming_matrix(base, phash_many(_copy(i, 90, crop=2) for i in imgs)))
    assert np.median(crops) <= DEFAULT_MAX_DISTANCE
    assert phash(imgs[0], hash_size=8).shape == (8,)


def test_near_duplicates_and_leakage(shelf_records: list[Any]) -> None:
    imgs = [r.image for r in shelf_records[:30]]
    train, test = imgs[:20], [*imgs[20:], _copy(imgs[3]), _copy(imgs[7], 75)]
    res = leakage(
        phash_many(train),
        phash_many(test),
        train_names=[f"tr{i}" for i in range(20)],
        test_names=[f"te{i}" for i in range(12)],
    )
    assert {(i.image, i.detail["other"]) for i in res.issues} == {("te10", "tr3"), ("te11", "tr7")}
    assert res.summary["leaked_fraction"] == 2 / 12
    h = phash_many([imgs[0], imgs[0], _copy(imgs[1]), imgs[1], imgs[2]])
    nd = near_duplicates(h, ["a", "b", "c", "d", "e"], splits=["train", "train", "test", "train", "val"])
    kinds = {(i.image, i.detail["other"]): i.kind for i in nd.issues}
    assert kinds == {("a", "b"): "exact_duplicate", ("c", "d"): "leakage"}
