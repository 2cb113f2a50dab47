"""The rules engine: facts + rulesets -> SDK detections, data-collection calls and findings. No androguard here.

A finding rule is data (``rulesets/rules.yaml``: id, clauses, severity, bilingual title and advice) plus the
name of a *check*, a function registered with ``@check("name")`` that looks at the facts and returns ``Hit``s.
The engine turns each hit into a ``Finding``: it fills the rule's text templates, merges clauses, and gives it
a stable id computed from the rule id and the hit's subject (never from positions, so ids survive rebuilds).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from appscan.model import (
    ApiCall,
    ApkFacts,
    AppNamespace,
    Endpoint,
    Evidence,
    Finding,
    LibraryUse,
    Reach,
    SdkDetection,
    SecretHit,
    Text,
    UnidentifiedCode,
    Verdict,
)
from appscan.policy.document import PolicyDocument
from appscan.rules.api_match import find_api_calls
from appscan.rules.catalog import AppType, FindingRule, Ruleset
from appscan.rules.endpoints import find_endpoints
from appscan.rules.inventory import code_inventory
from appscan.rules.runtime_code import mark_runtime_loaded
from appscan.rules.sdk_match import Attribution, detect_sdks
from appscan.rules.secrets import find_secrets
from appscan.rules.verdict import decide

__all__ = ["Context", "Hit", "check", "evaluate", "CHECKS", "Analysis", "StartupAnalysis"]

SEVERITIES = ("high", "medium", "low", "info")


@dataclass(frozen=True)
class Hit:
    """One thing a check found, before the rule's texts and clauses are attached."""

    subject: str
    """What makes this hit unique within its rule (a data type and collector, a permission, a component)."""
    evidence: tuple[Evidence, ...]
    values: dict[str, str] = field(default_factory=dict)
    """Placeholder values for the rule's title and advice templates."""
    sdk: str | None = None
    data_types: tuple[str, ...] = ()
    clauses: tuple[str, ...] = ()
    """Clauses added to the rule's own (e.g. the NEC clause of the chosen app type)."""
    severity: str | None = None
    evidence_level: str | None = None
    manual_check: bool = False


@dataclass(frozen=True)
class StartupAnalysis:
    """What the call-graph analysis adds: reach of SDK initialisation calls and of runtime permission requests."""

    sdk_inits: tuple[tuple[str, str, Reach], ...] = ()
    """(sdk id, smali callee of its init API, reach of the call site)."""
    permission_requests: tuple[tuple[str, tuple[str, ...], Reach], ...] = ()
    """(calling method, permission strings of that method, reach) for requestPermissions calls at start-up."""


