"""The review queue: a tenant's stored scans with what a reviewer sorts them by, in two SQL statements.

The web UI's queue page and the API's ``GET /queue`` both list scans through ``queue``, so they can never disagree
on what a tenant sees or in which order. Counts by severity, findings new since the app's previous version and the
standing decision are computed by the database for the page's rows only (correlated subqueries on indexed
columns), and the total by one ``count``: a page costs the same with 100 or 10,000 stored scans.

Which scans a tenant holds is ``review_records.visible_scans`` (the rule ``scan_review`` applies); the previous
version of a scan is the one ``scan_review`` names: the latest scan the tenant holds of the version before it, with
versions ordered by version code (codeless versions first, then by when they were stored).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from appscan.errors import StoreError
from appscan.model import COLLECTING_EFFECTS
from appscan.rules.severity import SEVERITIES
from appscan.store import models as m
from appscan.store.engine import Store
from appscan.store.review_records import as_utc, tenant_id, visible_scans

__all__ = ["SORTS", "MAX_PER_PAGE", "QueueFilter", "QueueRow", "queue"]

SORTS = ("priority", "newest", "package", "high")
"""``priority``: undetermined first, then high-risk, then the rest, newest first within each; ``newest``: latest
scan first; ``package``: by package name, newest version first; ``high``: most high-severity findings first."""
MAX_PER_PAGE = 500


@dataclass(frozen=True)
class QueueFilter:
    """Which of a tenant's scans to list; every field but ``tenant`` narrows the list when set."""

    tenant: str
    verdict: str | None = None
    """A verdict level: high-risk, undetermined, rectify or pass."""
    sdk: str | None = None
    """A catalogue SDK id the scan detected."""
    data_type: str | None = None
    """A data type the app's code collects (a call whose effect is collection)."""
    clause: str | None = None
    """A clause id one of the scan's findings breaks."""
    package: str | None = None
    """Part of the package name."""
    since: datetime | None = None
    """Scans finished at or after this time."""
    until: datetime | None = None
    """Scans finished before this time."""
    scan_id: int | None = None
    """One scan by its id: the API's ``/stored-scans/{scan_id}`` finds the scan the tenant holds through the queue,
    so that it answers by the same rule and with the same row."""


@dataclass(frozen=True)
class QueueRow:
    """One scan as the queue shows it."""

    scan_id: int
    upload_id: str | None
    """The tenant's latest upload that became this scan (None for a scan the CLI stored)."""
    package: str
    """The package name; for a failed scan, which has no app version, the scanned file."""
    label: str | None
    version_name: str | None
    version_code: int | None
    created_at: datetime
    """When the scan finished."""
    status: str
    """``ok`` or ``failed``."""
    verdict: str | None
    counts: dict[str, int]
    """Findings per severity: high, medium, low and info, zeros included."""
    new_findings: int | None
    """Findings not in the app's previous scanned version (None: no previous version, or a failed scan)."""
    decision: str | None
    """The latest decision the tenant made on the scan."""


def _filters(flt: QueueFilter) -> list[Any]:
    """The conditions on ``scan`` (joined to its version and app) that the filter's fields set."""
    scan = m.Scan
    conditions: list[Any] = []
    if flt.scan_id is not None:
        conditions.append(scan.id == flt.scan_id)
    if flt.verdict:
        conditions.append(scan.verdict == flt.verdict)
    # Each as "scan id in (the scans having it)": the planner runs the subquery once from its index, where a
    # correlated EXISTS walked every matching finding or call row per scan (minutes on 10,000 scans on SQLite).
    if flt.sdk:
        conditions.append(scan.id.in_(select(m.SdkDetection.scan_id).where(m.SdkDetection.sdk_id == flt.sdk)))
    if flt.data_type:
        call = m.ApiCall
        conditions.append(scan.id.in_(select(call.scan_id).where(
            call.data_type == flt.data_type, or_(call.effect.is_(None), call.effect.in_(sorted(COLLECTING_EFFECTS))))))
    if flt.clause:
        conditions.append(scan.id.in_(select(m.Finding.scan_id).join(
            m.FindingClause, m.FindingClause.finding_row_id == m.Finding.id).where(m.FindingClause.clause_id == flt.clause)))
    if flt.package:
        conditions.append(m.App.package.contains(flt.package, autoescape=True))
    if flt.since:
        conditions.append(scan.finished_at >= flt.since)
    if flt.until:
        conditions.append(scan.finished_at < flt.until)
    return conditions


