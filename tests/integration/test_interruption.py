"""kill -9 an import and a commit at random points, repeatedly: the workspace stays as it was or moves whole."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

import truthline
from builders import write_images
from truthline.domain.labels import Label
from truthline.store.schema import dataset_version_annotations, dataset_version_images, dataset_versions, images

WORKER = """
import sys, truthline
from truthline.domain.labels import Label
ws = truthline.open_workspace(sys.argv[1], database_url=sys.argv[2] or None)
round_ = int(sys.argv[3])
res = ws.add_images(sys.argv[4])
ws.add_labels({i: [Label.box("dent", 1, 1, 3, 3)] * 20 for i in res["ids"]})
print("added", flush=True)
ws.commit(f"round {round_}", seed=round_)
print("committed", flush=True)
"""


def _check(root: Path, url: str | None) -> tuple[int, int]:
    """Assert the invariants; return (#versions, #images)."""
    ws = truthline.open_workspace(root, database_url=url)
    try:
        assert ws.doctor()["ok"], ws.doctor()["problems"]
        with ws.read() as conn:
            for v in conn.execute(select(dataset_versions)):
                n_img = conn.execute(select(func.count()).where(dataset_version_images.c.version_id == v.id)).scalar()
                n_ann = conn.execute(
                    select(func.count()).where(dataset_version_annotations.c.version_id == v.id)
                ).scalar()
                assert (n_img, n_ann) == (v.n_images, v.n_annotations)
            n_versions = conn.execute(select(func.count()).select_from(dataset_versions)).scalar()
            n_images = conn.execute(select(func.count()).select_from(images)).scalar()
        head = ws.log()[0]["id"] if n_versions else None
        if head:
            assert ws.show("head")["id"] == head
        return int(n_versions or 0), int(n_images or 0)
    finally:
        ws.close()


def test_kill_minus_nine_never_leaves_half_a_version(tmp_path: Path, database_url: str | None) -> None:
    root = tmp_path / "ws"
    with truthline.init_workspace(root, database_url=database_url) as ws:
        write_images(tmp_path / "base", 50)
        ids = ws.add_images(tmp_path / "base")["ids"]
        ws.set_taxonomy(["dent"])
        ws.add_labels({i: [Label.box("dent", 0, 0, 2, 2)] for i in ids})
        ws.commit("base")
    rng = random.Random(1234)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}

    def start(round_: int) -> subprocess.Popen[str]:
        folder = tmp_path / f"batch{round_}"
        write_images(folder, 150, start=1000 * (round_ + 1))
        return subprocess.Popen(
            [sys.executable, "-c", WORKER, str(root), database_url or "", str(round_), str(folder)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )

    t0 = time.perf_counter()
    proc = start(0)
    _, err = proc.communicate(timeout=120)
    full = time.perf_counter() - t0
    assert proc.returncode == 0, err
    before = _check(root, database_url)
    assert before[0] == 2
    kills = 0
    for round_ in range(1, 9):
        proc = start(round_)
        time.sleep(rng.uniform(0.05, 1.0) * full)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
        versions, n_images = _check(root, database_url)
        assert versions in (before[0], before[0] + 1)
        assert n_images in (before[1], before[1] + 150)
        before = (versions, n_images)
    assert kills >= 4
