"""Writing scans and reading them back: one transaction per scan, bulk inserts, documents rebuilt exactly.

Every function takes an open ``Store`` and model values or plain records; ORM rows never leave this package.
Row dictionaries are built before the transaction opens, so the write lock is held only for the inserts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Select, Table, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from appscan import __version__
from appscan.errors import StoreError
from appscan.model import (
    ApiCall,
    Evidence,
    Finding,
    Incomplete,
    Permission,
    Reach,
    RulesetInfo,
    ScanResult,
    SdkDetection,
    Text,
    Verdict,
)
from appscan.policy import EMBEDDED_PREFIX, Declaration, Denial, PolicyDocument, SdkMention, Sections
from appscan.store import models as m
from appscan.store.document import join_document, pack_rest, section_values, unpack_rest
from appscan.store.engine import Store
from appscan.store.records import ClauseInfo, ScanSummary, SuppressionRecord
from appscan.store.review_records import DEFAULT_TENANT, tenant_id, write_audit

__all__ = ["save_scan", "record_failure", "find_scan", "list_scans", "scan_verdicts", "get_scan_document",
           "sync_clauses", "add_suppression", "list_suppressions", "delete_suppression", "SUPPRESSION_KINDS"]

SUPPRESSION_KINDS = ("finding", "rule", "sdk", "clause")


def _now() -> datetime:
    """Wall-clock time in UTC (stored with the scan, never written into the document)."""
    return datetime.now(timezone.utc)


def _lines(values: Iterable[str]) -> str:
    """A multi-valued text column: one value per line."""
    return "\n".join(values)


def _unlines(text: str | None) -> tuple[str, ...]:
    """Inverse of ``_lines``."""
    return tuple(text.split("\n")) if text else ()


Rows = tuple[list[str], list[tuple[Any, ...]]]
"""Column names and value tuples for ``_bulk``."""


def _bulk(session: Session, table: Table, rows: Rows) -> None:
    """Insert many rows on the session's connection, in its transaction, at driver speed.

    PostgreSQL gets one COPY; SQLite one ``executemany``. Both skip SQLAlchemy's per-row parameter processing,
    which is most of the time for 100k call sites; the values are plain str/int/bool/None, needing none.
    """
    columns, values = rows
    if not values:
        return
    connection = session.connection()
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{c}"' for c in columns)
            with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for row in values:
                    copy.write_row(row)
        else:
            cursor.executemany(f'INSERT INTO "{table.name}" ({", ".join(columns)}) '
                               f'VALUES ({", ".join("?" * len(columns))})', values)
    finally:
        cursor.close()


def _owned(key: str, parent_id: int, rows: Sequence[dict[str, Any]]) -> Rows:
    """Rows of one parent, as ``_bulk`` takes them (every dict has the same keys in the same order)."""
    return ([key, *rows[0]] if rows else [], [(parent_id, *r.values()) for r in rows])


def _with_parent(key: str, parent_ids: Sequence[int], children: Sequence[Sequence[dict[str, Any]]]) -> Rows:
    """Rows of many parents (``children[i]`` belongs to ``parent_ids[i]``), as ``_bulk`` takes them."""
    first = next((group[0] for group in children if group), None)
    return ([key, *first] if first else [],
            [(pid, *child.values()) for pid, group in zip(parent_ids, children) for child in group])


def _bulk_ids(session: Session, model: type[m.Base], rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert many rows and return their ids in the order of ``rows``."""
    if not rows:
        return []
    statement = insert(model).returning(model.id, sort_by_parameter_order=True)  # type: ignore[attr-defined]
    return list(session.scalars(statement, rows))


