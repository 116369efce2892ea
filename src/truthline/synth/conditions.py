"""Production conditions: their names, variants, stages, and the parsed ``Condition`` a user asks for."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from truthline.domain.errors import UserInputError

Stage = Literal["scene", "geometry", "pixel"]


@dataclass(frozen=True)
class ConditionInfo:
    """What a condition is: its variants, the stage it acts in, its parameters and a one-line summary."""

    name: str
    summary: str
    stage: Stage
    variants: tuple[str, ...] = ()
    default_variant: str | None = None
    params: tuple[str, ...] = ()
    per_frame: bool = False
    """In video, draw fresh randomness every frame (noise) rather than once per schedule entry (a smear)."""


CONDITIONS: dict[str, ConditionInfo] = {
    c.name: c
    for c in [
        ConditionInfo(
            "lighting",
            "brightness and colour temperature of the light; overexposure clips highlights",
            "pixel",
            ("day", "morning", "afternoon", "dusk", "night", "overexposure"),
            "day",
        ),
        ConditionInfo("glare", "a bright flare spot with a horizontal streak", "pixel", params=("x", "y")),
        ConditionInfo("fog", "haze: contrast falls towards a bright airlight", "pixel"),
        ConditionInfo("defocus", "lens out of focus: disk blur", "pixel"),
        ConditionInfo("smear", "a greasy smear on the lens: soft blurred, milky patch", "pixel", params=("x", "y")),
        ConditionInfo("motion_blur", "linear blur along the motion direction", "pixel", params=("angle_deg",)),
        ConditionInfo("noise", "sensor noise (Gaussian)", "pixel", per_frame=True),
        ConditionInfo("jpeg", "JPEG compression artefacts", "pixel", per_frame=True),
        ConditionInfo(
            "displacement",
            "camera knocked: rotation about the centre and translation; boxes move exactly",
            "geometry",
            ("both", "shift", "rotate"),
            "both",
            ("rotation_deg", "dx", "dy"),
        ),
        ConditionInfo("occlusion", "an occluder covers a fraction of an object's box", "scene"),
        ConditionInfo("redesign", "one class changes its appearance (new packaging, new housing)", "scene"),
        ConditionInfo("novel", "objects never seen in training appear (labels outside the taxonomy)", "scene"),
    ]
}

PIXEL_ORDER: tuple[str, ...] = (
    "lighting",
    "fog",
    "glare",
    "smear",
    "defocus",
    "motion_blur",
    "noise",
    "jpeg",
)
"""Physical order of the pixel conditions: light, atmosphere, lens, exposure, sensor, encoder."""

DEFAULT_SEVERITY = 0.5


def condition_stream(name: str) -> int:
    """A stable integer for a condition name, used to seed its own random stream."""
    return zlib.crc32(name.encode("utf-8"))


@dataclass(frozen=True)
class Condition:
    """A condition as requested: severity (or a severity range), variant, explicit parameters, probability.

    ``probability`` < 1 applies the condition to that fraction of images (chosen per image, deterministically),
    so one data set mixes conditioned and clean images and the condition becomes a slice.
    """

    name: str
    severity: float = DEFAULT_SEVERITY
    variant: str | None = None
    params: Mapping[str, float] = field(default_factory=dict)
    severity_max: float | None = None
    probability: float = 1.0

    def __post_init__(self) -> None:
        info = CONDITIONS.get(self.name)
        where = f"condition {self.name!r}"
        if info is None:
            raise UserInputError(
                f"unknown condition {self.name!r}",
                where="--condition",
                fix=f"use one of {', '.join(CONDITIONS)}",
            )
        for value, what in (
            (self.severity, "severity"),
            (self.severity_max, "severity range"),
            (self.probability, "probability"),
        ):
            if value is not None and not 0.0 <= float(value) <= 1.0:
                raise UserInputError(f"{what} {value} outside 0..1", where=where, fix="give a number from 0 to 1")
        if self.severity_max is not None and self.severity_max < self.severity:
            raise UserInputError("severity range is reversed", where=where, fix="write it low-high, e.g. 0.2-0.8")
        if self.variant is not None and info.name != "redesign" and self.variant not in info.variants:
            allowed = ", ".join(info.variants) if info.variants else "none"
            raise UserInputError(f"unknown variant {self.variant!r}", where=where, fix=f"variants: {allowed}")
        for key in self.params:
            if key not in info.params:
                allowed = ", ".join(info.params) if info.params else "none"
                raise UserInputError(f"unknown parameter {key!r}", where=where, fix=f"parameters: {allowed}")

    @property
    def info(self) -> ConditionInfo:
        return CONDITIONS[self.name]

    def resolved_variant(self) -> str | None:
        return self.variant if self.variant is not None else self.info.default_variant

    def spec(self) -> str:
        """The canonical text form, ``name[=variant]:severity[-max][@probability]``."""
        text = self.name + (f"={self.variant}" if self.variant else "") + f":{self.severity:g}"
        if self.severity_max is not None:
            text += f"-{self.severity_max:g}"
        if self.probability < 1.0:
            text += f"@{self.probability:g}"
        if self.params:
            text += "{" + ",".join(f"{k}={v:g}" for k, v in sorted(self.params.items())) + "}"
        return text


_SPEC = re.compile(
    r"^(?P<name>[a-z_]+)(?:=(?P<variant>[A-Za-z0-9_\-]+))?"
    r"(?::(?P<sev>[0-9.]+)(?:-(?P<sevmax>[0-9.]+))?)?(?:@(?P<prob>[0-9.]+))?$"
)


def parse_condition(text: str) -> Condition:
    """Parse ``NAME[=VARIANT][:SEVERITY[-MAX]][@PROBABILITY]``, e.g. ``lighting=night:0.6`` or ``noise:0.2-0.8@0.3``."""
    m = _SPEC.match(text.strip())
    if not m:
        raise UserInputError(
            f"cannot read condition {text!r}",
            where="--condition",
            fix="write NAME[=VARIANT][:SEVERITY][@PROBABILITY], e.g. lighting=night:0.6",
        )

    def number(group: str) -> float | None:
        raw = m.group(group)
        if raw is None:
            return None
        try:
            return float(raw)
        except ValueError:
            raise UserInputError(
                f"not a number: {raw!r}", where=f"condition {text!r}", fix="give a number from 0 to 1"
            ) from None

    severity = number("sev")
    prob = number("prob")
    return Condition(
        name=m.group("name"),
        severity=DEFAULT_SEVERITY if severity is None else severity,
        variant=m.group("variant"),
        severity_max=number("sevmax"),
        probability=1.0 if prob is None else prob,
    )


def as_conditions(items: Iterable[Condition | str]) -> list[Condition]:
    """Parse strings, check that no condition is given twice, and order them by stage and physics."""
    out = [parse_condition(c) if isinstance(c, str) else c for c in items]
    names = [c.name for c in out]
    for name in names:
        if names.count(name) > 1:
            raise UserInputError(f"condition {name!r} given twice", where="--condition", fix="give each condition once")
    order = {n: i for i, n in enumerate(("occlusion", "redesign", "novel", "displacement", *PIXEL_ORDER))}
    return sorted(out, key=lambda c: order[c.name])
