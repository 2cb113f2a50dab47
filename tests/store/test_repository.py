"""Saving and reading scans: exact documents, one transaction per scan, reuse, suppressions, unreachable servers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from appscan.apk import extract_facts
from appscan.errors import StoreError
from appscan.report.json_format import to_document
from appscan.store import (
    Store,
    add_suppression,
    delete_suppression,
    find_scan,
    get_scan_document,
    list_scans,
    list_suppressions,
    models,
    open_store,
    record_failure,
    repository,
    save_scan,
)
from appscan.store.document import SECTIONS, unpack_rest
from appscan.store.review_records import add_user, audit_log
from tests.conftest import corpus_path
from tests.store import factory

CORPUS_APK = "github__MobLinkDemo-2.0.5.apk"


def row_counts(store: Store) -> dict[str, int]:
    """Rows per table."""
    with store.engine.connect() as connection:
        return {t.name: connection.scalar(select(func.count()).select_from(t))
                for t in models.Base.metadata.sorted_tables}


def test_real_apk_document_comes_back_identical(store: Store) -> None:
    base = extract_facts(corpus_path() / CORPUS_APK, None)
    result = factory.with_facts(base, sdks=(factory.sdk("umeng"),),
                                api_calls=tuple(factory.call("device_id", i, "umeng", i % 2 == 0) for i in range(50)),
                                findings=(factory.finding("F1", ("C191-3.1", "M164-2")), factory.finding("F2")))
    document = to_document(result)
    scan_id = save_scan(store, result, document)
    assert get_scan_document(store, scan_id) == document
    with store.engine.connect() as connection:
        blob = connection.scalar(select(models.Scan.facts_json).where(models.Scan.id == scan_id))
    # every section the tables hold is rebuilt from them, not kept twice in facts_json
    assert set(unpack_rest(blob).from_tables) == set(SECTIONS) & set(document)
    counts = row_counts(store)
    assert counts["permission_use"] == len(base.manifest.permissions)
    assert counts["component"] == len(base.manifest.components)
    assert (counts["api_call"], counts["finding_clause"], counts["sdk_detection"]) == (50, 3, 1)


def test_failure_mid_save_leaves_no_rows(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    save_scan(store, factory.result(version_code=1), to_document(factory.result(version_code=1)))
    before = row_counts(store)
    real_bulk = repository._bulk

    def failing_bulk(session, table, rows):  # type: ignore[no-untyped-def]
        if table.name == "finding_evidence":
            raise RuntimeError("disk full")
        real_bulk(session, table, rows)

    monkeypatch.setattr(repository, "_bulk", failing_bulk)
    broken = factory.result("com.other.app", 7, sdks=(factory.sdk("newsdk"),),
                            calls=(factory.call("location", 1),), findings=(factory.finding("X"),))
    with pytest.raises(RuntimeError):
        save_scan(store, broken, to_document(broken))
    assert row_counts(store) == before


def test_reuse_needs_same_file_and_rules(store: Store) -> None:
    result = factory.result(version_code=3)
    assert find_scan(store, result.facts.app.sha256, factory.RULESET.sha256) is None
    first = save_scan(store, result, to_document(result))
    assert find_scan(store, result.facts.app.sha256, factory.RULESET.sha256) == first
    assert find_scan(store, result.facts.app.sha256, "b" * 64) is None
    forced = save_scan(store, result, to_document(result))  # --force stores a second scan of the same version
    assert find_scan(store, result.facts.app.sha256, factory.RULESET.sha256) == forced
    assert row_counts(store)["app_version"] == 1


def test_failed_scan_is_listed_without_document(store: Store) -> None:
    scan_id = record_failure(store, "broken.apk", "not a zip file", 0.2)
    [summary] = list_scans(store)
    assert (summary.scan_id, summary.status, summary.error, summary.package) == (scan_id, "failed",
                                                                                  "not a zip file", None)
    with pytest.raises(StoreError, match="failed"):
        get_scan_document(store, scan_id)
    with pytest.raises(StoreError, match="no scan 999"):
        get_scan_document(store, 999)


def test_suppressions(store: Store) -> None:
    now = datetime.now(timezone.utc)
    kept = add_suppression(store, "rule", "SEC-005", "accepted risk")
    expiring = add_suppression(store, "sdk", "umeng", "vendor contract", now + timedelta(days=1))
    with pytest.raises(StoreError, match="already suppressed"):
        add_suppression(store, "rule", "SEC-005", "again")
    with pytest.raises(StoreError, match="kind"):
        add_suppression(store, "package", "x", "no such kind")
    assert [s.id for s in list_suppressions(store)] == [kept, expiring]
    assert [s.id for s in list_suppressions(store, now + timedelta(days=2))] == [kept]
    assert delete_suppression(store, kept) and not delete_suppression(store, kept)
    assert [s.value for s in list_suppressions(store)] == ["umeng"]


def test_suppressions_belong_to_a_tenant(store: Store) -> None:
    add_user(store, "acme", "ann", "a long password")  # makes the tenant
    mine = add_suppression(store, "sdk", "umeng", "acme's contract", tenant="acme", actor="ann")
    add_suppression(store, "sdk", "umeng", "the gate's own")  # the default tenant: the same value is no duplicate
    assert [s.reason for s in list_suppressions(store, tenant="acme")] == ["acme's contract"]
    assert [s.reason for s in list_suppressions(store)] == ["the gate's own"]
    assert not delete_suppression(store, mine)  # the default tenant cannot remove acme's
    assert delete_suppression(store, mine, "acme", "ann")
    assert [e.action for e in audit_log(store, "acme")][:2] == ["suppression.delete", "suppression.add"]
    with pytest.raises(StoreError, match="no tenant 'nobody'"):
        add_suppression(store, "rule", "SEC-005", "x", tenant="nobody")


@pytest.mark.parametrize("url", ["postgresql+psycopg://postgres@127.0.0.1:1/test",
                                 "sqlite:////nonexistent-dir/appscan.db"])
def test_unreachable_database_is_one_line_store_error(url: str) -> None:
    with pytest.raises(StoreError) as caught:
        open_store(url)
    message = str(caught.value)
    assert message.startswith("cannot connect to ") and "\n" not in message
    assert url.split("://")[0] in message


def test_default_url_comes_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPSCAN_DB", f"sqlite:///{tmp_path / 'env.db'}")
    open_store(None).close()
    assert (tmp_path / "env.db").is_file()
    monkeypatch.delenv("APPSCAN_DB")
    monkeypatch.chdir(tmp_path)
    open_store(None).close()
    assert (tmp_path / "appscan.db").is_file()
