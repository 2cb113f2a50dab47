"""The review queue on SQLite and PostgreSQL: filters, sorts, pages, counts by severity, findings new since the
previous version, the standing decision, and tenants that never see each other's scans."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time

import pytest

from appscan.errors import StoreError
from appscan.model import Finding, ScanResult, Text, Verdict
from appscan.report.json_format import to_document
from appscan.rules.verdict import LABELS, failed_verdict
from appscan.store import Store, record_failure, save_scan
from appscan.store.queue import QueueFilter, QueueRow, queue
from appscan.store.review_records import DEFAULT_TENANT, add_user, decide
from appscan.store.service_records import add_upload, update_upload
from tests.store import factory

PASSWORD = "correct horse battery"


def _finding(finding_id: str, severity: str = "medium", clause: str = "C191-3.1") -> Finding:
    return dataclasses.replace(factory.finding(finding_id, (clause,)), severity=severity)


def _store(store: Store, package: str, code: int, findings: tuple[Finding, ...] = (), verdict: str = "rectify",
           sdks: tuple[str, ...] = (), data_types: tuple[str, ...] = (), tenant: str | None = None) -> int:
    """Store version ``code`` of ``package``; with ``tenant``, as that tenant's upload (else the CLI's, default)."""
    result: ScanResult = factory.result(package, code, findings=findings,
                                        sdks=tuple(factory.sdk(s) for s in sdks),
                                        calls=tuple(factory.call(t, i) for i, t in enumerate(data_types)))
    result = dataclasses.replace(result, verdict=Verdict(verdict, LABELS[verdict], "test", Text("测试", "test")))
    scan_id = save_scan(store, result, to_document(result))
    if tenant is not None:
        upload = add_upload(store, f"{package}-{code}.apk", f"/uploads/{package}-{code}.apk", 1, tenant_name=tenant)
        update_upload(store, upload.id, status="done", scan_id=scan_id, package=package)
    return scan_id


def _ids(rows: list[QueueRow]) -> list[int]:
    return [r.scan_id for r in rows]


def test_rows_carry_counts_new_findings_decision_and_upload(store: Store) -> None:
    add_user(store, "acme", "alice", PASSWORD)
    first = _store(store, "com.a", 1, (_finding("A1", "high"), _finding("A2", "low")), tenant="acme")
    second = _store(store, "com.a", 2, (_finding("A1", "high"), _finding("A3", "high"), _finding("A4", "info")),
                    verdict="high-risk", tenant="acme")
    decide(store, "acme", second, "reject", "collects before consent", "alice")
    decide(store, "acme", second, "rectification-required", "on second thought", "alice")

    rows, total = queue(store, QueueFilter("acme"), sort="newest")
    assert total == 2 and _ids(rows) == [second, first]
    latest, earliest = rows
    assert latest.counts == {"high": 2, "medium": 0, "low": 0, "info": 1}
    assert earliest.counts == {"high": 1, "medium": 0, "low": 1, "info": 0}
    assert latest.new_findings == 2 and earliest.new_findings is None  # A3, A4 are new; version 1 has no previous
    assert latest.decision == "rectification-required" and earliest.decision is None
    assert (latest.package, latest.version_code, latest.version_name, latest.label) == ("com.a", 2, "2.0", "a")
    assert latest.status == "ok" and latest.verdict == "high-risk" and latest.upload_id is not None
    assert latest.created_at.tzinfo is not None


def test_the_previous_version_is_the_version_before_not_the_scan_before(store: Store) -> None:
    """A version scanned after a later one still compares with the version before it, as scan_review does."""
    v3 = _store(store, "com.b", 3, (_finding("B1"), _finding("B2")))
    v1 = _store(store, "com.b", 1, (_finding("B1"),))
    v2 = _store(store, "com.b", 2, (_finding("B1"), _finding("B2"), _finding("B3")))
    rows = {r.scan_id: r for r in queue(store, QueueFilter(DEFAULT_TENANT))[0]}
    assert (rows[v1].new_findings, rows[v2].new_findings, rows[v3].new_findings) == (None, 2, 0)


def test_filters_narrow_the_list(store: Store) -> None:
    early = _store(store, "com.maps.app", 1, (_finding("M1", clause="C191-3.1"),), verdict="pass",
                   sdks=("amap",), data_types=("location",))
    time.sleep(0.01)
    middle = dt.datetime.now(dt.timezone.utc)
    time.sleep(0.01)
    late = _store(store, "com.shop.app", 1, (_finding("S1", clause="M164-2"),), verdict="high-risk",
                  sdks=("umeng",), data_types=("device_id",))
    every = QueueFilter(DEFAULT_TENANT)
    assert queue(store, every)[1] == 2
    cases = {
        "verdict": ("high-risk", [late]), "sdk": ("amap", [early]), "data_type": ("location", [early]),
        "clause": ("M164-2", [late]), "package": ("maps", [early]), "since": (middle, [late]),
        "until": (middle, [early]), "scan_id": (late, [late]),
    }
    for field, (value, expected) in cases.items():
        rows, total = queue(store, dataclasses.replace(every, **{field: value}))
        assert (_ids(rows), total) == (expected, len(expected)), field
    assert queue(store, dataclasses.replace(every, package="%"))[1] == 0  # a LIKE wildcard is a plain character
    assert queue(store, dataclasses.replace(every, sdk="amap", verdict="high-risk")) == ([], 0)


def test_sorts_and_pages(store: Store) -> None:
    passed = _store(store, "com.c", 1, verdict="pass")
    risky = _store(store, "com.a", 1, (_finding("H1", "high"), _finding("H2", "high")), verdict="high-risk")
    unsure = _store(store, "com.b", 1, verdict="undetermined")
    failed = record_failure(store, "broken.apk", "broken.apk: not a zip", 0.1, verdict=failed_verdict("x"))
    riskier = _store(store, "com.d", 1, (_finding("H3", "high"),), verdict="high-risk")
    every = QueueFilter(DEFAULT_TENANT)
    assert _ids(queue(store, every)[0]) == [failed, unsure, riskier, risky, passed]
    assert _ids(queue(store, every, sort="newest")[0]) == [riskier, failed, unsure, risky, passed]
    assert _ids(queue(store, every, sort="high")[0])[:2] == [risky, riskier]
    by_package = queue(store, every, sort="package")[0]
    assert [r.package for r in by_package] == ["broken.apk", "com.a", "com.b", "com.c", "com.d"]
    assert by_package[0].status == "failed" and by_package[0].new_findings is None
    pages = [queue(store, every, page=p, per_page=2) for p in (1, 2, 3, 4)]
    assert [_ids(rows) for rows, _ in pages] == [[failed, unsure], [riskier, risky], [passed], []]
    assert {total for _, total in pages} == {5}
    for bad in ({"sort": "oldest"}, {"page": 0}, {"per_page": 0}, {"per_page": 501}):
        with pytest.raises(StoreError):
            queue(store, every, **bad)  # type: ignore[arg-type]


def test_tenants_see_only_their_own_scans(store: Store) -> None:
    add_user(store, "acme", "alice", PASSWORD)
    add_user(store, "globex", "gina", PASSWORD)
    cli = _store(store, "com.shared", 1, (_finding("X1"),))
    acme_v2 = _store(store, "com.shared", 2, (_finding("X1"), _finding("X2")), tenant="acme")
    globex_v3 = _store(store, "com.shared", 3, (_finding("X1"), _finding("X2"), _finding("X3")), tenant="globex")
    decide(store, "globex", globex_v3, "approve", "fine", "gina")

    assert _ids(queue(store, QueueFilter(DEFAULT_TENANT))[0]) == [cli]
    acme = queue(store, QueueFilter("acme"))[0]
    assert _ids(acme) == [acme_v2] and acme[0].new_findings is None  # version 1 is the default tenant's
    globex = queue(store, QueueFilter("globex"))[0]
    assert _ids(globex) == [globex_v3] and globex[0].decision == "approve"
    assert globex[0].new_findings is None
    # the same scan uploaded by two tenants is in both queues, each with its own upload and decision
    upload = add_upload(store, "again.apk", "/uploads/again.apk", 1, tenant_name="acme")
    update_upload(store, upload.id, status="done", scan_id=globex_v3, package="com.shared")
    acme = {r.scan_id: r for r in queue(store, QueueFilter("acme"))[0]}
    assert acme[globex_v3].upload_id == upload.id and acme[globex_v3].decision is None
    assert acme[globex_v3].new_findings == 1  # compared with acme's version 2
    # one scan by its id (the API's /stored-scans): the row of the full list, and nothing for a scan not held
    assert queue(store, QueueFilter("acme", scan_id=globex_v3)) == ([acme[globex_v3]], 1)
    assert queue(store, QueueFilter("acme", scan_id=cli)) == ([], 0)
    assert queue(store, QueueFilter("acme", scan_id=2**31 - 1)) == ([], 0)  # the largest id the API takes
    with pytest.raises(StoreError):
        queue(store, QueueFilter("nobody"))
