"""The review endpoints of the service: what a reviewer does in the web UI, for machines with an API key.

The queue (``appscan.store.queue``, the query the UI lists with), a scan's findings with the review in force,
reviews, decisions, the rectification notice, and for admin keys the people who log in to the web UI, the API
keys, the audit log and the gate's suppressions. A key acts for its tenant only: another tenant's upload or person
is answered 404 like a missing one, so ids and logins cannot be probed. Every change goes through
``review_records`` or ``service_records``, which write its audit event in the same transaction.

A scan's endpoints are reached two ways, on the same handlers (``scan_paths``): by the upload that became it
(``/scans/{upload_id}/...``) and by the store's scan id (``/stored-scans/{scan_id}/...``, the queue's ``scan_id``),
which also reaches the scans the command line stored, since they have no upload. A scan id answers by the rule the
store's reviews apply (``visible_scans``): the tenant holds the scan when one of its uploads became it, the
``default`` tenant also the scans of no upload; any other id, a failed scan's too, is 404 alike.

Reviews and decisions are a person's: a key reviews and decides as the enabled user of its tenant whose login is
the key's name (``appscan apikey create --name LOGIN``), so the audit log and the notice name that person.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from appscan.errors import StoreError
from appscan.report.document import result_from_document
from appscan.report.i18n import DEFAULT_LANG
from appscan.report.notice import render_notice_html, render_notice_pdf
from appscan.report.views import default_ruleset
from appscan.rules.catalog import Ruleset
from appscan.rules.verdict import LABELS
from appscan.server.notices import reviewed_notice
from appscan.store import Store, add_suppression, delete_suppression, get_scan_document, list_suppressions
from appscan.store.models import MAX_ID
from appscan.store.queue import MAX_PER_PAGE, SORTS, QueueFilter, QueueRow, queue
from appscan.store.records import SuppressionRecord
from appscan.store.review_records import (
    DECISIONS,
    MIN_PASSWORD,
    ROLES,
    VERDICTS,
    AuditRecord,
    DecisionRecord,
    ReviewRecord,
    UserRecord,
    add_user,
    audit_log,
    decide,
    decisions_of,
    disable_user,
    enable_user,
    list_users,
    review_finding,
    review_findings,
    scan_review,
    set_password,
    set_role,
)
from appscan.store.service_records import KEY_ROLES, Upload, create_key, list_keys, revoke_key

__all__ = ["Caller", "ScanRef", "ScanPath", "STORED_SCANS", "held_scan", "scan_paths", "review_router", "NOTICE_CSP"]

NOTICE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
"""The notice is self-contained HTML with its own inline style; it may load and run nothing else."""

Verdict = Enum("Verdict", {v.replace("-", "_"): v for v in VERDICTS}, type=str)  # type: ignore[misc]
Decision = Enum("Decision", {d.replace("-", "_"): d for d in DECISIONS}, type=str)  # type: ignore[misc]
Sort = Enum("Sort", {s: s for s in SORTS}, type=str)  # type: ignore[misc]
Role = Enum("Role", {r: r for r in KEY_ROLES}, type=str)  # type: ignore[misc]
PersonRole = Enum("PersonRole", {r: r for r in ROLES}, type=str)  # type: ignore[misc]

STORED_SCANS = "/stored-scans"
"""Where the API names a scan by the store's id: the scans the command line stored have no upload to name them by."""
ScanId = Annotated[int, Path(ge=1, le=MAX_ID, description="The store's scan id (the queue's ``scan_id``).")]
"""Bounded like the store's ids (``integer`` columns: 32 bits on PostgreSQL), so that an id beyond them is refused
(422) instead of failing the query (a database error, 503)."""


@dataclass(frozen=True)
class Caller:
    """Who sent a request: the key (checked at every request, so a revoked key is refused at once), its tenant and
    role."""

    key_id: str
    name: str
    tenant: str
    role: str

    @property
    def actor(self) -> str:
        """How the audit log names the key when it makes or revokes keys and edits suppressions."""
        return f"{self.name[:150]} (key {self.key_id})"


