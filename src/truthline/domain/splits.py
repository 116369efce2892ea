"""Split assignment: deterministic, group-preserving, and never moving an image already placed."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from truthline.domain.errors import UserInputError

DEFAULT_SPLIT = {"train": 0.8, "val": 0.1, "test": 0.1}


def parse_split_spec(spec: str) -> dict[str, float]:
    """Parse ``train=0.8,val=0.1,test=0.1`` into fractions that sum to 1."""
    out: dict[str, float] = {}
    for part in spec.split(","):
        name, sep, value = part.partition("=")
        name = name.strip()
        try:
            frac = float(value)
        except ValueError:
            frac = -1.0
        if not sep or not name or frac < 0:
            raise UserInputError(
                f"bad split {part.strip()!r} in {spec!r}", fix="write it as train=0.8,val=0.1,test=0.1"
            )
        out[name] = frac
    return check_split(out)


def check_split(fractions: Mapping[str, float]) -> dict[str, float]:
    total = sum(fractions.values())
    if not fractions or abs(total - 1.0) > 1e-6:
        raise UserInputError(f"split fractions must add up to 1, got {total:g}", fix="e.g. train=0.8,val=0.1,test=0.1")
    return dict(fractions)


def _rank(seed: int, key: str) -> str:
    return hashlib.sha256(f"{seed}\x00{key}".encode()).hexdigest()


def assign_splits(
    items: Sequence[tuple[str, str]],
    fractions: Mapping[str, float],
    seed: int,
    placed: Mapping[str, str] | None = None,
    group_splits: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Give every item a split.

    ``items`` are ``(item_key, group_key)`` pairs. Items in ``placed`` keep their split. A group that
    already has a split (in ``group_splits``, or through a placed item) takes new items into that split,
    so a group never spans two splits. The remaining groups are ordered by a seeded hash and each goes to
    the split furthest below its target share of all items, so shares come out as close as groups allow.
    The result depends only on the keys, the fractions and the seed.
    """
    placed = dict(placed or {})
    group_of = dict(items)
    gsplit: dict[str, str] = dict(group_splits or {})
    for key, split in placed.items():
        g = group_of.get(key)
        if g is not None:
            gsplit.setdefault(g, split)
    counts: Counter[str] = Counter()
    out: dict[str, str] = {}
    free: dict[str, list[str]] = defaultdict(list)
    for key, group in items:
        if key in placed:
            out[key] = placed[key]
        elif group in gsplit:
            out[key] = gsplit[group]
        else:
            free[group].append(key)
            continue
        counts[out[key]] += 1
    target = {name: frac * len(items) for name, frac in fractions.items()}
    order = list(fractions)
    for group in sorted(free, key=lambda g: _rank(seed, g)):
        best = max(order, key=lambda s: (target[s] - counts[s], -order.index(s)))
        for key in free[group]:
            out[key] = best
        counts[best] += len(free[group])
    return out
