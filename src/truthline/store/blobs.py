"""Content-addressed blob store: sha256-named files in sharded folders, written via temp file + rename."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

CHUNK = 1 << 20
SMALL = 8 << 20  # files up to this size are hashed in memory before anything is written


class BlobStore:
    """Blobs under ``root/ab/cd/abcd…``; a blob's name is the sha256 of its bytes, so writes are idempotent.

    A blob is complete or absent: bytes go to a temporary file in ``root/tmp`` and are renamed into place.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha: str) -> Path:
        return self.root / sha[:2] / sha[2:4] / sha

    def exists(self, sha: str) -> bool:
        return self.path(sha).is_file()

    def _tmp(self) -> Path:
        tmp = self.root / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        return tmp

    def _place(self, tmp_path: Path, sha: str) -> None:
        dest = self.path(sha)
        if dest.exists():
            tmp_path.unlink()
            return
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp_path, dest)

    def put_bytes(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        if self.exists(sha):
            return sha
        fd, name = tempfile.mkstemp(dir=self._tmp())
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        self._place(Path(name), sha)
        return sha

    def put_file(self, src: Path) -> tuple[str, int]:
        """Copy a file in, hashing as it streams; returns (sha256, size).

        A small file is read and hashed first, so that bytes already stored are not written again.
        """
        if src.stat().st_size <= SMALL:
            data = src.read_bytes()
            return self.put_bytes(data), len(data)
        h = hashlib.sha256()
        fd, name = tempfile.mkstemp(dir=self._tmp())
        size = 0
        with open(src, "rb") as fin, os.fdopen(fd, "wb") as fout:
            while chunk := fin.read(CHUNK):
                h.update(chunk)
                fout.write(chunk)
                size += len(chunk)
        sha = h.hexdigest()
        self._place(Path(name), sha)
        return sha, size

    def put_files(
        self, paths: Sequence[Path], on_done: Callable[[int], None] | None = None, workers: int = 4
    ) -> list[tuple[str, int]]:
        """``put_file`` for many files on a few threads (hashing and file I/O release the GIL); results in order."""
        out: list[tuple[str, int]] = []
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for start in range(0, len(paths), 256):
                out += pool.map(self.put_file, paths[start : start + 256])
                if on_done:
                    on_done(len(out))
        return out

    def read_bytes(self, sha: str) -> bytes:
        return self.path(sha).read_bytes()

    def verify(self, sha: str) -> bool:
        """True when the blob exists and its bytes still hash to its name."""
        p = self.path(sha)
        if not p.is_file():
            return False
        h = hashlib.sha256()
        with open(p, "rb") as f:
            while chunk := f.read(CHUNK):
                h.update(chunk)
        return h.hexdigest() == sha

    def iter_shas(self) -> Iterator[str]:
        for p in self.root.glob("??/??/*"):
            if p.is_file():
                yield p.name

    def clear_tmp(self) -> int:
        """Remove temporary files left by interrupted writes; returns how many."""
        tmp = self.root / "tmp"
        if not tmp.exists():
            return 0
        n = sum(1 for _ in tmp.iterdir())
        shutil.rmtree(tmp)
        return n
