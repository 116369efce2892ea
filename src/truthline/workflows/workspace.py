"""The workspace: a project folder's `.truthline/` (database and blobs), and the Python API over it."""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from truthline.domain.errors import WorkspaceError
from truthline.domain.labels import Label
from truthline.domain.taxonomy import Taxonomy
from truthline.store.blobs import BlobStore
from truthline.store.database import connect, sqlite_url

DIRNAME = ".truthline"
ENV_DATABASE_URL = "TRUTHLINE_DATABASE_URL"

#: A progress callback: (stage description, done, total).
OnProgress = Callable[[str, int, int], None]


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` that holds a ``.truthline`` workspace."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / DIRNAME / "config.json").is_file():
            return folder
    return None


def default_actor() -> str:
    try:
        return os.environ.get("TRUTHLINE_ACTOR") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass
class Workspace:
    """An open workspace. Methods are the Python API; each runs one workflow in its own transaction."""

    root: Path
    engine: Engine
    blobs: BlobStore
    database_url: str
    actor: str = field(default_factory=default_actor)

    # -- opening -------------------------------------------------------------------------------
    @property
    def dir(self) -> Path:
        return self.root / DIRNAME

    @classmethod
    def init(cls, path: Any = ".", *, database_url: str | None = None) -> Workspace:
        root = Path(path).resolve()
        ws_dir = root / DIRNAME
        config = ws_dir / "config.json"
        if not config.exists():
            ws_dir.mkdir(parents=True, exist_ok=True)
            (ws_dir / "blobs").mkdir(exist_ok=True)
            url = database_url or os.environ.get(ENV_DATABASE_URL)
            tmp = config.with_suffix(".tmp")
            tmp.write_text(json.dumps({"format": 1, "database_url": url}, indent=2))
            os.replace(tmp, config)
        return cls.open(root, database_url=database_url)

    @classmethod
    def open(cls, path: Any = ".", *, database_url: str | None = None) -> Workspace:
        root = find_root(Path(path))
        if root is None:
            raise WorkspaceError(
                f"no truthline workspace at or above {Path(path).resolve()}",
                fix="run `truthline init` there, or pass --workspace DIR",
            )
        config = json.loads((root / DIRNAME / "config.json").read_text())
        url = (
            database_url
            or os.environ.get(ENV_DATABASE_URL)
            or config.get("database_url")
            or sqlite_url(root / DIRNAME / "truthline.db")
        )
        return cls(root=root, engine=connect(url), blobs=BlobStore(root / DIRNAME / "blobs"), database_url=url)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def transaction(self, *, snapshot: bool = False) -> AbstractContextManager[Connection]:
        """One database transaction: everything in it lands together or not at all.

        ``snapshot`` makes every statement see the same state (REPEATABLE READ on PostgreSQL; SQLite's
        write transactions already are, as they take the write lock at BEGIN).
        """
        if snapshot and self.engine.dialect.name != "sqlite":
            return self.engine.execution_options(isolation_level="REPEATABLE READ").begin()
        return self.engine.begin()

    def read(self) -> AbstractContextManager[Connection]:
        return self.engine.connect()

    # -- datasets ----------------------------------------------------------------------------
    def add_images(self, directory: Any, *, meta: Any = None, on_progress: OnProgress | None = None) -> dict[str, Any]:
        from truthline.workflows import images

        return images.add_images(self, Path(directory), Path(meta) if meta else None, on_progress)

    def add_image_bytes(self, items: Sequence[tuple[str, bytes, Mapping[str, Any]]]) -> list[str]:
        from truthline.workflows import images

        return images.add_image_bytes(self, items)

    def remove_images(self, refs: Sequence[str]) -> int:
        from truthline.workflows import images

        return images.remove_images(self, refs)

    def set_taxonomy(self, taxonomy: Taxonomy | Sequence[str], message: str = "") -> str:
        from truthline.workflows import taxonomy as tx

        return tx.set_taxonomy(self, taxonomy, message)

    def taxonomy(self, tax_id: str | None = None) -> dict[str, Any]:
        from truthline.workflows import taxonomy as tx

        return tx.show_taxonomy(self, tax_id)

    def taxonomy_diff(self, a: str, b: str) -> dict[str, Any]:
        from truthline.workflows import taxonomy as tx

        return tx.diff(self, a, b)

    def add_labels(self, labels: Mapping[str, Sequence[Label]]) -> list[str]:
        from truthline.workflows import labels as lb

        return lb.add_labels(self, labels)

    def edit_label(self, ann_id: str, label: Label) -> str:
        from truthline.workflows import labels as lb

        return lb.supersede(self, ann_id, label)

    def delete_label(self, ann_id: str) -> str:
        from truthline.workflows import labels as lb

        return lb.supersede(self, ann_id, None)

    def commit(
        self,
        message: str,
        *,
        split: Mapping[str, float] | str | None = None,
        group_by: str | None = None,
        seed: int = 0,
        source_splits: bool = True,
        strict: bool = False,
        on_progress: OnProgress | None = None,
    ) -> dict[str, Any]:
        from truthline.workflows import versions

        return versions.commit(
            self,
            message,
            split=split,
            group_by=group_by,
            seed=seed,
            source_splits=source_splits,
            strict=strict,
            on_progress=on_progress,
        )

    def import_dataset(
        self, fmt: str, path: Any, *, images: Any = None, on_progress: OnProgress | None = None
    ) -> dict[str, Any]:
        from truthline.workflows.transfer import import_dataset

        return import_dataset(self, fmt, Path(path), Path(images) if images else None, on_progress)

    def export_dataset(self, version: str | None, fmt: str, out: Any, *, strict: bool = False) -> tuple[str, Any]:
        from truthline.workflows.transfer import export_dataset

        return export_dataset(self, version, fmt, Path(out), strict=strict)

    def log(self) -> list[dict[str, Any]]:
        from truthline.workflows import versions

        return versions.log(self)

    def show(self, version: str | None = None) -> dict[str, Any]:
        from truthline.workflows import versions

        return versions.show(self, version)

    def diff(self, a: str, b: str) -> dict[str, Any]:
        from truthline.workflows import versions

        return versions.diff(self, a, b)

    def lineage(self, entity_id: str) -> dict[str, Any]:
        from truthline.workflows.lineage import lineage as walk

        return walk(self, entity_id)

    def doctor(self) -> dict[str, Any]:
        from truthline.workflows.doctor import doctor as check

        return check(self)
