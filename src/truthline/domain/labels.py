"""Annotations as domain values: what was labelled, where, by whom, and everything a format carried."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from truthline.domain.content import content_hash
from truthline.domain.geometry import GeometryKind, bounding_box, validate_geometry


class Source:
    """Where an annotation came from (free text is allowed; these are the usual values)."""

    IMPORT = "import"
    MANUAL = "manual"
    REVIEW = "review"
    MODEL_ASSISTED = "model-assisted"
    SYNTH = "synth"


@dataclass(frozen=True, slots=True)
class Label:
    """The content of one annotation, independent of where it is stored.

    ``label`` is a class name of the taxonomy (``None`` for an unlabelled shape). ``attributes`` are the
    annotation's own attributes (occluded, truncated, difficult, iscrowd, any custom key). ``extra`` holds
    whatever a file format carried that truthline has no use for, so that export can write it back.
    ``track_id`` and ``frame`` place the shape in a video track; ``group`` ties parts (a skeleton's points,
    a VOC part) to their whole.
    """

    label: str | None
    kind: GeometryKind
    geometry: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    annotator: str | None = None
    source: str = Source.IMPORT
    track_id: str | None = None
    frame: int | None = None
    group: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", validate_geometry(self.kind, self.geometry))

    @staticmethod
    def box(label: str, x: float, y: float, w: float, h: float, **kw: Any) -> Label:
        return Label(label=label, kind=GeometryKind.BOX, geometry={"bbox": [x, y, w, h]}, **kw)

    @staticmethod
    def image_label(label: str, **kw: Any) -> Label:
        return Label(label=label, kind=GeometryKind.LABEL, **kw)

    @property
    def bbox(self) -> tuple[float, float, float, float] | None:
        return bounding_box(self.kind, self.geometry)

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "kind": self.kind.value,
            "geometry": self.geometry,
            "attributes": self.attributes,
            "extra": self.extra,
            "annotator": self.annotator,
            "source": self.source,
            "track_id": self.track_id,
            "frame": self.frame,
            "group": self.group,
        }

    @staticmethod
    def from_dict(d: dict[str, Any]) -> Label:
        return Label(
            label=d.get("label"),
            kind=GeometryKind(d["kind"]),
            geometry=dict(d.get("geometry") or {}),
            attributes=dict(d.get("attributes") or {}),
            extra=dict(d.get("extra") or {}),
            annotator=d.get("annotator"),
            source=d.get("source") or Source.IMPORT,
            track_id=d.get("track_id"),
            frame=d.get("frame"),
            group=d.get("group"),
        )

    @property
    def content_hash(self) -> str:
        """Hash of everything but provenance time: equal labels hash equal in any workspace."""
        return content_hash(self.to_dict())
