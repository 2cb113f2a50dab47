"""The upload service (FastAPI): app stores upload APKs (with their privacy policies, if they like), get a scan id
at once, poll it, fetch the reports.

Every endpoint but ``/health`` needs an ``X-API-Key`` made by ``appscan apikey create`` (401 without, 403 with a
wrong one or a revoked one, from the next request on). A key reaches its tenant's uploads and scans only: another
tenant's upload id is answered 404 like a missing one. The review endpoints (queue, findings, reviews, decisions,
notices, keys, audit log, suppressions) are ``appscan.server.review_api``, which also names the two ways a scan's
endpoints are reached (``scan_paths``): by upload id under ``/scans`` and by the store's scan id under
``/stored-scans``, the one way to the scans the command line stored. An upload is checked while it streams in
(``appscan.server.upload``) and then handed to a dispatcher (Celery workers or a local pool,
``appscan.server.dispatch``); the scan itself is the shared ``ingest``. Errors reach clients through one handler
mapping ``AppscanError`` classes to HTTP statuses.
"""

from __future__ import annotations

import shutil
import threading
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from starlette.requests import ClientDisconnect

from appscan import __version__
from appscan.errors import (
    AppscanError,
    InputError,
    ReportError,
    RuleLoadError,
    StoreError,
)
from appscan.policy import MAX_BYTES as POLICY_MAX_BYTES
from appscan.report import ReportFormat, render_bytes
from appscan.report.i18n import DEFAULT_LANG
from appscan.report.document import result_from_document
from appscan.rules.verdict import LABELS
from appscan.server.dispatch import Dispatcher, LocalDispatcher, QueueFull, choose_dispatcher
from appscan.server.limits import KeyLimits, RateLimited
from appscan.server.review_api import Caller, ScanPath, ScanRef, review_router, scan_paths
from appscan.server.session import WebSettings
from appscan.server.upload import (
    MAX_POLICIES,
    ReceivedFile,
    UploadRejected,
    discard_upload,
    receive_apk,
    stored_policies,
)
from appscan.server.web import install as install_web_ui
from appscan.jobs.supervise import Limits
from appscan.store import Store, get_scan_document, open_store
from appscan.store.service_records import (
    Upload,
    add_upload,
    get_upload,
    key_info,
    list_uploads,
    pending_uploads,
    update_upload,
)

__all__ = ["ServiceSettings", "create_app"]

HTTP_STATUS: dict[type[AppscanError], int] = {
    InputError: 422,
    StoreError: 503,
    ReportError: 500,
    RuleLoadError: 500,
    AppscanError: 500,
}
"""Status per error class; the most specific class in an exception's MRO wins."""

_UPLOAD_BODY: dict[str, Any] = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary", "description": "The APK (or Android App Bundle)."},
        "policy": {"type": "array", "maxItems": MAX_POLICIES, "items": {"type": "string", "format": "binary"},
                   "description": "The app's privacy policy files (HTML, Markdown, text or PDF, each at most "
                                  f"{POLICY_MAX_BYTES // (1024 * 1024)} MB; policy, children's policy, SDK list "
                                  "page), compared with what the code collects and embeds (findings POL-010..017, "
                                  "the report's policies[]). Without them the policies the APK carries are used."}}}}}}
"""The upload form as the OpenAPI description shows it: the endpoint parses the body itself, as it streams in."""

REPORT_MEDIA = {ReportFormat.JSON: "application/json", ReportFormat.HTML: "text/html; charset=utf-8",
                ReportFormat.SARIF: "application/sarif+json", ReportFormat.MARKDOWN: "text/markdown; charset=utf-8",
                ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ReportFormat.TEXT: "text/plain; charset=utf-8"}
_FORMATS = "^(" + "|".join(f.value for f in ReportFormat) + ")$"


