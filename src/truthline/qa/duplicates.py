"""Duplicates, near-duplicates and split leakage from perceptual hashes (DCT pHash, vectorised Hamming).

``phash`` turns a BGR uint8 image into bits that survive small shifts, light crops, resizing and JPEG
recompression: grey, area-resized to ``side`` x ``side``, 2-D DCT, the lowest ``hash_size`` x ``hash_size``
frequencies but the DC term compared with their median. The default (16 x 16 of a 32 x 32 DCT: 255 bits)
was chosen on synthetic shelf images: one-pixel shifts plus JPEG (quality 70-95) moved copies by at most
16 bits while distinct images stayed 60+ bits apart; 8 x 8 (63 bits, imagehash's default) tolerates larger
crops but put distinct images at distance 0-6. It is computed with OpenCV (resize + DCT), about as exact as
``imagehash.phash`` and much faster (``benchmarks/qa_quality.py``).

Hamming distances are XOR + popcount over ``uint64`` words, in row blocks, so 10k x 10k pairs take
seconds and bounded memory. Scenes that really are nearly identical (a fixed camera on a conveyor, burst
shots) are near-duplicates by this measure, and are reported as such.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import cv2
import numpy as np

from truthline.qa.issues import CheckResult, Issue, ranked

DEFAULT_HASH_SIZE = 16
DEFAULT_SIDE = 32
DEFAULT_MAX_DISTANCE = 40
"""Default Hamming threshold for the 255-bit hash (about 16% of its bits)."""


def phash(image: np.ndarray, *, hash_size: int = DEFAULT_HASH_SIZE, side: int = DEFAULT_SIDE) -> np.ndarray:
    """Perceptual hash of a BGR (or grey) uint8 image: ``hash_size**2 - 1`` bits packed into uint8 bytes,
    zero-padded to a multiple of 64 bits."""
    if hash_size > side:
        raise ValueError(f"hash_size {hash_size} exceeds side {side}")
    img = np.asarray(image)
    grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if img.ndim == 3 else img
    small = cv2.resize(grey, (side, side), interpolation=cv2.INTER_AREA).astype(np.float32)
    coeffs = cv2.dct(small)[:hash_size, :hash_size].ravel()[1:]
    bits = coeffs > np.median(coeffs)
    n = -(-bits.size // 64) * 64
    return np.packbits(np.concatenate([bits, np.zeros(n - bits.size, dtype=bool)]))


def phash_many(images: Iterable[np.ndarray], **kw: Any) -> np.ndarray:
    """``phash`` of each image stacked into an ``(N, bytes)`` uint8 array."""
    rows = [phash(im, **kw) for im in images]
    return np.stack(rows) if rows else np.zeros((0, 32), dtype=np.uint8)


def _words(h: np.ndarray) -> np.ndarray:
    h = np.ascontiguousarray(np.atleast_2d(h), dtype=np.uint8)
    return h.view(np.uint64) if h.shape[1] % 8 == 0 else h


def hamming_blocks(a: np.ndarray, b: np.ndarray, *, block: int = 256) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(first_row, distances)`` blocks of the ``(len(a), len(b))`` Hamming-distance matrix."""
    wa, wb = _words(a), _words(b)
    for start in range(0, len(wa), block):
        x = wa[start : start + block, None, :] ^ wb[None, :, :]
        yield start, np.bitwise_count(x).sum(axis=2, dtype=np.int32)


def hamming_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """All Hamming distances between two hash arrays (for small sets; large ones go through the blocks)."""
    parts = [d for _, d in hamming_blocks(a, b)]
    return np.concatenate(parts) if parts else np.zeros((0, len(b)), dtype=np.int32)


def _pairs(a: np.ndarray, b: np.ndarray, max_distance: int, same: bool) -> list[tuple[int, int, int]]:
    out = []
    for start, d in hamming_blocks(a, b):
        rows, cols = np.nonzero(d <= max_distance)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            i = start + r
            if not same or i < c:
                out.append((i, c, int(d[r, c])))
    return out


def near_duplicates(
    hashes: np.ndarray,
    names: Sequence[str],
    *,
    splits: Sequence[str | None] | None = None,
    max_distance: int = DEFAULT_MAX_DISTANCE,
) -> CheckResult:
    """Pairs of images within ``max_distance`` bits (check ``duplicates``).

    Issue kinds: ``leakage`` when the two images lie in different splits, ``exact_duplicate`` at distance 0,
    else ``near_duplicate``; score ``1 - distance / bits``; ``detail`` names the ``other`` image, both
    splits and the ``distance``. Summary: counts per kind and per split pair.
    """
    bits = hashes.shape[1] * 8 if hashes.ndim == 2 else 0
    issues = []
    per_split: dict[str, int] = {}
    for i, j, d in _pairs(hashes, hashes, max_distance, same=True):
        si = splits[i] if splits is not None else None
        sj = splits[j] if splits is not None else None
        kind = "leakage" if si != sj else ("exact_duplicate" if d == 0 else "near_duplicate")
        key = "/".join(sorted([str(si), str(sj)]))
        per_split[key] = per_split.get(key, 0) + 1
        detail = {"other": names[j], "distance": d, "split": si, "other_split": sj}
        issues.append(Issue(kind=kind, score=1.0 - d / bits, image=names[i], detail=detail))
    out = ranked(issues)
    counts = {k: sum(1 for x in out if x.kind == k) for k in ("exact_duplicate", "near_duplicate", "leakage")}
    return CheckResult(
        "duplicates",
        summary={"n_images": len(names), "bits": bits, "counts": counts, "pairs_per_split": per_split},
        issues=out,
        params={"max_distance": max_distance},
    )


def leakage(
    train_hashes: np.ndarray,
    test_hashes: np.ndarray,
    *,
    train_names: Sequence[str] | None = None,
    test_names: Sequence[str] | None = None,
    max_distance: int = DEFAULT_MAX_DISTANCE,
) -> CheckResult:
    """Test images with a training image within ``max_distance`` bits (check ``leakage``).

    One issue per leaked test image (kind ``leakage``; ``detail.other`` the nearest training image,
    ``detail.distance``, ``detail.n_matches``). Summary: ``n_test``, ``n_leaked``, ``leaked_fraction``.
    """
    n_test, n_train = len(test_hashes), len(train_hashes)
    tn = list(test_names) if test_names is not None else [str(i) for i in range(n_test)]
    rn = list(train_names) if train_names is not None else [str(i) for i in range(n_train)]
    bits = test_hashes.shape[1] * 8 if n_test else 0
    issues = []
    if n_test and n_train:
        for start, d in hamming_blocks(test_hashes, train_hashes):
            nearest = d.argmin(axis=1)
            best = d[np.arange(len(d)), nearest]
            for r in np.flatnonzero(best <= max_distance).tolist():
                detail = {
                    "other": rn[int(nearest[r])],
                    "distance": int(best[r]),
                    "n_matches": int((d[r] <= max_distance).sum()),
                }
                issues.append(Issue(kind="leakage", score=1.0 - best[r] / bits, image=tn[start + r], detail=detail))
    return CheckResult(
        "leakage",
        summary={
            "n_test": n_test,
            "n_train": n_train,
            "n_leaked": len(issues),
            "leaked_fraction": len(issues) / n_test if n_test else 0.0,
        },
        issues=ranked(issues),
        params={"max_distance": max_distance},
    )
