"""Reviews, decisions, people and the audit log, on SQLite and PostgreSQL: reviews carry over to later versions by
finding id, accepted risks expire, tenants never see each other's scans or reviews, every change is audited, and
passwords are kept only as argon2 hashes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import threading

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, select, text

from appscan.cli.gate_cmd import reviewed_suppressions
from appscan.errors import StoreError
from appscan.model import ScanResult
from appscan.report.gate import gate
from appscan.report.json_format import to_document
from appscan.store import Store, open_store, save_scan
from appscan.store import models as m
from appscan.store.migrate import alembic_config
from appscan.store.review_records import (
    DEFAULT_TENANT,
    add_user,
    audit_log,
    decide,
    decisions_of,
    disable_user,
    enable_user,
    latest_reviews,
    list_users,
    review_finding,
    review_findings,
    reviews_in_force,
    scan_review,
    session_state,
    set_password,
    set_role,
    verify_password,
)
from appscan.store.service_records import (
    add_upload,
    create_key,
    get_upload,
    key_tenant,
    list_keys,
    list_uploads,
    revoke_key,
    update_upload,
)
from tests.store import factory

PACKAGE = "com.example.reviewed"
PASSWORD = "correct horse battery"
NOW = dt.datetime.now(dt.timezone.utc)


def _version(store: Store, code: int, *ids: str, tenant: str | None = None) -> tuple[int, ScanResult]:
    """Store version ``code`` of the app with findings ``ids``; with ``tenant``, as that tenant's upload."""
    result = factory.result(PACKAGE, code, findings=tuple(factory.finding(i) for i in ids))
    scan_id = save_scan(store, result, to_document(result))
    if tenant is not None:
        upload = add_upload(store, f"v{code}.apk", f"/uploads/v{code}.apk", 1, tenant_name=tenant)
        update_upload(store, upload.id, status="done", scan_id=scan_id, package=PACKAGE)
    return scan_id, result


def test_a_false_positive_carries_over_to_the_next_version(store: Store) -> None:
    add_user(store, DEFAULT_TENANT, "alice", PASSWORD)
    first, _ = _version(store, 1, "AS-a", "AS-b")
    review_finding(store, DEFAULT_TENANT, first, "AS-a", "false-positive", "the call is behind consent", "alice")
    review_finding(store, DEFAULT_TENANT, first, "AS-b", "confirmed", "collects IMEI at start-up", "alice")
    second, result = _version(store, 2, "AS-a", "AS-b", "AS-c")

    view = scan_review(store, DEFAULT_TENANT, second)
    assert view.previous_scan_id == first and (view.package, view.version_code) == (PACKAGE, 2)
    rows = {f.finding.id: f for f in view.findings}
    assert rows["AS-a"].review is not None and rows["AS-a"].review.verdict == "false-positive"
    assert rows["AS-a"].carried_over and rows["AS-a"].review.scan_id == first
    assert rows["AS-a"].review.version_name == "1.0" and rows["AS-a"].review.by == "alice"
    assert [f for f, row in rows.items() if row.new] == ["AS-c"] and rows["AS-c"].review is None
    first_view = scan_review(store, DEFAULT_TENANT, first)
    assert first_view.previous_scan_id is None and all(f.new and not f.carried_over for f in first_view.findings)

    # the gate sets the false positive aside for this app only, and keeps the confirmed finding
    suppressions = reviewed_suppressions(store, [PACKAGE, "com.other"])
    assert [s.value for s in suppressions[PACKAGE]] == ["AS-a"] and suppressions["com.other"] == ()
    _, kept, aside = gate(result.findings, "low", suppressions=suppressions[PACKAGE])
    assert [f.id for f in kept] == ["AS-b", "AS-c"] and [s.finding.id for s in aside] == ["AS-a"]
    assert "false-positive by alice" in aside[0].reason

    # a newer review replaces it, on any version; the old one stays as history in the audit log
    review_finding(store, DEFAULT_TENANT, second, "AS-a", "confirmed", "reached without consent after all", "alice")
    assert reviews_in_force(store, DEFAULT_TENANT, PACKAGE)["AS-a"].verdict == "confirmed"
    assert not scan_review(store, DEFAULT_TENANT, second).findings[0].carried_over
    assert [e.detail["verdict"] for e in audit_log(store, DEFAULT_TENANT) if e.subject == "AS-a"] == \
        ["confirmed", "false-positive"]


