"""Latency and throughput of any adapter: p50/p95/p99 per batch size over repeated batches, after warm-up."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from truthline.domain.errors import UserInputError
from truthline.models.results import Classifier, Detector, Image


@dataclass(frozen=True, slots=True)
class BatchBench:
    """Figures for one batch size: latency of a whole ``predict`` call (ms) and images per second."""

    batch_size: int
    n: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    throughput_ips: float
    preprocess_ms: float  # mean per batch, from the adapter's own timings
    infer_ms: float
    postprocess_ms: float
    samples_ms: tuple[float, ...] = ()  # every timed call, in order

    def to_dict(self, *, samples: bool = False) -> dict[str, Any]:
        d = asdict(self)
        if not samples:
            d.pop("samples_ms")
        else:
            d["samples_ms"] = list(self.samples_ms)
        return d


def _stage_means(result: Any) -> tuple[float, float, float]:
    t = result[0].timings if isinstance(result, list) and result else getattr(result, "timings", None)
    return (t.preprocess_ms, t.infer_ms, t.postprocess_ms) if t is not None else (0.0, 0.0, 0.0)


def bench(
    adapter: Detector | Classifier,
    images: Sequence[Image],
    batch_sizes: Sequence[int] = (1, 8),
    n: int = 200,
    warmup: int = 10,
) -> list[BatchBench]:
    """Time ``n`` calls of ``adapter.predict`` per batch size (batches cycle through ``images``).

    Latency is wall time per call; throughput is images per second over the ``n`` calls. The ``warmup`` calls
    before each batch size are not counted.
    """
    if not images:
        raise UserInputError("no images to benchmark on", fix="pass at least one image")
    if n < 1 or any(b < 1 for b in batch_sizes):
        raise UserInputError("n and every batch size must be at least 1")
    out: list[BatchBench] = []
    for bs in batch_sizes:
        batches = [[images[(i * bs + j) % len(images)] for j in range(bs)] for i in range(min(n, len(images)))]
        for i in range(warmup):
            adapter.predict(batches[i % len(batches)])
        lat = np.empty(n)
        stages = np.zeros(3)
        for i in range(n):
            t0 = time.perf_counter()
            res = adapter.predict(batches[i % len(batches)])
            lat[i] = (time.perf_counter() - t0) * 1000.0
            stages += _stage_means(res)
        p50, p95, p99 = np.percentile(lat, [50, 95, 99])
        stages /= n
        out.append(
            BatchBench(
                bs,
                n,
                float(p50),
                float(p95),
                float(p99),
                float(lat.mean()),
                float(bs * n / (lat.sum() / 1000.0)),
                float(stages[0]),
                float(stages[1]),
                float(stages[2]),
                tuple(float(v) for v in lat),
            )
        )
    return out