def _previous_scans(visible: Any) -> Any:
    """Per app version the tenant holds: its latest successful scan and the latest of the version before it."""
    version, scan = m.AppVersion, m.Scan
    latest = (select(version.id.label("version_id"), version.app_id, version.version_code,
                     func.max(scan.id).label("scan_id"))
              .join(scan, scan.app_version_id == version.id).where(scan.status == "ok", visible)
              .group_by(version.id, version.app_id, version.version_code).subquery())
    order = (case((latest.c.version_code.is_(None), 0), else_=1), latest.c.version_code, latest.c.version_id)
    return select(latest.c.version_id, func.lag(latest.c.scan_id).over(partition_by=latest.c.app_id, order_by=order)
                  .label("previous")).subquery()


def _package() -> Any:
    """The package name, or for a failed scan (no app version) the file it could not read."""
    return func.coalesce(m.App.package, m.Scan.source)


def _joined(*columns: Any) -> Select[Any]:
    """``columns`` from scans joined to their version and app (none for a failed scan)."""
    return (select(*columns).select_from(m.Scan).outerjoin(m.AppVersion, m.AppVersion.id == m.Scan.app_version_id)
            .outerjoin(m.App, m.App.id == m.AppVersion.app_id))


def _order(sort: str, high: Any) -> tuple[Any, ...]:
    scan = m.Scan
    if sort == "priority":
        rank = case((scan.verdict == "undetermined", 0), (scan.verdict == "high-risk", 1), else_=2)
        return rank, scan.id.desc()
    if sort == "package":
        return _package(), m.AppVersion.version_code.desc().nulls_last(), scan.id.desc()
    if sort == "high":
        return high.desc(), scan.id.desc()
    return (scan.id.desc(),)


def queue(store: Store, flt: QueueFilter, sort: str = "priority", page: int = 1,
          per_page: int = 50) -> tuple[list[QueueRow], int]:
    """One page of the tenant's scans that pass ``flt``, sorted by ``sort`` (one of ``SORTS``), and how many
    scans pass it on every page together. An unknown tenant is a ``StoreError``."""
    if sort not in SORTS:
        raise StoreError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise StoreError(f"page starts at 1 and per_page is 1 to {MAX_PER_PAGE}")
    scan, finding = m.Scan, m.Finding

    def run(session: Session) -> tuple[list[QueueRow], int]:
        owner = tenant_id(session, flt.tenant)
        visible = visible_scans(session, flt.tenant)
        conditions = [visible, *_filters(flt)]
        total = session.scalar(_joined(func.count()).where(*conditions)) or 0
        if total <= (page - 1) * per_page:
            return [], total

        def count(*where: Any, outer: tuple[Any, ...] = (scan,)) -> Any:
            return select(func.count()).select_from(finding).where(finding.scan_id == scan.id, *where) \
                .correlate(*outer).scalar_subquery()
        # the page's scan ids first, so that the costly columns are computed for its rows only
        order = _order(sort, count(finding.severity == "high"))
        chosen = (_joined(scan.id.label("id"), func.row_number().over(order_by=order).label("place"))
                  .where(*conditions).order_by(*order).limit(per_page).offset((page - 1) * per_page).subquery())
        previous = _previous_scans(visible)
        before = aliased(m.Finding)
        unseen = ~exists().where(before.scan_id == previous.c.previous, before.finding_id == finding.finding_id) \
            .correlate_except(before)
        new = case((previous.c.previous.is_(None), None), else_=count(unseen, outer=(scan, previous)))
        upload = m.ServiceUpload
        upload_id = (select(upload.id).where(upload.scan_id == scan.id, upload.tenant_id == owner)
                     .order_by(upload.created_at.desc(), upload.id.desc()).limit(1).correlate(scan).scalar_subquery())
        decision = (select(m.AppDecision.decision)
                    .where(m.AppDecision.scan_id == scan.id, m.AppDecision.tenant_id == owner)
                    .order_by(m.AppDecision.id.desc()).limit(1).correlate(scan).scalar_subquery())
        query = (_joined(scan.id, upload_id, _package(), m.AppVersion.label, m.AppVersion.version_name,
                         m.AppVersion.version_code, scan.finished_at, scan.status, scan.verdict,
                         *(count(finding.severity == s) for s in SEVERITIES), new, decision)
                 .join(chosen, chosen.c.id == scan.id)
                 .outerjoin(previous, and_(previous.c.version_id == scan.app_version_id, scan.status == "ok"))
                 .order_by(chosen.c.place))
        rows = []
        for row in session.execute(query):
            sid, uid, package, label, name, code, at, status, verdict = row[:9]
            finished: datetime = as_utc(at)  # type: ignore[assignment]
            rows.append(QueueRow(sid, uid, package, label, name, code, finished, status, verdict,
                                 dict(zip(SEVERITIES, row[9:13])), row[13], row[14]))
        return rows, total
    return store.read(run)
