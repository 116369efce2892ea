"""The scenarios truthline synth can render, by name."""

from __future__ import annotations

from truthline.domain.errors import UserInputError
from truthline.synth.scenes.base import Scene, SceneConditions, SceneObject, SceneOutput, View
from truthline.synth.scenes.inspection import InspectionScene
from truthline.synth.scenes.shelf import ShelfScene

SCENES: dict[str, Scene] = {"inspection": InspectionScene(), "shelf": ShelfScene()}


def get_scene(name: str) -> Scene:
    """The scene called ``name``; a user error naming the choices otherwise."""
    try:
        return SCENES[name]
    except KeyError:
        raise UserInputError(
            f"unknown scenario {name!r}", where="--scenario", fix=f"use one of {', '.join(SCENES)}"
        ) from None


__all__ = ["SCENES", "Scene", "SceneConditions", "SceneObject", "SceneOutput", "View", "get_scene"]
