"""Leakage across splits: perceptual hashes cached per blob, and the check every commit runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from truthline.workflows.workspace import Workspace

COMMIT_MAX_DISTANCE = 10  # near-identical only: distinct frames of a fixed camera come within ~12-40 bits
COMMIT_MAX_IMAGES = 20_000  # above this, the commit check compares exact bytes only


def decode_path(path: Path) -> Any:
    """An image file as displayed (EXIF orientation applied), BGR uint8."""
    import cv2
    import numpy as np

    return cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_COLOR)


def ensure_phashes(ws: Workspace, shas: list[str]) -> dict[str, bytes]:
    """Perceptual hashes of blobs, computed once per blob and kept in the store."""
    from sqlalchemy import select

    from truthline.qa import phash
    from truthline.store.bulk import bulk_insert
    from truthline.store.schema import perceptual_hashes as ph

    known: dict[str, bytes] = {}
    with ws.read() as conn:
        for i in range(0, len(shas), 500):
            q = select(ph.c.blob_sha, ph.c.phash).where(ph.c.blob_sha.in_(shas[i : i + 500]))
            known.update({sha: bytes(h) for sha, h in conn.execute(q)})
    todo = sorted(set(shas) - set(known))
    new = {sha: phash(decode_path(ws.blobs.path(sha))).tobytes() for sha in todo}
    if new:
        with ws.transaction() as conn:
            present = {r for r in conn.execute(select(ph.c.blob_sha).where(ph.c.blob_sha.in_(list(new)))).scalars()}
            bulk_insert(conn, ph, [{"blob_sha": k, "phash": v} for k, v in new.items() if k not in present])
    return {**known, **new}


def hash_matrix(ws: Workspace, shas: Sequence[str]) -> Any:
    """The pHashes of blobs (one row each, in order), from the per-blob cache."""
    import numpy as np

    known = ensure_phashes(ws, sorted(set(shas)))
    if not shas:
        return np.zeros((0, 32), np.uint8)
    return np.stack([np.frombuffer(known[s], np.uint8) for s in shas])


def commit_leakage(
    hashes: Mapping[str, bytes], image_rows: list[Any], splits: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Images in two different splits that are byte-identical or perceptually near-identical (pHash within
    ``COMMIT_MAX_DISTANCE`` bits; up to ``COMMIT_MAX_IMAGES`` images, beyond which only bytes are compared)."""
    import numpy as np

    from truthline.qa import near_duplicates

    by_sha: dict[str, list[Any]] = {}
    for r in image_rows:
        by_sha.setdefault(r.blob_sha, []).append(r)
    found = []
    for rows in by_sha.values():
        if len({splits[r.id] for r in rows}) > 1:
            found.append({"a": rows[0].name, "b": rows[1].name, "distance": 0})
    usable = [r for r in image_rows if r.blob_sha in hashes]
    if len(usable) <= COMMIT_MAX_IMAGES and len({splits[r.id] for r in usable}) > 1:
        result = near_duplicates(
            np.stack([np.frombuffer(hashes[r.blob_sha], np.uint8) for r in usable]),
            [r.name for r in usable],
            splits=[splits[r.id] for r in usable],
            max_distance=COMMIT_MAX_DISTANCE,
        )
        seen = {(f["a"], f["b"]) for f in found}
        for issue in result.issues:
            pair = (issue.image, issue.detail.get("other"))
            if issue.kind == "leakage" and pair not in seen and pair[::-1] not in seen:
                found.append(
                    {"a": issue.image, "b": issue.detail.get("other"), "distance": issue.detail.get("distance")}
                )
    return found
