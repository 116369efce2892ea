"""Loss reports: what an export dropped or converted, how many times, and for which items."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from truthline.domain.errors import UserInputError

DROPPED = "dropped"
CONVERTED = "converted"
_MAX_ITEMS_IN_DICT = 200


@dataclass(slots=True)
class LossEntry:
    """One kind of loss (``what``), whether it was dropped or converted, its count and the items it hit."""

    what: str
    kind: str = DROPPED
    count: int = 0
    items: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"what": self.what, "kind": self.kind, "count": self.count}
        d["items"] = self.items[:_MAX_ITEMS_IN_DICT]
        if len(self.items) > _MAX_ITEMS_IN_DICT:
            d["items_not_listed"] = len(self.items) - _MAX_ITEMS_IN_DICT
        return d


class LossReport:
    """Everything an export could not carry into the target format, grouped by what was lost.

    Items name images (``image.jpg``) or annotations (``image.jpg#3``: the label's index in that image).
    """

    def __init__(self, fmt: str = "") -> None:
        self.format = fmt
        self._entries: dict[tuple[str, str], LossEntry] = {}

    def add(self, what: str, item: str | None = None, *, kind: str = DROPPED, count: int = 1) -> None:
        key = (what, kind)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = LossEntry(what, kind)
        entry.count += count
        if item is not None and (not entry.items or entry.items[-1] != item):
            entry.items.append(item)

    def drop(self, what: str, item: str | None = None, count: int = 1) -> None:
        self.add(what, item, kind=DROPPED, count=count)

    def convert(self, what: str, item: str | None = None, count: int = 1) -> None:
        self.add(what, item, kind=CONVERTED, count=count)

    @property
    def entries(self) -> list[LossEntry]:
        return list(self._entries.values())

    @property
    def empty(self) -> bool:
        return not self._entries

    def __bool__(self) -> bool:
        return bool(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def count(self, what: str) -> int:
        """Total count of entries whose ``what`` is exactly ``what``."""
        return sum(e.count for e in self._entries.values() if e.what == what)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "lossless": not self._entries,
            "total": sum(e.count for e in self._entries.values()),
            "entries": [e.to_dict() for e in self._entries.values()],
        }

    def lines(self) -> list[str]:
        """One human line per entry, e.g. ``dropped 3 x attribute 'color' (a.jpg#0, b.jpg#2, ...)``."""
        out = []
        for e in self._entries.values():
            shown = ", ".join(e.items[:3]) + (", ..." if len(e.items) > 3 else "")
            out.append(f"{e.kind} {e.count} x {e.what}" + (f" ({shown})" if shown else ""))
        return out


class LossyExportError(UserInputError):
    """A strict export would lose something; nothing was written."""

    def __init__(self, report: LossReport) -> None:
        self.report = report
        super().__init__(
            f"export to {report.format} would lose data: " + "; ".join(report.lines()),
            fix="export to a format that carries these, or drop --strict to write with a loss report",
        )
