"""People, finding reviews, decisions per app version and the audit log, kept apart per tenant (store migration 0006).

Every change is one transaction together with its audit event, so the log cannot miss a change nor record one that
did not happen. Reviews are never updated: the latest review of a (tenant, package, finding id) is in force and
applies to every version of the app with that finding, since finding ids are stable across versions.

A scan is a tenant's when one of the tenant's uploads became it; the scans the CLI stores without an upload are
the ``default`` tenant's. Another tenant's scan is answered exactly like a scan that does not exist, so that ids
cannot be probed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, func, insert, select
from sqlalchemy.orm import Session

from appscan.errors import StoreError, extra_needed
from appscan.store import models as m
from appscan.store.engine import Store
from appscan.store.records import FindingRef

__all__ = ["DEFAULT_TENANT", "ROLES", "VERDICTS", "SUPPRESSING", "DECISIONS", "MIN_PASSWORD", "UserRecord",
           "ReviewRecord", "DecisionRecord", "AuditRecord", "ReviewedFinding", "ScanReview", "as_utc", "tenant_id",
           "write_audit", "visible_scans", "add_user", "list_users", "disable_user", "enable_user", "set_password",
           "set_role", "session_state", "verify_password",
           "review_finding", "review_findings", "latest_reviews", "reviews_in_force", "scan_review", "decide",
           "decisions_of", "audit_log"]

DEFAULT_TENANT = "default"
ROLES = ("reviewer", "admin")
VERDICTS = ("confirmed", "false-positive", "accepted-risk")
SUPPRESSING = ("false-positive", "accepted-risk")
"""Verdicts that take a finding out of the gate, like a suppression (an accepted risk only until it expires)."""
DECISIONS = ("approve", "reject", "rectification-required")
MIN_PASSWORD = 8
_LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")
_TENANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime | None) -> datetime | None:
    """A stored time as an aware UTC time: SQLite gives it back naive, PostgreSQL in the session's zone."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A person as shown: never the password hash."""

    tenant: str
    login: str
    role: str
    created_at: datetime
    disabled: bool


@dataclass(frozen=True, slots=True)
class ReviewRecord:
    """The latest review of a finding of an app, with the version it was made on."""

    finding_id: str
    package: str
    verdict: str
    reason: str
    expires_at: datetime | None
    by: str
    at: datetime
    scan_id: int | None
    """The scan reviewed (None when that scan was deleted)."""
    version_name: str | None

    def in_force(self, at: datetime) -> bool:
        """False for an accepted risk from its expiry on; every other review stays until the next one."""
        return self.expires_at is None or at < self.expires_at

    def describe(self) -> str:
        """``false-positive by alice: reason``, as the gate's warnings and reports show it."""
        return f"{self.verdict} by {self.by}: {self.reason}"


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """A decision on one scanned version."""

    scan_id: int
    package: str
    version_code: int | None
    version_name: str | None
    decision: str
    comment: str
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One audited change."""

    id: int
    tenant: str
    actor: str
    at: datetime
    action: str
    subject: str
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ReviewedFinding:
    """A finding of a scan with the review in force for it, if any."""

    finding: FindingRef
    review: ReviewRecord | None
    """The latest review (an expired accepted risk included: ``in_force`` tells)."""
    carried_over: bool
    """The review was made on another scan (an earlier version, or an earlier scan of this one)."""
    new: bool
    """Not in the app's previous version (every finding of a first version is new)."""


@dataclass(frozen=True, slots=True)
class ScanReview:
    """A stored scan as a reviewer works through it."""

    scan_id: int
    package: str
    version_code: int | None
    version_name: str | None
    previous_scan_id: int | None
    """The latest scan of the app's previous version that the tenant holds; None for a first version."""
    findings: tuple[ReviewedFinding, ...]
    decision: DecisionRecord | None
    """The decision that stands for this scan."""


class _Tenant(NamedTuple):
    id: int
    name: str


class _ScanRow(NamedTuple):
    id: int
    package: str
    app_version_id: int
    version_code: int | None
    version_name: str | None


def _hasher() -> Any:
    """argon2id with the library's defaults (the ``server`` extra: only people's accounts need it)."""
    with extra_needed("server", "user passwords"):
        from argon2 import PasswordHasher
    return PasswordHasher()


