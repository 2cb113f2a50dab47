"""The shared report model: the engine's verdict and the derived lists, checked against the real sample.

The verdict rules themselves are tested in tests/rules/test_verdict.py; here: the view shows the engine's verdict
(never one of its own) and its top summary follows the documented order.
"""

from __future__ import annotations

import dataclasses

from appscan.model import ScanResult
from appscan.report.document import result_from_document
from appscan.report.json_format import to_document
from appscan.report.views import build_view
from appscan.rules.catalog import Ruleset
from appscan.rules.verdict import TOP, rank


def test_view_shows_the_engine_verdict(sdks_result: ScanResult, ruleset: Ruleset) -> None:
    assert sdks_result.verdict is not None
    assert build_view(sdks_result, ruleset).verdict == sdks_result.verdict
    old_document = {k: v for k, v in to_document(sdks_result).items() if k != "verdict"}  # stored before verdicts
    assert build_view(result_from_document(old_document), ruleset).verdict == sdks_result.verdict


def test_top_summary_is_the_ten_most_important_findings(sdks_result: ScanResult, ruleset: Ruleset) -> None:
    view = build_view(sdks_result, ruleset)
    ranked = [f for f in rank(sdks_result.findings) if f.severity != "info"]
    assert len(sdks_result.findings) > TOP and list(view.top) == ranked[:TOP]
    assert view.top[0].severity == "high" and view.top[0].evidence_level in ("called", "reachable")
    shuffled = dataclasses.replace(sdks_result, findings=tuple(reversed(sdks_result.findings)))
    assert build_view(shuffled, ruleset).top == view.top


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


def test_sharing_list_names_company_purpose_and_policy_from_the_ruleset(sdks_result: ScanResult,
                                                                          ruleset: Ruleset) -> None:
    rows = build_view(sdks_result, ruleset).sharing
    assert rows
    for row in rows:
        entry = ruleset.sdk(row.sdk.id)
        assert (row.company, row.purpose, row.privacy_policy) == (entry.company, entry.purpose, entry.privacy_policy)
    assert any(row.company and row.purpose and row.privacy_policy for row in rows)
