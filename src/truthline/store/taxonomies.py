"""Taxonomy version rows: immutable, each pointing at its parent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select

from truthline.domain.taxonomy import Taxonomy, TaxonomyClass
from truthline.store.events import now
from truthline.store.schema import taxonomy_versions


def insert_taxonomy(
    conn: Connection, tax_id: str, taxonomy: Taxonomy, parent_id: str | None, message: str, actor: str
) -> None:
    conn.execute(
        insert(taxonomy_versions).values(
            id=tax_id,
            parent_id=parent_id,
            content_hash=taxonomy.content_hash,
            classes=taxonomy.to_list(),
            message=message,
            actor=actor,
            created_at=now(),
        )
    )


def get_taxonomy_row(conn: Connection, tax_id: str) -> Any:
    return conn.execute(select(taxonomy_versions).where(taxonomy_versions.c.id == tax_id)).first()


def row_taxonomy(row: Any) -> Taxonomy:
    return Taxonomy(tuple(TaxonomyClass.from_dict(c) for c in row.classes))


def list_taxonomies(conn: Connection) -> list[Any]:
    return list(conn.execute(select(taxonomy_versions).order_by(taxonomy_versions.c.id)))