def _new_hash(password: str) -> str:
    """The argon2 hash of a new password, once it is long enough (slow on purpose: made outside transactions)."""
    if len(password) < MIN_PASSWORD:
        raise StoreError(f"the password must have at least {MIN_PASSWORD} characters")
    return str(_hasher().hash(password))


def _check_name(kind: str, value: str, pattern: re.Pattern[str]) -> None:
    if not pattern.fullmatch(value):
        raise StoreError(f"invalid {kind} {value!r}: letters, digits and . _ - only (@ too in a login), "
                         "starting with a letter or digit, at most 100 characters")


def _tenant(session: Session, name: str, create_by: str | None = None) -> _Tenant:
    """The tenant called ``name``; made (and audited) when ``create_by`` names who makes it, else an error."""
    found = session.scalar(select(m.Tenant.id).where(m.Tenant.name == name))
    if found is not None:
        return _Tenant(found, name)
    if create_by is None:
        raise StoreError(f"no tenant {name!r} (a tenant is made by its first `appscan user add --tenant`)")
    _check_name("tenant name", name, _TENANT)
    made = _Tenant(session.scalar(insert(m.Tenant).returning(m.Tenant.id), {"name": name, "created_at": _now()}),
                   name)
    write_audit(session, made.id, create_by, "tenant.create", f"tenant {name}", {})
    return made


def tenant_id(session: Session, name: str, create_by: str | None = None) -> int:
    """The id of tenant ``name`` inside a transaction of the store (for the service tables' functions)."""
    return _tenant(session, name, create_by).id


def write_audit(session: Session, tenant: int, actor: str, action: str, subject: str,
                detail: Mapping[str, Any]) -> None:
    """Record one change in the transaction that makes it."""
    session.execute(insert(m.AuditEvent), {"tenant_id": tenant, "actor": actor, "created_at": _now(),
                                           "action": action, "subject": subject, "detail": dict(detail)})


def _person(session: Session, tenant: _Tenant, login: str) -> m.Reviewer:
    """An enabled person of the tenant: only they may review and decide."""
    row = session.scalar(select(m.Reviewer).where(m.Reviewer.tenant_id == tenant.id, m.Reviewer.login == login))
    if row is None:
        raise StoreError(f"no user {login!r} in tenant {tenant.name!r} (see appscan user list)")
    if row.disabled:
        raise StoreError(f"user {login!r} of tenant {tenant.name!r} is disabled")
    return row


def _visible(tenant: _Tenant) -> ColumnElement[bool]:
    """True for the scans the tenant holds: one of its uploads became them (the default tenant: or no upload)."""
    upload = m.ServiceUpload
    mine = select(upload.scan_id).where(upload.tenant_id == tenant.id, upload.scan_id.is_not(None))
    if tenant.name != DEFAULT_TENANT:
        return m.Scan.id.in_(mine)
    # "one of mine, or nobody's" as one anti-join: not among the scans only other tenants uploaded (an OR of two
    # subqueries kept PostgreSQL from hashing either: 0.7 s for 6,000 scans)
    others = select(upload.scan_id).where(upload.tenant_id != tenant.id, upload.scan_id.is_not(None))
    return m.Scan.id.not_in(others.except_(mine))


def visible_scans(session: Session, tenant: str) -> ColumnElement[bool]:
    """The condition on ``scan`` keeping the scans ``tenant`` holds, for queries outside this module (the queue)."""
    return _visible(_tenant(session, tenant))


def _scan(session: Session, tenant: _Tenant, scan_id: int) -> _ScanRow:
    """A successful scan the tenant holds; any other id gets the same error, whoever's scan it is."""
    row = session.execute(
        select(m.Scan.id, m.App.package, m.AppVersion.id, m.AppVersion.version_code, m.AppVersion.version_name)
        .join(m.AppVersion, m.AppVersion.id == m.Scan.app_version_id).join(m.App, m.App.id == m.AppVersion.app_id)
        .where(m.Scan.id == scan_id, m.Scan.status == "ok", _visible(tenant))).first()
    if row is None:
        raise StoreError(f"no scan {scan_id} in tenant {tenant.name!r} (only successful scans are reviewed; see "
                         "appscan db list)")
    return _ScanRow(*row)


