"""Model version, training run and evaluation rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from truthline.store.events import now
from truthline.store.schema import evaluations, model_versions, training_runs


def insert_model(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(model_versions).values(**row, created_at=now()))


def get_model(conn: Connection, model_id: str) -> Any:
    return conn.execute(select(model_versions).where(model_versions.c.id == model_id)).first()


def list_models(conn: Connection) -> list[Any]:
    return list(conn.execute(select(model_versions).order_by(model_versions.c.id.desc())))


def set_stage(conn: Connection, model_id: str, stage: str) -> None:
    conn.execute(update(model_versions).where(model_versions.c.id == model_id).values(stage=stage))


def models_in_stage(conn: Connection, name: str, stage: str) -> list[str]:
    q = select(model_versions.c.id).where(model_versions.c.name == name, model_versions.c.stage == stage)
    return list(conn.execute(q).scalars())


def insert_run(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(training_runs).values(**row, started_at=now()))


def update_run(conn: Connection, run_id: str, **values: Any) -> None:
    conn.execute(update(training_runs).where(training_runs.c.id == run_id).values(**values))


def get_run(conn: Connection, run_id: str) -> Any:
    return conn.execute(select(training_runs).where(training_runs.c.id == run_id)).first()


def insert_evaluation(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(evaluations).values(**row, created_at=now()))


def evaluations_of(conn: Connection, model_id: str) -> list[Any]:
    q = select(evaluations).where(evaluations.c.model_version_id == model_id).order_by(evaluations.c.id)
    return list(conn.execute(q))