def _insert_missing(session: Session, table: Table, rows: Sequence[dict[str, Any]], key: str,
                    refresh: Sequence[str] = ()) -> None:
    """Insert rows whose ``key`` is new; existing rows keep their values except the ``refresh`` columns.

    ``INSERT ... ON CONFLICT`` is atomic on both backends, so concurrent writers adding the same app or SDK
    neither fail nor duplicate it.
    """
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    rows = sorted(rows, key=lambda r: r[key])  # one lock order for every writer: no deadlocks between them
    statement = dialect.insert(table)
    if refresh:
        statement = statement.on_conflict_do_update(
            index_elements=[key], set_={c: getattr(statement.excluded, c) for c in refresh})
    else:
        statement = statement.on_conflict_do_nothing(index_elements=[key])
    session.execute(statement, rows)


@dataclass(frozen=True)
class _ScanRows:
    """Everything one scan inserts, prepared outside the transaction."""

    scan: dict[str, Any]
    incomplete: list[dict[str, Any]]
    permissions: list[dict[str, Any]]
    components: list[dict[str, Any]]
    sdks: list[dict[str, Any]]
    detections: list[dict[str, Any]]
    detection_evidence: list[list[dict[str, Any]]]
    api_calls: list[dict[str, Any]]
    clauses: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    finding_clauses: list[list[dict[str, Any]]]
    finding_evidence: list[list[dict[str, Any]]]
    policies: list[dict[str, Any]]
    policy_declarations: list[list[dict[str, Any]]]
    policy_sdks: list[list[dict[str, Any]]]


def _evidence_rows(evidence: Iterable[Evidence]) -> list[dict[str, Any]]:
    """Evidence items in order, without their parent id (added once it is known)."""
    return [{"ord": i, "kind": e.kind, "value": e.value, "location": e.location} for i, e in enumerate(evidence)]


_PLAIN = "collection"
"""The effect of most calls, stored as NULL (``api_call.effect``)."""


def _api_call_row(i: int, c: ApiCall) -> dict[str, Any]:
    """One call site; the reach columns stay NULL when no reachability was computed."""
    r = c.reach
    return {"ord": i, "api_id": c.api_id, "api": c.api, "data_type": c.data_type, "caller": c.caller,
            "sdk_id": c.sdk, "permission": c.permission,
            "startup_reachable": None if r is None else r.startup_reachable,
            "consent_gated": None if r is None else r.consent_gated,
            "background": None if r is None else r.background,
            "entry": None if r is None else r.entry, "entry_kind": None if r is None else r.entry_kind,
            "path": None if r is None else _lines(r.path), "effect": None if c.effect == _PLAIN else c.effect}


def _finding_row(i: int, f: Finding) -> dict[str, Any]:
    """One finding, without its clauses and evidence."""
    return {"ord": i, "finding_id": f.id, "rule": f.rule, "severity": f.severity,
            "evidence_level": f.evidence_level, "title_zh": f.title.zh, "title_en": f.title.en,
            "advice_zh": f.advice.zh, "advice_en": f.advice.en, "sdk": f.sdk, "data_types": _lines(f.data_types),
            "manual_check": f.manual_check}


def _without_empty(rows: list[dict[str, Any]], column: str) -> list[dict[str, Any]]:
    """The rows without ``column`` when it is NULL in all of them, so that a store not yet migrated to the revision
    that added the column can still be written by code with nothing to put in it (tests build old stores so)."""
    if any(row[column] is not None for row in rows):
        return rows
    return [{k: v for k, v in row.items() if k != column} for row in rows]


def _policy_key(sha256s: Iterable[str]) -> str | None:
    """The ``scan.policy_inputs`` key of a scan given policy files with these sha256s: sorted, one per line; None
    for none. Duplicates are kept: a file given twice is read twice, so that scan's document differs."""
    return _lines(sorted(sha256s)) or None


def _policy_columns(policies: Iterable[PolicyDocument]) -> dict[str, str]:
    """The scan column saying which policy files the scan was given: its policies not found inside the APK
    (``scan_file`` reads either the given files or the embedded ones, never both); none without such files."""
    key = _policy_key(p.sha256 for p in policies if not p.source.startswith(EMBEDDED_PREFIX))
    return {} if key is None else {"policy_inputs": key}