@dataclass(frozen=True)
class ServiceSettings:
    """What ``appscan serve`` configures."""

    db_url: str | None = None
    upload_dir: Path = Path("appscan-uploads")
    max_upload_mb: int = 512
    workers: int = 2
    time_limit: float | None = 600.0
    """Seconds one local scan may run before its process is killed and the upload recorded as failed."""
    memory_limit_mb: int | None = 4096
    """Address space one local scan may add before its allocations fail (recorded as failed)."""
    max_queue: int = 100
    """Local scans waiting or running at most; one more upload is refused with 429 and Retry-After."""
    read_timeout_s: float = 30.0
    """Longest wait for the next piece of an upload's body before it is refused (408)."""
    sweep_every_s: float = 60.0
    """How often unfinished uploads are polled (their outcome recorded, their file removed) and orphan files
    older than ``orphan_age_s`` removed from the upload folder, whether or not a client ever polls."""
    orphan_age_s: float = 3600.0
    key_rate: int = 600
    """Requests one API key may make per minute (bursts up to as many); more get 429 with Retry-After."""
    key_uploads: int = 4
    """Upload bodies one API key may send at once; more get 429."""
    web: WebSettings = WebSettings()
    """People's sessions in the web UI under /ui (``appscan.server.web``)."""


class _State:
    """The service's open store and dispatcher (created at start-up, closed at shutdown)."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.store: Store = open_store(settings.db_url)
        settings.upload_dir.mkdir(parents=True, exist_ok=True)
        self.dispatcher: Dispatcher = choose_dispatcher(
            self.store.engine.url.render_as_string(hide_password=False), settings.workers,
            Limits(settings.time_limit, settings.memory_limit_mb), settings.max_queue)
        if isinstance(self.dispatcher, LocalDispatcher):  # local scans are forgotten at a restart: queue again
            for pending in pending_uploads(self.store):
                try:
                    update_upload(self.store, pending.id, task_id=self.dispatcher.submit(
                        Path(pending.path), stored_policies(Path(pending.path))))
                except QueueFull:  # more left over than the queue holds: the next start takes the rest
                    break
        self.limits = KeyLimits(settings.key_rate, settings.key_uploads)
        self.refreshing = threading.Lock()
        self.stopped = threading.Event()
        self.sweeper = threading.Thread(target=self._sweep_periodically, name="appscan-sweep", daemon=True)
        self.sweeper.start()

    def _sweep_periodically(self) -> None:
        while not self.stopped.wait(self.settings.sweep_every_s):
            try:
                self.sweep()
            except AppscanError:  # the database is down for now: the next round tries again
                continue

    def sweep(self) -> None:
        """Record the outcome of every finished upload nobody polled (removing its file), then remove files of
        the upload folder that no unfinished upload holds and that are older than ``orphan_age_s`` (an upload
        interrupted by a crash, a file whose record was lost), policy folders included."""
        held = {Path(u.path).stem for u in (self.refresh(p) for p in pending_uploads(self.store))
                if u.status == "queued"}
        cutoff = time.time() - self.settings.orphan_age_s
        for file in self.settings.upload_dir.iterdir():
            try:
                if file.stem in held or file.stat().st_mtime >= cutoff:
                    continue
                if file.is_dir():
                    shutil.rmtree(file)
                elif file.is_file():
                    file.unlink()
            except OSError:  # removed meanwhile, or not ours to remove
                continue

    def close(self) -> None:
        """Stop the sweeper and the dispatcher, then the store."""
        self.stopped.set()
        self.sweeper.join()
        self.dispatcher.close()
        self.store.close()

    async def accept(self, request: Request, tenant: str, uploader: str) -> tuple[Upload, ReceivedFile]:
        """Receive an upload of ``tenant`` and queue its scan (the API's ``POST /scans`` and the web UI's upload
        form alike): a full queue is refused before the body is read, the body is checked as it streams in, and
        ``uploader`` (a key id, a person) holds one of its upload slots meanwhile."""
        wait_s = self.dispatcher.accepting()
        if wait_s is not None:
            raise QueueFull(wait_s)
        destination = self.settings.upload_dir / f"{uuid.uuid4().hex}.apk"
        length = request.headers.get("content-length")
        try:
            with self.limits.upload(uploader):
                received = await receive_apk(request.stream(), request.headers.get("content-type", ""),
                                             int(length) if length and length.isdigit() else None, destination,
                                             self.settings.max_upload_mb * 1024 * 1024, self.settings.read_timeout_s)
        except ClientDisconnect as exc:
            raise UploadRejected(400, "the upload was interrupted") from exc
        upload = await run_in_threadpool(add_upload, self.store, received.filename, str(destination), received.size,
                                         tenant)
        try:
            task_id = await run_in_threadpool(self.dispatcher.submit, destination, received.policies)
        except QueueFull:  # filled up while this body streamed in: no scan will come of this upload
            await run_in_threadpool(update_upload, self.store, upload.id, status="failed",
                                    error="refused: the scan queue was full (429)")
            discard_upload(destination)
            raise
        await run_in_threadpool(update_upload, self.store, upload.id, task_id=task_id)
        return upload, received

    def refresh(self, upload: Upload) -> Upload:
        """Ask the dispatcher about an unfinished upload and record its outcome once there is one."""
        if upload.status != "queued" or upload.task_id is None:
            return upload
        with self.refreshing:  # the sweeper and requests may poll one upload at once; its outcome is read once
            current = get_upload(self.store, upload.id)
            if current is None or current.status != "queued" or current.task_id is None:
                return current or upload
            outcome = self.dispatcher.poll(current.task_id)
            if outcome is None:
                return current
            return self._record(current, outcome)

    def _record(self, upload: Upload, outcome: dict[str, Any]) -> Upload:
        """Store a scan's outcome on its upload and remove the uploaded files (reports come from the store)."""
        values: dict[str, Any] = {"status": "done" if outcome["status"] in ("scanned", "reused") else "failed",
                                  "scan_id": outcome.get("scan_id"), "sha256": outcome.get("sha256"),
                                  "error": outcome.get("error")}
        if values["status"] == "done":
            values["package"] = get_scan_document(self.store, values["scan_id"])["app"]["package"]
        update_upload(self.store, upload.id, **values)
        discard_upload(Path(upload.path))
        return get_upload(self.store, upload.id) or upload


