"""The database schema as SQLAlchemy 2.0 typed ORM models. Nothing outside ``appscan.store`` imports this.

Everything a query filters or joins on is a column of a normalised table: apps, versions, scans, permissions,
components, SDK detections, data-collection call sites, findings and their clauses, the privacy policies a scan
read with their declarations and named SDKs. What no query reads (signing,
meta-data, native libraries, resources, intent-filter details...) stays in ``scan.facts_json``: the rest of the
scan's JSON document, zlib-compressed, so that ``appscan db show`` prints the document ``appscan scan`` printed.

Lists that the document keeps in order carry an ``ord`` column so they come back in the same order. Multi-valued
text that no query filters on (a component's actions, a call's path, a finding's data types) is one text column
with one value per line instead of a child table: cheaper to write for 100k call sites, and enough to rebuild.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    JSON,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["MAX_ID", "Base", "App", "AppVersion", "Scan", "ScanIncomplete", "PermissionUse", "Component", "Sdk",
           "SdkDetection", "SdkEvidence", "ApiCall", "Clause", "Finding", "FindingClause", "FindingEvidence",
           "Suppression", "ServiceApiKey", "ServiceUpload", "ScanPolicy", "PolicyDeclaration", "PolicySdk",
           "Tenant", "Reviewer", "FindingReview", "AppDecision", "AuditEvent"]

# 64-bit on PostgreSQL; SQLite needs INTEGER for an auto-incrementing rowid primary key.
BigId = BigInteger().with_variant(Integer(), "sqlite")
MAX_ID = 2**31 - 1
"""The largest id an ``Integer`` primary key holds on PostgreSQL (32 bits): an id from a URL beyond it is no row's,
and is refused before it reaches a query (where PostgreSQL would fail it as out of range)."""


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention, so migrations can name what they alter."""

    metadata = MetaData(naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })


def _scan_fk() -> Mapped[int]:
    """The owning scan; its rows go when the scan goes."""
    return mapped_column(ForeignKey("scan.id", ondelete="CASCADE"), nullable=False)


class App(Base):
    """An app, identified by its package name."""

    __tablename__ = "app"
    id: Mapped[int] = mapped_column(primary_key=True)
    package: Mapped[str] = mapped_column(String(255), unique=True)