def _policy_row(i: int, p: PolicyDocument) -> dict[str, Any]:
    """One policy with its sections, without its declarations and SDKs."""
    s = p.sections
    return {"ord": i, "source": p.source, "sha256": p.sha256, "language": p.language, "format": p.format,
            "account_deletion": s.account_deletion, "complaint_channel": s.complaint_channel, "minors": s.minors,
            "cross_border": s.cross_border, "updated": s.updated}


def _declaration_rows(p: PolicyDocument) -> list[dict[str, Any]]:
    """A policy's declarations then its denials, each list numbered from 0."""
    return ([{"ord": i, "denied": False, "data_type": d.data_type, "sentence": d.sentence, "purpose": d.purpose,
              "conditional": d.conditional} for i, d in enumerate(p.declared)]
            + [{"ord": i, "denied": True, "data_type": d.data_type, "sentence": d.sentence, "purpose": None,
                "conditional": False} for i, d in enumerate(p.denied)])


def _policy_sdk_rows(p: PolicyDocument) -> list[dict[str, Any]]:
    """The SDKs a policy names, in its order."""
    return [{"ord": i, "name": s.name, "sdk_id": s.sdk, "company": s.company, "data_types": _lines(s.data_types),
             "purpose": s.purpose, "link": s.link} for i, s in enumerate(p.sdks)]


def _verdict_columns(verdict: Verdict | None) -> dict[str, str]:
    """The scan columns of a verdict; none for a result built without one, so they stay NULL (and a store not
    yet migrated to 0003 can still be written by code that has no verdict to record)."""
    return {} if verdict is None else {"verdict": verdict.level, "verdict_rule": verdict.rule}


def _clause_source(clause_id: str) -> str:
    """The document code of a clause id: ``C191-3.1`` -> ``C191``."""
    return clause_id.split("-", 1)[0]


def _prepare(result: ScanResult, document: dict[str, Any], started_at: datetime | None) -> _ScanRows:
    """Turn a result and its document into insert rows."""
    facts, ruleset = result.facts, result.ruleset
    finished = _now()
    duration_ms = round(result.duration_s * 1000)
    scan = {"source": facts.source, "started_at": started_at or finished - timedelta(milliseconds=duration_ms),
            "finished_at": finished, "status": "ok", "error": None, "tool_version": __version__,
            "ruleset_name": ruleset and ruleset.name, "ruleset_version": ruleset and ruleset.version,
            "ruleset_sha256": ruleset and ruleset.sha256, "duration_ms": duration_ms, "app_type": result.app_type,
            **_policy_columns(result.policies), **_verdict_columns(result.verdict)}
    api_calls = _without_empty([_api_call_row(i, c) for i, c in enumerate(result.api_calls)], "effect")
    # The document's api_calls section is rebuilt from the table only when the table gives back exactly these
    # calls; fields it has no column for (owners of library code, path steps...) keep the section in facts_json.
    from_table = tuple(_api_call_from_columns(*(row.get(c) for c in _API_CALL_COLUMNS)) for row in api_calls)
    scan["facts_json"] = pack_rest(document, {**section_values(result), "api_calls": from_table})
    clause_ids = sorted({c for f in result.findings for c in f.clauses})
    return _ScanRows(
        scan=scan,
        incomplete=[{"ord": i, "item": x.item, "reason": x.reason} for i, x in enumerate(facts.incomplete)],
        permissions=[{"ord": i, "name": p.name, "protection_level": p.protection_level, "tag": p.tag,
                      "max_sdk": p.max_sdk_version} for i, p in enumerate(facts.manifest.permissions)],
        components=[{"type": c.type, "name": c.name, "exported": c.exported, "permission": c.permission,
                     "actions": _lines(c.actions)} for c in facts.manifest.components],
        sdks=list({d.id: {"id": d.id, "name": d.name, "vendor": d.vendor, "category": d.category,
                          "region": d.region} for d in result.sdks}.values()),
        detections=[{"ord": i, "sdk_id": d.id, "evidence_level": d.evidence_level, "version": d.version}
                    for i, d in enumerate(result.sdks)],
        detection_evidence=[_evidence_rows(d.evidence) for d in result.sdks],
        api_calls=api_calls,
        clauses=[{"id": c, "source": _clause_source(c)} for c in clause_ids],
        findings=[_finding_row(i, f) for i, f in enumerate(result.findings)],
        finding_clauses=[[{"ord": i, "clause_id": c} for i, c in enumerate(f.clauses)] for f in result.findings],
        finding_evidence=[_evidence_rows(f.evidence) for f in result.findings],
        policies=[_policy_row(i, p) for i, p in enumerate(result.policies)],
        policy_declarations=[_declaration_rows(p) for p in result.policies],
        policy_sdks=[_policy_sdk_rows(p) for p in result.policies],
    )


