"""SARIF: valid against the 2.1.0 schema, one rule per finding rule, GitHub's limits respected."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import jsonschema
import pytest

from appscan.model import Evidence, ScanResult
from appscan.report.sarif import MAX_LOCATIONS, MAX_RESULTS_PER_RULE, level, to_sarif
from appscan.rules.catalog import Ruleset
from tests.conftest import REPO_ROOT, require
from tests.report.conftest import hostile, make_finding

SCHEMA = (REPO_ROOT / ".." / "shared" / "schemas" / "sarif-schema-2.1.0.json").resolve()


def validate(log: dict[str, Any]) -> None:
    require(SCHEMA.is_file(), f"{SCHEMA} not present (a user's clone has no ../shared)")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(log, schema, cls=jsonschema.Draft7Validator)


def test_level_mapping() -> None:
    assert [level(s) for s in ("high", "medium", "low", "info")] == ["error", "warning", "note", "note"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sample_log_is_valid_and_complete(sdks_result: ScanResult, ruleset: Ruleset, lang: str) -> None:
    log = to_sarif(hostile(sdks_result), lang, ruleset)
    validate(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    findings = hostile(sdks_result).findings
    assert [r["id"] for r in rules] == sorted({f.rule for f in findings})
    assert len(run["results"]) == len(findings)
    assert {r["partialFingerprints"]["appscanFindingId/v1"] for r in run["results"]} == {f.id for f in findings}
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    pi = next(r for r in rules if r["id"] == "PI-001")
    assert "C191-2.1" in pi["properties"]["tags"] and "privacy" in pi["properties"]["tags"]
    assert pi["help"]["text"] and float(pi["properties"]["security-severity"]) > 0
    located = [loc for r in run["results"] for loc in r["locations"] if "logicalLocations" in loc]
    assert any(loc["logicalLocations"][0]["kind"] == "function" for loc in located)
    # What GitHub code scanning needs to place an alert: a non-empty artifact URI and region.startLine everywhere;
    # code evidence points at the class's smali file, as apktool/baksmali lay it out.
    for loc in (loc for r in run["results"] for loc in r["locations"]):
        physical = loc["physicalLocation"]
        assert physical["artifactLocation"]["uri"] and physical["region"]["startLine"] >= 1
    for loc in located:
        name = loc["logicalLocations"][0]["fullyQualifiedName"]
        uri = loc["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.startswith("smali/") and uri.endswith(".smali") and loc["physicalLocation"]["artifactLocation"][
            "uriBaseId"] in run["originalUriBaseIds"]
        assert name.startswith(uri[len("smali/"):-len(".smali")].replace("/", "."))
    # Rule descriptions name no single finding's subject: no template placeholders left.
    for rule in rules:
        for text in (rule["shortDescription"]["text"], rule["help"]["markdown"].split("\n")[0]):
            assert "{" not in text and "}" not in text, rule["id"]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert any("classes9.dex" in n["message"]["text"] for n in notes)


def test_caps_results_per_rule_and_locations_per_result(sdks_result: ScanResult) -> None:
    many = tuple(make_finding(f"f{i:05d}") for i in range(MAX_RESULTS_PER_RULE + 5))
    spread = make_finding("wide", evidence=tuple(Evidence("call", "Lx;->y()V", f"Lcom/a/C{i};->m()V")
                                                 for i in range(MAX_LOCATIONS + 7)))
    log = to_sarif(dataclasses.replace(sdks_result, findings=(*many, spread)), "en", None)
    validate(log)
    results = log["runs"][0]["results"]
    assert len(results) == MAX_RESULTS_PER_RULE
    assert all(len(r["locations"]) <= MAX_LOCATIONS for r in results)
    one = to_sarif(dataclasses.replace(sdks_result, findings=(spread,)), "en", None)["runs"][0]["results"][0]
    assert len(one["locations"]) == MAX_LOCATIONS


def test_clean_sample_has_no_results(clean_result: ScanResult) -> None:
    log = to_sarif(clean_result, "zh", None)
    validate(log)
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []
    assert log["runs"][0]["properties"]["verdict"] == {"level": "pass", "label": "通过", "rule": "nothing-above-low",
                                                       "findings": []}
