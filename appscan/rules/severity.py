"""The severity table of personal-data findings: what is collected x who collects it x when.

A reviewer must be able to predict a finding's severity from three facts the finding shows, so every privacy
check asks this one table instead of choosing a severity itself:

- **what** (the data type's *tier*): ``sensitive`` (敏感个人信息: location, contacts, SMS, call log, biometrics,
  health, camera and microphone...), ``identifier`` (persistent device and subscriber identifiers, the phone
  number and the installed or running apps: the items China's app rectification campaigns check first),
  ``ordinary`` (other personal data: device model, carrier, Wi-Fi, IP, resettable advertising ids...) and
  ``low`` (network state, crash logs: needed by almost any networked app and of little use to profile anyone);
- **when** (the *timing* of the call, from its reach): ``before-consent`` (reached at start-up on a path without a
  consent check), ``startup`` (reached at start-up after a consent check), ``background`` (reached from a
  receiver, service, job or timer) and ``user-initiated`` (everything else: reached only from the user's own
  actions, or no start-up path known);
- **who** (the *owner* of the calling code): ``app``, ``sdk`` (a named third-party SDK), ``unidentified``
  (third-party code outside every catalogue) and ``library`` (a platform or open-source library such as androidx,
  which collects only for a feature the app switched on).

``TABLE`` gives the severity for the app, a named SDK and unidentified third-party code. A library's finding is
one step lower: the library acts for a feature the app chose, and the fix is in that choice, so a library alone
never makes a finding high. A before-consent or background claim whose path has an unresolved dispatch step
(``Reach.evidence`` "possible") is at most medium: the path may not exist.

PI-001 (collection), PI-002 (installed-app list) and SDK-001 (SDK collection) rate each call at its own timing
with ``before-consent`` counted as ``startup``, since PI-003 carries the before-consent claim; PI-003 rates the
``before-consent`` column and PI-004 the ``background`` column. The finding takes the highest rating of its calls.
docs/severity.md prints the table.
"""

from __future__ import annotations

from collections.abc import Iterable

from appscan.model import ApiCall, Reach
from appscan.rules.catalog import DataType

__all__ = ["EVIDENCE_CAP", "LIBRARY_STEP", "OWNERS", "SEVERITIES", "TABLE", "TIERS", "TIER_OF", "TIMINGS",
           "call_severity", "max_severity", "owner_of", "rate", "tier_of", "timing_of"]

SEVERITIES = ("high", "medium", "low", "info")
"""Most severe first."""
TIERS = ("sensitive", "identifier", "ordinary", "low")
TIMINGS = ("before-consent", "startup", "background", "user-initiated")
OWNERS = ("app", "sdk", "unidentified", "library")

TABLE: dict[str, dict[str, str]] = {
    #              before consent  at start-up  background  user-initiated
    "sensitive":  {"before-consent": "high", "startup": "medium", "background": "medium", "user-initiated": "medium"},
    "identifier": {"before-consent": "high", "startup": "medium", "background": "medium", "user-initiated": "low"},
    "ordinary":   {"before-consent": "medium", "startup": "low", "background": "low", "user-initiated": "low"},
    "low":        {"before-consent": "low", "startup": "info", "background": "info", "user-initiated": "info"},
}
"""Severity by data tier and timing, for code of the app, of a named SDK or of unidentified third parties.

Why these cells: collecting sensitive data or a persistent identifier before the user agreed to the privacy
policy is what the 191号/164号 campaigns name first, hence high. After consent, sensitive data still needs its own
separate consent and a disclosed purpose (medium at any time), while an identifier read on the user's own action
is an ordinary disclosure item (low) but read at every start-up it is routine tracking (medium). Background reach
is derived from component entry points and cannot tell a user-started foreground service from a self-started
one, so it never alone makes a finding high. Ordinary data matters only before consent; low-sensitivity data never
rises above low.
"""

TIER_OF: dict[str, str] = {
    # sensitive personal information beyond the ruleset's ``sensitive`` flag: recordings and the user's own media
    "camera": "sensitive", "microphone": "sensitive", "screen-capture": "sensitive", "photos": "sensitive",
    # persistent identifiers and the app list
    "imei": "identifier", "meid": "identifier", "imsi": "identifier", "iccid": "identifier",
    "serial": "identifier", "mac": "identifier", "android-id": "identifier", "device-fingerprint": "identifier",
    "phone-number": "identifier", "accounts": "identifier", "installed-apps": "identifier",
    "running-apps": "identifier", "app-usage": "identifier",
    # needed by nearly every networked app
    "network-state": "low", "crash-log": "low",
}
"""Tier of a data type where its ruleset entry's ``sensitive`` flag alone does not say it: a type not listed here is
``sensitive`` when the ruleset marks it so, else ``ordinary``."""

LIBRARY_STEP = 1
"""How many severity steps a library's finding sits below the table."""
EVIDENCE_CAP = "medium"
"""The most a timing claim (before consent, background) on a "possible" path can be rated."""


def tier_of(data_type: DataType) -> str | None:
    """The tier of a data type; None for capabilities (reflection, scheduling...), which the table does not rate."""
    if not data_type.personal:
        return None
    return TIER_OF.get(data_type.id, "sensitive" if data_type.sensitive else "ordinary")


def owner_of(call: ApiCall) -> str:
    """Who owns the calling code (``ApiCall.owner_kind``); an owner kind the table does not know counts as
    unidentified third-party code."""
    return call.owner_kind if call.owner_kind in OWNERS else "unidentified"


def timing_of(reach: Reach | None) -> str:
    """When a call runs, from its reach (user-initiated when no call graph was built or no entry reaches it)."""
    if reach is None:
        return "user-initiated"
    if reach.startup_reachable:
        return "startup" if reach.consent_gated else "before-consent"
    return "background" if reach.background else "user-initiated"


def _lower(severity: str, steps: int) -> str:
    return SEVERITIES[min(len(SEVERITIES) - 1, SEVERITIES.index(severity) + steps)]


def _at_most(severity: str, cap: str) -> str:
    return SEVERITIES[max(SEVERITIES.index(severity), SEVERITIES.index(cap))]


def rate(tier: str, owner: str, timing: str, evidence: str = "definite") -> str:
    """The severity of one collection: the table's cell, lowered for a library, capped for a possible path."""
    severity = TABLE[tier][timing]
    if owner == "library":
        severity = _lower(severity, LIBRARY_STEP)
    if evidence != "definite" and timing in ("before-consent", "background"):
        severity = _at_most(severity, EVIDENCE_CAP)
    return severity


def call_severity(call: ApiCall, data_type: DataType, timing: str | None = None) -> str | None:
    """The severity of one call site; ``timing`` overrides the call's own (PI-003 and PI-004 rate theirs).

    Without an override, a before-consent call counts as a start-up call: its before-consent claim is PI-003's.
    None for capabilities.
    """
    tier = tier_of(data_type)
    if tier is None:
        return None
    own = timing_of(call.reach)
    when = timing or ("startup" if own == "before-consent" else own)
    return rate(tier, owner_of(call), when, call.reach.evidence if call.reach is not None else "definite")


def max_severity(severities: Iterable[str | None]) -> str | None:
    """The most severe of some ratings (None entries ignored); None when there is none."""
    rated = [s for s in severities if s is not None]
    return min(rated, key=SEVERITIES.index) if rated else None