def _version_id(session: Session, result: ScanResult) -> int:
    """The app and app-version rows of this input, created when new."""
    app = result.facts.app
    _insert_missing(session, m.App.__table__, [{"package": app.package}], "package")
    app_id = session.scalar(select(m.App.id).where(m.App.package == app.package))
    _insert_missing(session, m.AppVersion.__table__, [{
        "app_id": app_id, "version_code": app.version_code, "version_name": app.version_name,
        "sha256": app.sha256, "size": app.size, "min_sdk": app.min_sdk, "target_sdk": app.target_sdk,
        "label": app.label}], "sha256")
    version_id = session.scalar(select(m.AppVersion.id).where(m.AppVersion.sha256 == app.sha256))
    assert version_id is not None, "inserted or found just above"
    return version_id


def _write(session: Session, result: ScanResult, rows: _ScanRows) -> int:
    """All inserts of one scan, inside the caller's transaction."""
    scan_id = session.scalar(insert(m.Scan).returning(m.Scan.id),
                             {**rows.scan, "app_version_id": _version_id(session, result)})
    assert scan_id is not None
    _bulk(session, m.ScanIncomplete.__table__, _owned("scan_id", scan_id, rows.incomplete))
    _bulk(session, m.PermissionUse.__table__, _owned("scan_id", scan_id, rows.permissions))
    _bulk(session, m.Component.__table__, _owned("scan_id", scan_id, rows.components))
    _insert_missing(session, m.Sdk.__table__, rows.sdks, "id")
    detection_ids = _bulk_ids(session, m.SdkDetection, [{"scan_id": scan_id, **r} for r in rows.detections])
    _bulk(session, m.SdkEvidence.__table__, _with_parent("detection_id", detection_ids, rows.detection_evidence))
    _bulk(session, m.ApiCall.__table__, _owned("scan_id", scan_id, rows.api_calls))
    _insert_missing(session, m.Clause.__table__, rows.clauses, "id")
    finding_ids = _bulk_ids(session, m.Finding, [{"scan_id": scan_id, **r} for r in rows.findings])
    _bulk(session, m.FindingClause.__table__, _with_parent("finding_row_id", finding_ids, rows.finding_clauses))
    _bulk(session, m.FindingEvidence.__table__,
          _with_parent("finding_row_id", finding_ids, rows.finding_evidence))
    policy_ids = _bulk_ids(session, m.ScanPolicy, [{"scan_id": scan_id, **r} for r in rows.policies])
    _bulk(session, m.PolicyDeclaration.__table__, _with_parent("policy_id", policy_ids, rows.policy_declarations))
    _bulk(session, m.PolicySdk.__table__, _with_parent("policy_id", policy_ids, rows.policy_sdks))
    return scan_id


