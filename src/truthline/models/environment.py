"""What a training run records about where it ran: package versions, Python, platform, threads, code ref."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = (
    "truthline",
    "numpy",
    "torch",
    "onnx",
    "onnxruntime",
    "opencv-python-headless",
    "pydantic",
    "pyyaml",
    "hotcoco",
    "scikit-learn",
    "pillow",
)


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str | None]:
    """Installed version of each distribution (``None`` when not installed)."""
    out: dict[str, str | None] = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def environment_snapshot() -> dict[str, Any]:
    """Package versions, Python, platform, CPU count and torch's thread count (``None`` without torch)."""
    threads: int | None = None
    if "torch" in sys.modules or package_versions(("torch",))["torch"]:
        try:
            import torch

            threads = int(torch.get_num_threads())
        except ImportError:
            threads = None
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch_threads": threads,
        "packages": package_versions(),
    }


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", "--no-optional-locks", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def code_ref(path: str | Path = ".") -> dict[str, Any] | None:
    """``{"commit": sha, "dirty": bool}`` of the git work tree holding ``path``; ``None`` outside git.

    Read-only (``--no-optional-locks``): it never refreshes the index. ``dirty`` counts untracked files too.
    """
    cwd = Path(path).resolve()
    if not cwd.is_dir():
        cwd = cwd.parent
    commit = _git(["rev-parse", "HEAD"], cwd)
    if not commit:
        return None
    status = _git(["status", "--porcelain"], cwd)
    return {"commit": commit, "dirty": bool(status)}