def _user(row: m.Reviewer, tenant: str) -> UserRecord:
    return UserRecord(tenant, row.login, row.role, as_utc(row.created_at), row.disabled)  # type: ignore[arg-type]


def add_user(store: Store, tenant: str, login: str, password: str, role: str = "reviewer",
             by: str = "cli") -> UserRecord:
    """Add a person to ``tenant`` (made when it does not exist yet); only an argon2 hash of the password is kept."""
    _check_name("login", login, _LOGIN)
    if role not in ROLES:
        raise StoreError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    hashed = _new_hash(password)

    def run(session: Session) -> UserRecord:
        owner = _tenant(session, tenant, create_by=by)
        if session.scalar(select(m.Reviewer.id).where(m.Reviewer.tenant_id == owner.id,
                                                      m.Reviewer.login == login)) is not None:
            raise StoreError(f"user {login!r} already exists in tenant {tenant!r}")
        row = m.Reviewer(tenant_id=owner.id, login=login, role=role, password_hash=hashed, created_at=_now(),
                         disabled=False, session_epoch=0)
        session.add(row)
        write_audit(session, owner.id, by, "user.add", f"user {login}", {"role": role})
        session.flush()
        return _user(row, tenant)
    return store.write(run)


def list_users(store: Store, tenant: str) -> list[UserRecord]:
    """The tenant's people by login, disabled ones included."""
    def run(session: Session) -> list[UserRecord]:
        owner = _tenant(session, tenant)
        return [_user(r, tenant) for r in session.scalars(
            select(m.Reviewer).where(m.Reviewer.tenant_id == owner.id).order_by(m.Reviewer.login))]
    return store.read(run)


def _manages(row: m.Reviewer) -> bool:
    """True for an enabled admin: someone who can still manage the tenant's people in the web UI."""
    return row.role == "admin" and not row.disabled


def _changed(store: Store, tenant: str, login: str, by: str, action: str, detail: Mapping[str, Any],
             change: Callable[[m.Reviewer], None]) -> UserRecord:
    """Apply ``change`` to a person (enabled or not), end their open sessions and audit it, in one transaction.

    A change that would leave the tenant without an enabled admin person (disabling or demoting the last one) is
    refused, whoever asks (the CLI, an admin key, the web UI): a tenant nobody can manage could only be repaired
    from the database's command line.
    """
    def run(session: Session) -> UserRecord:
        owner = _tenant(session, tenant)
        # the tenant's people change one transaction at a time (a lock on the tenant's row; SQLite's writers queue
        # anyway), so that two admins disabled at once on PostgreSQL cannot each count the other as the one left
        session.execute(select(m.Tenant.id).where(m.Tenant.id == owner.id).with_for_update())
        row = session.scalar(select(m.Reviewer).where(m.Reviewer.tenant_id == owner.id, m.Reviewer.login == login))
        if row is None:
            raise StoreError(f"no user {login!r} in tenant {tenant!r} (see appscan user list)")
        managed = _manages(row)
        change(row)
        if managed and not _manages(row) and not session.scalar(
                select(func.count()).select_from(m.Reviewer).where(
                    m.Reviewer.tenant_id == owner.id, m.Reviewer.id != row.id, m.Reviewer.role == "admin",
                    ~m.Reviewer.disabled)):
            raise StoreError(f"user {login!r} is the last enabled admin of tenant {tenant!r}: make another user "
                             "admin first (appscan user role LOGIN --role admin), or nobody could manage its people")
        row.session_epoch += 1
        write_audit(session, owner.id, by, action, f"user {login}", detail)
        return _user(row, tenant)
    return store.write(run)


def disable_user(store: Store, tenant: str, login: str, by: str = "cli") -> UserRecord:
    """Stop a person from logging in, reviewing and deciding, and end their open sessions; their past reviews and
    decisions stand. The tenant's last enabled admin cannot be disabled."""
    return _changed(store, tenant, login, by, "user.disable", {}, lambda row: setattr(row, "disabled", True))


