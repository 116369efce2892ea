"""Shared fixtures: every store test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_ENV = "TRUTHLINE_TEST_POSTGRES_URL"


def _pg_admin_url() -> str | None:
    return os.environ.get(PG_ENV)


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[str]:
    """URL of a PostgreSQL server where tests may create databases; a failure under CI=true."""
    url = _pg_admin_url()
    reason = f"{PG_ENV} is not set (scripts/test.sh starts PostgreSQL and sets it)"
    if url:
        import psycopg

        try:
            psycopg.connect(url, connect_timeout=5).close()
        except psycopg.OperationalError as exc:
            reason = f"PostgreSQL at {url} is unreachable: {exc}"
            url = None
    if url is None:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    yield url


def _fresh_pg_database(admin_url: str) -> tuple[str, str]:
    import psycopg

    name = f"tl_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]
    return name, f"{base}/{name}"


def _drop_pg_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | None]:
    """None for the embedded SQLite default, else a fresh PostgreSQL database for this test."""
    if request.param == "sqlite":
        yield None
        return
    admin = request.getfixturevalue("pg_admin")
    name, url = _fresh_pg_database(admin)
    try:
        yield url
    finally:
        _drop_pg_database(admin, name)


@pytest.fixture
def ws(tmp_path: Path, database_url: str | None):  # type: ignore[no-untyped-def]
    import truthline

    workspace = truthline.init_workspace(tmp_path / "project", database_url=database_url)
    yield workspace
    workspace.close()