@dataclass(frozen=True)
class ScanRef:
    """A successful scan of the caller's tenant, as a path named it (by upload id or by scan id)."""

    scan_id: int
    name: str
    """The id the path gave (the upload id, or the scan id), for messages and file names."""
    url: str
    """The scan's path on the API (``/scans/UPLOAD_ID`` or ``/stored-scans/SCAN_ID``), for messages."""
    upload_id: str | None
    """The upload the path named; for a scan named by its id, the tenant's latest upload that became it (None for a
    scan the command line stored)."""


@dataclass(frozen=True)
class ScanPath:
    """One way of naming a scan in paths; each per-scan endpoint is made once per way, on one handler."""

    prefix: str
    """The scan's path template: ``/scans/{upload_id}`` or ``/stored-scans/{scan_id}``."""
    resolve: Callable[..., ScanRef]
    """The dependency turning the path's id into the tenant's scan, or answering 404 (409 for an upload that has not
    become a scan)."""
    summary: str
    """Appended to the OpenAPI summaries of its endpoints."""


class ReviewIn(BaseModel):
    """A verdict on a finding; it stands for the app's later versions too (by finding id)."""

    verdict: Verdict  # type: ignore[valid-type]
    reason: str = Field(min_length=1, max_length=4000, description="Why; required for every verdict.")
    expires_at: datetime | None = Field(None, description="Required for an accepted risk (in the future), refused "
                                                          "for the other verdicts.")


class ReviewsIn(ReviewIn):
    """One verdict on several findings of a scan, recorded together (all of them, or none)."""

    finding_ids: list[str] = Field(min_length=1, max_length=1000, description="The findings' ids (``findings[].id``); "
                                                                             "repeated ids count once.")


class DecisionIn(BaseModel):
    """A decision on the scanned version; a later one replaces it."""

    decision: Decision  # type: ignore[valid-type]
    comment: str = Field(min_length=1, max_length=4000, description="Shown to the developer on the notice.")


class KeyIn(BaseModel):
    """A new API key of the caller's tenant."""

    name: str = Field(min_length=1, max_length=100, description="Who the key is for; a key named after a user's "
                                                                "login reviews and decides as that user.")
    role: Role = Role.reviewer  # type: ignore[valid-type,attr-defined]


_PASSWORD = f"At least {MIN_PASSWORD} characters; only its argon2 hash is stored."


class UserIn(BaseModel):
    """A new person of the caller's tenant, who logs in to the web UI (``/ui``) with the tenant's name, the login and
    the password. Login and password are checked by the store, which answers a bad one in one line (422)."""

    login: str = Field(description="Letters, digits and . _ - @, starting with a letter or digit, at most 100 "
                                   "characters; unique in the tenant.")
    password: str = Field(description=_PASSWORD)
    role: PersonRole = PersonRole.reviewer  # type: ignore[valid-type,attr-defined]


class PasswordIn(BaseModel):
    """A person's new password (an admin's reset)."""

    password: str = Field(description=_PASSWORD)


class RoleIn(BaseModel):
    """A person's new role: an admin also reads the audit log in the web UI."""

    role: PersonRole  # type: ignore[valid-type]


class SuppressionIn(BaseModel):
    """Hide a finding, a rule, an SDK or a clause from the gate and the reports, with a reason."""

    kind: str = Field(pattern="^(finding|rule|sdk|clause)$")
    value: str = Field(min_length=1, max_length=255)
    reason: str = Field(min_length=1, max_length=4000)
    expires_at: datetime | None = None


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _verdict(level: str | None) -> dict[str, Any] | None:
    return None if level is None else {"level": level,
                                       "label": asdict(LABELS[level]) if level in LABELS else None}


