"""truthline's own small file forms: taxonomy YAML and annotations as JSON lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from truthline.domain.errors import FormatError, TruthlineError
from truthline.domain.geometry import GeometryKind
from truthline.domain.labels import Label
from truthline.domain.taxonomy import Taxonomy, TaxonomyClass


def read_taxonomy_file(path: Path) -> Taxonomy:
    """A YAML list of class names or of ``{name, guideline}`` maps, or a map with a ``classes`` list."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FormatError(f"cannot read taxonomy YAML: {str(exc).splitlines()[0]}", where=str(path)) from None
    if isinstance(data, dict):
        data = data.get("classes")
    if not isinstance(data, list) or not data:
        raise FormatError(
            "expected a non-empty list of classes", where=f"{path}:classes", fix="write '- name: scratch' per class"
        )
    classes = []
    for i, item in enumerate(data):
        if isinstance(item, str):
            classes.append(TaxonomyClass(item))
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            classes.append(TaxonomyClass.from_dict(item))
        else:
            raise FormatError(f"class entry {item!r} has no name", where=f"{path}:classes[{i}]", fix="give a name")
    try:
        return Taxonomy(tuple(classes))
    except TruthlineError as exc:
        raise FormatError(exc.what, where=str(path), fix=exc.fix) from None


def read_labels_jsonl(path: Path) -> dict[str, list[Label]]:
    """Annotations keyed by image (name or id), one JSON object per line.

    Each line has ``image`` and ``label`` and either ``bbox`` ([x, y, w, h], a box) or ``kind`` with
    ``geometry``; optional ``attributes``, ``annotator``, ``source``, ``track_id``, ``frame``.
    """
    out: dict[str, list[Label]] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise FormatError(f"cannot read {path}: {exc.strerror}", where=str(path)) from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:line {n}"
        try:
            rec: Any = json.loads(line)
        except json.JSONDecodeError as exc:
            raise FormatError(f"invalid JSON ({exc.msg})", where=where) from None
        if not isinstance(rec, dict) or not isinstance(rec.get("image"), str):
            raise FormatError("each line needs an 'image' (name or img_ id)", where=where)
        if "bbox" in rec:
            rec = {**rec, "kind": GeometryKind.BOX.value, "geometry": {"bbox": rec["bbox"]}}
        rec.setdefault("kind", GeometryKind.LABEL.value)
        try:
            lab = Label.from_dict(rec)
        except (TruthlineError, ValueError, TypeError) as exc:
            msg = exc.what if isinstance(exc, TruthlineError) else str(exc)
            raise FormatError(msg, where=where, fix="see `truthline dataset add-annotations --help`") from None
        out.setdefault(rec["image"], []).append(lab)
    return out