def enable_user(store: Store, tenant: str, login: str, by: str = "cli") -> UserRecord:
    """Let a disabled person log in again (with the password they had)."""
    return _changed(store, tenant, login, by, "user.enable", {}, lambda row: setattr(row, "disabled", False))


def set_password(store: Store, tenant: str, login: str, password: str, by: str = "cli") -> UserRecord:
    """Give a person a new password (an admin's reset); their open sessions end."""
    hashed = _new_hash(password)
    return _changed(store, tenant, login, by, "user.password", {},
                    lambda row: setattr(row, "password_hash", hashed))


def set_role(store: Store, tenant: str, login: str, role: str, by: str = "cli") -> UserRecord:
    """Make a person a reviewer or an admin; their open sessions end, so the new role holds from the next page. The
    tenant's last enabled admin cannot be made a reviewer."""
    if role not in ROLES:
        raise StoreError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    return _changed(store, tenant, login, by, "user.role", {"role": role}, lambda row: setattr(row, "role", role))


def session_state(store: Store, tenant: str, login: str) -> tuple[str, int] | None:
    """The role and session epoch of an enabled person, read at every page so that a disabled person's or a
    changed person's open session ends at once; None for a disabled or unknown person."""
    row = store.read(lambda session: session.execute(
        select(m.Reviewer.role, m.Reviewer.session_epoch, m.Reviewer.disabled)
        .join(m.Tenant, m.Tenant.id == m.Reviewer.tenant_id)
        .where(m.Tenant.name == tenant, m.Reviewer.login == login)).first())
    return None if row is None or row.disabled else (row.role, row.session_epoch)


def verify_password(store: Store, tenant: str, login: str, password: str) -> UserRecord | None:
    """The person when ``password`` is theirs and they are enabled; None otherwise, for every reason alike.

    An unknown login still costs one hash verification, so that timing does not tell which logins exist.
    """
    hasher = _hasher()
    from argon2.exceptions import InvalidHashError, VerificationError

    def run(session: Session) -> tuple[str | None, UserRecord | None]:
        row = session.execute(select(m.Reviewer).join(m.Tenant, m.Tenant.id == m.Reviewer.tenant_id)
                              .where(m.Tenant.name == tenant, m.Reviewer.login == login)).scalar()
        return (None, None) if row is None else (row.password_hash, _user(row, tenant))
    stored, user = store.read(run)
    try:
        hasher.verify(stored or _unknown_user_hash(hasher), password)
    except (VerificationError, InvalidHashError):
        return None
    return user if user is not None and not user.disabled else None


_UNKNOWN: list[str] = []
"""The hash verified for unknown logins, made once per process."""


def _unknown_user_hash(hasher: Any) -> str:
    if not _UNKNOWN:
        _UNKNOWN.append(hasher.hash("no such user"))
    return _UNKNOWN[0]


def _review_query(owner: _Tenant, package: str) -> Any:
    """The tenant's reviews of one app's findings, the latest of each finding first."""
    review = m.FindingReview
    return (select(review.finding_id, review.package, review.verdict, review.reason, review.expires_at,
                   m.Reviewer.login, review.created_at, review.scan_id, m.AppVersion.version_name)
            .join(m.Reviewer, m.Reviewer.id == review.reviewer_id)
            .outerjoin(m.Scan, m.Scan.id == review.scan_id)
            .outerjoin(m.AppVersion, m.AppVersion.id == m.Scan.app_version_id)
            .where(review.tenant_id == owner.id, review.package == package)
            .order_by(review.finding_id, review.id.desc()))


def _latest(session: Session, owner: _Tenant, package: str) -> dict[str, ReviewRecord]:
    out: dict[str, ReviewRecord] = {}
    for fid, pkg, verdict, reason, expires, login, at, scan_id, version in session.execute(_review_query(owner,
                                                                                                      package)):
        if fid not in out:
            out[fid] = ReviewRecord(fid, pkg, verdict, reason, as_utc(expires), login, as_utc(at),  # type: ignore[arg-type]
                                    scan_id, version)
    return out


def review_finding(store: Store, tenant: str, scan_id: int, finding_id: str, verdict: str, reason: str, by: str,
                   expires_at: datetime | None = None) -> ReviewRecord:
    """Record ``by``'s verdict on a finding of a scan the tenant holds; it stands for the app's later versions too.

    A reason is always required; an accepted risk also needs an expiry in the future (and nothing else takes one).
    """
    return review_findings(store, tenant, scan_id, (finding_id,), verdict, reason, by, expires_at)[finding_id]


