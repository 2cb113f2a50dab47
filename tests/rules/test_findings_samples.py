"""Every finding rule fires on the sample built for it and stays silent where the sample says it must.

Each samples/expected/NAME.json lists, by hand, `expected_findings` (rule ids that must fire) and
`absent_findings` (rule ids that must not). Together the samples cover every rule of rulesets/rules.yaml.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from appscan.rules.loader import load_rulesets
from appscan.scan import scan_file

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = sorted((ROOT / "samples" / "expected").glob("*.json"))


def _input(expected_file: Path, data: dict) -> Path:
    return ROOT / "samples" / data.get("input", f"{expected_file.stem}.apk")


@pytest.mark.parametrize("expected_file", EXPECTED, ids=lambda p: p.stem)
def test_expected_rules_fire_and_absent_rules_stay_silent(expected_file: Path) -> None:
    data = json.loads(expected_file.read_text(encoding="utf-8"))
    if "expected_findings" not in data:
        pytest.fail(f"{expected_file.name} lists no expected findings")
    fired = {f.rule for f in scan_file(_input(expected_file, data)).findings}
    missing = set(data["expected_findings"]) - fired
    unwanted = set(data.get("absent_findings", ())) & fired
    assert not missing and not unwanted, f"missing {sorted(missing)}, should not fire {sorted(unwanted)}"


def test_samples_cover_every_rule() -> None:
    covered: set[str] = set()
    for path in EXPECTED:
        covered.update(json.loads(path.read_text(encoding="utf-8")).get("expected_findings", ()))
    all_rules = {r.id for r in load_rulesets().rules}
    app_type_rules = {"PERM-003", "PERM-004"}  # need --app-type: covered by test_app_type_rules
    janus = {"SEC-008"}  # needs a dex in front of the zip: tests/rules/test_verdict.py builds one from clean.apk
    tricks = {"SEC-009", "SEC-010"}  # hostile containers: tests/test_hostile_inputs.py builds them from clean.apk
    network = {"SEC-011", "NET-003"}  # tests/rules/test_secrets_endpoints.py (built facts and corpus apps)
    policy = {f"POL-0{n}" for n in range(10, 18)}  # need a policy: tests/rules/test_policy_gap.py writes one
    assert all_rules - app_type_rules - janus - tricks - network - policy <= covered, \
        f"rules no sample fires: {sorted(all_rules - covered)}"


def test_clean_sample_has_no_finding_above_info() -> None:
    findings = scan_file(ROOT / "samples" / "clean.apk").findings
    assert [f.rule for f in findings if f.severity != "info"] == []


def test_app_type_rules() -> None:
    """A map app may collect location; the same app typed as a calculator-like tool may not."""
    sdks = ROOT / "samples" / "sdks.apk"
    ruleset = load_rulesets()
    strict = next(t for t in ruleset.app_types if not t.necessary_data)
    result = scan_file(sdks, app_type=strict.id)
    beyond = [f for f in result.findings if f.rule in ("PERM-003", "PERM-004")]
    assert {f.rule for f in beyond} == {"PERM-003", "PERM-004"}
    assert all(strict.id in f.clauses for f in beyond)
    assert not [f for f in scan_file(sdks).findings if f.rule in ("PERM-003", "PERM-004")]


def test_finding_ids_are_stable_across_runs() -> None:
    sdks = ROOT / "samples" / "sdks.apk"
    first = [f.id for f in scan_file(sdks).findings]
    second = [f.id for f in scan_file(sdks).findings]
    assert first == second and len(set(first)) == len(first)
