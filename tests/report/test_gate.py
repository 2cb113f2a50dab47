"""The release gate: thresholds, suppressions (with expiry), baselines, and the exit codes on the samples."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from appscan.errors import AppscanError
from appscan.model import ScanResult
from appscan.report.gate import gate
from appscan.report.suppress import (
    Suppression,
    SuppressionError,
    expired,
    load_suppressions,
)
from tests.report.conftest import SAMPLES, make_finding

TODAY = dt.date(2026, 6, 1)
FINDINGS = (make_finding("a", "high", rule="PI-003", clauses=("C191-3.1",), sdk="umeng-analytics"),
            make_finding("b", "medium", rule="SDK-001"), make_finding("c", "low", rule="PERM-001"))


def test_threshold() -> None:
    assert gate(FINDINGS, None)[0] == 0
    assert gate(FINDINGS, "high")[0] == 1
    assert gate(FINDINGS[1:], "high")[0] == 0
    assert gate(FINDINGS[1:], "medium")[0] == 1
    assert gate(FINDINGS[2:], "medium")[0] == 0
    assert gate(FINDINGS[2:], "low")[0] == 1
    with pytest.raises(AppscanError):
        gate(FINDINGS, "critical")


@pytest.mark.parametrize("entry", [Suppression("finding", "a", "accepted"), Suppression("rule", "PI-003", "r"),
                                   Suppression("sdk", "umeng-analytics", "r"), Suppression("clause", "C191-3.1", "r")])
def test_each_suppression_kind(entry: Suppression) -> None:
    code, kept, aside = gate(FINDINGS, "high", set(), [entry], TODAY)
    assert code == 0
    assert [s.finding.id for s in aside] == ["a"] and aside[0].by == entry
    assert [f.id for f in kept] == ["b", "c"]


def test_expired_suppression_no_longer_applies() -> None:
    entry = Suppression("finding", "a", "until the SDK update", TODAY)
    assert gate(FINDINGS, "high", set(), [entry], TODAY)[0] == 1
    assert gate(FINDINGS, "high", set(), [entry], TODAY - dt.timedelta(days=1))[0] == 0
    assert expired([entry], TODAY) == [entry]


def test_baseline_sets_findings_aside() -> None:
    code, kept, aside = gate(FINDINGS, "low", {"a", "c"})
    assert code == 1 and [f.id for f in kept] == ["b"] and {s.reason for s in aside} == {"baseline"}
    assert gate(FINDINGS, "low", {"a", "b", "c"})[0] == 0


def test_suppression_file_is_validated(tmp_path: Path) -> None:
    good = tmp_path / "s.yaml"
    good.write_text("- rule: PI-001\n  reason: reviewed\n  expires: 2027-01-31\n"
                    "- finding: abc\n  reason: false positive\n", encoding="utf-8")
    assert load_suppressions(good) == (Suppression("rule", "PI-001", "reviewed", dt.date(2027, 1, 31)),
                                       Suppression("finding", "abc", "false positive"))
    as_json = tmp_path / "s.json"
    as_json.write_text(json.dumps({"suppressions": [{"sdk": "jpush", "reason": "contract"}]}), encoding="utf-8")
    assert load_suppressions(as_json) == (Suppression("sdk", "jpush", "contract"),)
    for text, words in [("- rule: PI-001\n", "reason"), ("- rule: A\n  sdk: B\n  reason: x\n", "exactly one"),
                        ("- rule: A\n  reason: x\n  expires: soon\n", "YYYY-MM-DD"), ("rule: A\n", "list"),
                        ("- rule: A\n  reason: x\n  owner: me\n", "unknown key"), ("- [unclosed\n", "YAML")]:
        bad = tmp_path / "bad.yaml"
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(SuppressionError, match=words) as info:
            load_suppressions(bad)
        assert "\n" not in str(info.value)


def test_gate_exit_codes_on_samples(cli: click.Group, sdks_result: ScanResult, tmp_path: Path) -> None:
    runner = CliRunner()
    sdks, clean = str(SAMPLES / "sdks.apk"), str(SAMPLES / "clean.apk")
    assert runner.invoke(cli, ["scan", "--no-store", sdks]).exit_code == 0
    assert runner.invoke(cli, ["scan", "--no-store", sdks, "--fail-on", "high"]).exit_code == 1
    assert runner.invoke(cli, ["scan", "--no-store", clean, "--fail-on", "low"]).exit_code == 0

    base = tmp_path / "baseline.json"
    made = runner.invoke(cli, ["baseline", sdks, "-o", str(base)])
    assert made.exit_code == 0, made.output
    recorded = {f["id"] for f in json.loads(base.read_text(encoding="utf-8"))["findings"]}
    assert recorded == {f.id for f in sdks_result.findings}
    assert runner.invoke(cli, ["scan", "--no-store", sdks, "--fail-on", "low", "--baseline", str(base)]).exit_code == 0

    # a new finding: drop one high finding from the baseline, and the gate fails again
    worst = next(f for f in sdks_result.findings if f.severity == "high")
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps(sorted(recorded - {worst.id})), encoding="utf-8")
    failed = runner.invoke(cli, ["scan", "--no-store", sdks, "--fail-on", "high", "--baseline", str(partial)])
    assert failed.exit_code == 1 and worst.id in failed.output

    suppress = tmp_path / "s.yaml"
    suppress.write_text(f"- finding: {worst.id}\n  reason: accepted\n  expires: 2000-01-01\n", encoding="utf-8")
    warned = runner.invoke(cli, ["scan", "--no-store", sdks, "--fail-on", "high", "--baseline", str(partial),
                                 "--suppressions", str(suppress)])
    assert warned.exit_code == 1 and "expired" in warned.output
    suppress.write_text(f"- finding: {worst.id}\n  reason: accepted\n", encoding="utf-8")
    assert runner.invoke(cli, ["scan", "--no-store", sdks, "--fail-on", "high", "--baseline", str(partial),
                               "--suppressions", str(suppress)]).exit_code == 0

    suppress.write_text("- finding: x\n", encoding="utf-8")
    broken = runner.invoke(cli, ["scan", "--no-store", sdks, "--fail-on", "high", "--suppressions", str(suppress)])
    assert broken.exit_code == 2 and "reason" in broken.output


@pytest.mark.parametrize("text,words", [("- rule: PI-0O3\n  reason: typo\n", "unknown rule 'PI-0O3' (did you mean"),
                                        ("- sdk: jpushh\n  reason: typo\n", "unknown sdk 'jpushh'"),
                                        ("- finding: x\n", "reason")])
def test_bad_gate_files_fail_before_any_scan(cli: click.Group, tmp_path: Path, text: str, words: str) -> None:
    """A broken suppression or baseline file is one line and exit 2 before the scan starts: nothing is stored."""
    suppress = tmp_path / "s.yaml"
    suppress.write_text(text, encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'gate.db'}"
    broken = CliRunner().invoke(cli, ["scan", str(SAMPLES / "sdks.apk"), "--db", db, "--suppressions", str(suppress)])
    assert broken.exit_code == 2 and words in broken.output and broken.output.count("\n") == 1
    missing = CliRunner().invoke(cli, ["scan", str(SAMPLES / "sdks.apk"), "--db", db,
                                       "--baseline", str(tmp_path / "none.json")])
    assert missing.exit_code == 2 and "cannot read baseline" in missing.output
    listed = CliRunner().invoke(cli, ["db", "list", "--db", db])
    assert "sdks.apk" not in listed.output
