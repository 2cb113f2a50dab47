"""The shared report model: the verdict rule and the derived lists, checked against the real sample."""

from __future__ import annotations

import itertools

from appscan.model import ScanResult
from appscan.report.views import SEVERITIES, VERDICTS, build_view, verdict
from appscan.rules.catalog import Ruleset
from tests.report.conftest import make_finding

LEVELS = ("present", "declared", "called", "reachable")
ALL = [make_finding(f"{s}-{lv}", s, lv) for s, lv in itertools.product(SEVERITIES, LEVELS)]


def test_verdict_rule() -> None:
    assert verdict([]) == "pass"
    assert verdict([make_finding("a", "low"), make_finding("b", "info", "reachable")]) == "pass"
    assert verdict([make_finding("a", "medium", "present")]) == "rectify"
    assert verdict([make_finding("a", "high", "declared")]) == "rectify"
    assert verdict([make_finding("a", "high", "reachable")]) == "high-risk"


def test_adding_a_finding_never_improves_the_verdict() -> None:
    for size in range(3):
        for base in itertools.combinations(ALL, size):
            before = VERDICTS.index(verdict(base))
            for extra in ALL:
                assert VERDICTS.index(verdict([*base, extra])) >= before, (base, extra)


def test_permission_usage_agrees_with_permission_findings(sdks_result: ScanResult, ruleset: Ruleset) -> None:
    status = {p.name: p.status for p in build_view(sdks_result, ruleset).permissions}
    sdk_only = [f for f in sdks_result.findings if f.rule == "PERM-002"]
    unused = [f for f in sdks_result.findings if f.rule == "PERM-001"]
    assert sdk_only and unused
    for finding in sdk_only:
        assert status[finding.evidence[0].value] == "sdk-only"
    for finding in unused:
        assert status[finding.evidence[0].value] == "unused"
    assert set(status) >= {p.name for p in sdks_result.facts.manifest.permissions}


def test_collection_and_sharing_lists_cover_the_calls_and_sdks(sdks_result: ScanResult, ruleset: Ruleset) -> None:
    view = build_view(sdks_result, ruleset)
    personal = [c for c in sdks_result.api_calls if c.collects and ruleset.data_type(c.data_type).personal]
    assert sum(row.calls for row in view.collection) == len(personal)
    assert {(row.data_type, row.sdk) for row in view.collection} == {(c.data_type, c.sdk) for c in personal}
    assert [row.sdk.id for row in view.sharing] == [s.id for s in sdks_result.sdks]
    for row in view.sharing:
        seen = {ruleset.data_type(c.data_type).name for c in personal if c.sdk == row.sdk.id}
        assert set(row.observed) == seen
    assert sum(len(g.findings) for g in view.checklist) == len(sdks_result.findings)
    assert all(g.title is not None for g in view.checklist)
