"""The video schedule file: which conditions are active over which frames, validated by pydantic.

Example (YAML)::

    scenario: shelf
    frames: 2400
    fps: 30
    seed: 7
    conditions:
      - {condition: lighting, variant: day, severity: 0.3, start: 0, end: 600}
      - {condition: lighting, variant: dusk, severity: 0.6, start: 600, end: 900}
      - {condition: lighting, variant: night, severity: 0.7, start: 900}
      - {condition: smear, severity: 0.5, start: 1200}
      - {condition: displacement, start: 1500, params: {rotation_deg: 2}}
      - {condition: novel, severity: 0.5, start: 1800}
"""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from truthline.domain.errors import TruthlineError
from truthline.domain.specs import parse_spec, read_yaml
from truthline.synth.conditions import CONDITIONS, DEFAULT_SEVERITY, Condition
from truthline.synth.geometry import displacement_severity


class ScheduleEntry(BaseModel):
    """One condition over a range of frames ``[start, end)``; ``end`` omitted means to the last frame."""

    model_config = ConfigDict(extra="forbid")

    condition: str = Field(description="condition name, e.g. lighting, smear, displacement, novel")
    variant: str | None = Field(None, description="e.g. night for lighting, shift for displacement")
    severity: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="0..1; default 0.5, or derived from params for displacement",
    )
    start: int = Field(0, ge=0, description="first frame (inclusive)")
    end: int | None = Field(None, ge=1, description="frame after the last one (exclusive)")
    ramp: int = Field(0, ge=0, description="frames over which severity rises linearly from 0")
    params: dict[str, float] = Field(default_factory=dict, description="explicit parameters, e.g. rotation_deg")

    @field_validator("condition")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in CONDITIONS:
            raise ValueError(f"unknown condition {v!r}; use one of {', '.join(CONDITIONS)}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> ScheduleEntry:
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        try:
            Condition(self.condition, self.severity or 0.0, self.variant, self.params)
        except TruthlineError as e:
            raise ValueError(e.what + (f"; {e.fix}" if e.fix else "")) from None
        return self

    def covers(self, frame: int) -> bool:
        return frame >= self.start and (self.end is None or frame < self.end)

    def severity_at(self, frame: int, width: int, height: int) -> float:
        if self.severity is not None:
            base = self.severity
        elif self.condition == "displacement" and self.params:
            base = displacement_severity(self.params, width, height)
        else:
            base = DEFAULT_SEVERITY
        if self.ramp > 0:
            base *= min(1.0, (frame - self.start + 1) / self.ramp)
        return round(base, 4)


class VideoSchedule(BaseModel):
    """A synthetic video: scenario, length, frame size, motion, and the condition schedule."""

    model_config = ConfigDict(extra="forbid")

    scenario: str = Field("inspection", description="inspection or shelf")
    frames: int = Field(..., ge=1, le=1_000_000, description="number of frames")
    fps: float = Field(25.0, gt=0, le=240)
    width: int = Field(256, ge=32, le=4096, description="even number of pixels")
    height: int = Field(256, ge=32, le=4096, description="even number of pixels")
    seed: int = Field(0, ge=0)
    defect_rate: float | None = Field(None, ge=0.0, le=1.0, description="scenario default when omitted")
    speed: float = Field(2.0, ge=0.0, description="scene pixels the world moves per frame (at 256 px height)")
    camera: str | None = None
    site: str | None = None
    start_time: datetime | None = Field(None, description="time of frame 0 (ISO 8601)")
    conditions: list[ScheduleEntry] = Field(default_factory=list)

    @field_validator("width", "height")
    @classmethod
    def _even(cls, v: int) -> int:
        if v % 2:
            raise ValueError("must be even (video encoders need even sizes)")
        return v

    @model_validator(mode="after")
    def _no_overlap(self) -> VideoSchedule:
        by_name: dict[str, list[ScheduleEntry]] = {}
        for e in self.conditions:
            by_name.setdefault(e.condition, []).append(e)
        for name, entries in by_name.items():
            entries = sorted(entries, key=lambda e: e.start)
            for a, b in pairwise(entries):
                if a.end is None or a.end > b.start:
                    raise ValueError(f"{name} entries overlap at frame {b.start}; give the earlier one an end")
        return self

    def active(self, frame: int) -> list[tuple[int, ScheduleEntry]]:
        """Schedule entries (with their position in the list) active at ``frame``."""
        return [(i, e) for i, e in enumerate(self.conditions) if e.covers(frame)]


def parse_schedule(data: Any, where: str = "schedule") -> VideoSchedule:
    """Validate a parsed YAML/JSON document as a schedule; a FormatError names the first bad field."""
    return parse_spec(
        VideoSchedule, data, what="schedule", where=where, fix="see docs/synth.md or `truthline schema synth-schedule`"
    )


def load_schedule(path: str | Path) -> VideoSchedule:
    """Read and validate a schedule YAML file."""
    return parse_schedule(read_yaml(path, what="schedule", option="--schedule"), str(path))