def _row(row: QueueRow) -> dict[str, Any]:
    """A queue row; ``url`` is the scan's path under ``/stored-scans`` (None for a failed scan, which has none)."""
    return {**asdict(row), "created_at": _time(row.created_at), "verdict": _verdict(row.verdict),
            "url": f"{STORED_SCANS}/{row.scan_id}" if row.status == "ok" else None}


def _review(review: ReviewRecord | None, now: datetime) -> dict[str, Any] | None:
    if review is None:
        return None
    return {**asdict(review), "expires_at": _time(review.expires_at), "at": _time(review.at),
            "in_force": review.in_force(now)}


def _decision(decision: DecisionRecord | None) -> dict[str, Any] | None:
    return None if decision is None else {**asdict(decision), "at": _time(decision.at)}


def _person(person: UserRecord) -> dict[str, Any]:
    return {**asdict(person), "created_at": _time(person.created_at)}


def _audit(event: AuditRecord) -> dict[str, Any]:
    return {**asdict(event), "at": _time(event.at)}


def _suppression(record: SuppressionRecord) -> dict[str, Any]:
    return {**asdict(record), "expires_at": _time(record.expires_at), "created_at": _time(record.created_at)}


@contextmanager
def _refused(status: int = 422) -> Iterator[None]:
    """The store's refusals of what was asked (an expiry in the past, a duplicate) as ``status``; a database
    failure (a StoreError caused by the driver) stays a 503 through the service's handler."""
    try:
        yield
    except StoreError as exc:
        if exc.__cause__ is not None:
            raise
        raise HTTPException(status, str(exc)) from None


@functools.cache
def _ruleset() -> Ruleset:
    ruleset = default_ruleset()
    if ruleset is None:
        raise HTTPException(500, "the bundled rulesets cannot be loaded")
    return ruleset


def held_scan(store: Store, tenant: str, scan_id: int) -> QueueRow:
    """The tenant's successful scan as the queue lists it. Read through the queue, it is held by the rule the queue
    and ``scan_review`` apply; a failed scan, another tenant's and a missing id get the same 404, so ids cannot be
    probed."""
    rows, _ = queue(store, QueueFilter(tenant, scan_id=scan_id), per_page=1)
    if not rows or rows[0].status != "ok":
        raise HTTPException(404, f"no scan {scan_id}")
    return rows[0]


def scan_paths(store: Callable[[], Store], caller: Callable[..., Caller],
              found: Callable[[str, str], Upload]) -> tuple[ScanPath, ScanPath]:
    """The two ways the API names a scan: by upload id (``found(upload_id, tenant)``: the tenant's upload,
    refreshed, or 404) and by the store's scan id; ``caller`` is the dependency checking the API key."""
    Auth = Depends(caller)

    def by_upload(upload_id: str, who: Caller = Auth) -> ScanRef:
        """The stored scan an upload of the caller's tenant became; 409 while it is queued or when it failed."""
        upload = found(upload_id, who.tenant)
        if upload.status != "done" or upload.scan_id is None:
            raise HTTPException(409, f"scan {upload_id} is {upload.status}" +
                                (f": {upload.error}" if upload.error else ""))
        return ScanRef(upload.scan_id, upload_id, f"/scans/{upload_id}", upload_id)

    def by_scan_id(scan_id: ScanId, who: Caller = Auth) -> ScanRef:
        """A scan the caller's tenant holds, uploaded or stored by the command line."""
        row = held_scan(store(), who.tenant, scan_id)
        return ScanRef(scan_id, str(scan_id), f"{STORED_SCANS}/{scan_id}", row.upload_id)

    return (ScanPath("/scans/{upload_id}", by_upload, ""),
            ScanPath(STORED_SCANS + "/{scan_id}", by_scan_id, " (by stored scan id)"))