def save_scan(store: Store, result: ScanResult, document: dict[str, Any],
              started_at: datetime | None = None) -> int:
    """Store one scan and its JSON document in one transaction; returns the new scan id.

    Either every row of the scan is committed or none is (an error or a killed process leaves nothing).
    """
    rows = _prepare(result, document, started_at)
    return store.write(lambda session: _write(session, result, rows))


def record_failure(store: Store, source: str, error: str, duration_s: float,
                   ruleset: RulesetInfo | None = None, verdict: Verdict | None = None,
                   sha256: str | None = None) -> int:
    """Store a scan that failed (an unreadable file): status ``failed``, the one-line error, no version, the
    verdict the caller gives such a scan (``appscan.rules.verdict.failed_verdict``: undetermined) and the input's
    sha256 when known."""
    finished = _now()
    row = {"source": source, "started_at": finished - timedelta(seconds=duration_s), "finished_at": finished,
           "status": "failed", "error": error, "tool_version": __version__,
           "ruleset_name": ruleset and ruleset.name, "ruleset_version": ruleset and ruleset.version,
           "ruleset_sha256": ruleset and ruleset.sha256, "duration_ms": round(duration_s * 1000),
           "app_type": None, "facts_json": None, "app_version_id": None, "input_sha256": sha256,
           **_verdict_columns(verdict)}
    return store.write(lambda session: session.scalar(insert(m.Scan).returning(m.Scan.id), row))


def _same_rules(ruleset_sha256: str | None) -> Any:
    """The condition "scanned with these rules" (none: scanned without a ruleset)."""
    return (m.Scan.ruleset_sha256.is_(None) if ruleset_sha256 is None
            else m.Scan.ruleset_sha256 == ruleset_sha256)


def _same_policies(key: str | None) -> Any:
    """The condition "given these policy files" (None: given none)."""
    return m.Scan.policy_inputs.is_(None) if key is None else m.Scan.policy_inputs == key


def failure_count(store: Store, sha256: str, ruleset_sha256: str | None) -> int:
    """How many scans of this input file with these rules failed."""
    query = select(func.count()).select_from(m.Scan).where(m.Scan.input_sha256 == sha256, m.Scan.status == "failed",
                                                           _same_rules(ruleset_sha256))
    return int(store.read(lambda session: session.scalar(query)) or 0)


def find_scan(store: Store, sha256: str, ruleset_sha256: str | None, policy_sha256s: Iterable[str] = ()) -> int | None:
    """The newest successful scan of this input file with these rules and the policy files with these sha256s
    (none: a scan given no policy file), for reuse without ``--force``."""
    query = (select(m.Scan.id).join(m.AppVersion, m.Scan.app_version_id == m.AppVersion.id)
             .where(m.AppVersion.sha256 == sha256, m.Scan.status == "ok", _same_rules(ruleset_sha256),
                    _same_policies(_policy_key(policy_sha256s)))
             .order_by(m.Scan.id.desc()).limit(1))
    return store.read(lambda session: session.scalar(query))


def list_scans(store: Store) -> list[ScanSummary]:
    """Every stored scan with its app and version, oldest first."""
    query = (select(m.Scan, m.AppVersion, m.App)
             .outerjoin(m.AppVersion, m.Scan.app_version_id == m.AppVersion.id)
             .outerjoin(m.App, m.AppVersion.app_id == m.App.id).order_by(m.Scan.id))

    counts = select(m.Finding.scan_id, m.Finding.severity, func.count()).group_by(m.Finding.scan_id,
                                                                                 m.Finding.severity)

    def run(session: Session) -> list[ScanSummary]:
        by_scan: defaultdict[int, dict[str, int]] = defaultdict(dict)
        for scan_id, severity, n in session.execute(counts):
            by_scan[scan_id][severity] = n
        return [ScanSummary(scan.id, app and app.package, version and version.version_code,
                            version and version.version_name, version and version.sha256, scan.source,
                            scan.status, scan.error, scan.started_at, scan.duration_ms,
                            f"{scan.ruleset_name} {scan.ruleset_version}" if scan.ruleset_name else None,
                            scan.verdict, scan.verdict_rule, dict(by_scan.get(scan.id, {})))
                for scan, version, app in session.execute(query)]
    return store.read(run)


