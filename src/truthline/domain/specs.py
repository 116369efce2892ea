"""Config files as pydantic models: read YAML, validate, and report the first bad field as a YAML path."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from truthline.domain.errors import FormatError, UserInputError

M = TypeVar("M", bound=BaseModel)

_TYPE_TAGS = {"float", "int", "str", "bool", "none", "list", "dict"}


def field_path(loc: tuple[Any, ...], skip: Collection[str] = ()) -> str:
    """A pydantic error location as a YAML path (``gates[2].max``), leaving out union members (types, ``skip``)."""
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        elif (part in skip and i > 0 and isinstance(loc[i - 1], int)) or part in _TYPE_TAGS or "[" in str(part):
            continue  # the member of a union that failed is no YAML key
        else:
            out += f".{part}" if out else str(part)
    return out or "top level"


def parse_spec(model: type[M], data: Any, *, what: str, where: str, fix: str, skip: Collection[str] = ()) -> M:
    """Validate ``data`` as ``model``; a FormatError names ``where:field.path``, what was wrong and how to fix it."""
    if not isinstance(data, dict):
        raise FormatError(f"{what} must be a mapping", where=where, fix=fix)
    try:
        return model.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        raise FormatError(
            f"invalid {what}: {first['msg']}", where=f"{where}:{field_path(tuple(first.get('loc', ())), skip)}", fix=fix
        ) from None


def read_yaml(path: str | Path, *, what: str, option: str) -> Any:
    """A YAML file's document; a missing file or bad YAML is one clear error."""
    p = Path(path)
    if not p.is_file():
        raise UserInputError(f"{what} file {p} not found", where=option, fix="give the path of a YAML file")
    try:
        return yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise FormatError(f"{what} is not valid YAML: {e}".splitlines()[0], where=str(p)) from None
