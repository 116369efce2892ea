"""Taxonomy: the ordered classes a dataset is labelled with, their guidelines, and diffs between versions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from truthline.domain.content import content_hash
from truthline.domain.errors import UserInputError


@dataclass(frozen=True, slots=True)
class TaxonomyClass:
    """One class: its name (unique in the taxonomy), labelling guideline, and optional source id and parent."""

    name: str
    guideline: str = ""
    source_id: int | None = None  # the id the class had in an imported file (kept for export)
    parent: str | None = None  # a parent class name, for hierarchies and skeleton parts
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "guideline": self.guideline}
        if self.source_id is not None:
            d["source_id"] = self.source_id
        if self.parent is not None:
            d["parent"] = self.parent
        if self.extra:
            d["extra"] = self.extra
        return d

    @staticmethod
    def from_dict(d: dict[str, Any]) -> TaxonomyClass:
        return TaxonomyClass(
            name=str(d["name"]),
            guideline=str(d.get("guideline", "")),
            source_id=d.get("source_id"),
            parent=d.get("parent"),
            extra=dict(d.get("extra") or {}),
        )


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """An ordered list of classes. Order is kept as given and never re-sorted."""

    classes: tuple[TaxonomyClass, ...]

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for c in self.classes:
            if not c.name:
                raise UserInputError("a taxonomy class has an empty name", fix="give every class a name")
            if c.name in seen:
                raise UserInputError(f"class {c.name!r} appears twice in the taxonomy", fix="make names unique")
            seen.add(c.name)

    @staticmethod
    def of(names: Sequence[str | TaxonomyClass]) -> Taxonomy:
        return Taxonomy(tuple(n if isinstance(n, TaxonomyClass) else TaxonomyClass(n) for n in names))

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.classes]

    def to_list(self) -> list[dict[str, Any]]:
        return [c.to_dict() for c in self.classes]

    @property
    def content_hash(self) -> str:
        return content_hash(self.to_list())


@dataclass(frozen=True, slots=True)
class TaxonomyDiff:
    """What changed between two taxonomies, by class name."""

    added: list[str]
    removed: list[str]
    guideline_changed: list[str]
    reordered: bool

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.guideline_changed or self.reordered)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "removed": self.removed,
            "guideline_changed": self.guideline_changed,
            "reordered": self.reordered,
        }


def diff_taxonomies(a: Taxonomy, b: Taxonomy) -> TaxonomyDiff:
    """Classes added, removed or with a changed guideline from ``a`` to ``b``, and whether order changed."""
    old = {c.name: c for c in a.classes}
    new = {c.name: c for c in b.classes}
    common_old = [n for n in a.names if n in new]
    common_new = [n for n in b.names if n in old]
    return TaxonomyDiff(
        added=[n for n in b.names if n not in old],
        removed=[n for n in a.names if n not in new],
        guideline_changed=[n for n in common_new if old[n].guideline != new[n].guideline],
        reordered=common_old != common_new,
    )
