"""Bulk row writes: PostgreSQL's COPY, and on SQLite one driver-level executemany of pre-bound tuples."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import JSON, Connection, Table, insert

BATCH = 5000


def bulk_insert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows inside the caller's transaction; every row has the same keys."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _copy(conn, table, rows)
    elif conn.dialect.name == "sqlite":
        _executemany(conn, table, rows)
    else:  # any other backend SQLAlchemy speaks
        for i in range(0, len(rows), BATCH):
            conn.execute(insert(table), list(rows[i : i + BATCH]))


def _executemany(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Bind each value with its column type's own processor once, then hand sqlite3 all tuples at once."""
    cols = list(rows[0])
    procs = [_json_text if isinstance(table.c[c].type, JSON) else _processor(conn, table, c) for c in cols]
    sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"
    conn.exec_driver_sql(sql, [tuple(p(r[c]) if p else r[c] for c, p in zip(cols, procs, strict=True)) for r in rows])


def _json_text(value: Any) -> str:
    """A JSON column's value as SQLAlchemy's JSON type writes it (None as JSON null), through orjson."""
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY).decode()


def _processor(conn: Connection, table: Table, column: str) -> Any:
    return table.c[column].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)


def _copy(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    from psycopg.types.json import Jsonb

    cols = list(rows[0])
    json_cols = {c for c in cols if isinstance(table.c[c].type, JSON)}
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row([Jsonb(r[c]) if c in json_cols else r[c] for c in cols])