def review_findings(store: Store, tenant: str, scan_id: int, finding_ids: Sequence[str], verdict: str, reason: str,
                    by: str, expires_at: datetime | None = None) -> dict[str, ReviewRecord]:
    """One verdict and reason on several findings of a scan at once (a reviewer confirming a scan's high findings
    together), as ``review_finding`` records each: all of them or, when one id is not the scan's, none."""
    if verdict not in VERDICTS:
        raise StoreError(f"verdict must be one of {', '.join(VERDICTS)}, not {verdict!r}")
    if not reason.strip():
        raise StoreError("a reason is required for every review")
    if verdict == "accepted-risk" and expires_at is None:
        raise StoreError("an accepted risk needs an expiry date, so that it is reviewed again")
    if verdict != "accepted-risk" and expires_at is not None:
        raise StoreError(f"only an accepted risk expires, not a {verdict} finding")
    if expires_at is not None and as_utc(expires_at) <= _now():  # type: ignore[operator]
        raise StoreError(f"the expiry {expires_at:%Y-%m-%d} is not in the future")
    wanted = list(dict.fromkeys(finding_ids))
    if not wanted:
        raise StoreError("no finding chosen to review")

    def run(session: Session) -> dict[str, ReviewRecord]:
        owner = _tenant(session, tenant)
        scan = _scan(session, owner, scan_id)
        present = set(session.scalars(select(m.Finding.finding_id).where(m.Finding.scan_id == scan.id,
                                                                        m.Finding.finding_id.in_(wanted))))
        missing = [f for f in wanted if f not in present]
        if missing:
            raise StoreError(f"scan {scan_id} has no finding {missing[0]!r} (see appscan review list {scan_id})")
        person = _person(session, owner, by)
        for finding_id in wanted:
            row = {"tenant_id": owner.id, "package": scan.package, "finding_id": finding_id, "scan_id": scan.id,
                   "verdict": verdict, "reason": reason.strip(), "expires_at": expires_at,
                   "reviewer_id": person.id, "created_at": _now()}
            session.execute(insert(m.FindingReview), row)
            write_audit(session, owner.id, by, "finding.review", finding_id,
                        {"verdict": verdict, "reason": row["reason"], "package": scan.package, "scan_id": scan.id,
                         "expires_at": expires_at.isoformat() if expires_at else None})
        latest = _latest(session, owner, scan.package)
        return {finding_id: latest[finding_id] for finding_id in wanted}
    return store.write(run)


def latest_reviews(store: Store, tenant: str, package: str) -> dict[str, ReviewRecord]:
    """The latest review of each reviewed finding of an app, by finding id, expired accepted risks included."""
    return store.read(lambda session: _latest(session, _tenant(session, tenant), package))


def reviews_in_force(store: Store, tenant: str, package: str, at: datetime | None = None) -> dict[str, ReviewRecord]:
    """The reviews that apply at ``at`` (now): the latest of each finding, unless it is an accepted risk expired."""
    when = at or _now()
    return {fid: r for fid, r in latest_reviews(store, tenant, package).items() if r.in_force(when)}


def _previous_scan(session: Session, owner: _Tenant, scan: _ScanRow) -> int | None:
    """The latest scan the tenant holds of the version before ``scan``'s, ordered as ``history`` orders versions."""
    rows = session.execute(
        select(m.AppVersion.id, m.AppVersion.version_code, func.max(m.Scan.id))
        .join(m.Scan, m.Scan.app_version_id == m.AppVersion.id).join(m.App, m.App.id == m.AppVersion.app_id)
        .where(m.App.package == scan.package, m.Scan.status == "ok", _visible(owner))
        .group_by(m.AppVersion.id, m.AppVersion.version_code)).all()
    ordered = sorted(rows, key=lambda r: (r[1] is not None, r[1] or 0, r[0]))
    place = next(i for i, r in enumerate(ordered) if r[0] == scan.app_version_id)
    return ordered[place - 1][2] if place else None


