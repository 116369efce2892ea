"""Bulk row writes: PostgreSQL's COPY where available, batched executemany elsewhere (SQLite)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Connection, Table, insert

BATCH = 5000


def bulk_insert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows inside the caller's transaction; every row has the same keys."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _copy(conn, table, rows)
        return
    for i in range(0, len(rows), BATCH):
        conn.execute(insert(table), list(rows[i : i + BATCH]))


def _copy(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    from psycopg.types.json import Jsonb

    cols = list(rows[0])
    json_cols = {c for c in cols if isinstance(table.c[c].type, JSON)}
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row([Jsonb(r[c]) if c in json_cols else r[c] for c in cols])
