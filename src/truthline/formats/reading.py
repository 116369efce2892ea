"""Typed readers for parsed annotation files: every check names the file and JSON path or line it failed at."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from truthline.domain.errors import FormatError


def at(where: str, key: str | int) -> str:
    """Extend a JSON path: ``at("f.json:$", "images")`` → ``f.json:$.images``; ints become ``[i]``."""
    return f"{where}[{key}]" if isinstance(key, int) else f"{where}.{key}"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def as_dict(value: Any, where: str, what: str = "an object") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FormatError(f"got {_show(value)}, expected {what}", where=where)
    return value


def as_list(value: Any, where: str, what: str = "a list") -> list[Any]:
    if not isinstance(value, list):
        raise FormatError(f"got {_show(value)}, expected {what}", where=where)
    return value


def as_num(value: Any, where: str, what: str = "a finite number") -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise FormatError(f"got {_show(value)}, expected {what}", where=where)
    return value


def as_int(value: Any, where: str, what: str = "an integer") -> int:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise FormatError(f"got {_show(value)}, expected {what}", where=where)
    return value


def as_str(value: Any, where: str, what: str = "a string") -> str:
    if not isinstance(value, str):
        raise FormatError(f"got {_show(value)}, expected {what}", where=where)
    return value


def as_nums(value: Any, where: str, *, even: bool = False, min_len: int = 0) -> list[float]:
    items = as_list(value, where, "a list of numbers")
    out = [as_num(v, at(where, i)) for i, v in enumerate(items)]
    if even and len(out) % 2:
        raise FormatError(f"got {len(out)} numbers, expected an even count (x, y pairs)", where=where)
    if len(out) < min_len:
        raise FormatError(f"got {len(out)} numbers, expected at least {min_len}", where=where)
    return out


def text_num(token: str, where: str, what: str = "a number") -> float:
    """A number written as text (XML attribute, txt column)."""
    try:
        v = float(token)
    except (TypeError, ValueError):
        raise FormatError(f"got {_show(token)}, expected {what}", where=where) from None
    if not math.isfinite(v):
        raise FormatError(f"got {_show(token)}, expected {what}", where=where)
    return v


def text_int(token: str, where: str, what: str = "an integer") -> int:
    try:
        return int(token)
    except (TypeError, ValueError):
        v = text_num(token, where, what)
        if not v.is_integer():
            raise FormatError(f"got {_show(token)}, expected {what}", where=where) from None
        return int(v)


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise FormatError(f"file not found: {path}", where=str(path), fix="check the path") from None
    except UnicodeDecodeError as e:
        raise FormatError(
            f"bytes {e.object[e.start : e.start + 4]!r} are not UTF-8, expected a UTF-8 text file", where=str(path)
        ) from None
    except OSError as e:
        raise FormatError(f"cannot read the file: {e.strerror}", where=str(path)) from None


def load_json(path: Path) -> Any:
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        near = text[e.pos : e.pos + 20]
        raise FormatError(
            f"invalid JSON: {e.msg} near {near!r}, expected valid JSON",
            where=f"{path}:line {e.lineno} column {e.colno}",
            fix="repair the file or export it again from the tool",
        ) from None
    except RecursionError:
        raise FormatError("JSON nested too deeply", where=str(path)) from None


def load_xml(path: Path) -> ET.Element:
    text = read_text(path)
    if "<!ENTITY" in text:
        raise FormatError("XML entity declarations are not allowed", where=str(path), fix="remove the DOCTYPE")
    try:
        return ET.fromstring(text)
    except ET.ParseError as e:
        line, col = e.position
        raise FormatError(
            f"invalid XML: {e.msg if hasattr(e, 'msg') else e}, expected well-formed XML",
            where=f"{path}:line {line} column {col}",
            fix="repair the file or export it again from the tool",
        ) from None


def xml_attr(el: ET.Element, name: str, where: str) -> str:
    v = el.get(name)
    if v is None:
        raise FormatError(f"<{el.tag}> lacks the {name!r} attribute, expected it", where=where)
    return v


def xml_child_text(el: ET.Element, name: str, where: str) -> str:
    child = el.find(name)
    if child is None or child.text is None:
        raise FormatError(f"<{el.tag}> lacks <{name}>, expected it", where=where)
    return child.text.strip()
