"""Plain values the store's queries return, so that no ORM object leaves ``appscan.store``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["ScanSummary", "SdkUse", "DataTypeUse", "PolicyOmission", "UnidentifiedUse", "FindingRef",
           "VersionFindings", "SuppressionRecord", "ClauseInfo"]


@dataclass(frozen=True, slots=True)
class ScanSummary:
    """One stored scan, for ``appscan db list``."""

    scan_id: int
    package: str | None
    version_code: int | None
    version_name: str | None
    sha256: str | None
    source: str
    status: str
    error: str | None
    started_at: datetime
    duration_ms: int
    ruleset: str | None
    """``name version`` of the ruleset, None when the scan ran without rules."""
    verdict: str | None = None
    """The verdict level (high-risk, undetermined, rectify, pass); None for scans stored before verdicts."""
    verdict_rule: str | None = None
    """The verdict rule that decided it."""
    findings: dict[str, int] = field(default_factory=dict)
    """How many findings of each severity (high, medium, low, info; severities without any are left out)."""


@dataclass(frozen=True, slots=True)
class SdkUse:
    """An app that embeds an SDK, and since which of its scanned versions."""

    package: str
    label: str | None
    first_version_code: int | None
    first_version_name: str | None
    versions: int
    """How many scanned versions of the app contain the SDK."""


@dataclass(frozen=True, slots=True)
class UnidentifiedUse:
    """A group of unidentified third-party code in an app version (its latest scan): an SDK candidate."""

    package: str
    version_code: int | None
    version_name: str | None
    scan_id: int
    root: str
    """The package root of the code ("" for the default package)."""
    classes: int
    vendor_guess: str | None
    hosts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DataTypeUse:
    """An app version whose code collects a data type (the latest scan of that version)."""

    package: str
    version_code: int | None
    version_name: str | None
    scan_id: int
    calls: int
    startup_calls: int
    """Calls reachable at start-up without passing a consent check."""
    sdks: tuple[str, ...]
    """SDKs making the calls; the app's own code is not listed."""


@dataclass(frozen=True, slots=True)
class PolicyOmission(DataTypeUse):
    """An app version whose code collects a data type that none of its privacy policies declares (its latest scan,
    which read at least one policy)."""

    policies: tuple[str, ...] = ()
    """The sources of the policies the scan read (file names, or ``apk:...`` for policies inside the APK)."""
    denied: bool = False
    """True when a policy even says the type is not collected."""


@dataclass(frozen=True, slots=True)
class FindingRef:
    """A finding as history and diff list it."""

    id: str
    rule: str
    severity: str
    title_en: str


@dataclass(frozen=True, slots=True)
class VersionFindings:
    """The findings of one version compared with the previous scanned version of the same app."""

    version_code: int | None
    version_name: str | None
    scan_id: int
    new: tuple[FindingRef, ...]
    fixed: tuple[FindingRef, ...]
    persisting: tuple[FindingRef, ...]


@dataclass(frozen=True, slots=True)
class SuppressionRecord:
    """A stored suppression."""

    id: int
    kind: str
    value: str
    reason: str
    expires_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ClauseInfo:
    """A clause of the catalogue: id (``C191-3.1``), source document code and titles."""

    id: str
    source: str
    title_zh: str | None = None
    title_en: str | None = None