def scan_verdicts(store: Store, scan_ids: Iterable[int]) -> dict[int, str | None]:
    """The verdict level of each of these scans (None where none was recorded), in one query."""
    ids = sorted(set(scan_ids))
    if not ids:
        return {}
    query = select(m.Scan.id, m.Scan.verdict).where(m.Scan.id.in_(ids))
    return store.read(lambda session: {scan_id: level for scan_id, level in session.execute(query)})


def _evidence_by_parent(session: Session, model: Any, parent: Any, parent_ids: list[int]) \
        -> dict[int, list[Evidence]]:
    """Evidence rows grouped by parent id, in order."""
    grouped: dict[int, list[Evidence]] = defaultdict(list)
    if parent_ids:
        for pid, kind, value, location in session.execute(
                select(parent, model.kind, model.value, model.location)
                .where(parent.in_(parent_ids)).order_by(parent, model.ord)):
            grouped[pid].append(Evidence(kind, value, location))
    return grouped


def _load_sdks(session: Session, scan_id: int) -> tuple[SdkDetection, ...]:
    """The scan's SDK detections with their evidence, in stored order."""
    rows = session.execute(select(m.SdkDetection, m.Sdk).join(m.Sdk, m.SdkDetection.sdk_id == m.Sdk.id)
                           .where(m.SdkDetection.scan_id == scan_id).order_by(m.SdkDetection.ord)).all()
    evidence = _evidence_by_parent(session, m.SdkEvidence, m.SdkEvidence.detection_id, [d.id for d, _ in rows])
    return tuple(SdkDetection(sdk.id, sdk.name, sdk.vendor, sdk.category, sdk.region, tuple(evidence[d.id]),
                              d.version, d.evidence_level) for d, sdk in rows)


_API_CALL_COLUMNS = ("api_id", "api", "data_type", "caller", "sdk_id", "permission", "startup_reachable",
                     "consent_gated", "background", "entry", "entry_kind", "path", "effect")
"""The ``api_call`` columns a call site is rebuilt from, in ``_api_call_from_columns`` order."""


def _api_call_from_columns(api_id: str, api: str, data_type: str, caller: str, sdk: str | None,
                           permission: str | None, startup: bool | None, consent: bool | None,
                           background: bool | None, entry: str | None, entry_kind: str | None, path: str | None,
                           effect: str | None) -> ApiCall:
    """A call site as the ``api_call`` table gives it back; fields without a column take their defaults (and so
    does ``effect`` of a call stored before it had a column: such sections were stored only for plain collection)."""
    return ApiCall(api_id, api, data_type, caller, sdk, permission,
                   None if startup is None else Reach(startup, bool(consent), bool(background), entry, entry_kind,
                                                      _unlines(path)), effect=effect or _PLAIN)


def _load_api_calls(session: Session, scan_id: int) -> tuple[ApiCall, ...]:
    """The scan's call sites, in stored order (plain column tuples: there can be 100k of them)."""
    t = m.ApiCall
    query = select(*(getattr(t, c) for c in _API_CALL_COLUMNS)).where(t.scan_id == scan_id).order_by(t.ord)
    return tuple(_api_call_from_columns(*row) for row in session.execute(query))


