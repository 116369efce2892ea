"""Model stages as an explicit state machine: the enum, the allowed transitions, and one function to check one."""

from __future__ import annotations

from enum import StrEnum

from truthline.domain.errors import ConflictError


class Stage(StrEnum):
    NONE = "none"
    CANDIDATE = "candidate"
    STAGING = "staging"
    PRODUCTION = "production"
    ARCHIVED = "archived"


#: Where each stage may go next. Production needs evidence (a passing readiness evaluation) or a recorded override.
TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    Stage.NONE: frozenset({Stage.CANDIDATE, Stage.ARCHIVED}),
    Stage.CANDIDATE: frozenset({Stage.STAGING, Stage.PRODUCTION, Stage.ARCHIVED}),
    Stage.STAGING: frozenset({Stage.PRODUCTION, Stage.CANDIDATE, Stage.ARCHIVED}),
    Stage.PRODUCTION: frozenset({Stage.STAGING, Stage.ARCHIVED}),
    Stage.ARCHIVED: frozenset({Stage.CANDIDATE}),
}

NEEDS_EVIDENCE = frozenset({Stage.PRODUCTION})


def check_transition(current: Stage, target: Stage) -> None:
    """Raise a ConflictError unless ``current → target`` is allowed."""
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "nothing"
        raise ConflictError(
            f"a model in stage {current.value} cannot move to {target.value}",
            fix=f"from {current.value} go to {allowed}",
        )
