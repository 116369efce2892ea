"""Shared helpers for the synth tests: image statistics the conditions claim to change."""

from __future__ import annotations

import cv2
import numpy as np
import pytest


def brightness(img: np.ndarray) -> float:
    return float(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).mean())


def sharpness(img: np.ndarray) -> float:
    """Variance of the Laplacian of the grey image."""
    return float(cv2.Laplacian(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), cv2.CV_64F).var())


def high_frequency(img: np.ndarray) -> float:
    """Mean absolute difference to a 3x3 box blur: energy at the finest scale."""
    f = img.astype(np.float32)
    return float(np.abs(f - cv2.blur(f, (3, 3))).mean())


@pytest.fixture(autouse=True)
def _one_thread() -> None:
    cv2.setNumThreads(1)
