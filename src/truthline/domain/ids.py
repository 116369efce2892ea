"""Readable, typed entity ids (``dsv_01J…``) built on ULIDs."""

from __future__ import annotations

import re
from enum import StrEnum

from ulid import ULID

from truthline.domain.errors import UserInputError


class Kind(StrEnum):
    """Entity kinds of the lineage graph and their id prefixes."""

    IMAGE = "img"
    TAXONOMY = "tax"
    ANNOTATION = "ann"
    DATASET_VERSION = "dsv"
    TRAINING_RUN = "run"
    MODEL_VERSION = "mdl"
    EVALUATION = "evl"
    PIPELINE = "pip"
    DEPLOYMENT = "dep"
    PREDICTION = "prd"
    MONITOR_WINDOW = "mon"
    REVIEW_TASK = "rev"
    EVENT = "evt"


_ID = re.compile(r"^([a-z]{3})_([0-9A-HJKMNP-TV-Z]{26})$")
_SHA = re.compile(r"^[0-9a-f]{64}$")


def new_id(kind: Kind) -> str:
    """A fresh id of the given kind, sortable by creation time."""
    return f"{kind.value}_{ULID()}"


def kind_of(entity_id: str) -> Kind | None:
    """The kind an id names, ``None`` for a blob sha256; raises on anything else."""
    if _SHA.match(entity_id):
        return None
    m = _ID.match(entity_id)
    if m:
        try:
            return Kind(m.group(1))
        except ValueError:
            pass
    raise UserInputError(
        f"not a truthline id: {entity_id!r}",
        fix="ids look like dsv_01J9Z… (prefix img, tax, ann, dsv, run, mdl, evl) or a 64-hex blob sha256",
    )


def expect_kind(entity_id: str, kind: Kind) -> str:
    """Return the id if it is of the expected kind, else raise a user error."""
    if kind_of(entity_id) is not kind:
        raise UserInputError(
            f"expected a {kind.value}_ id, got {entity_id!r}", fix=f"pass an id that starts with {kind.value}_"
        )
    return entity_id
