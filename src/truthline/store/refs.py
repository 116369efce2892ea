"""Named pointers, like git refs: the current taxonomy version and the newest dataset version."""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from truthline.store.schema import refs

TAXONOMY = "taxonomy"
HEAD = "head"


def get_ref(conn: Connection, name: str) -> str | None:
    return conn.execute(select(refs.c.target).where(refs.c.name == name)).scalar()


def set_ref(conn: Connection, name: str, target: str) -> None:
    if conn.execute(update(refs).where(refs.c.name == name).values(target=target)).rowcount == 0:
        conn.execute(refs.insert().values(name=name, target=target))