def _finding_refs(session: Session, scan_id: int) -> list[FindingRef]:
    return [FindingRef(*row) for row in session.execute(
        select(m.Finding.finding_id, m.Finding.rule, m.Finding.severity, m.Finding.title_en)
        .where(m.Finding.scan_id == scan_id).order_by(m.Finding.ord))]


def _decision_query(owner: _Tenant) -> Any:
    decision = m.AppDecision
    return (select(decision.scan_id, m.App.package, m.AppVersion.version_code, m.AppVersion.version_name,
                   decision.decision, decision.comment, m.Reviewer.login, decision.created_at)
            .join(m.Reviewer, m.Reviewer.id == decision.reviewer_id)
            .join(m.Scan, m.Scan.id == decision.scan_id)
            .join(m.AppVersion, m.AppVersion.id == m.Scan.app_version_id)
            .join(m.App, m.App.id == m.AppVersion.app_id)
            .where(decision.tenant_id == owner.id).order_by(decision.id))


def _decisions(session: Session, query: Any) -> list[DecisionRecord]:
    return [DecisionRecord(*row[:7], as_utc(row[7])) for row in session.execute(query)]  # type: ignore[arg-type]


def scan_review(store: Store, tenant: str, scan_id: int) -> ScanReview:
    """A scan's findings with the review of each (carried over from earlier versions) and which are new."""
    def run(session: Session) -> ScanReview:
        owner = _tenant(session, tenant)
        scan = _scan(session, owner, scan_id)
        previous = _previous_scan(session, owner, scan)
        before = None if previous is None else {f.id for f in _finding_refs(session, previous)}
        reviews = _latest(session, owner, scan.package)
        findings = tuple(ReviewedFinding(f, reviews.get(f.id), f.id in reviews and reviews[f.id].scan_id != scan.id,
                                         before is None or f.id not in before)
                         for f in _finding_refs(session, scan.id))
        decisions = _decisions(session, _decision_query(owner).where(m.AppDecision.scan_id == scan.id))
        return ScanReview(scan.id, scan.package, scan.version_code, scan.version_name, previous, findings,
                          decisions[-1] if decisions else None)
    return store.read(run)


def decide(store: Store, tenant: str, scan_id: int, decision: str, comment: str, by: str) -> DecisionRecord:
    """Record ``by``'s decision on a scanned version the tenant holds; a later decision replaces it."""
    if decision not in DECISIONS:
        raise StoreError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    if not comment.strip():
        raise StoreError("a comment is required for every decision")

    def run(session: Session) -> DecisionRecord:
        owner = _tenant(session, tenant)
        scan = _scan(session, owner, scan_id)
        person = _person(session, owner, by)
        row_id = session.scalar(insert(m.AppDecision).returning(m.AppDecision.id), {
            "tenant_id": owner.id, "scan_id": scan.id, "decision": decision, "comment": comment.strip(),
            "reviewer_id": person.id, "created_at": _now()})
        write_audit(session, owner.id, by, "scan.decide", f"scan {scan.id}",
                    {"decision": decision, "comment": comment.strip(), "package": scan.package,
                     "version_name": scan.version_name})
        return _decisions(session, _decision_query(owner).where(m.AppDecision.id == row_id))[0]
    return store.write(run)


def decisions_of(store: Store, tenant: str, package: str) -> list[DecisionRecord]:
    """Every decision the tenant made on versions of an app, oldest first (the last per scan stands)."""
    return store.read(lambda session: _decisions(
        session, _decision_query(_tenant(session, tenant)).where(m.App.package == package)))


def audit_log(store: Store, tenant: str, limit: int = 100) -> list[AuditRecord]:
    """The tenant's latest ``limit`` changes, newest first."""
    def run(session: Session) -> list[AuditRecord]:
        owner = _tenant(session, tenant)
        event = m.AuditEvent
        query = (select(event.id, event.actor, event.created_at, event.action, event.subject, event.detail)
                 .where(event.tenant_id == owner.id).order_by(event.id.desc()).limit(limit))
        return [AuditRecord(i, tenant, actor, as_utc(at), action, subject, detail)  # type: ignore[arg-type]
                for i, actor, at, action, subject, detail in session.execute(query)]
    return store.read(run)

