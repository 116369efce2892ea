"""What an export produces before anything touches the disk: files, image copies and the id map."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(slots=True)
class Written:
    """Files an exporter wants written (relative path → bytes), images to copy, and its id map."""

    files: dict[str, bytes] = field(default_factory=dict)
    copies: dict[str, Path] = field(default_factory=dict)
    idmap: dict[str, Any] = field(default_factory=dict)

    def text(self, rel: str, text: str) -> None:
        self.files[rel] = text.encode("utf-8")

    def json(self, rel: str, value: Any, *, indent: int | None = None) -> None:
        self.files[rel] = json.dumps(value, ensure_ascii=False, indent=indent, allow_nan=False).encode("utf-8")
