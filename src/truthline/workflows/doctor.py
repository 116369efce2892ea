"""Health check: versions, database reachability and schema, and blob-store integrity."""

from __future__ import annotations

import platform
import sys
from importlib import metadata
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text

from truthline.store.database import _redact, current_revision
from truthline.store.schema import SCHEMA_REVISION, blobs, images

if TYPE_CHECKING:
    from truthline.workflows.workspace import Workspace

PACKAGES = ("truthline", "sqlalchemy", "alembic", "numpy", "opencv-python-headless", "hotcoco", "pydantic", "typer")


def _version(pkg: str) -> str:
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return "not installed"


def doctor(ws: Workspace, *, verify_hashes: bool = False) -> dict[str, Any]:
    """A report with ``ok`` false when the database or the blob store is unhealthy."""
    problems: list[str] = []
    report: dict[str, Any] = {
        "workspace": str(ws.root),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": {p: _version(p) for p in PACKAGES},
        "database": {"url": _redact(ws.database_url), "dialect": ws.engine.dialect.name},
    }
    rev = current_revision(ws.engine)
    report["database"]["schema_revision"] = rev
    if rev != SCHEMA_REVISION:
        problems.append(f"schema revision {rev} is not {SCHEMA_REVISION}")
    with ws.read() as conn:
        if ws.engine.dialect.name == "sqlite":
            check = conn.execute(text("PRAGMA quick_check")).scalar()
            report["database"]["quick_check"] = check
            if check != "ok":
                problems.append(f"sqlite quick_check: {check}")
        report["database"]["images"] = conn.execute(select(func.count()).select_from(images)).scalar()
        shas = list(conn.execute(select(blobs.c.sha256)).scalars())
    missing = [s for s in shas if not (ws.blobs.verify(s) if verify_hashes else ws.blobs.exists(s))]
    if missing:
        problems.append(f"{len(missing)} blob(s) recorded but missing or corrupt, e.g. {missing[0]}")
    report["blobs"] = {"root": str(ws.blobs.root), "recorded": len(shas), "missing_or_corrupt": len(missing)}
    report["problems"] = problems
    report["ok"] = not problems
    return report
