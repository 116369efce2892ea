"""Still-image generation: ``generate_images`` yields records whose pixels and ground truth are exact.

Image ``i`` depends only on ``(seed, i)`` and the arguments, never on ``n`` or on which process renders it,
so a data set can be generated in parallel chunks (``start``) and still be byte-identical.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from truthline.domain.errors import UserInputError
from truthline.synth.conditions import Condition, as_conditions, condition_stream
from truthline.synth.records import SynthRecord, Taxonomy
from truthline.synth.render import Active, check_redesign, render_frame
from truthline.synth.scenes import Scene, View, get_scene

DEFAULT_START_TIME = datetime(2024, 6, 3, 6, 0, 0, tzinfo=UTC)
_CONDITION_STREAM = 7


def taxonomy(scenario: str = "inspection") -> Taxonomy:
    """The taxonomy of a scenario: ordered classes with one-line labelling guidelines."""
    return get_scene(scenario).taxonomy


def iso_time(t: datetime) -> str:
    return (
        t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        + (f".{t.microsecond:06d}".rstrip("0") if t.microsecond else "")
        + "Z"
    )


def check_size(width: int, height: int) -> None:
    if not (32 <= width <= 4096 and 32 <= height <= 4096):
        raise UserInputError(
            f"image size {width}x{height} out of range", where="--width/--height", fix="use 32 to 4096 pixels per side"
        )


def check_rate(rate: float | None) -> None:
    if rate is not None and not 0.0 <= rate <= 1.0:
        raise UserInputError(
            f"defect rate {rate} outside 0..1", where="--defect-rate", fix="give a fraction, e.g. 0.02 (2% defective)"
        )


@dataclass(frozen=True)
class ImagePlan:
    """Validated arguments of a generation run; ``record(i)`` renders image ``i``."""

    scene: Scene
    seed: int
    conditions: tuple[Condition, ...]
    defect_rate: float
    width: int
    height: int
    camera: str
    site: str
    start_time: datetime
    interval_s: float

    @classmethod
    def build(
        cls,
        scenario: str = "inspection",
        *,
        seed: int = 0,
        conditions: Sequence[Condition | str] = (),
        defect_rate: float | None = None,
        width: int = 256,
        height: int = 256,
        camera: str | None = None,
        site: str | None = None,
        start_time: datetime | None = None,
        interval_s: float = 2.0,
    ) -> ImagePlan:
        scene = get_scene(scenario)
        if seed < 0:
            raise UserInputError(f"seed {seed} is negative", where="--seed", fix="use a seed >= 0")
        check_size(width, height)
        check_rate(defect_rate)
        conds = tuple(as_conditions(conditions))
        for c in conds:
            if c.name == "redesign":
                check_redesign(scene, c.variant)
        t0 = start_time or DEFAULT_START_TIME
        if t0.tzinfo is None:
            t0 = t0.replace(tzinfo=UTC)
        return cls(
            scene,
            seed,
            conds,
            scene.default_rate if defect_rate is None else defect_rate,
            width,
            height,
            camera or scene.default_camera,
            site or scene.default_site,
            t0,
            interval_s,
        )

    @property
    def taxonomy(self) -> Taxonomy:
        return self.scene.taxonomy

    def file_name(self, index: int) -> str:
        return f"{self.scene.name}_{self.seed}_{index:06d}.png"

    def _resolve(self, index: int) -> tuple[list[Active], dict[str, np.random.Generator]]:
        active, rngs = [], {}
        for c in self.conditions:
            rng = np.random.default_rng([self.seed, index, _CONDITION_STREAM, condition_stream(c.name)])
            applies = rng.random() < c.probability
            severity = c.severity
            if c.severity_max is not None:
                severity = round(float(rng.uniform(c.severity, c.severity_max)), 2)
            if not applies:
                continue
            active.append(Active(c.name, severity, c.resolved_variant(), dict(c.params)))
            rngs[c.name] = rng
        return active, rngs

    def record(self, index: int) -> SynthRecord:
        """Render image ``index`` (>= 0) of this run."""
        if index < 0:
            raise UserInputError(f"image index {index} is negative", fix="use indices from 0")
        view = View(self.seed, index, self.width, self.height, self.defect_rate)
        active, rngs = self._resolve(index)
        frame = render_frame(self.scene, view, active, rngs.__getitem__)
        meta: dict[str, Any] = {
            "scenario": self.scene.name,
            "camera": self.camera,
            "site": self.site,
            "captured_at": iso_time(self.start_time + timedelta(seconds=self.interval_s * index)),
            "seed": self.seed,
            "conditions": ",".join(
                (a.name + (f"={a.variant}" if a.variant else "") + f":{a.severity:g}") for a in active
            )
            or "none",
        }
        meta.update(frame.metadata)
        return SynthRecord(
            index=index,
            file_name=self.file_name(index),
            width=self.width,
            height=self.height,
            image=frame.image,
            metadata=meta,
            annotations=frame.annotations,
            image_class=frame.image_class,
            novel_objects=frame.novel_objects,
        )


def generate_images(
    scenario: str = "inspection",
    n: int = 100,
    *,
    seed: int = 0,
    conditions: Sequence[Condition | str] = (),
    defect_rate: float | None = None,
    width: int = 256,
    height: int = 256,
    start: int = 0,
    camera: str | None = None,
    site: str | None = None,
    start_time: datetime | None = None,
    interval_s: float = 2.0,
) -> Iterator[SynthRecord]:
    """Yield ``n`` records, images ``start .. start+n-1`` of the scenario under the given conditions.

    ``conditions`` are ``Condition`` objects or strings like ``"lighting=night:0.6"``, ``"noise:0.2-0.8@0.3"``.
    ``defect_rate`` is the fraction of defective parts (inspection, default 0.02) or of out-of-stock runs
    (shelf, default 0.1). Arguments are checked before the first image is rendered.
    """
    if n < 0 or start < 0:
        raise UserInputError(f"cannot generate n={n} images from {start}", fix="use n >= 0 and start >= 0")
    plan = ImagePlan.build(
        scenario,
        seed=seed,
        conditions=conditions,
        defect_rate=defect_rate,
        width=width,
        height=height,
        camera=camera,
        site=site,
        start_time=start_time,
        interval_s=interval_s,
    )
    return (plan.record(i) for i in range(start, start + n))


def generate_image(index: int, scenario: str = "inspection", **kwargs: Any) -> SynthRecord:
    """Render the single image ``index`` exactly as ``generate_images`` would (same keyword arguments)."""
    return ImagePlan.build(scenario, **kwargs).record(index)
