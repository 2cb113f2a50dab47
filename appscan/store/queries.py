"""Questions asked across stored scans: who embeds an SDK, who collects a data type, whose privacy policy omits a
type its code collects, what a new version fixed.

Each version counts once, through its latest successful scan (a version rescanned with ``--force`` or newer rules
is not counted twice).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, Subquery, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from appscan.model import COLLECTING_EFFECTS
from appscan.store import models as m
from appscan.store.diff import diff_documents
from appscan.store.engine import Store
from appscan.store.document import unpack_rest
from appscan.store.records import (
    DataTypeUse,
    FindingRef,
    PolicyOmission,
    SdkUse,
    UnidentifiedUse,
    VersionFindings,
)
from appscan.store.repository import get_scan_document

__all__ = ["apps_with_sdk", "apps_with_data_type", "apps_omitting_in_policy", "apps_with_unidentified_code",
           "history", "diff_scans"]


def _latest_scans() -> Subquery:
    """The newest successful scan of each app version: ``(app_version_id, scan_id)``."""
    return (select(m.Scan.app_version_id, func.max(m.Scan.id).label("scan_id"))
            .where(m.Scan.status == "ok").group_by(m.Scan.app_version_id).subquery())


def apps_with_sdk(store: Store, sdk_id: str) -> list[SdkUse]:
    """Apps whose scanned versions embed ``sdk_id``, with the lowest such version, by package."""
    latest = _latest_scans()
    query = (select(m.App.package, m.AppVersion.label, m.AppVersion.version_code, m.AppVersion.version_name)
             .join(m.AppVersion, m.AppVersion.app_id == m.App.id)
             .join(latest, latest.c.app_version_id == m.AppVersion.id)
             .join(m.SdkDetection, m.SdkDetection.scan_id == latest.c.scan_id)
             .where(m.SdkDetection.sdk_id == sdk_id)
             .order_by(m.App.package, m.AppVersion.version_code.asc().nulls_first(), m.AppVersion.id))

    def run(session: Session) -> list[SdkUse]:
        first: dict[str, tuple[str | None, int | None, str | None]] = {}
        count: dict[str, int] = defaultdict(int)
        for package, label, code, name in session.execute(query):
            first.setdefault(package, (label, code, name))
            count[package] += 1
        return [SdkUse(package, label, code, name, count[package])
                for package, (label, code, name) in first.items()]
    return store.read(run)


def _startup_only() -> Any:
    """The condition "reachable at start-up before any consent check" on a call."""
    return and_(m.ApiCall.startup_reachable.is_(True), m.ApiCall.consent_gated.is_not(True))


def _collecting_versions(latest: Subquery, conditions: list[Any]) -> tuple[Select[Any], Select[Any]]:
    """Per latest scan with calls meeting ``conditions``: (package, version code and name, scan id, calls, calls at
    start-up before any consent check), and the (scan id, SDK id) pairs of those calls made by SDKs."""
    call = m.ApiCall
    query = (select(m.App.package, m.AppVersion.version_code, m.AppVersion.version_name, latest.c.scan_id,
                    func.count(), func.sum(case((_startup_only(), 1), else_=0)))
             .select_from(call).join(latest, latest.c.scan_id == call.scan_id)
             .join(m.AppVersion, m.AppVersion.id == latest.c.app_version_id)
             .join(m.App, m.App.id == m.AppVersion.app_id).where(*conditions)
             .group_by(m.App.package, m.AppVersion.version_code, m.AppVersion.version_name, latest.c.scan_id)
             .order_by(m.App.package, m.AppVersion.version_code, latest.c.scan_id))
    sdk_query = (select(call.scan_id, call.sdk_id).distinct().join(latest, latest.c.scan_id == call.scan_id)
                 .where(*conditions, call.sdk_id.is_not(None)))
    return query, sdk_query


def _sdks_by_scan(session: Session, sdk_query: Select[Any]) -> dict[int, tuple[str, ...]]:
    """The SDK ids of ``_collecting_versions`` per scan, sorted."""
    sdks: dict[int, list[str]] = defaultdict(list)
    for scan_id, sdk in session.execute(sdk_query):
        sdks[scan_id].append(sdk)
    return defaultdict(tuple, {scan_id: tuple(sorted(ids)) for scan_id, ids in sdks.items()})


def apps_with_data_type(store: Store, data_type: str, startup_only: bool = False) -> list[DataTypeUse]:
    """App versions whose code collects ``data_type``; ``startup_only``: at start-up, before any consent check."""
    conditions: list[Any] = [m.ApiCall.data_type == data_type, *([_startup_only()] if startup_only else [])]
    query, sdk_query = _collecting_versions(_latest_scans(), conditions)

    def run(session: Session) -> list[DataTypeUse]:
        sdks = _sdks_by_scan(session, sdk_query)
        return [DataTypeUse(package, code, name, scan_id, calls, int(startup or 0), sdks[scan_id])
                for package, code, name, scan_id, calls, startup in session.execute(query)]
    return store.read(run)


def apps_omitting_in_policy(store: Store, data_type: str, covering: Iterable[str],
                            startup_only: bool = False) -> list[PolicyOmission]:
    """App versions whose code collects ``data_type`` (calls whose effect counts as collection) while none of
    the policies their latest scan read declares it; scans that read no policy are not listed (POL-001 says so).

    ``covering`` are the declared data types that count as declaring ``data_type``: itself and the words the
    policy vocabulary lets cover it (``covers``, ``covers_generically`` in rulesets/policy_terms.yaml), as the
    POL-010 check decides. The store does not read the rulesets: the caller passes them.
    """
    latest = _latest_scans()
    call, policy, declaration = m.ApiCall, m.ScanPolicy, m.PolicyDeclaration
    stated = (select(policy.scan_id).join(declaration, declaration.policy_id == policy.id)
              .where(policy.scan_id == latest.c.scan_id))
    conditions: list[Any] = [
        call.data_type == data_type, or_(call.effect.is_(None), call.effect.in_(sorted(COLLECTING_EFFECTS))),
        exists().where(policy.scan_id == latest.c.scan_id),
        ~stated.where(declaration.denied.is_(False), declaration.data_type.in_(sorted(set(covering)))).exists(),
        *([_startup_only()] if startup_only else [])]
    query, sdk_query = _collecting_versions(latest, conditions)
    sources = (select(policy.scan_id, policy.source).join(latest, latest.c.scan_id == policy.scan_id)
               .order_by(policy.scan_id, policy.ord))
    denials = (select(policy.scan_id).distinct().join(declaration, declaration.policy_id == policy.id)
               .where(declaration.denied.is_(True), declaration.data_type == data_type))

    def run(session: Session) -> list[PolicyOmission]:
        rows = session.execute(query).all()
        if not rows:
            return []
        sdks = _sdks_by_scan(session, sdk_query)
        scan_ids = [row[3] for row in rows]
        named: dict[int, list[str]] = defaultdict(list)
        for scan_id, source in session.execute(sources.where(policy.scan_id.in_(scan_ids))):
            named[scan_id].append(source)
        denied = set(session.scalars(denials.where(policy.scan_id.in_(scan_ids))))
        return [PolicyOmission(package, code, name, scan_id, calls, int(startup or 0), sdks[scan_id],
                               tuple(named[scan_id]), scan_id in denied)
                for package, code, name, scan_id, calls, startup in rows]
    return store.read(run)


def apps_with_unidentified_code(store: Store, prefix: str | None = None) -> list[UnidentifiedUse]:
    """Unidentified third-party code (SDK candidates) in each app version's latest scan, largest groups first
    within a version; ``prefix`` keeps the groups whose package root is it or lies below it (``com.tencent``).

    The groups live only in the stored document's ``unidentified_code`` section (no table holds them: adding one
    needs a migration), so this reads the compressed document of every latest scan, about a millisecond each.
    """
    latest = _latest_scans()
    query = (select(m.App.package, m.AppVersion.version_code, m.AppVersion.version_name, m.Scan.id,
                    m.Scan.facts_json)
             .join(m.AppVersion, m.AppVersion.app_id == m.App.id)
             .join(latest, latest.c.app_version_id == m.AppVersion.id)
             .join(m.Scan, m.Scan.id == latest.c.scan_id)
             .where(m.Scan.facts_json.is_not(None))
             .order_by(m.App.package, m.AppVersion.version_code.asc().nulls_first(), m.Scan.id))

    def wanted(root: str) -> bool:
        return prefix is None or root == prefix or root.startswith(prefix + ".")

    def run(session: Session) -> list[UnidentifiedUse]:
        out = []
        for package, code, name, scan_id, blob in session.execute(query):
            for group in unpack_rest(blob).document.get("unidentified_code") or ():
                if wanted(group["package"]):
                    out.append(UnidentifiedUse(package, code, name, scan_id, group["package"], group["classes"],
                                               group["vendor_guess"], tuple(group["hosts"])))
        return out
    return store.read(run)


def history(store: Store, package: str) -> list[VersionFindings]:
    """Per scanned version of ``package`` (by version code), the findings new, fixed and persisting since the
    previous version, matched on the stable finding id."""
    latest = _latest_scans()
    versions = (select(m.AppVersion.version_code, m.AppVersion.version_name, latest.c.scan_id)
                .join(latest, latest.c.app_version_id == m.AppVersion.id)
                .join(m.App, m.App.id == m.AppVersion.app_id).where(m.App.package == package)
                .order_by(m.AppVersion.version_code.asc().nulls_first(), m.AppVersion.id))
    findings = (select(m.Finding.scan_id, m.Finding.finding_id, m.Finding.rule, m.Finding.severity,
                       m.Finding.title_en)
                .join(latest, latest.c.scan_id == m.Finding.scan_id)
                .join(m.AppVersion, m.AppVersion.id == latest.c.app_version_id)
                .join(m.App, m.App.id == m.AppVersion.app_id).where(m.App.package == package)
                .order_by(m.Finding.scan_id, m.Finding.ord))

    def run(session: Session) -> list[VersionFindings]:
        by_scan: dict[int, dict[str, FindingRef]] = defaultdict(dict)
        for scan_id, fid, rule, severity, title in session.execute(findings):
            by_scan[scan_id][fid] = FindingRef(fid, rule, severity, title)
        out: list[VersionFindings] = []
        before: dict[str, FindingRef] = {}
        for code, name, scan_id in session.execute(versions):
            now = by_scan[scan_id]
            out.append(VersionFindings(
                code, name, scan_id,
                new=tuple(now[k] for k in sorted(now.keys() - before.keys())),
                fixed=tuple(before[k] for k in sorted(before.keys() - now.keys())),
                persisting=tuple(now[k] for k in sorted(now.keys() & before.keys()))))
            before = now
        return out
    return store.read(run)


def diff_scans(store: Store, old_id: int, new_id: int) -> dict[str, Any]:
    """``diff_documents`` of two stored scans."""
    return diff_documents(get_scan_document(store, old_id), get_scan_document(store, new_id))
