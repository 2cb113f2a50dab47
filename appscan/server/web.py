"""The reviewer's web UI under ``/ui``: server-rendered pages on the service's store, for people who log in.

Pages: the queue (the tenant's scans through ``appscan.store.queue``, the same query as the API), upload, an app's
versions with the diff of two of them, a scan with its report, the findings with the review in force and a review
form each, the decision form and the rectification notice (HTML and PDF), and the audit log (admins). Every change
goes through ``review_records``, which checks the tenant and writes the audit event in the same transaction.

Pages are Jinja2 templates with autoescaping always on and undefined names raising: app labels, package names, file
names and reviewers' comments are untrusted. UI text comes from ``appscan.server.ui_text`` (Chinese by default,
English by a cookie). The pages load one same-origin style sheet and no script; every response carries a CSP that
allows nothing else, and the HTML report, embedded in a sandboxed frame, keeps the report's own CSP. Another
tenant's scan, upload or app is answered like one that does not exist (404), so ids cannot be probed.
"""

from __future__ import annotations

import contextlib
import functools
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from importlib import resources
from typing import Annotated, Any, Protocol

import jinja2
from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from appscan.errors import AppscanError, StoreError
from appscan.model import Text
from appscan.report import render_bytes
from appscan.report.document import result_from_document
from appscan.report.diff_view import build_diff_view
from appscan.report.i18n import MESSAGES as REPORT_MESSAGES
from appscan.report.i18n import pick
from appscan.report.notice import Notice, render_notice_html, render_notice_pdf
from appscan.report.views import default_ruleset, sdk_name
from appscan.rules.catalog import Ruleset
from appscan.rules.severity import SEVERITIES
from appscan.rules.verdict import LABELS, LEVELS
from appscan.server.dispatch import QueueFull
from appscan.server.limits import KeyLimits, RateLimited
from appscan.server.notices import confirmed_findings, reviewed_notice
from appscan.server.session import LANG_COOKIE, Sessions, SessionUser, WebSettings
from appscan.server.ui_text import DEFAULT_LANG, LANGS, t
from appscan.server.upload import ReceivedFile, UploadRejected
from appscan.store import Store, add_suppression, delete_suppression, get_scan_document, list_suppressions
from appscan.store.queries import diff_scans
from appscan.store.models import MAX_ID
from appscan.store.queue import SORTS, QueueFilter, QueueRow, queue
from appscan.store.repository import SUPPRESSION_KINDS
from appscan.store.review_records import (
    DECISIONS,
    MIN_PASSWORD,
    ROLES,
    VERDICTS,
    ReviewedFinding,
    ScanReview,
    add_user,
    audit_log,
    decide,
    disable_user,
    enable_user,
    list_users,
    review_findings,
    scan_review,
    session_state,
    set_password,
    set_role,
    verify_password,
)
from appscan.store.service_records import (
    KEY_ROLES,
    Upload,
    create_key,
    get_upload,
    list_keys,
    list_uploads,
    revoke_key,
)

__all__ = ["install"]

PER_PAGE = 50
AUDIT_SHOWN = 200
ADMIN_DONE = ("user_added", "user_disabled", "user_enabled", "user_role", "user_password", "key_revoked",
              "suppression_added", "suppression_removed")
"""What the admin page confirms after a change (``?done=``); anything else in the URL is ignored."""
PAGE_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; frame-src 'self'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'")
"""The pages: the UI's style sheet, the report frame and forms to this server; no script at all."""
REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; frame-ancestors 'self'; "
              "base-uri 'none'; form-action 'none'; sandbox allow-scripts allow-modals allow-popups")
"""The HTML report's own policy (inline style and script, nothing from anywhere), in a sandbox of its own origin:
its script filters tables and cannot read the session or call the UI, even when the report is opened directly."""
NOTICE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; sandbox"
_STATIC = {"ui.css": "text/css; charset=utf-8"}