def _load_findings(session: Session, scan_id: int) -> tuple[Finding, ...]:
    """The scan's findings with clauses and evidence, in stored order."""
    rows = session.scalars(select(m.Finding).where(m.Finding.scan_id == scan_id).order_by(m.Finding.ord)).all()
    ids = [f.id for f in rows]
    clauses: dict[int, list[str]] = defaultdict(list)
    if ids:
        for fid, clause in session.execute(
                select(m.FindingClause.finding_row_id, m.FindingClause.clause_id)
                .where(m.FindingClause.finding_row_id.in_(ids))
                .order_by(m.FindingClause.finding_row_id, m.FindingClause.ord)):
            clauses[fid].append(clause)
    evidence = _evidence_by_parent(session, m.FindingEvidence, m.FindingEvidence.finding_row_id, ids)
    return tuple(Finding(f.finding_id, f.rule, tuple(clauses[f.id]), f.severity, f.evidence_level,
                         Text(f.title_zh, f.title_en), tuple(evidence[f.id]), Text(f.advice_zh, f.advice_en),
                         f.sdk, _unlines(f.data_types), f.manual_check) for f in rows)


def _load_policies(session: Session, scan_id: int) -> tuple[PolicyDocument, ...]:
    """The scan's policies with their declarations, denials and SDKs, in stored order."""
    rows = session.scalars(select(m.ScanPolicy).where(m.ScanPolicy.scan_id == scan_id)
                           .order_by(m.ScanPolicy.ord)).all()
    ids = [p.id for p in rows]
    declared: dict[int, list[Declaration]] = defaultdict(list)
    denied: dict[int, list[Denial]] = defaultdict(list)
    sdks: dict[int, list[SdkMention]] = defaultdict(list)
    if ids:
        d = m.PolicyDeclaration
        for row in session.scalars(select(d).where(d.policy_id.in_(ids)).order_by(d.policy_id, d.denied, d.ord)):
            if row.denied:
                denied[row.policy_id].append(Denial(row.data_type, row.sentence))
            else:
                declared[row.policy_id].append(Declaration(row.data_type, row.sentence, row.purpose, row.conditional))
        s = m.PolicySdk
        for row in session.scalars(select(s).where(s.policy_id.in_(ids)).order_by(s.policy_id, s.ord)):
            sdks[row.policy_id].append(SdkMention(row.name, row.sdk_id, row.company, _unlines(row.data_types),
                                                  row.purpose, row.link))
    return tuple(PolicyDocument(p.source, p.sha256, p.language, p.format, tuple(declared[p.id]), tuple(denied[p.id]),
                                tuple(sdks[p.id]), Sections(p.account_deletion, p.complaint_channel, p.minors,
                                                            p.cross_border, p.updated)) for p in rows)


def _load_section(session: Session, scan: m.Scan, name: str) -> Any:
    """The model values of one rebuildable document section."""
    if name == "permissions":
        return tuple(Permission(p.name, p.protection_level, p.tag, p.max_sdk) for p in session.scalars(
            select(m.PermissionUse).where(m.PermissionUse.scan_id == scan.id).order_by(m.PermissionUse.ord)))
    if name == "incomplete":
        return tuple(Incomplete(i.item, i.reason) for i in session.scalars(
            select(m.ScanIncomplete).where(m.ScanIncomplete.scan_id == scan.id).order_by(m.ScanIncomplete.ord)))
    if name == "sdks":
        return _load_sdks(session, scan.id)
    if name == "api_calls":
        return _load_api_calls(session, scan.id)
    if name == "findings":
        return _load_findings(session, scan.id)
    if name == "ruleset":
        return (RulesetInfo(scan.ruleset_name, scan.ruleset_version or "", scan.ruleset_sha256 or "")
                if scan.ruleset_name else None)
    if name == "app_type":
        return scan.app_type
    if name == "policies":
        return _load_policies(session, scan.id)
    raise ValueError(f"no table holds document section {name!r}")


