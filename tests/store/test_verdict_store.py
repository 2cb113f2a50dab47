"""The verdict in the store (migration 0003): scan columns for lists, ``appscan db list``, and the upgrade of a
database whose scans predate verdicts. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
import unicodedata

from alembic import command
from click.testing import CliRunner
from sqlalchemy import create_engine

from appscan.cli.db_cmd import db
from appscan.model import ScanResult
from appscan.report.json_format import to_document
from appscan.rules.verdict import LABELS, decide, failed_verdict
from appscan.store import get_scan_document, list_scans, open_store, record_failure, save_scan, scan_verdicts
from appscan.store.migrate import alembic_config
from appscan.store.service_records import add_upload, get_upload, list_uploads, update_upload
from tests.store import factory


def _judged(package: str, version_code: int, high: bool) -> ScanResult:
    """A factory result, all of its code read, carrying the engine's verdict of its one finding."""
    finding = factory.finding(f"{package}-{version_code}")
    if high:
        finding = dataclasses.replace(finding, severity="high", evidence_level="reachable")
    result = factory.result(package, version_code, findings=(finding,))
    result = dataclasses.replace(result, facts=dataclasses.replace(result.facts, incomplete=()))
    return dataclasses.replace(result, verdict=decide(result.facts, result.sdks, result.findings))


def test_saved_and_failed_scans_list_their_verdicts(db_url: str) -> None:
    store = open_store(db_url)
    risky, fixable = _judged("com.v", 1, high=True), _judged("com.v", 2, high=False)
    ids = [save_scan(store, r, to_document(r)) for r in (risky, fixable)]
    ids.append(record_failure(store, "broken.apk", "broken.apk: not a zip", 0.1, verdict=failed_verdict("x")))
    assert [(s.verdict, s.verdict_rule) for s in list_scans(store)] == [
        ("high-risk", "decisive-finding"), ("rectify", "high-or-medium-finding"), ("undetermined", "scan-failed")]
    assert scan_verdicts(store, ids) == dict(zip(ids, ("high-risk", "rectify", "undetermined")))
    assert get_scan_document(store, ids[0])["verdict"] == to_document(risky)["verdict"]

    upload = add_upload(store, "app.apk", "/tmp/none.apk", 10)
    assert get_upload(store, upload.id).verdict is None  # queued: no scan yet
    update_upload(store, upload.id, status="done", scan_id=ids[0])
    assert (get_upload(store, upload.id).verdict, list_uploads(store)[0].verdict_rule) == ("high-risk",
                                                                                           "decisive-finding")
    store.close()

    listed = CliRunner().invoke(db, ["list", "--db", db_url])
    assert listed.exit_code == 0
    rows = listed.output.splitlines()
    assert "VERDICT" in rows[0] and f"high-risk {LABELS['high-risk'].zh}" in rows[1]
    assert f"undetermined {LABELS['undetermined'].zh}" in rows[3]
    before_status = rows[1][:rows[1].index("ok  ")]  # CJK labels take two terminal columns each
    assert rows[0].index("STATUS") == len(before_status) + sum(
        unicodedata.east_asian_width(c) == "W" for c in before_status)
    as_json = json.loads(CliRunner().invoke(db, ["list", "--db", db_url, "--format", "json"]).output)
    assert [(s["verdict"], s["verdict_label"]["zh"]) for s in as_json] == [
        ("high-risk", "高风险"), ("rectify", "需整改"), ("undetermined", "不能判定，需人工复核")]


def test_upgrade_to_0003_marks_earlier_failures_and_keeps_scans(db_url: str) -> None:
    engine = create_engine(db_url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0002")
    engine.dispose()
    old = open_store(db_url, migrate=False)  # code without a verdict to record can write a 0002 schema
    unjudged = factory.result("com.old", 1)
    scan_id = save_scan(old, unjudged, to_document(unjudged))
    record_failure(old, "bad.apk", "bad.apk: truncated", 0.2)
    old.close()
    store = open_store(db_url)
    assert [(s.scan_id == scan_id, s.verdict, s.verdict_rule) for s in list_scans(store)] == [
        (True, None, None), (False, "undetermined", "scan-failed")]
    assert get_scan_document(store, scan_id) == to_document(unjudged)
    store.close()
