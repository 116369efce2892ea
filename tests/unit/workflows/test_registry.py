"""Model registry: registration needs a spec, stages follow the state machine, production needs evidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from truthline.domain.errors import ConflictError, UserInputError
from truthline.domain.ids import Kind, new_id
from truthline.domain.stages import TRANSITIONS, Stage, check_transition
from truthline.store import models as model_rows
from truthline.store.refs import HEAD, get_ref
from truthline.store.schema import model_versions
from truthline.workflows.registry import promote, register_model, show_model
from truthline.workflows.workspace import Workspace

SPEC = {"input_size": [64, 64], "mode": "letterbox", "color": "rgb", "scale": 1 / 255}


def test_state_machine_table() -> None:
    check_transition(Stage.NONE, Stage.CANDIDATE)
    with pytest.raises(ConflictError, match="cannot move"):
        check_transition(Stage.NONE, Stage.PRODUCTION)
    assert all(s not in TRANSITIONS[s] for s in Stage)  # no self-loops


def _register(ws: Workspace, tmp_path: Path, name: str = "det") -> str:
    f = tmp_path / f"{name}.onnx"
    f.write_bytes(b"not really onnx " + name.encode())
    return register_model(ws, name=name, fmt="onnx", preprocess=SPEC, file=f)


def _pass(ws: Workspace, model_id: str) -> str:
    """Record a passing evaluation of the model on the newest dataset version."""
    with ws.transaction() as conn:
        dsv = get_ref(conn, HEAD)
        eid = new_id(Kind.EVALUATION)
        model_rows.insert_evaluation(
            conn,
            {
                "id": eid,
                "model_version_id": model_id,
                "dataset_version_id": dsv,
                "split": "test",
                "policy": {},
                "metrics": {},
                "verdict": "pass",
                "report_blob": None,
                "actor": "ci",
            },
        )
    return eid


def test_promotion_needs_evidence_or_a_logged_override(ws: Workspace, tmp_path: Path) -> None:
    ws.set_taxonomy(["dent"])
    with pytest.raises(UserInputError, match="preprocessing spec"):
        register_model(ws, name="x", fmt="onnx", preprocess={}, file=None)
    a = _register(ws, tmp_path, "det")
    assert show_model(ws, a)["stage"] == "none"
    promote(ws, a, "candidate")
    with pytest.raises(ConflictError, match="no passing readiness evaluation"):
        promote(ws, a, "production")
    with pytest.raises(UserInputError, match="--reason"):
        promote(ws, a, "production", force=True)
    forced = promote(ws, a, "production", force=True, reason="hotfix for line 3")
    assert forced["evidence"] is None
    history = show_model(ws, a)["history"]
    assert history[-1]["detail"]["forced"] is True and history[-1]["detail"]["reason"] == "hotfix for line 3"
    # a second version of the same model, with evidence, replaces it in production
    b = _register(ws, tmp_path, "det2")
    with ws.transaction() as conn:
        conn.execute(model_versions.update().where(model_versions.c.id == b).values(name="det"))
    promote(ws, b, "candidate")
    ws.add_image_bytes([("a.png", _png(), {})])
    ws.commit("for eval")
    eid = _pass(ws, b)
    result = promote(ws, b, "production")
    assert result["evidence"] == eid and result["archived"] == [a]
    assert show_model(ws, a)["stage"] == "archived" and show_model(ws, b)["stage"] == "production"
    node = ws.lineage(b)
    assert node["down"]["evaluations"] == [{"id": eid, "verdict": "pass"}]


def _png() -> bytes:
    import cv2
    import numpy as np

    return cv2.imencode(".png", np.zeros((4, 4, 3), np.uint8))[1].tobytes()