def review_router(store: Callable[[], Store], caller: Callable[..., Caller], paths: Sequence[ScanPath]) -> APIRouter:
    """The review endpoints on the service's ``store``; ``caller`` is the dependency checking the API key, and each
    of ``paths`` (``scan_paths``) a way of naming a scan under which the per-scan endpoints are made."""
    router = APIRouter(tags=["review"])
    Auth = Depends(caller)

    def admin(who: Caller = Auth) -> Caller:
        if who.role != "admin":
            raise HTTPException(403, "an admin key is required (appscan apikey create --admin)")
        return who

    Admin = Depends(admin)

    def person(who: Caller) -> str:
        """The login the key acts as: an enabled user of its tenant named like the key, else 403."""
        if not any(u.login == who.name and not u.disabled for u in list_users(store(), who.tenant)):
            raise HTTPException(403, f"key {who.key_id} ({who.name!r}) acts for no enabled user of tenant "
                                f"{who.tenant!r}: reviews and decisions are a person's; make a key named after the "
                                "user's login (appscan apikey create --name LOGIN --tenant TENANT)")
        return who.name

    @router.get("/queue", summary="The review queue: scans with verdict, counts, new findings and decision")
    def review_queue(who: Caller = Auth, verdict: str | None = None, sdk: str | None = None,
                     data_type: str | None = None, clause: str | None = None, package: str | None = None,
                     since: datetime | None = None, until: datetime | None = None,
                     sort: Sort = Sort.priority,  # type: ignore[valid-type,attr-defined]
                     page: Annotated[int, Query(ge=1)] = 1,
                     per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50) -> dict[str, Any]:
        """The tenant's stored scans, as the web UI's queue lists them. Filters: ``verdict`` (high-risk,
        undetermined, rectify, pass), ``sdk`` (catalogue id detected), ``data_type`` (collected by the code),
        ``clause`` (broken by a finding), ``package`` (part of the name), ``since``/``until`` (when the scan
        finished, ISO 8601). ``sort``: priority (undetermined first, then high-risk, newest first), newest,
        package, high (most high-severity findings). Each row: scan and upload ids, app, version, status, verdict
        {level, label}, ``counts`` per severity, ``new_findings`` since the app's previous version (null for a
        first version) and the ``decision`` that stands; ``total`` counts every page."""
        flt = QueueFilter(who.tenant, verdict, sdk, data_type, clause, package, since, until)
        rows, total = queue(store(), flt, sort.value, page, per_page)
        return {"total": total, "page": page, "per_page": per_page, "rows": [_row(r) for r in rows]}

    @router.get(STORED_SCANS + "/{scan_id}", summary="A stored scan by its id, as the queue lists it")
    def stored_scan(scan_id: ScanId, who: Caller = Auth) -> dict[str, Any]:
        """The queue's row of a scan the tenant holds, named by the store's id (the queue's ``scan_id``, an upload's
        ``scan_id`` once done): also the scans the command line stored (``appscan scan --db``), which have no upload.
        Its report, findings, reviews, decision and notice are under the same path. A failed scan, another
        tenant's and a missing id: 404 alike."""
        return _row(held_scan(store(), who.tenant, scan_id))

    def scan_has(scan: ScanRef, who: Caller, finding_ids: Sequence[str]) -> None:
        """404 naming the first of ``finding_ids`` the scan does not have (the store refuses it too, as a 422)."""
        known = {f.finding.id for f in scan_review(store(), who.tenant, scan.scan_id).findings}
        missing = next((f for f in finding_ids if f not in known), None)
        if missing is not None:
            raise HTTPException(404, f"scan {scan.name} has no finding {missing!r}")

    def scan_routes(path: ScanPath) -> None:
        """The per-scan endpoints under ``path.prefix``: one handler each, whichever way the path names the scan."""
        Scan = Depends(path.resolve)

        @router.get(f"{path.prefix}/findings", summary=f"A scan's findings with the review in force{path.summary}")
        def findings(scan: ScanRef = Scan, who: Caller = Auth) -> dict[str, Any]:
            """Every finding of the scan with the latest review of it (made on this scan or ``carried_over`` from
            another version of the app, ``in_force`` false for an expired accepted risk), whether it is ``new``
            since the app's previous version, and the decision that stands."""
            review = scan_review(store(), who.tenant, scan.scan_id)
            now = datetime.now().astimezone()
            return {"scan_id": review.scan_id, "upload_id": scan.upload_id, "package": review.package,
                    "version_code": review.version_code, "version_name": review.version_name,
                    "previous_scan_id": review.previous_scan_id, "decision": _decision(review.decision),
                    "findings": [{"id": f.finding.id, "rule": f.finding.rule, "severity": f.finding.severity,
                                  "title_en": f.finding.title_en, "review": _review(f.review, now),
                                  "carried_over": f.carried_over, "new": f.new} for f in review.findings]}

        @router.post(f"{path.prefix}/findings/{{finding_id}}/review", status_code=201,
                     summary=f"Confirm a finding, mark it false positive or accept the risk{path.summary}")
        def review(finding_id: str, body: ReviewIn, scan: ScanRef = Scan, who: Caller = Auth) -> dict[str, Any]:
            """Record the key's user's verdict with its reason (and an expiry for an accepted risk); it stays in
            force for the app's later versions, and false positives and unexpired accepted risks leave the gate
            (``scan --fail-on``). 404 for a finding the scan does not have."""
            scan_has(scan, who, (finding_id,))
            with _refused():
                made = review_finding(store(), who.tenant, scan.scan_id, finding_id, body.verdict.value, body.reason,
                                      person(who), body.expires_at)
            return _review(made, datetime.now().astimezone())  # type: ignore[return-value]

        @router.post(f"{path.prefix}/reviews", status_code=201,
                     summary=f"One verdict on several findings of the scan at once{path.summary}")
        def review_several(body: ReviewsIn, scan: ScanRef = Scan, who: Caller = Auth) -> dict[str, Any]:
            """As ``findings/{finding_id}/review`` for each of ``finding_ids`` in one transaction (what the web
            UI's ticked findings do): every review is recorded, or none when one id is not the scan's (404).
            Answers each finding's review by id."""
            scan_has(scan, who, body.finding_ids)
            with _refused():
                made = review_findings(store(), who.tenant, scan.scan_id, body.finding_ids, body.verdict.value,
                                       body.reason, person(who), body.expires_at)
            now = datetime.now().astimezone()
            return {"reviews": {finding_id: _review(record, now) for finding_id, record in made.items()}}

        @router.post(f"{path.prefix}/decision", status_code=201, summary=f"Decide on the scanned version{path.summary}")
        def make_decision(body: DecisionIn, scan: ScanRef = Scan, who: Caller = Auth) -> dict[str, Any]:
            """Approve, reject or require rectification, with a comment; the latest decision stands and its notice
            can be issued (``notice`` under the same path)."""
            with _refused():
                return _decision(decide(store(), who.tenant, scan.scan_id, body.decision.value, body.comment,
                                        person(who)))  # type: ignore[return-value]

        @router.get(f"{path.prefix}/decision", summary=f"The decision that stands, and the earlier ones{path.summary}")
        def decisions(scan: ScanRef = Scan, who: Caller = Auth) -> dict[str, Any]:
            """``current``: the latest decision on the scan (null before any); ``history``: every decision on it,
            oldest first."""
            review = scan_review(store(), who.tenant, scan.scan_id)
            history = [d for d in decisions_of(store(), who.tenant, review.package) if d.scan_id == review.scan_id]
            return {"current": _decision(review.decision), "history": [_decision(d) for d in history]}

        @router.get(f"{path.prefix}/notice", summary=f"The rectification notice (整改通知), HTML or PDF{path.summary}",
                    response_class=Response,
                    responses={200: {"content": {"text/html": {}, "application/pdf": {}}}, 409: {}})
        def notice(scan: ScanRef = Scan, who: Caller = Auth,
                   format: Annotated[str, Query(pattern="^(html|pdf)$")] = "html",
                   lang: Annotated[str, Query(pattern="^(zh|en)$")] = DEFAULT_LANG,
                   deadline: date | None = None, contact: Annotated[str, Query(max_length=500)] = "") -> Response:
            """The notice of the decision that stands (409 before any decision): the confirmed findings grouped by
            the clause each breaks, with evidence and advice, issued by the tenant and signed by the deciding
            reviewer; Chinese by default. ``deadline`` and ``contact`` are printed when given. PDF needs the ``pdf``
            extra."""
            review = scan_review(store(), who.tenant, scan.scan_id)
            if review.decision is None:
                raise HTTPException(409, f"scan {scan.name} has no decision yet (POST {scan.url}/decision)")
            result = result_from_document(get_scan_document(store(), scan.scan_id))
            made = reviewed_notice(review, result, who.tenant, deadline, contact)
            if format == "pdf":
                return Response(render_notice_pdf(made, _ruleset(), lang), media_type="application/pdf", headers={
                    "Content-Disposition": f'inline; filename="notice-{scan.scan_id}.pdf"'})
            return Response(render_notice_html(made, _ruleset(), lang), media_type="text/html; charset=utf-8",
                            headers={"Content-Security-Policy": NOTICE_CSP})

    for path in paths:
        scan_routes(path)

    @router.get("/apikeys", summary="The tenant's API keys (admin)")
    def keys(who: Caller = Admin) -> list[dict[str, Any]]:
        """Id, name, role and creation time of every key of the tenant; secrets are never stored."""
        return [{**asdict(k), "created_at": _time(k.created_at)} for k in list_keys(store(), who.tenant)]

    @router.post("/apikeys", status_code=201, summary="Make an API key of the tenant (admin)")
    def make_key(body: KeyIn, who: Caller = Admin) -> dict[str, Any]:
        """The new key (``key``) is shown in this answer only: only its salted hash is stored."""
        key = create_key(store(), body.name, who.tenant, who.actor, body.role.value)
        return {"key": key, "key_id": key.partition(".")[0], "name": body.name, "role": body.role.value,
                "tenant": who.tenant}

    @router.delete("/apikeys/{key_id}", status_code=204, summary="Revoke an API key of the tenant (admin)")
    def revoke(key_id: str, who: Caller = Admin) -> Response:
        """The key is refused from its next request on; 404 for a key of no key of the tenant."""
        if not revoke_key(store(), key_id, who.tenant, who.actor):
            raise HTTPException(404, f"no API key {key_id}")
        return Response(status_code=204)

    def logins(who: Caller) -> set[str]:
        """The logins of the caller's tenant. People are disabled, never deleted, so a login found is still there
        for the change that follows; looked up before the change, so that a login the tenant does not have is
        answered 404 (or an existing one 409) before the store checks the rest of the request."""
        return {u.login for u in list_users(store(), who.tenant)}

    def changed(login: str, who: Caller, refused: int, change: Callable[..., UserRecord], *args: str) \
            -> dict[str, Any]:
        """Person ``login`` of the caller's tenant after ``change(store, tenant, login, *args, by=...)``, audited as
        the key: 404 for a login the tenant does not have (another tenant's alike: only the caller's tenant is
        looked in), ``refused`` with the store's one line for its other refusals."""
        if login not in logins(who):
            raise HTTPException(404, f"no user {login!r} in tenant {who.tenant!r}")
        with _refused(refused):
            return _person(change(store(), who.tenant, login, *args, by=who.actor))

    @router.get("/users", summary="The tenant's people, who log in to the web UI (admin)")
    def users(who: Caller = Admin) -> list[dict[str, Any]]:
        """Login, role, creation time and ``disabled`` of every person of the tenant, by login, disabled ones
        included; password hashes are never shown."""
        return [_person(u) for u in list_users(store(), who.tenant)]

    @router.post("/users", status_code=201, summary="Add a person to the tenant (admin)")
    def make_user(body: UserIn, who: Caller = Admin) -> dict[str, Any]:
        """The new person, a ``reviewer`` unless ``role`` is ``admin``; they can log in to the web UI at once. 409
        when the login exists in the tenant, 422 for a bad login or a password too short (see the body's fields)."""
        if body.login in logins(who):
            raise HTTPException(409, f"user {body.login!r} already exists in tenant {who.tenant!r}")
        with _refused():
            return _person(add_user(store(), who.tenant, body.login, body.password, body.role.value, who.actor))

    @router.post("/users/{login}/disable", summary="Disable a person of the tenant (admin)")
    def disable(login: str, who: Caller = Admin) -> dict[str, Any]:
        """They can no longer log in, review or decide, and their open web sessions end; their past reviews and
        decisions stand. 409 for the tenant's last enabled admin, 404 for a login the tenant does not have."""
        return changed(login, who, 409, disable_user)

    @router.post("/users/{login}/enable", summary="Enable a disabled person of the tenant again (admin)")
    def enable(login: str, who: Caller = Admin) -> dict[str, Any]:
        """They log in again with the password they had. 404 for a login the tenant does not have."""
        return changed(login, who, 409, enable_user)

    @router.put("/users/{login}/password", summary="Give a person of the tenant a new password (admin)")
    def new_password(login: str, body: PasswordIn, who: Caller = Admin) -> dict[str, Any]:
        """An admin's reset: the old password stops working and their open web sessions end. 422 for a password
        too short, 404 for a login the tenant does not have."""
        return changed(login, who, 422, set_password, body.password)

    @router.put("/users/{login}/role", summary="Make a person of the tenant a reviewer or an admin (admin)")
    def new_role(login: str, body: RoleIn, who: Caller = Admin) -> dict[str, Any]:
        """Their open web sessions end, so the new role holds from their next log-in. 409 when it would demote the
        tenant's last enabled admin, 404 for a login the tenant does not have."""
        return changed(login, who, 409, set_role, body.role.value)

    @router.get("/audit", summary="The tenant's audit log (admin)")
    def audit(who: Caller = Admin, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
        """The latest changes first: reviews, decisions, people, keys and suppressions, with who, when and what."""
        return [_audit(e) for e in audit_log(store(), who.tenant, limit)]

    @router.get("/suppressions", summary="The tenant's suppressions (admin)")
    def suppressions(who: Caller = Admin, active: bool = False) -> list[dict[str, Any]]:
        """Every suppression of the tenant (``active``: only those not expired). Each tenant keeps its own list;
        the command line's gate reads the ``default`` tenant's."""
        when = datetime.now().astimezone() if active else None
        return [_suppression(s) for s in list_suppressions(store(), when, who.tenant)]

    @router.post("/suppressions", status_code=201, summary="Add a suppression (admin)")
    def suppress(body: SuppressionIn, who: Caller = Admin) -> dict[str, Any]:
        """409 when the same kind and value is already suppressed."""
        with _refused(409):
            made = add_suppression(store(), body.kind, body.value, body.reason, body.expires_at, who.tenant,
                                   who.actor)
        return next(_suppression(s) for s in list_suppressions(store(), tenant=who.tenant) if s.id == made)

    @router.delete("/suppressions/{suppression_id}", status_code=204, summary="Remove a suppression (admin)")
    def unsuppress(suppression_id: int, who: Caller = Admin) -> Response:
        if not delete_suppression(store(), suppression_id, who.tenant, who.actor):
            raise HTTPException(404, f"no suppression {suppression_id}")
        return Response(status_code=204)

    return router