def _view(upload: Upload) -> dict[str, Any]:
    """The JSON shape of an upload in responses (no server paths); ``verdict`` is the scan's verdict level, rule
    and label {zh, en}, or null while no scan has finished."""
    data = asdict(upload)
    del data["path"], data["task_id"], data["verdict_rule"]
    for key in ("created_at", "finished_at"):
        data[key] = data[key].isoformat() if data[key] else None
    level = upload.verdict
    data["verdict"] = None if level is None else {
        "level": level, "rule": upload.verdict_rule, "label": asdict(LABELS[level]) if level in LABELS else None}
    return data


def _status_for(exc: AppscanError) -> int:
    return next(HTTP_STATUS[c] for c in type(exc).__mro__ if c in HTTP_STATUS)


def create_app(settings: ServiceSettings) -> FastAPI:
    """The ASGI application; ``appscan serve`` runs it under uvicorn."""
    state: dict[str, _State] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        state["s"] = await run_in_threadpool(_State, settings)
        yield
        state["s"].close()  # uvicorn runs this on SIGTERM and SIGINT

    app = FastAPI(title="appscan", version=__version__, lifespan=lifespan,
                  description="Upload Android APKs for static privacy scanning and fetch the reports.")

    @app.exception_handler(AppscanError)
    async def appscan_error(_request: Request, exc: AppscanError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=_status_for(exc))

    @app.exception_handler(UploadRejected)
    async def upload_rejected(_request: Request, exc: UploadRejected) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)

    @app.exception_handler(QueueFull)
    @app.exception_handler(RateLimited)
    async def too_many(_request: Request, exc: QueueFull | RateLimited) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=429, headers={"Retry-After": str(exc.retry_after)})

    def service() -> _State:
        return state["s"]

    def authorised(x_api_key: Annotated[str | None, Header()] = None) -> Caller:
        """The key with its tenant and role, once the key is checked and its request rate allows one more
        request."""
        if not x_api_key:
            raise HTTPException(401, "an X-API-Key header is required", headers={"WWW-Authenticate": "X-API-Key"})
        key = key_info(service().store, x_api_key)
        if key is None:
            raise HTTPException(403, "unknown API key")
        service().limits.request(key.key_id)
        return Caller(key.key_id, key.name, key.tenant, key.role)

    def found(upload_id: str, tenant: str) -> Upload:
        """The tenant's upload, refreshed; another tenant's is missing alike (404), so ids cannot be probed."""
        upload = get_upload(service().store, upload_id, tenant)
        if upload is None:
            raise HTTPException(404, f"no scan {upload_id}")
        return service().refresh(upload)

    Auth = Depends(authorised)
    install_web_ui(app, service, settings.web)

    @app.get("/health")
    def health() -> dict[str, str]:
        """Liveness, and where scans run; needs no key."""
        return {"status": "ok", "version": __version__, "scans_run_in": service().dispatcher.description}

    @app.post("/scans", status_code=202, openapi_extra={"requestBody": _UPLOAD_BODY})
    async def upload_scan(request: Request, caller: Caller = Auth) -> dict[str, Any]:
        """Upload an APK as the multipart field ``file``, and optionally the app's privacy policy files as fields
        ``policy`` (repeatable); returns the scan id at once (status ``queued``) and the names the policies were
        stored under. A full queue answers 429 with Retry-After before the body is read."""
        upload, received = await service().accept(request, caller.tenant, caller.key_id)
        return {**_view(upload), "policies": [p.name for p in received.policies]}

    @app.get("/scans/{upload_id}")
    def scan_status(upload_id: str, caller: Caller = Auth) -> dict[str, Any]:
        """Where the scan stands: queued, done (with the stored scan id, ``scan_id``, which also names the scan
        under ``/stored-scans/{scan_id}``) or failed (with the reason)."""
        return _view(found(upload_id, caller.tenant))

    def report_route(path: ScanPath) -> None:
        """The report endpoint under ``path.prefix``: one handler, whichever way the path names the scan."""
        @app.get(f"{path.prefix}/report", summary=f"A finished scan's report{path.summary}", response_class=Response,
                 responses={200: {"content": {media.partition(";")[0]: {} for media in REPORT_MEDIA.values()}}})
        def scan_report(scan: ScanRef = Depends(path.resolve),
                        format: Annotated[str, Query(pattern=_FORMATS)] = "json",
                        lang: Annotated[str, Query(pattern="^(zh|en)$")] = DEFAULT_LANG) -> Response:
            """The report of a finished scan in every format of ``appscan report``: JSON (docs/json-schema.md, both
            languages), HTML, SARIF 2.1.0, Markdown, an Excel workbook (xlsx) or plain text, in Chinese
            (``lang=zh``, the default) or English."""
            document = get_scan_document(service().store, scan.scan_id)
            fmt = ReportFormat(format)
            body = render_bytes(fmt, result_from_document(document), lang)
            disposition = {"Content-Disposition": f'attachment; filename="report-{scan.name}{fmt.suffix}"'} \
                if fmt is ReportFormat.XLSX else {}
            return Response(body, media_type=REPORT_MEDIA[fmt], headers=disposition)

    paths = scan_paths(lambda: service().store, authorised, found)
    for path in paths:
        report_route(path)

    @app.get("/scans")
    def scans(caller: Caller = Auth, package: str | None = None,
              limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
        """The tenant's uploads, newest first; ``package`` keeps those whose package name contains it. The review
        queue (``/queue``) lists the stored scans with counts and decisions."""
        s = service()
        return [_view(s.refresh(u)) for u in list_uploads(s.store, package, limit, caller.tenant)]

    app.include_router(review_router(lambda: service().store, authorised, paths))

    return app