class ServiceState(Protocol):
    """What the pages use of the service's running state (``appscan.server.api``)."""

    store: Store

    def refresh(self, upload: Upload) -> Upload: ...

    async def accept(self, request: Request, tenant: str, uploader: str) -> tuple[Upload, ReceivedFile]: ...


class Refused(Exception):
    """A request the UI answers with an error page: ``status`` and a catalogue key (``detail``: the store's or the
    upload checker's own words, shown as data)."""

    def __init__(self, status: int, key: str, detail: str = "") -> None:
        super().__init__(key)
        self.status, self.key, self.detail = status, key, detail


class LoginNeeded(Exception):
    """No valid session: the browser goes to the log-in page, and back to ``target`` afterwards."""

    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target


@functools.cache
def _environment() -> jinja2.Environment:
    """One template environment per process; autoescape is unconditional, undefined names raise."""
    return jinja2.Environment(loader=jinja2.PackageLoader("appscan.server", "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _lang(request: Request) -> str:
    chosen = request.cookies.get(LANG_COOKIE, DEFAULT_LANG)
    return chosen if chosen in LANGS else DEFAULT_LANG


def _here(request: Request) -> str:
    """The path and query of the request, to come back to after a language switch or a log-in."""
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def _local_target(target: str | None) -> str:
    """``target`` when it is a page of this UI, else the queue: redirects never leave the site."""
    if target and target.startswith("/ui/") and not target.startswith(("//", "/\\")) and "\\" not in target:
        return target
    return "/ui/queue"


def _headers(csp: str = PAGE_CSP) -> dict[str, str]:
    return {"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
            "Cache-Control": "no-store", "X-Frame-Options": "SAMEORIGIN" if "frame-ancestors 'self'" in csp
            else "DENY"}


def _text(value: Any, lang: str) -> str:
    """A bilingual value (``Text`` or a document's ``{"zh", "en"}``) in ``lang``; anything else as it is."""
    if isinstance(value, Text):
        return pick(value, lang)
    if isinstance(value, Mapping) and "zh" in value and "en" in value:
        return str(value[lang])
    return "" if value is None else str(value)


def _render(request: Request, template: str, user: SessionUser | None, status: int = 200,
            **values: Any) -> HTMLResponse:
    lang = _lang(request)
    page = _environment().get_template(template).render(
        t=functools.partial(t, lang), rt=lambda key: REPORT_MESSAGES[lang][key], tx=lambda v: _text(v, lang),
        lang=lang, other=next(code for code in LANGS if code != lang), user=user, here=_here(request),
        quote=lambda v: urllib.parse.quote(str(v), safe=""), severities=SEVERITIES,
        verdict_label=lambda level: pick(LABELS[level], lang) if level in LABELS else (level or "—"),
        when=lambda at: at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M") if at else "—", **values)
    return HTMLResponse(page, status_code=status, headers=_headers())


@contextlib.contextmanager
def _refusing(key: str) -> Iterator[None]:
    """The store's refusal of a change (a duplicate, a short password, an unknown person, a review or decision it
    cannot take) as a 422 page that shows its one line."""
    try:
        yield
    except StoreError as exc:
        raise Refused(422, key, str(exc)) from None


def _day(value: str | None, field: str, end: bool = False) -> datetime | None:
    """A form's ``YYYY-MM-DD`` as an aware UTC time (the next midnight when ``end``: an inclusive last day)."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise Refused(422, "error.date", f"{field}: {value}") from None
    return datetime.combine(day + timedelta(days=1) if end else day, time(), timezone.utc)


@dataclass(frozen=True)
class _Catalogue:
    """Choices of the queue's filters, named as the reports name them, from the bundled ruleset."""

    ruleset: Ruleset | None

    def sdks(self, lang: str) -> list[tuple[str, str]]:
        rules = self.ruleset.sdks if self.ruleset else ()
        return sorted(((s.id, pick(sdk_name(s.id, s.name, self.ruleset), lang)) for s in rules), key=lambda p: p[1])

    def data_types(self, lang: str) -> list[tuple[str, str]]:
        rules = self.ruleset.data_types if self.ruleset else ()
        return [(d.id, pick(d.name, lang)) for d in rules if d.personal]

    def clauses(self, lang: str) -> list[tuple[str, str]]:
        return [(c.id, f"{c.id} {pick(c.title, lang)}") for c in (self.ruleset.clauses if self.ruleset else ())]


def _notice(store: Store, user: SessionUser, scan_id: int) -> tuple[Notice, Ruleset]:
    """The notice of a scan: its confirmed findings and the decision that stands, issued by the tenant."""
    review = _scan_review(store, user, scan_id)
    if review.decision is None:
        raise Refused(409, "error.no_decision")
    ruleset = default_ruleset()
    if ruleset is None:
        raise Refused(500, "error.no_ruleset")
    return reviewed_notice(review, result_from_document(get_scan_document(store, scan_id)), user.tenant), ruleset


def _scan_review(store: Store, user: SessionUser, scan_id: int) -> ScanReview:
    """The tenant's scan as a reviewer sees it; a scan of another tenant, failed or missing: 404 alike (an id
    beyond the store's too, before it reaches a query)."""
    if not 1 <= scan_id <= MAX_ID:
        raise Refused(404, "error.no_scan")
    try:
        return scan_review(store, user.tenant, scan_id)
    except StoreError:
        raise Refused(404, "error.no_scan") from None


def _versions(store: Store, user: SessionUser, package: str) -> list[QueueRow]:
    """Every scan of the app the tenant holds, newest version first (the queue's rows of exactly this package)."""
    rows, _ = queue(store, QueueFilter(user.tenant, package=package), sort="package", per_page=500)
    return [r for r in rows if r.package == package and r.status == "ok"]


def _router(service: Callable[[], ServiceState], sessions: Sessions) -> APIRouter:
    router = APIRouter(prefix="/ui", include_in_schema=False)
    catalogue = _Catalogue(default_ruleset())
    login_limits = KeyLimits(10, 1)
    """Log-in attempts per tenant and login: ten a minute, on top of argon2's cost per attempt."""

    def person(request: Request) -> SessionUser:
        user = sessions.user(request)
        if user is None:
            raise LoginNeeded(_here(request) if request.method == "GET" else "/ui/queue")
        return user

    def poster(request: Request, csrf: Annotated[str | None, Form()] = None) -> SessionUser:
        """The person of a form's POST, once its CSRF token is checked."""
        user = person(request)
        if not sessions.csrf_ok(user, csrf):
            raise Refused(403, "error.csrf")
        return user

    def admin_only(user: SessionUser) -> SessionUser:
        if not user.admin:
            raise Refused(403, "error.admin_only")
        return user

    def admin(user: SessionUser = Depends(person)) -> SessionUser:
        return admin_only(user)

    def admin_poster(user: SessionUser = Depends(poster)) -> SessionUser:
        """An admin's form POST, once its CSRF token is checked."""
        return admin_only(user)

    Person, Poster, Admin, AdminPoster = Depends(person), Depends(poster), Depends(admin), Depends(admin_poster)

    @router.get("/static/{name}")
    def static(name: str) -> Response:
        if name not in _STATIC:
            raise Refused(404, "error.not_found")
        body = resources.files("appscan.server").joinpath("static", name).read_bytes()
        return Response(body, media_type=_STATIC[name], headers={"Cache-Control": "max-age=3600",
                                                                  "X-Content-Type-Options": "nosniff"})

    @router.get("/lang/{code}")
    def language(code: str, next: str | None = None) -> Response:  # noqa: A002 - the usual name
        response = RedirectResponse(_local_target(next), status_code=303)
        if code in LANGS:
            response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, path="/ui", samesite="strict",
                                secure=sessions.settings.secure_cookies)
        return response

    @router.get("")
    @router.get("/")
    def home() -> Response:
        return RedirectResponse("/ui/queue", status_code=303)

    def login_page(request: Request, target: str, failed: bool = False, tenant: str = "",
                   login: str = "") -> Response:
        token, cookie = sessions.login_token(request)
        page = _render(request, "login.html.j2", None, status=401 if failed else 200, target=target,
                       failed=failed, tenant=tenant, login=login, token=token)
        sessions.keep_login_token(page, cookie)
        return page

    @router.get("/login")
    def login_form(request: Request, next: str | None = None) -> Response:  # noqa: A002 - the usual name
        return login_page(request, _local_target(next))

    @router.post("/login")
    def login(request: Request, tenant: Annotated[str, Form()], login: Annotated[str, Form()],
              password: Annotated[str, Form()], token: Annotated[str, Form()] = "",
              next: Annotated[str, Form()] = "/ui/queue") -> Response:  # noqa: A002
        if not sessions.login_token_ok(request, token):
            raise Refused(403, "error.login_form")
        try:
            login_limits.request(f"{tenant}\0{login}")
        except RateLimited:
            raise Refused(429, "error.login_rate") from None
        user = verify_password(service().store, tenant, login, password)
        if user is None:
            return login_page(request, _local_target(next), failed=True, tenant=tenant, login=login)
        response = RedirectResponse(_local_target(next), status_code=303)
        if not sessions.start(response, user.tenant, user.login):
            return login_page(request, _local_target(next), failed=True, tenant=tenant, login=login)
        return response

    @router.post("/logout")
    def logout(_user: SessionUser = Poster) -> Response:
        response = RedirectResponse("/ui/login", status_code=303)
        sessions.end(response)
        return response

    @router.get("/queue")
    def queue_page(request: Request, user: SessionUser = Person, verdict: str | None = None, sdk: str | None = None,
                   data_type: str | None = None, clause: str | None = None, package: str | None = None,
                   since: str | None = None, until: str | None = None, sort: str = "priority",
                   page: Annotated[int, Query(ge=1)] = 1) -> Response:
        lang = _lang(request)
        chosen = {"verdict": verdict or "", "sdk": sdk or "", "data_type": data_type or "",
                  "clause": clause or "", "package": package or "", "since": since or "", "until": until or "",
                  "sort": sort if sort in SORTS else "priority"}
        flt = QueueFilter(user.tenant, verdict or None, sdk or None, data_type or None, clause or None,
                          package or None, _day(since, "since"), _day(until, "until", end=True))
        s = service()
        rows, total = queue(s.store, flt, chosen["sort"], page, PER_PAGE)
        waiting = [u for u in (s.refresh(u) for u in list_uploads(s.store, limit=20, tenant_name=user.tenant)
                               if u.status != "done") if u.status != "done"]
        pages = max(1, -(-total // PER_PAGE))
        link = {k: v for k, v in chosen.items() if v}
        return _render(request, "queue.html.j2", user, rows=rows, total=total, page=page, pages=pages,
                       chosen=chosen, query=lambda **change: urllib.parse.urlencode({**link, **change}),
                       waiting=waiting, levels=LEVELS, sorts=SORTS,
                       sdks=catalogue.sdks(lang), data_types=catalogue.data_types(lang),
                       clauses=catalogue.clauses(lang))

    @router.get("/upload")
    def upload_form(request: Request, user: SessionUser = Person) -> Response:
        return _render(request, "upload.html.j2", user)

    @router.post("/upload")
    async def upload(request: Request, csrf: str | None = None) -> Response:
        """The form's file and policy parts stream to disk as for ``POST /scans`` (the service's ``accept``); the
        CSRF token is in the form's action URL, since the body is not parsed as a form before it is checked."""
        user = person(request)
        if not sessions.csrf_ok(user, csrf):
            raise Refused(403, "error.csrf")
        s = service()
        try:
            upload, _received = await s.accept(request, user.tenant, f"user:{user.tenant}/{user.login}")
        except UploadRejected as exc:
            raise Refused(exc.status, "error.upload", str(exc)) from None
        except (QueueFull, RateLimited):
            raise Refused(429, "error.busy") from None
        return RedirectResponse(f"/ui/uploads/{upload.id}", status_code=303)

    @router.get("/uploads/{upload_id}")
    def upload_status(request: Request, upload_id: str, user: SessionUser = Person,
                      wait: Annotated[int, Query(ge=0, le=1000)] = 0) -> Response:
        s = service()
        found = get_upload(s.store, upload_id, tenant_name=user.tenant)
        if found is None:
            raise Refused(404, "error.no_upload")
        found = s.refresh(found)
        if found.status == "done" and found.scan_id is not None:
            return RedirectResponse(f"/ui/scans/{found.scan_id}", status_code=303)
        # a small app's scan takes a few seconds: look again after 1 s, then a second longer each time up to 5 s
        return _render(request, "upload_status.html.j2", user, upload=found, again=min(5, 1 + wait),
                       next_wait=wait + 1)

    @router.get("/app")
    def app_page(request: Request, package: str, user: SessionUser = Person, old: int | None = None,
                 new: int | None = None) -> Response:
        s = service()
        versions = _versions(s.store, user, package)
        if not versions:
            raise Refused(404, "error.no_app")
        ids = [v.scan_id for v in versions]
        if old is None or new is None:
            new, old = (ids[0], ids[1]) if len(ids) > 1 else (ids[0], ids[0])
        if old not in ids or new not in ids:
            raise Refused(404, "error.no_scan")
        diff = build_diff_view(diff_scans(s.store, old, new), catalogue.ruleset) if old != new else None
        return _render(request, "app.html.j2", user, package=package, versions=versions, old=old, new=new,
                       diff=diff, label=next((v.label for v in versions if v.label), None))

    @router.get("/scans/{scan_id}")
    def scan_page(request: Request, scan_id: int, user: SessionUser = Person) -> Response:
        s = service()
        review = _scan_review(s.store, user, scan_id)
        result = result_from_document(get_scan_document(s.store, scan_id))
        reviewed: dict[str, ReviewedFinding] = {r.finding.id: r for r in review.findings}
        return _render(request, "scan.html.j2", user, review=review, result=result, app=result.facts.app,
                       reviewed=reviewed, verdicts=VERDICTS, decisions=DECISIONS, now=datetime.now(timezone.utc),
                       tomorrow=(date.today() + timedelta(days=1)).isoformat(),
                       confirmed=len(confirmed_findings(review, result)))

    @router.get("/scans/{scan_id}/report")
    def report(request: Request, scan_id: int, user: SessionUser = Person) -> Response:
        s = service()
        _scan_review(s.store, user, scan_id)
        body = render_bytes("html", result_from_document(get_scan_document(s.store, scan_id)), _lang(request),
                            catalogue.ruleset)
        return HTMLResponse(body, headers=_headers(REPORT_CSP))

    def reviewed(user: SessionUser, scan_id: int, finding_ids: Sequence[str], verdict: str, reason: str,
                 expires: str) -> None:
        """One review of the findings of a form (all of them or none), on a scan of the person's tenant."""
        _scan_review(service().store, user, scan_id)
        with _refusing("error.review"):
            review_findings(service().store, user.tenant, scan_id, finding_ids, verdict, reason, user.login,
                            _day(expires, "expires") if verdict == "accepted-risk" else None)

    @router.post("/scans/{scan_id}/findings/{finding_id}")
    def review(scan_id: int, finding_id: str, verdict: Annotated[str, Form()], reason: Annotated[str, Form()] = "",
               expires: Annotated[str, Form()] = "", user: SessionUser = Poster) -> Response:
        reviewed(user, scan_id, (finding_id,), verdict, reason, expires)
        return RedirectResponse(f"/ui/scans/{scan_id}#f-{urllib.parse.quote(finding_id)}", status_code=303)

    @router.post("/scans/{scan_id}/findings")
    def review_several(scan_id: int, verdict: Annotated[str, Form()], reason: Annotated[str, Form()] = "",
                       expires: Annotated[str, Form()] = "", finding: Annotated[list[str] | None, Form()] = None,
                       user: SessionUser = Poster) -> Response:
        """The findings ticked in the scan page's table, one verdict and reason for all (or none of them)."""
        reviewed(user, scan_id, finding or (), verdict, reason, expires)
        return RedirectResponse(f"/ui/scans/{scan_id}#findings", status_code=303)

    @router.post("/scans/{scan_id}/decision")
    def decision(scan_id: int, decision: Annotated[str, Form()], comment: Annotated[str, Form()] = "",
                 user: SessionUser = Poster) -> Response:
        _scan_review(service().store, user, scan_id)
        with _refusing("error.decision"):
            decide(service().store, user.tenant, scan_id, decision, comment, user.login)
        return RedirectResponse(f"/ui/scans/{scan_id}#decision", status_code=303)

    @router.get("/scans/{scan_id}/notice.html")
    def notice_html(request: Request, scan_id: int, user: SessionUser = Person) -> Response:
        notice, ruleset = _notice(service().store, user, scan_id)
        return HTMLResponse(render_notice_html(notice, ruleset, _lang(request)), headers=_headers(NOTICE_CSP))

    @router.get("/scans/{scan_id}/notice.pdf")
    def notice_pdf(request: Request, scan_id: int, user: SessionUser = Person) -> Response:
        notice, ruleset = _notice(service().store, user, scan_id)
        try:
            body = render_notice_pdf(notice, ruleset, _lang(request))
        except AppscanError as exc:  # no WeasyPrint: the error names the extra
            raise Refused(501, "error.pdf", str(exc)) from None
        return Response(body, media_type="application/pdf", headers={
            **_headers(NOTICE_CSP), "Content-Disposition": f'inline; filename="notice-{scan_id}.pdf"'})

    @router.get("/audit")
    def audit(request: Request, user: SessionUser = Admin) -> Response:
        return _render(request, "audit.html.j2", user, events=audit_log(service().store, user.tenant, AUDIT_SHOWN))

    @router.get("/admin")
    def admin_page(request: Request, user: SessionUser = Admin, done: str | None = None) -> Response:
        store = service().store
        return _render(request, "admin.html.j2", user, users=list_users(store, user.tenant),
                       keys=list_keys(store, user.tenant), suppressions=list_suppressions(store, tenant=user.tenant),
                       done=done if done in ADMIN_DONE else None, roles=ROLES, kinds=SUPPRESSION_KINDS,
                       min_password=MIN_PASSWORD, tomorrow=(date.today() + timedelta(days=1)).isoformat())

    def changed(done: str, section: str) -> Response:
        return RedirectResponse(f"/ui/admin?done={done}#{section}", status_code=303)

    def not_me(user: SessionUser, login: str) -> None:
        """An admin does not disable or demote themselves here: the tenant keeps the admin who is at work."""
        if login == user.login:
            raise Refused(409, "error.self")

    @router.post("/admin/users")
    def add_person(login: Annotated[str, Form()], password: Annotated[str, Form()],
                   role: Annotated[str, Form()] = ROLES[0], user: SessionUser = AdminPoster) -> Response:
        with _refusing("error.admin_change"):
            add_user(service().store, user.tenant, login, password, role, by=user.login)
        return changed("user_added", "people")

    @router.post("/admin/users/{login}/disable")
    def disable(login: str, user: SessionUser = AdminPoster) -> Response:
        not_me(user, login)
        with _refusing("error.admin_change"):
            disable_user(service().store, user.tenant, login, by=user.login)
        return changed("user_disabled", "people")

    @router.post("/admin/users/{login}/enable")
    def enable(login: str, user: SessionUser = AdminPoster) -> Response:
        with _refusing("error.admin_change"):
            enable_user(service().store, user.tenant, login, by=user.login)
        return changed("user_enabled", "people")

    @router.post("/admin/users/{login}/role")
    def role(login: str, role: Annotated[str, Form()], user: SessionUser = AdminPoster) -> Response:
        not_me(user, login)
        with _refusing("error.admin_change"):
            set_role(service().store, user.tenant, login, role, by=user.login)
        return changed("user_role", "people")

    @router.post("/admin/users/{login}/password")
    def password(login: str, password: Annotated[str, Form()],
                 user: SessionUser = AdminPoster) -> Response:
        with _refusing("error.admin_change"):
            set_password(service().store, user.tenant, login, password, by=user.login)
        response = changed("user_password", "people")
        if login == user.login:  # the admin's own new password ends this session too: a new one keeps the page
            sessions.start(response, user.tenant, user.login)
        return response

    @router.post("/admin/keys")
    def make_key(request: Request, name: Annotated[str, Form()], role: Annotated[str, Form()] = KEY_ROLES[0],
                 user: SessionUser = AdminPoster) -> Response:
        if not name.strip():
            raise Refused(422, "error.admin_change", "name")
        with _refusing("error.admin_change"):
            key = create_key(service().store, name.strip(), user.tenant, by=user.login, role=role)
        return _render(request, "key_made.html.j2", user, status=201, key=key, name=name.strip(), role=role)

    @router.post("/admin/keys/{key_id}/revoke")
    def revoke(key_id: str, user: SessionUser = AdminPoster) -> Response:
        if not revoke_key(service().store, key_id, user.tenant, by=user.login):
            raise Refused(404, "error.not_found")
        return changed("key_revoked", "keys")

    @router.post("/admin/suppressions")
    def suppress(kind: Annotated[str, Form()], value: Annotated[str, Form()], reason: Annotated[str, Form()],
                 expires: Annotated[str, Form()] = "", user: SessionUser = AdminPoster) -> Response:
        if not value.strip() or not reason.strip():
            raise Refused(422, "error.admin_change", "value, reason")
        with _refusing("error.admin_change"):
            add_suppression(service().store, kind, value.strip(), reason.strip(), _day(expires, "expires"),
                            user.tenant, user.login)
        return changed("suppression_added", "suppressions")

    @router.post("/admin/suppressions/{suppression_id}/delete")
    def unsuppress(suppression_id: int, user: SessionUser = AdminPoster) -> Response:
        if not delete_suppression(service().store, suppression_id, user.tenant, user.login):
            raise Refused(404, "error.not_found")
        return changed("suppression_removed", "suppressions")

    return router


def install(app: FastAPI, service: Callable[[], ServiceState], settings: WebSettings) -> None:
    """Add the pages under ``/ui`` to the service, and the handlers that answer their refusals with a page (or a
    redirect to the log-in page)."""
    sessions = Sessions(settings, lambda tenant, login: session_state(service().store, tenant, login))
    app.include_router(_router(service, sessions))
    # Browsers ask every site for an icon: none, and no 404 in their consoles.
    app.add_api_route("/favicon.ico", lambda: Response(status_code=204), include_in_schema=False)

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refused)
        return _render(request, "error.html.j2", sessions.user(request), status=exc.status, key=exc.key,
                       detail=exc.detail)

    async def login_needed(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginNeeded)
        return RedirectResponse("/ui/login?" + urllib.parse.urlencode({"next": exc.target}), status_code=303)

    app.add_exception_handler(Refused, refused)
    app.add_exception_handler(LoginNeeded, login_needed)