def get_scan_document(store: Store, scan_id: int) -> dict[str, Any]:
    """The JSON document ``appscan scan --format json`` printed for this scan."""
    def run(session: Session) -> dict[str, Any]:
        scan = session.get(m.Scan, scan_id)
        if scan is None:
            raise StoreError(f"no scan {scan_id} in {store.display_url}")
        if scan.facts_json is None:
            raise StoreError(f"scan {scan_id} failed ({scan.error}); it has no document")
        rest = unpack_rest(scan.facts_json)
        return join_document(rest, {name: _load_section(session, scan, name) for name in rest.from_tables})
    return store.read(run)


def sync_clauses(store: Store, clauses: Iterable[ClauseInfo]) -> None:
    """Fill or refresh the clause catalogue (titles) from the rulesets."""
    rows = [{"id": c.id, "source": c.source, "title_zh": c.title_zh, "title_en": c.title_en} for c in clauses]
    store.write(lambda session: _insert_missing(session, m.Clause.__table__, rows, "id",
                                                refresh=("source", "title_zh", "title_en")))


def add_suppression(store: Store, kind: str, value: str, reason: str, expires_at: datetime | None = None,
                    tenant: str = DEFAULT_TENANT, actor: str | None = None) -> int:
    """Record a suppression of ``tenant`` (the command line's gate reads the default tenant's); ``kind`` is finding,
    rule, sdk or clause. Refuses a duplicate (kind, value) within the tenant.

    With ``actor`` (the service's admins) the change is written to the tenant's audit log in the same transaction."""
    if kind not in SUPPRESSION_KINDS:
        raise StoreError(f"suppression kind must be one of {', '.join(SUPPRESSION_KINDS)}, not {kind!r}")
    row = {"kind": kind, "value": value, "reason": reason, "expires_at": expires_at, "created_at": _now()}

    def run(session: Session) -> int:
        owner = tenant_id(session, tenant)
        exists = session.scalar(select(m.Suppression.id).where(m.Suppression.tenant_id == owner,
                                                               m.Suppression.kind == kind,
                                                               m.Suppression.value == value))
        if exists is not None:
            raise StoreError(f"{kind} {value!r} is already suppressed (suppression {exists})")
        made = session.scalar(insert(m.Suppression).returning(m.Suppression.id), {**row, "tenant_id": owner})
        if actor is not None:
            write_audit(session, owner, actor, "suppression.add", f"suppression {made}",
                        {"kind": kind, "value": value, "reason": reason,
                         "expires_at": expires_at.isoformat() if expires_at else None})
        return made
    return store.write(run)


def _tenant_suppressions(tenant: str) -> Select[tuple[m.Suppression]]:
    return (select(m.Suppression).join(m.Tenant, m.Tenant.id == m.Suppression.tenant_id)
            .where(m.Tenant.name == tenant))


def list_suppressions(store: Store, active_at: datetime | None = None,
                      tenant: str = DEFAULT_TENANT) -> list[SuppressionRecord]:
    """The tenant's suppressions, or only those not expired at ``active_at``; none for a tenant not made yet."""
    query = _tenant_suppressions(tenant).order_by(m.Suppression.id)
    if active_at is not None:
        query = query.where((m.Suppression.expires_at.is_(None)) | (m.Suppression.expires_at > active_at))
    return store.read(lambda session: [
        SuppressionRecord(s.id, s.kind, s.value, s.reason, s.expires_at, s.created_at)
        for s in session.scalars(query)])


def delete_suppression(store: Store, suppression_id: int, tenant: str = DEFAULT_TENANT,
                       actor: str | None = None) -> bool:
    """Remove one of the tenant's suppressions; False when the tenant has none with that id (another tenant's id
    included). ``actor`` as for ``add_suppression``."""
    def run(session: Session) -> bool:
        row = session.scalar(_tenant_suppressions(tenant).where(m.Suppression.id == suppression_id))
        if row is None:
            return False
        if actor is not None:
            write_audit(session, row.tenant_id, actor, "suppression.delete", f"suppression {suppression_id}",
                        {"kind": row.kind, "value": row.value})
        session.delete(row)
        return True
    return store.write(run)