class AppVersion(Base):
    """One build of an app, identified by the SHA-256 of the input file."""

    __tablename__ = "app_version"
    __table_args__ = (Index(None, "app_id", "version_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("app.id"))
    version_code: Mapped[int | None] = mapped_column(BigInteger)
    version_name: Mapped[str | None] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    min_sdk: Mapped[int | None]
    target_sdk: Mapped[int | None]
    label: Mapped[str | None] = mapped_column(Text)


class Scan(Base):
    """One run of the scanner over one app version (or a failed attempt, with no version)."""

    __tablename__ = "scan"
    __table_args__ = (
        CheckConstraint("status IN ('ok', 'failed')", name="status"),
        Index(None, "app_version_id", "ruleset_sha256", "status"),
        Index(None, "verdict"),
        Index(None, "input_sha256"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    app_version_id: Mapped[int | None] = mapped_column(ForeignKey("app_version.id"))
    source: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    tool_version: Mapped[str] = mapped_column(String(64))
    ruleset_name: Mapped[str | None] = mapped_column(String(255))
    ruleset_version: Mapped[str | None] = mapped_column(String(64))
    ruleset_sha256: Mapped[str | None] = mapped_column(String(64))
    duration_ms: Mapped[int]
    app_type: Mapped[str | None] = mapped_column(String(64))
    facts_json: Mapped[bytes | None] = mapped_column(LargeBinary)
    """zlib-compressed JSON: the document without the sections the tables below rebuild."""
    verdict: Mapped[str | None] = mapped_column(String(16))
    """The verdict level (high-risk, undetermined, rectify, pass) for lists; the full verdict object stays in
    the document. A failed scan is undetermined; NULL for scans stored before migration 0003."""
    verdict_rule: Mapped[str | None] = mapped_column(String(64))
    """The verdict rule that decided (``appscan.rules.verdict``)."""
    input_sha256: Mapped[str | None] = mapped_column(String(64))
    """For a failed scan, the sha256 of its input file when it could be read (successful scans have it through
    their app version): how a poison input is recognised (``failure_count``)."""
    policy_inputs: Mapped[str | None] = mapped_column(Text)
    """The sha256s of the policy files given with the scan (``--policy``), sorted, one per line; NULL when none
    was given (policies found inside the APK come from the input file itself and need no key). A stored scan is
    reused only with the same policy inputs. Scans stored before migration 0005 got it from their document."""


class ScanIncomplete(Base):
    """A part of the APK the scan could not analyse."""

    __tablename__ = "scan_incomplete"
    __table_args__ = (Index(None, "scan_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[int] = _scan_fk()
    ord: Mapped[int]
    item: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)


class PermissionUse(Base):
    """A ``uses-permission`` of the scanned version."""

    __tablename__ = "permission_use"
    __table_args__ = (Index(None, "scan_id"), Index(None, "name"))
    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[int] = _scan_fk()
    ord: Mapped[int]
    name: Mapped[str] = mapped_column(String(255))
    protection_level: Mapped[str] = mapped_column(String(128))
    tag: Mapped[str] = mapped_column(String(64))
    max_sdk: Mapped[int | None]


class Component(Base):
    """A manifest component; ``actions`` holds the intent-filter actions, one per line (never filtered on)."""

    __tablename__ = "component"
    __table_args__ = (Index(None, "scan_id"), Index(None, "type", "exported"))
    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[int] = _scan_fk()
    type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(Text)
    exported: Mapped[bool] = mapped_column(Boolean)
    permission: Mapped[str | None] = mapped_column(String(255))
    actions: Mapped[str] = mapped_column(Text)


class Sdk(Base):
    """The SDK catalogue entries that were ever detected, keyed by catalogue id."""

    __tablename__ = "sdk"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    vendor: Mapped[str] = mapped_column(String(255))
    category: Mapped[str] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(32))


class SdkDetection(Base):
    """An SDK found in a scanned version."""

    __tablename__ = "sdk_detection"
    __table_args__ = (Index(None, "scan_id"), Index(None, "sdk_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[int] = _scan_fk()
    ord: Mapped[int]
    sdk_id: Mapped[str] = mapped_column(ForeignKey("sdk.id"))
    evidence_level: Mapped[str] = mapped_column(String(16))
    version: Mapped[str | None] = mapped_column(String(64))


class SdkEvidence(Base):
    """One signal that matched an SDK."""

    __tablename__ = "sdk_evidence"
    __table_args__ = (Index(None, "detection_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    detection_id: Mapped[int] = mapped_column(ForeignKey("sdk_detection.id", ondelete="CASCADE"))
    ord: Mapped[int]
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(Text)


class ApiCall(Base):
    """A personal-data collection call site.

    ``sdk_id`` is the attributed SDK's catalogue id without a foreign key: attribution may name an SDK whose
    detection did not reach the detection threshold. Reach columns are NULL when no reachability was computed;
    ``path`` is the smali methods from the entry point, one per line.
    """

    __tablename__ = "api_call"
    __table_args__ = (Index(None, "scan_id"), Index(None, "data_type", "startup_reachable"), Index(None, "sdk_id"),
                      Index(None, "data_type", "scan_id"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scan_id: Mapped[int] = _scan_fk()
    ord: Mapped[int]
    api_id: Mapped[str] = mapped_column(String(128))
    api: Mapped[str] = mapped_column(Text)
    data_type: Mapped[str] = mapped_column(String(64))
    caller: Mapped[str] = mapped_column(Text)
    sdk_id: Mapped[str | None] = mapped_column(String(128))
    permission: Mapped[str | None] = mapped_column(String(255))
    startup_reachable: Mapped[bool | None] = mapped_column(Boolean)
    consent_gated: Mapped[bool | None] = mapped_column(Boolean)
    background: Mapped[bool | None] = mapped_column(Boolean)
    entry: Mapped[str | None] = mapped_column(Text)
    entry_kind: Mapped[str | None] = mapped_column(String(32))
    path: Mapped[str | None] = mapped_column(Text)
    effect: Mapped[str | None] = mapped_column(String(32))
    """What the call yields when it is not plain ``collection`` (NULL), e.g. ``guarded``;
    ``appscan.model.COLLECTING_EFFECTS`` count as collection. Calls stored before migration 0005 have NULL: their
    section was kept in ``facts_json`` unless every call was plain collection."""


class ScanPolicy(Base):
    """A privacy policy a scan read (given with ``--policy`` or found inside the APK) and its required sections.

    Sections are columns (``updated`` the ISO date the policy states): few, fixed, and what a diff compares.
    """

    __tablename__ = "scan_policy"
    __table_args__ = (Index(None, "scan_id"), Index(None, "sha256"))
    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[int] = _scan_fk()
    ord: Mapped[int]
    source: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(16))
    account_deletion: Mapped[bool] = mapped_column(Boolean)
    complaint_channel: Mapped[bool] = mapped_column(Boolean)
    minors: Mapped[bool] = mapped_column(Boolean)
    cross_border: Mapped[bool] = mapped_column(Boolean)
    updated: Mapped[str | None] = mapped_column(String(32))


class PolicyDeclaration(Base):
    """A sentence of a policy declaring a data type collected, or (``denied``) saying it is not collected.

    Declarations and denials are one table because "which apps declare or deny X" is one filter; ``ord`` orders
    each of the two lists within its policy. A denial has no purpose and is never conditional.
    """

    __tablename__ = "policy_declaration"
    __table_args__ = (Index(None, "policy_id"), Index(None, "data_type", "denied"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("scan_policy.id", ondelete="CASCADE"))
    ord: Mapped[int]
    denied: Mapped[bool] = mapped_column(Boolean)
    data_type: Mapped[str] = mapped_column(String(64))
    sentence: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str | None] = mapped_column(Text)
    conditional: Mapped[bool] = mapped_column(Boolean)


class PolicySdk(Base):
    """A third-party SDK a policy names; ``sdk_id`` is the catalogue id the name resolves to (no foreign key: the
    SDK need not have been detected), ``data_types`` the types its row lists, one per line."""

    __tablename__ = "policy_sdk"
    __table_args__ = (Index(None, "policy_id"), Index(None, "sdk_id"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("scan_policy.id", ondelete="CASCADE"))
    ord: Mapped[int]
    name: Mapped[str] = mapped_column(Text)
    sdk_id: Mapped[str | None] = mapped_column(String(128))
    company: Mapped[str | None] = mapped_column(Text)
    data_types: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(Text)


class Clause(Base):
    """The clause catalogue: regulation clauses findings map to (``C191-3.1``, ``M164-2``...)."""

    __tablename__ = "clause"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    title_zh: Mapped[str | None] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(Text)


class Finding(Base):
    """A rule's verdict in one scan; ``finding_id`` is the stable id that matches it across versions."""

    __tablename__ = "finding"
    __table_args__ = (Index(None, "scan_id"), Index(None, "finding_id"), Index(None, "rule"),
                      Index(None, "scan_id", "severity"))
    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[int] = _scan_fk()
    ord: Mapped[int]
    finding_id: Mapped[str] = mapped_column(String(128))
    rule: Mapped[str] = mapped_column(String(128))
    severity: Mapped[str] = mapped_column(String(16))
    evidence_level: Mapped[str] = mapped_column(String(16))
    title_zh: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    advice_zh: Mapped[str] = mapped_column(Text)
    advice_en: Mapped[str] = mapped_column(Text)
    sdk: Mapped[str | None] = mapped_column(String(128))
    data_types: Mapped[str] = mapped_column(Text)
    manual_check: Mapped[bool] = mapped_column(Boolean)


class FindingClause(Base):
    """A clause a finding breaks, in the finding's order."""

    __tablename__ = "finding_clause"
    __table_args__ = (Index(None, "clause_id"),)
    finding_row_id: Mapped[int] = mapped_column(ForeignKey("finding.id", ondelete="CASCADE"), primary_key=True)
    ord: Mapped[int] = mapped_column(primary_key=True)
    clause_id: Mapped[str] = mapped_column(ForeignKey("clause.id"))


class FindingEvidence(Base):
    """One observed fact supporting a finding."""

    __tablename__ = "finding_evidence"
    __table_args__ = (Index(None, "finding_row_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    finding_row_id: Mapped[int] = mapped_column(ForeignKey("finding.id", ondelete="CASCADE"))
    ord: Mapped[int]
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(Text)


class Suppression(Base):
    """A decision to hide a finding, a rule, an SDK or a clause from reports, with a reason and an expiry."""

    __tablename__ = "suppression"
    __table_args__ = (CheckConstraint("kind IN ('finding', 'rule', 'sdk', 'clause')", name="kind"),
                      UniqueConstraint("tenant_id", "kind", "value"))
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    """The team whose gate and reviews it serves (the command line's gate is the ``default`` tenant's; rows made
    before migration 0009 are the default tenant's)."""
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ServiceApiKey(Base):
    """An API key of the upload service: only a salted SHA-256 of its secret is kept."""

    __tablename__ = "service_api_key"
    __table_args__ = (CheckConstraint("role IN ('reviewer', 'admin')", name="role"),)
    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    salt: Mapped[str] = mapped_column(String(32))
    secret_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    """The tenant whose data the key reaches (keys made before migration 0006 are the ``default`` tenant's)."""
    role: Mapped[str] = mapped_column(String(16))
    """``reviewer`` (its tenant's scans, reviews and decisions) or ``admin`` (also keys, audit log, suppressions);
    keys made before migration 0007 are reviewers."""


class ServiceUpload(Base):
    """An APK uploaded to the service and where its scan stands (queued, done, failed)."""

    __tablename__ = "service_upload"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    filename: Mapped[str] = mapped_column(String(500))
    path: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigId)
    status: Mapped[str] = mapped_column(String(16), index=True)
    task_id: Mapped[str | None] = mapped_column(String(64))
    scan_id: Mapped[int | None] = mapped_column(ForeignKey("scan.id", ondelete="SET NULL"), index=True)
    sha256: Mapped[str | None] = mapped_column(String(64))
    package: Mapped[str | None] = mapped_column(String(500), index=True)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    """The tenant that uploaded; a scan is a tenant's when one of its uploads became that scan (uploads made before
    migration 0006 are the ``default`` tenant's)."""


class Tenant(Base):
    """A team whose keys, uploads, people, reviews and decisions are kept apart from every other team's.

    The ``default`` tenant (made by migration 0006) owns what existed before tenants and the scans the CLI stores
    without an upload.
    """

    __tablename__ = "tenant"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Reviewer(Base):
    """A person who reviews findings and decides on app versions; only an argon2 hash of the password is kept.

    People are disabled, never deleted: reviews, decisions and the audit log keep naming them.
    """

    __tablename__ = "reviewer"
    __table_args__ = (CheckConstraint("role IN ('reviewer', 'admin')", name="role"),
                      UniqueConstraint("tenant_id", "login"))
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    login: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    disabled: Mapped[bool] = mapped_column(Boolean)
    session_epoch: Mapped[int] = mapped_column(Integer)
    """Carried by every web session of the person; disabling, enabling or a new password moves it on, which ends
    the sessions already open (0 for people made before migration 0009)."""


class FindingReview(Base):
    """A reviewer's verdict on a finding of an app, made on one scan and kept for the app's later versions.

    Rows are never updated: the latest review of a (tenant, package, finding id) is in force, the earlier ones are
    its history. Finding ids are stable across versions, so a review made on version 1 applies to version 2.
    """

    __tablename__ = "finding_review"
    __table_args__ = (
        CheckConstraint("verdict IN ('confirmed', 'false-positive', 'accepted-risk')", name="verdict"),
        CheckConstraint("verdict != 'accepted-risk' OR expires_at IS NOT NULL", name="risk_expires"),
        Index(None, "tenant_id", "package", "finding_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    package: Mapped[str] = mapped_column(String(255))
    finding_id: Mapped[str] = mapped_column(String(128))
    scan_id: Mapped[int | None] = mapped_column(ForeignKey("scan.id", ondelete="SET NULL"))
    """The scan the review was made on (NULL once that scan is deleted; the review stays in force)."""
    verdict: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("reviewer.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AppDecision(Base):
    """A decision on one scanned app version; the latest per (tenant, scan) stands, earlier ones are history."""

    __tablename__ = "app_decision"
    __table_args__ = (
        CheckConstraint("decision IN ('approve', 'reject', 'rectification-required')", name="decision"),
        Index(None, "tenant_id", "scan_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    scan_id: Mapped[int] = _scan_fk()
    decision: Mapped[str] = mapped_column(String(32))
    comment: Mapped[str] = mapped_column(Text)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("reviewer.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEvent(Base):
    """One change (review, decision, user, key) as it happened: who, when, what, on what, with its details.

    ``actor`` is text rather than a key to ``reviewer``: keys and command-line operators act too, and the log
    must outlive whatever it names.
    """

    __tablename__ = "audit_event"
    __table_args__ = (Index(None, "tenant_id", "id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(255))
    detail: Mapped[dict[str, object]] = mapped_column(JSON)