def test_an_accepted_risk_expires(store: Store) -> None:
    add_user(store, DEFAULT_TENANT, "alice", PASSWORD)
    scan_id, result = _version(store, 1, "AS-a", "AS-b")
    until = NOW + dt.timedelta(days=30)
    made = review_finding(store, DEFAULT_TENANT, scan_id, "AS-a", "accepted-risk", "SDK update due", "alice", until)
    assert made.expires_at == until.replace(microsecond=made.expires_at.microsecond)  # type: ignore[union-attr]
    assert set(reviews_in_force(store, DEFAULT_TENANT, PACKAGE, NOW)) == {"AS-a"}
    after = until + dt.timedelta(seconds=1)
    assert reviews_in_force(store, DEFAULT_TENANT, PACKAGE, after) == {}
    assert not latest_reviews(store, DEFAULT_TENANT, PACKAGE)["AS-a"].in_force(after)  # still listed, not in force
    entries = reviewed_suppressions(store, [PACKAGE])[PACKAGE]
    assert gate(result.findings, "low", suppressions=entries, today=NOW.date())[1][0].id == "AS-b"
    assert [f.id for f in gate(result.findings, "low", suppressions=entries, today=after.date())[1]] == \
        ["AS-a", "AS-b"]

    for verdict, expires, words in [("accepted-risk", None, "needs an expiry"),
                                     ("accepted-risk", NOW - dt.timedelta(days=1), "not in the future"),
                                     ("false-positive", until, "only an accepted risk expires"),
                                     ("wontfix", None, "verdict must be one of")]:
        with pytest.raises(StoreError, match=words):
            review_finding(store, DEFAULT_TENANT, scan_id, "AS-b", verdict, "r", "alice", expires)
    with pytest.raises(StoreError, match="a reason is required"):
        review_finding(store, DEFAULT_TENANT, scan_id, "AS-b", "confirmed", "  ", "alice")
    with pytest.raises(StoreError, match="has no finding 'AS-z'"):
        review_finding(store, DEFAULT_TENANT, scan_id, "AS-z", "confirmed", "r", "alice")
    assert len(audit_log(store, DEFAULT_TENANT)) == 2  # the user and the one review: refusals change nothing


def test_tenants_see_only_their_own_scans_and_reviews(store: Store) -> None:
    add_user(store, "acme", "ann", PASSWORD)
    add_user(store, "globex", "gus", PASSWORD)
    add_user(store, DEFAULT_TENANT, "dora", PASSWORD)
    acme_scan, _ = _version(store, 1, "AS-a", tenant="acme")
    review_finding(store, "acme", acme_scan, "AS-a", "false-positive", "acme's call", "ann")
    decide(store, "acme", acme_scan, "approve", "fine", "ann")

    nothing = StoreError  # another tenant's scan is refused exactly like a scan that does not exist
    for tenant, by in (("globex", "gus"), (DEFAULT_TENANT, "dora")):
        for attempt in (lambda: scan_review(store, tenant, acme_scan),
                        lambda: review_finding(store, tenant, acme_scan, "AS-a", "confirmed", "mine", by),
                        lambda: decide(store, tenant, acme_scan, "reject", "mine", by)):
            with pytest.raises(nothing, match=f"no scan {acme_scan} in tenant '{tenant}'"):
                attempt()
        with pytest.raises(nothing, match=f"no scan 99999 in tenant '{tenant}'"):
            scan_review(store, tenant, 99999)
        assert latest_reviews(store, tenant, PACKAGE) == {} and decisions_of(store, tenant, PACKAGE) == []
    with pytest.raises(StoreError, match="no user 'gus' in tenant 'acme'"):
        review_finding(store, "acme", acme_scan, "AS-a", "confirmed", "r", "gus")
    with pytest.raises(StoreError, match="no tenant 'initech'"):
        scan_review(store, "initech", acme_scan)

    assert {e.action for e in audit_log(store, "globex")} == {"tenant.create", "user.add"}
    assert [d.decision for d in decisions_of(store, "acme", PACKAGE)] == ["approve"]
    assert [u.login for u in list_users(store, "acme")] == ["ann"]

    # the same scan uploaded by a second tenant: both hold it, each with its own reviews
    upload = add_upload(store, "same.apk", "/uploads/same.apk", 1, tenant_name="globex")
    update_upload(store, upload.id, status="done", scan_id=acme_scan)
    assert scan_review(store, "globex", acme_scan).findings[0].review is None
    assert get_upload(store, upload.id, "acme") is None and get_upload(store, upload.id, "globex") is not None
    assert {u.tenant for u in list_uploads(store, tenant_name="acme")} == {"acme"}