@dataclass
class Context:
    """Everything a check may read."""

    facts: ApkFacts
    ruleset: Ruleset
    sdks: tuple[SdkDetection, ...]
    api_calls: tuple[ApiCall, ...]
    attribution: Attribution
    app_type: AppType | None
    startup: StartupAnalysis
    rule: FindingRule | None = None
    secrets: tuple[SecretHit, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()
    policies: tuple[PolicyDocument, ...] = ()
    """The privacy policies read for this scan (given files, or those the APK carries); empty when none."""

    def sdk_label(self, sdk_id: str | None, owner_kind: str | None = None, owner: str | None = None
                  ) -> tuple[str, str]:
        """(zh, en) name of a collector: the app's own code, an SDK, a library or unidentified third-party code.

        ``sdk_id`` alone names an SDK or (None) the app; ``owner_kind`` and ``owner`` (an ``ApiCall``'s) name the
        other owners, so that library and unidentified code is never called the app's own.
        """
        if owner_kind == "library" and owner is not None:
            lib = self.ruleset.library(owner)
            zh, en = _LIBRARY_WORDS.get(lib.origin, _LIBRARY_WORDS["open-source"])
            return f"{zh}「{lib.name_zh or lib.name}」", f"{en} {lib.name}"
        if owner_kind == "unidentified":
            where = owner or "默认包"
            return f"未识别的第三方代码（{where}）", f"unidentified third-party code ({owner or 'default package'})"
        if sdk_id is None:
            return "应用自身代码", "the app's own code"
        sdk = self.ruleset.sdk(sdk_id)
        return f"第三方 SDK「{sdk.name_zh or sdk.name}」", f"third-party SDK {sdk.name}"

    def owner_label(self, owner_kind: str, owner: str | None) -> tuple[str, str]:
        """(zh, en) name of whoever holds a value or names a host (a ``SecretHit``'s or ``Endpoint``'s owner), as
        ``sdk_label`` names a call's collector."""
        return self.sdk_label(owner if owner_kind == "sdk" else None, owner_kind, owner)

    def data_label(self, data_types: Iterable[str]) -> tuple[str, str]:
        """(zh, en) names of data types, joined."""
        types = [self.ruleset.data_type(t) for t in data_types]
        return "、".join(t.name.zh for t in types), ", ".join(t.name.en for t in types)


_LIBRARY_WORDS = {"platform": ("平台库", "platform library"), "open-source": ("开源库", "open-source library"),
                  "proprietary": ("第三方库", "third-party library")}
"""How a library is named by its origin (``Library.origin``)."""

CheckFn = Callable[[Context], Iterable[Hit]]
CHECKS: dict[str, CheckFn] = {}


def check(name: str) -> Callable[[CheckFn], CheckFn]:
    """Register a check function under the name rules refer to."""
    def register(fn: CheckFn) -> CheckFn:
        if name in CHECKS:
            raise ValueError(f"check {name!r} registered twice")
        CHECKS[name] = fn
        return fn
    return register


class _Template(dict):  # type: ignore[type-arg]
    """Format values that leave unknown placeholders visible instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def finding_id(rule_id: str, subject: str) -> str:
    """Stable finding id: the same rule and subject give the same id on every machine and run."""
    return "AS-" + hashlib.sha256(f"{rule_id}|{subject}".encode()).hexdigest()[:16]


def _capitalised(text: str) -> str:
    """English titles start with a capital even when they start with a placeholder ("the app's own code...");
    an identifier such as ``targetSdkVersion`` keeps its spelling."""
    first = text.split(" ", 1)[0]
    if any(c.isupper() for c in first[1:]):
        return text
    return text[:1].upper() + text[1:]


def _finding(rule: FindingRule, hit: Hit) -> Finding:
    """A rule's texts and clauses applied to one hit."""
    values = _Template(hit.values)
    clauses = tuple(dict.fromkeys([*rule.clauses, *hit.clauses]))
    return Finding(
        id=finding_id(rule.id, hit.subject), rule=rule.id, clauses=clauses,
        severity=hit.severity or rule.severity, evidence_level=hit.evidence_level or rule.evidence_level,
        title=Text(rule.title.zh.format_map(values), _capitalised(rule.title.en.format_map(values))),
        evidence=hit.evidence,
        advice=Text(rule.advice.zh.format_map(values), rule.advice.en.format_map(values)),
        sdk=hit.sdk, data_types=hit.data_types, manual_check=hit.manual_check)


@dataclass(frozen=True)
class Analysis:
    """The engine's output for one app."""

    sdks: tuple[SdkDetection, ...]
    api_calls: tuple[ApiCall, ...]
    findings: tuple[Finding, ...]
    verdict: Verdict
    app_namespaces: tuple[AppNamespace, ...] = ()
    libraries: tuple[LibraryUse, ...] = ()
    unidentified: tuple[UnidentifiedCode, ...] = ()
    secrets: tuple[SecretHit, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()


def evaluate(facts: ApkFacts, ruleset: Ruleset, app_type: str | None = None,
             reach: Callable[[ApkFacts, tuple[ApiCall, ...], Attribution], tuple[tuple[ApiCall, ...],
                                                                                StartupAnalysis]] | None = None,
             policies: tuple[PolicyDocument, ...] = ()) -> Analysis:
    """Run every rule on the facts. ``reach`` adds call-graph reachability to the calls when given; ``policies``
    are what the app's privacy policies say, for the rules that compare them with the code."""
    from appscan.rules import checks  # noqa: F401  (registers the checks)

    attribution = Attribution.for_app(facts, ruleset.sdks, ruleset.libraries)
    sdks = detect_sdks(facts, ruleset.sdks, attribution, ruleset.fingerprints)
    calls = attribution.assign(find_api_calls(facts, ruleset.apis, attribution,
                                              (d for library in ruleset.libraries for d in library.dormant)))
    sdks, calls = mark_runtime_loaded(facts, ruleset.sdks, attribution, sdks, calls)
    startup = StartupAnalysis()
    if reach is not None:
        calls, startup = reach(facts, calls, attribution)
    sdks = _with_levels(sdks, calls)
    secrets = find_secrets(facts, ruleset.secrets, attribution)
    endpoints = find_endpoints(facts, attribution, ruleset.regions)
    ctx = Context(facts, ruleset, sdks, calls, attribution, ruleset.app_type(app_type) if app_type else None,
                  startup, secrets=secrets, endpoints=endpoints, policies=policies)
    findings: dict[str, Finding] = {}
    for rule in ruleset.rules:
        ctx.rule = rule
        for hit in CHECKS[rule.check](ctx):
            f = _finding(rule, hit)
            findings.setdefault(f.id, f)
    ordered = tuple(sorted(findings.values(), key=lambda f: (SEVERITIES.index(f.severity), f.rule, f.id)))
    libraries, unidentified = code_inventory(facts, attribution, ruleset.sdks, ruleset.libraries)
    return Analysis(sdks, calls, ordered, decide(facts, sdks, ordered), attribution.namespaces, libraries,
                    unidentified, secrets, endpoints)


def _with_levels(sdks: tuple[SdkDetection, ...], calls: tuple[ApiCall, ...]) -> tuple[SdkDetection, ...]:
    """Raise each SDK's evidence level to called / reachable from its own data-collection calls."""
    out = []
    for sdk in sdks:
        own = [c for c in calls if c.sdk == sdk.id and c.collects]
        if any(c.reach and c.reach.startup_reachable and not c.reach.consent_gated for c in own):
            sdk = replace(sdk, evidence_level="reachable")
        elif own:
            sdk = replace(sdk, evidence_level="called")
        out.append(sdk)
    return tuple(out)
