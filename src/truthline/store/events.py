"""The append-only event log: every creation and state change, with actor and time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from truthline.store.schema import events


def now() -> datetime:
    return datetime.now(UTC)


def log_event(conn: Connection, actor: str, entity_id: str, action: str, **detail: Any) -> None:
    conn.execute(insert(events).values(at=now(), actor=actor, entity_id=entity_id, action=action, detail=detail))


def events_for(conn: Connection, entity_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(select(events).where(events.c.entity_id == entity_id).order_by(events.c.seq))
    return [
        {"seq": r.seq, "at": r.at.isoformat(), "actor": r.actor, "action": r.action, "detail": r.detail} for r in rows
    ]