def test_every_change_is_audited(store: Store) -> None:
    add_user(store, "acme", "ann", PASSWORD, role="admin")
    add_user(store, "acme", "bob", PASSWORD, by="ann")
    scan_id, _ = _version(store, 1, "AS-a", tenant="acme")
    review_finding(store, "acme", scan_id, "AS-a", "confirmed", "real", "bob")
    decide(store, "acme", scan_id, "rectification-required", "ask before reading IMEI", "ann")
    key = create_key(store, "ci", "acme", by="ann")
    assert key_tenant(store, key) == "acme" and key_tenant(store, key + "x") is None
    key_id = key.partition(".")[0]
    assert not revoke_key(store, key_id, "globex")  # another tenant cannot revoke it
    assert revoke_key(store, key_id, "acme", by="ann") and key_tenant(store, key) is None
    disable_user(store, "acme", "bob", by="ann")

    events = list(reversed(audit_log(store, "acme")))
    assert [(e.actor, e.action, e.subject) for e in events] == [
        ("cli", "tenant.create", "tenant acme"), ("cli", "user.add", "user ann"), ("ann", "user.add", "user bob"),
        ("bob", "finding.review", "AS-a"), ("ann", "scan.decide", f"scan {scan_id}"),
        ("ann", "key.create", f"key {key_id}"), ("ann", "key.revoke", f"key {key_id}"),
        ("ann", "user.disable", "user bob")]
    assert events[4].detail == {"decision": "rectification-required", "comment": "ask before reading IMEI",
                                "package": PACKAGE, "version_name": "1.0"}
    assert events[3].detail["verdict"] == "confirmed" and events[3].detail["scan_id"] == scan_id
    assert all(e.at.tzinfo is not None and abs(e.at - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(minutes=5)
               for e in events)
    assert len(audit_log(store, "acme", limit=2)) == 2
    with pytest.raises(StoreError, match="'bob' of tenant 'acme' is disabled"):
        decide(store, "acme", scan_id, "approve", "ok", "bob")
    assert decisions_of(store, "acme", PACKAGE)[-1].decision == "rectification-required"


def test_passwords_are_argon2_hashes_only(store: Store) -> None:
    made = add_user(store, "acme", "ann", PASSWORD, role="admin")
    assert (made.login, made.role, made.disabled) == ("ann", "admin", False)
    assert "password" not in {f.name for f in dataclasses.fields(made)}
    stored = store.read(lambda s: s.scalar(select(m.Reviewer.password_hash).where(m.Reviewer.login == "ann")))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert verify_password(store, "acme", "ann", PASSWORD) == made
    assert verify_password(store, "acme", "ann", PASSWORD + "!") is None
    assert verify_password(store, "acme", "nobody", PASSWORD) is None
    assert verify_password(store, "globex", "ann", PASSWORD) is None

    add_user(store, "globex", "ann", "another password")  # the same login in another tenant is another person
    assert verify_password(store, "globex", "ann", PASSWORD) is None
    assert verify_password(store, "globex", "ann", "another password") is not None
    with pytest.raises(StoreError, match="'ann' is the last enabled admin of tenant 'acme'"):
        disable_user(store, "acme", "ann")  # nobody could manage acme's people any more
    add_user(store, "acme", "amy", PASSWORD, role="admin")
    disable_user(store, "acme", "ann")
    assert verify_password(store, "acme", "ann", PASSWORD) is None
    for login, password, words in [("ann", PASSWORD, "already exists"), ("new", "short", "at least 8"),
                                   ("bad login", PASSWORD, "invalid login")]:
        with pytest.raises(StoreError, match=words):
            add_user(store, "acme", login, password)
    with pytest.raises(StoreError, match="role must be one of"):
        add_user(store, "acme", "root", PASSWORD, role="root")


def test_several_findings_are_reviewed_at_once_or_not_at_all(store: Store) -> None:
    add_user(store, DEFAULT_TENANT, "alice", PASSWORD)
    scan_id, _ = _version(store, 1, "AS-a", "AS-b", "AS-c")
    with pytest.raises(StoreError, match="has no finding 'AS-z'"):
        review_findings(store, DEFAULT_TENANT, scan_id, ["AS-a", "AS-z"], "confirmed", "real", "alice")
    assert latest_reviews(store, DEFAULT_TENANT, PACKAGE) == {}  # the good id was not reviewed either
    with pytest.raises(StoreError, match="no finding chosen"):
        review_findings(store, DEFAULT_TENANT, scan_id, [], "confirmed", "real", "alice")
    made = review_findings(store, DEFAULT_TENANT, scan_id, ["AS-c", "AS-a", "AS-c"], "confirmed", "IMEI at start-up",
                           "alice")
    assert list(made) == ["AS-c", "AS-a"] and {r.verdict for r in made.values()} == {"confirmed"}
    assert set(latest_reviews(store, DEFAULT_TENANT, PACKAGE)) == {"AS-a", "AS-c"}
    assert [e.subject for e in audit_log(store, DEFAULT_TENANT) if e.action == "finding.review"] == ["AS-a", "AS-c"]


def test_changing_a_person_ends_their_sessions(store: Store) -> None:
    add_user(store, "acme", "ann", PASSWORD, role="admin")
    add_user(store, "acme", "bob", PASSWORD)
    assert session_state(store, "acme", "bob") == ("reviewer", 0)
    assert session_state(store, "acme", "nobody") is None and session_state(store, "globex", "bob") is None
    assert set_role(store, "acme", "bob", "admin", by="ann").role == "admin"
    assert session_state(store, "acme", "bob") == ("admin", 1)
    set_password(store, "acme", "bob", "a new password", by="ann")
    assert verify_password(store, "acme", "bob", PASSWORD) is None
    assert verify_password(store, "acme", "bob", "a new password") is not None
    assert disable_user(store, "acme", "bob", by="ann").disabled
    assert session_state(store, "acme", "bob") is None
    assert not enable_user(store, "acme", "bob", by="ann").disabled
    assert session_state(store, "acme", "bob") == ("admin", 4)
    for change, words in [(lambda: set_password(store, "acme", "bob", "short"), "at least 8"),
                          (lambda: set_role(store, "acme", "bob", "root"), "role must be one of"),
                          (lambda: enable_user(store, "acme", "nobody"), "no user 'nobody'"),
                          (lambda: disable_user(store, "globex", "bob"), "no tenant 'globex'")]:
        with pytest.raises(StoreError, match=words):
            change()
    assert [e.action for e in audit_log(store, "acme")][:4] == ["user.enable", "user.disable", "user.password",
                                                                "user.role"]


def _sha(salt: str, secret: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + secret.encode()).hexdigest()


def test_a_database_at_0005_gets_its_keys_and_uploads_into_the_default_tenant(db_url: str) -> None:
    engine = create_engine(db_url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0005")
        created = dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc)
        connection.execute(text("INSERT INTO service_api_key (key_id, name, salt, secret_sha256, created_at) "
                                "VALUES ('k1', 'old ci', :salt, :sha, :at)"),
                           {"salt": "00" * 16, "sha": _sha("00" * 16, "s3cret"), "at": created})
        connection.execute(text("INSERT INTO service_upload (id, filename, path, size, status, created_at) "
                                "VALUES ('u1', 'old.apk', '/x/old.apk', 5, 'queued', :at)"), {"at": created})
    engine.dispose()

    store = open_store(db_url)  # migrates to head
    assert [(k.key_id, k.tenant) for k in list_keys(store)] == [("k1", DEFAULT_TENANT)]
    assert key_tenant(store, "k1.s3cret") == DEFAULT_TENANT
    assert [(u.id, u.tenant) for u in list_uploads(store)] == [("u1", DEFAULT_TENANT)]
    assert [e.action for e in audit_log(store, DEFAULT_TENANT)] == []
    store.close()

    engine = create_engine(db_url)
    with engine.begin() as connection:
        assert {c["name"] for c in inspect(connection).get_columns("service_upload")} >= {"tenant_id"}
        assert not any(c["nullable"] for c in inspect(connection).get_columns("service_api_key")
                       if c["name"] == "tenant_id")
        command.downgrade(alembic_config(connection), "0005")  # and back: keys and uploads stay
        assert "tenant" not in inspect(connection).get_table_names()
        assert connection.scalar(text("SELECT count(*) FROM service_api_key")) == 1
    engine.dispose()


def test_two_admins_disabled_at_once_leave_one(store: Store) -> None:
    """Each of two admins is disabled by a transaction of its own at the same moment: one must be refused. Without
    the lock on the tenant's row, PostgreSQL let both through in most rounds (each counted the other as left)."""
    def disable(tenant: str, login: str, start: threading.Barrier, outcomes: dict[str, object]) -> None:
        start.wait()
        try:
            outcomes[login] = disable_user(store, tenant, login).disabled
        except StoreError as error:
            outcomes[login] = str(error)

    for round_ in range(5):
        tenant, start = f"race{round_}", threading.Barrier(2)
        outcomes: dict[str, object] = {}
        for login in ("ann", "bob"):
            add_user(store, tenant, login, PASSWORD, role="admin")
        threads = [threading.Thread(target=disable, args=(tenant, login, start, outcomes)) for login in ("ann", "bob")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        refused = [str(v) for v in outcomes.values() if v is not True]
        assert len(outcomes) == 2 and len(refused) == 1 and "is the last enabled admin" in refused[0], outcomes
        assert sum(not u.disabled for u in list_users(store, tenant)) == 1
