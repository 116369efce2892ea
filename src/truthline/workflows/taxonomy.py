"""Taxonomy versions: set a new one (parent = the current one), show and diff them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from truthline.domain.errors import NotFoundError
from truthline.domain.ids import Kind, expect_kind, new_id
from truthline.domain.taxonomy import Taxonomy, diff_taxonomies
from truthline.store import refs
from truthline.store.events import log_event
from truthline.store.taxonomies import get_taxonomy_row, insert_taxonomy, row_taxonomy

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from truthline.workflows.workspace import Workspace


def set_taxonomy(ws: Workspace, taxonomy: Taxonomy | Sequence[str], message: str = "") -> str:
    """Make ``taxonomy`` the current one; returns its id (the current id if nothing changed)."""
    tax = taxonomy if isinstance(taxonomy, Taxonomy) else Taxonomy.of(taxonomy)
    with ws.transaction() as conn:
        return set_current(conn, ws.actor, tax, message)


def set_current(conn: Connection, actor: str, tax: Taxonomy, message: str) -> str:
    """Inside a transaction: write ``tax`` as a new version (unless it equals the current one) and point at it."""
    current = refs.get_ref(conn, refs.TAXONOMY)
    if current is not None and get_taxonomy_row(conn, current).content_hash == tax.content_hash:
        return current
    tax_id = new_id(Kind.TAXONOMY)
    insert_taxonomy(conn, tax_id, tax, current, message, actor)
    refs.set_ref(conn, refs.TAXONOMY, tax_id)
    log_event(conn, actor, tax_id, "taxonomy.created", parent=current, classes=tax.names)
    return tax_id


def current_taxonomy(conn: Connection) -> Taxonomy | None:
    tax_id = refs.get_ref(conn, refs.TAXONOMY)
    return row_taxonomy(get_taxonomy_row(conn, tax_id)) if tax_id else None


def load(conn: Connection, tax_id: str | None) -> tuple[str, Taxonomy, Any]:
    """(id, taxonomy, row) for an id, or for the current taxonomy when ``tax_id`` is None."""
    if tax_id is None:
        tax_id = refs.get_ref(conn, refs.TAXONOMY)
        if tax_id is None:
            raise NotFoundError("the workspace has no taxonomy yet", fix="run `truthline taxonomy set FILE.yaml`")
    expect_kind(tax_id, Kind.TAXONOMY)
    row = get_taxonomy_row(conn, tax_id)
    if row is None:
        raise NotFoundError(f"no taxonomy version {tax_id}", fix="see `truthline taxonomy show`")
    return tax_id, row_taxonomy(row), row


def show_taxonomy(ws: Workspace, tax_id: str | None = None) -> dict[str, Any]:
    with ws.read() as conn:
        tid, tax, row = load(conn, tax_id)
    return {
        "id": tid,
        "parent": row.parent_id,
        "content_hash": row.content_hash,
        "message": row.message,
        "created_at": row.created_at.isoformat(),
        "classes": tax.to_list(),
    }


def diff(ws: Workspace, a: str, b: str) -> dict[str, Any]:
    with ws.read() as conn:
        _, ta, _ = load(conn, a)
        _, tb, _ = load(conn, b)
    return {"from": a, "to": b, **diff_taxonomies(ta, tb).to_dict()}
