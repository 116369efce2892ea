"""What each format can carry, and the checks every exporter runs on a label before writing it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from truthline.domain.geometry import GeometryKind
from truthline.domain.labels import Label
from truthline.domain.taxonomy import Taxonomy, TaxonomyClass
from truthline.formats.loss import LossReport


@dataclass(frozen=True, slots=True)
class FormatInfo:
    """One format's name and what it can carry without loss."""

    name: str
    title: str
    boxes: bool = False
    rotated_boxes: bool = False
    polygons: bool = False
    polylines: bool = False
    masks: bool = False
    keypoints: bool = False
    image_labels: bool = False
    attributes: bool = False  # arbitrary per-annotation attributes
    native_attributes: tuple[str, ...] = ()  # the attributes the format has fields for
    tracks: bool = False
    annotators: bool = False
    empty_images: bool = True
    class_id_base: int | None = None  # 0 or 1: how the format numbers classes; None: by name
    image_id_base: int | None = None
    notes: str = ""
    kinds: tuple[str, ...] = field(default=())

    def carries(self, kind: GeometryKind) -> bool:
        return {
            GeometryKind.BOX: self.boxes,
            GeometryKind.ROTATED_BOX: self.rotated_boxes,
            GeometryKind.POLYGON: self.polygons,
            GeometryKind.POLYLINE: self.polylines,
            GeometryKind.MASK: self.masks,
            GeometryKind.POINTS: self.keypoints,
            GeometryKind.LABEL: self.image_labels,
        }[kind]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["native_attributes"] = list(self.native_attributes)
        d.pop("kinds")
        return d


def is_outside(label: Label) -> bool:
    """A track frame where the object is out of view (CVAT ``outside``): not a visible shape."""
    return bool(label.attributes.get("outside"))


def check_common(label: Label, info: FormatInfo, report: LossReport, item: str, *, skip: tuple[str, ...] = ()) -> None:
    """Report what ``info`` cannot carry of a label's attributes, annotator and track."""
    if label.annotator is not None and not info.annotators:
        report.drop("annotator", item)
    if label.track_id is not None and not info.tracks and "track" not in skip:
        report.drop("track id", item)
    for key in label.attributes:
        if key in info.native_attributes or key in skip:
            continue
        if key in ("outside", "keyframe") and not info.tracks:
            if key == "keyframe":
                report.drop("track keyframe flag", item)
            continue
        if not info.attributes:
            report.drop(f"attribute {key!r}", item)


def keypoint_names(cls: TaxonomyClass | None) -> list[str] | None:
    if cls is None:
        return None
    names = cls.extra.get("keypoints")
    return [str(n) for n in names] if isinstance(names, list) else None


def is_keypoint_part(cls: TaxonomyClass, taxonomy: Taxonomy) -> bool:
    """A class that names one point of a skeleton class (CVAT skeleton element), not a class of its own."""
    if cls.parent is None:
        return False
    parent = next((c for c in taxonomy.classes if c.name == cls.parent), None)
    names = keypoint_names(parent)
    return names is not None and cls.name in names


def object_classes(taxonomy: Taxonomy) -> list[TaxonomyClass]:
    """The classes a detection format lists: all but skeleton point parts."""
    return [c for c in taxonomy.classes if not is_keypoint_part(c, taxonomy)]


def assign_ids(classes: list[TaxonomyClass], base: int, *, contiguous: bool = False) -> dict[str, int]:
    """Class name → id: keep each class's source id where usable, number the rest after them; never re-sort.

    With ``contiguous`` (YOLO), source ids are kept only when they are exactly ``base .. base+n-1``.
    """
    src = [c.source_id for c in classes]
    usable = all(isinstance(s, int) and not isinstance(s, bool) and s >= base for s in src) and len(set(src)) == len(
        src
    )
    if contiguous:
        if usable and sorted(src) == list(range(base, base + len(src))):  # type: ignore[type-var]
            return {c.name: int(c.source_id) for c in classes}  # type: ignore[arg-type]
        return {c.name: base + i for i, c in enumerate(classes)}
    out: dict[str, int] = {}
    used: set[int] = set()
    for c in classes:
        s = c.source_id
        if isinstance(s, int) and not isinstance(s, bool) and s >= base and s not in used:
            out[c.name] = s
            used.add(s)
    nxt = max(used, default=base - 1) + 1
    for c in classes:
        if c.name not in out:
            out[c.name] = nxt
            used.add(nxt)
            nxt += 1
    return out


def fmt_num(v: float) -> str:
    """Compact, round-trippable text for a coordinate: ``3`` for 3.0, up to 10 significant digits."""
    if float(v).is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.10g}"
