"""The readiness policy file: validation, error locations, shorthand, schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from truthline.domain.errors import FormatError, UserInputError
from truthline.readiness import ReadinessPolicy, parse_policy
from truthline.readiness.policy import MaxSliceGap, ProbeSpec


def _write(tmp_path: Path, data: Any) -> Path:
    p = tmp_path / "policy.yaml"
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    return p


def test_the_test_policy_parses_with_defaults(policy_data: dict[str, Any], tmp_path: Path) -> None:
    pol = ReadinessPolicy.from_yaml(_write(tmp_path, policy_data))
    assert pol.threshold == 0.5
    assert pol.split == "test"
    assert isinstance(pol.gates[2], MaxSliceGap)
    assert pol.probes[0].severities == [0.3, 0.6, 0.9]
    assert pol.report.examples == 8


def test_probe_shorthand_and_slice_keys_from_gates(policy_data: dict[str, Any]) -> None:
    policy_data["probes"] = ["fog", "lighting=night"]
    policy_data["slices"] = []
    pol = parse_policy(policy_data)
    assert pol.probes == [ProbeSpec(condition="fog"), ProbeSpec(condition="lighting=night")]
    assert pol.slice_keys() == ["lighting"]


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda d: d["gates"][1].update(max=2.0), "policy.yaml:gates[1].max"),
        (lambda d: d["gates"][2].pop("points"), "policy.yaml:gates[2].points"),
        (lambda d: d["gates"][0].update(bogus=1), "policy.yaml:gates[0].bogus"),
        (lambda d: d["production"].update(prevalence=0), "policy.yaml:production.prevalence"),
        (lambda d: d.update(probes=["Fog!"]), "policy.yaml:probes[0].condition"),
        (lambda d: d.update(threshold="high"), "policy.yaml:threshold"),
        (lambda d: d.update(target={}), "policy.yaml:target"),
    ],
)
def test_a_bad_field_is_named_with_its_yaml_path(
    policy_data: dict[str, Any], tmp_path: Path, edit: Any, where: str
) -> None:
    edit(policy_data)
    with pytest.raises(FormatError) as e:
        ReadinessPolicy.from_yaml(_write(tmp_path, policy_data))
    assert e.value.where is not None
    assert e.value.where.endswith(where)


def test_an_unknown_gate_kind_is_refused(policy_data: dict[str, Any]) -> None:
    policy_data["gates"].append({"kind": "max_vibes", "max": 1})
    with pytest.raises(FormatError, match="max_vibes") as e:
        parse_policy(policy_data, "p.yaml")
    assert e.value.where == "p.yaml:gates[11]"


def test_unreadable_and_missing_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(FormatError, match="not valid YAML"):
        ReadinessPolicy.from_yaml(bad)
    with pytest.raises(UserInputError, match="not found"):
        ReadinessPolicy.from_yaml(tmp_path / "missing.yaml")
    with pytest.raises(FormatError, match="mapping"):
        parse_policy(["a list"])


def test_json_schema_lists_every_gate_kind() -> None:
    schema = ReadinessPolicy.model_json_schema()
    text = str(schema)
    for kind in ("min_recall", "max_slice_gap", "min_probe_confidence_auroc", "max_near_duplicates"):
        assert kind in text
    assert schema["additionalProperties"] is False


def test_the_documented_demo_policy_is_valid() -> None:
    doc = (Path(__file__).parents[3] / "docs" / "readiness.md").read_text(encoding="utf-8")
    block = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    pol = parse_policy(yaml.safe_load(block), "docs/readiness.md")
    assert pol.threshold == "auto"
    assert [p.condition for p in pol.probes][:2] == ["lighting=night", "defocus"]
    assert {g.kind for g in pol.gates} >= {"max_slice_gap", "max_probe_drop", "min_probe_confidence_auroc"}
