"""The model registry: register model versions with their preprocessing spec, and move them through stages.

Promotion to production needs evidence: a passing readiness evaluation of that model version. Without one,
only an explicit override (``force`` with a reason) promotes, and the override is written to the event log.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from truthline.domain.errors import ConflictError, NotFoundError, UserInputError
from truthline.domain.ids import Kind, expect_kind, new_id
from truthline.domain.stages import NEEDS_EVIDENCE, Stage, check_transition
from truthline.store import models as model_rows
from truthline.store.events import events_for, log_event
from truthline.store.images import ensure_blobs
from truthline.workflows.taxonomy import load as load_taxonomy

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from truthline.workflows.workspace import Workspace


def register_model(
    ws: Workspace,
    *,
    name: str,
    fmt: str,
    preprocess: Mapping[str, Any],
    taxonomy_id: str | None = None,
    file: Path | None = None,
    config: Mapping[str, Any] | None = None,
    training_run_id: str | None = None,
    conn: Connection | None = None,
) -> str:
    """Store a model version: its bytes as a blob (when it has a file), format, adapter config and spec."""
    if not preprocess:
        raise UserInputError("a model needs a preprocessing spec", fix="pass --preprocess SPEC.yaml")
    if file is not None and not file.is_file():
        raise UserInputError(f"model file not found: {file}", fix="pass the path of the exported model")
    blob = None
    if file is not None:
        blob, size = ws.blobs.put_file(file)  # the blob lands before the row that names it
    mid = new_id(Kind.MODEL_VERSION)

    def write(c: Connection) -> None:
        tax_id, _, _ = load_taxonomy(c, taxonomy_id)
        if blob is not None:
            ensure_blobs(c, [(blob, size, "application/octet-stream")])
        model_rows.insert_model(
            c,
            {
                "id": mid,
                "name": name,
                "blob_sha": blob,
                "format": fmt,
                "config": dict(config or {}),
                "preprocess": dict(preprocess),
                "taxonomy_id": tax_id,
                "training_run_id": training_run_id,
                "stage": Stage.NONE.value,
                "actor": ws.actor,
            },
        )
        log_event(c, ws.actor, mid, "model.registered", name=name, format=fmt, run=training_run_id, blob=blob)

    if conn is not None:
        write(conn)
    else:
        with ws.transaction() as c:
            write(c)
    return mid


def register_source(
    ws: Workspace,
    source: str,
    *,
    fmt: str | None = None,
    preprocess: Path | None = None,
    layout: str | None = None,
    taxonomy: str | None = None,
    name: str | None = None,
) -> str:
    """Register a model file or a built-in detector (``opencv:hog-people``) with its resolved config."""
    from truthline.models import PreprocessSpec, resolve_config

    spec = None
    if preprocess is not None:
        if not preprocess.is_file():
            raise UserInputError(f"preprocessing spec not found: {preprocess}", fix="pass --preprocess SPEC.yaml")
        spec = PreprocessSpec.from_yaml(preprocess.read_text(), where=str(preprocess))
    builtin = source.startswith("opencv:")
    path = None if builtin else Path(source)
    if path is not None and not path.is_file():
        raise UserInputError(
            f"model file not found: {source}", fix="pass a model file or a name like opencv:hog-people"
        )
    with ws.read() as conn:
        tax_id, tax, _ = load_taxonomy(conn, taxonomy) if not builtin else (None, None, None)
    names = [c.name for c in tax.classes if not c.extra.get("image_level")] if tax is not None else None
    config = resolve_config(
        fmt or ("opencv" if builtin else None), source if builtin else str(path), spec, layout=layout, class_names=names
    )
    if builtin and taxonomy is None:
        from truthline.domain.taxonomy import Taxonomy
        from truthline.workflows.taxonomy import set_taxonomy

        current = _current_or_none(ws)
        tax_id = current or set_taxonomy(ws, Taxonomy.of(config.class_names), f"classes of {source}")
    return register_model(
        ws,
        name=name or (source if builtin else Path(source).stem),
        fmt=config.format,
        preprocess=config.preprocess.model_dump(mode="json"),
        taxonomy_id=tax_id,
        file=path,
        config=config.model_dump(mode="json"),
    )


def _current_or_none(ws: Workspace) -> str | None:
    from truthline.store import refs

    with ws.read() as conn:
        return refs.get_ref(conn, refs.TAXONOMY)


def model_row(conn: Connection, model_id: str) -> Any:
    expect_kind(model_id, Kind.MODEL_VERSION)
    row = model_rows.get_model(conn, model_id)
    if row is None:
        raise NotFoundError(f"no model version {model_id}", fix="see `truthline model list`")
    return row


def model_info(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "stage": row.stage,
        "format": row.format,
        "config": row.config,
        "preprocess": row.preprocess,
        "taxonomy": row.taxonomy_id,
        "training_run": row.training_run_id,
        "blob": row.blob_sha,
        "created_at": row.created_at.isoformat(),
    }


def list_models(ws: Workspace) -> list[dict[str, Any]]:
    with ws.read() as conn:
        return [model_info(r) for r in model_rows.list_models(conn)]


def show_model(ws: Workspace, model_id: str) -> dict[str, Any]:
    with ws.read() as conn:
        row = model_row(conn, model_id)
        evals = [
            {"id": e.id, "dataset_version": e.dataset_version_id, "split": e.split, "verdict": e.verdict}
            for e in model_rows.evaluations_of(conn, model_id)
        ]
        history = [e for e in events_for(conn, model_id) if e["action"].startswith("model.")]
    return {**model_info(row), "evaluations": evals, "history": history}


def promote(
    ws: Workspace,
    model_id: str,
    to: str,
    *,
    force: bool = False,
    reason: str | None = None,
    evaluation: str | None = None,
) -> dict[str, Any]:
    """Move a model version to stage ``to``; production needs a passing evaluation or ``force`` with a reason."""
    try:
        target = Stage(to)
    except ValueError:
        raise UserInputError(f"unknown stage {to!r}", fix=f"use one of {', '.join(s.value for s in Stage)}") from None
    if force and not (reason and reason.strip()):
        raise UserInputError("--force needs --reason TEXT", fix="say why the evidence is waived; it is logged")
    with ws.transaction() as conn:
        row = model_row(conn, model_id)
        current = Stage(row.stage)
        check_transition(current, target)
        evidence = None
        if target in NEEDS_EVIDENCE:
            evidence = _evidence(conn, model_id, evaluation)
            if evidence is None and not force:
                raise ConflictError(
                    f"{model_id} has no passing readiness evaluation, so it cannot go to {target.value}",
                    fix="run `truthline ready` on it, or pass --force --reason TEXT (recorded in the event log)",
                )
        archived = []
        if target is Stage.PRODUCTION:
            for other in model_rows.models_in_stage(conn, row.name, Stage.PRODUCTION.value):
                model_rows.set_stage(conn, other, Stage.ARCHIVED.value)
                log_event(conn, ws.actor, other, "model.stage", frm="production", to="archived", replaced_by=model_id)
                archived.append(other)
        model_rows.set_stage(conn, model_id, target.value)
        log_event(
            conn,
            ws.actor,
            model_id,
            "model.stage",
            frm=current.value,
            to=target.value,
            evidence=evidence,
            forced=bool(force and evidence is None),
            reason=reason,
        )
    return {"id": model_id, "from": current.value, "to": target.value, "evidence": evidence, "archived": archived}


def _evidence(conn: Connection, model_id: str, evaluation: str | None) -> str | None:
    """The id of a passing evaluation of this model (the named one, else the newest)."""
    passing = [e for e in model_rows.evaluations_of(conn, model_id) if e.verdict == "pass"]
    if evaluation is not None:
        return evaluation if any(e.id == evaluation for e in passing) else None
    return passing[-1].id if passing else None
