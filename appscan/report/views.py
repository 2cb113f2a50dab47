"""The report model: what HTML, Markdown and XLSX show, derived once from a ``ScanResult``.

Every derivation a reader relies on (the top summary, the rectification checklist, the draft 个人信息收集清单 and
第三方信息共享清单, the permission usage, the start-up call paths, the "policy says / code does" comparison) lives here
so that the formats cannot disagree.
The verdict is not derived here: it is the rules layer's (``appscan.rules.verdict``), carried by the result, so
JSON, reports, the store and the service show one value. The view is language-neutral: names taken from data are
``Text`` pairs; each renderer picks its language.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from appscan import __version__
from appscan.errors import AppscanError
from appscan.model import ApiCall, Evidence, Finding, ScanResult, SdkDetection, Text, Verdict
from appscan.policy.document import PolicyDocument, SdkMention
from appscan.policy.terms import PolicyTerms
from appscan.report.i18n import t, text
from appscan.rules.catalog import Ruleset
from appscan.rules.loader import load_rulesets
from appscan.rules.policy_match import compared, coverage, covering, listable, naming
from appscan.rules.verdict import decide, top_findings

__all__ = [
    "GAPS", "POLICY_SECTIONS", "QUOTES_SHOWN", "SEVERITIES", "ClauseGroup", "CollectionRow", "PermissionRow",
    "PolicyQuote", "PolicyRow", "PolicySays", "ReportView", "SharingRow", "build_view", "data_name",
    "default_ruleset", "is_security", "owner_name", "policy_gaps", "result_verdict", "sdk_name", "shown_evidence",
]

SEVERITIES = ("high", "medium", "low", "info")
"""Most severe first; the order every report sorts and filters by."""
SECURITY_FAMILIES = ("SEC-", "PACK-")
"""Rule families about app security rather than personal information."""
EVIDENCE_SHOWN = 10
"""Evidence items listed per row; the count of the rest is shown, so rows stay readable."""
QUOTES_SHOWN = 3
"""Policy sentences quoted per data type in the side-by-side table (the policy itself has the rest)."""
POLICY_SECTIONS = ("account_deletion", "complaint_channel", "minors", "cross_border", "updated")
"""The required sections a policy is checked for, in display order (``Sections`` fields)."""
GAPS = ("contradiction", "undeclared", "generic", "sdk-not-listed", "sdk-beyond", "not-seen", "sdk-not-embedded")
"""Kinds of difference between policy and code the summaries count, most serious first; the last two are
information only (the server may collect what the app's code does not; detection may miss an SDK)."""


def result_verdict(result: ScanResult) -> Verdict:
    """The verdict the engine gave the scan; a document stored before verdicts existed gets the rules layer's
    verdict of its stored facts and findings, so old scans render like new ones."""
    return result.verdict or decide(result.facts, result.sdks, result.findings)


def is_security(finding: Finding) -> bool:
    """True for app-security findings (signing, backup, exported components, packers)."""
    return finding.rule.startswith(SECURITY_FAMILIES)


@dataclass(frozen=True, slots=True)
class ClauseGroup:
    """The rectification items of one clause: findings whose first (primary) clause it is."""

    clause: str
    title: Text | None
    """From the ruleset; None when the clause is not in the ruleset at hand."""
    findings: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class PolicyQuote:
    """A policy sentence on a data type, with the purpose it states and the policy it is from."""

    sentence: str
    purpose: str | None
    source: str
    conditional: bool = False


@dataclass(frozen=True, slots=True)
class PolicySays:
    """What the policies read say of one data type: ``state`` is declared | generic (only under a general word
    such as 设备信息) | denied | absent."""

    state: str
    quotes: tuple[PolicyQuote, ...] = ()
    """The declaring (or, for denied, the denying) sentences, a few."""
    via: tuple[str, ...] = ()
    """The declared data types the state rests on when the type is not named itself (location for a cell tower,
    device-info for the IMEI)."""

    @property
    def purposes(self) -> tuple[str, ...]:
        """The distinct purposes the quoted sentences state."""
        return tuple(dict.fromkeys(q.purpose for q in self.quotes if q.purpose))


@dataclass(frozen=True, slots=True)
class CollectionRow:
    """One line of the draft 个人信息收集清单: a data type collected by the app's code or by one SDK."""

    data_type: str
    data_name: Text
    sdk: str | None
    """Collecting SDK id; None for any other owner (``owner_kind`` says which)."""
    collector: Text
    apis: tuple[str, ...]
    callers: tuple[str, ...]
    calls: int
    startup: bool | None
    """True when a call runs at start-up before consent; None when no call graph was built."""
    owner_kind: str = "app"
    """app | sdk | library | unidentified: who wrote the collecting code."""
    owner: str | None = None
    """SDK id, library id or package root of the collecting code; None for the app."""
    policy: PolicySays | None = None
    """What the policies say of the data type; None when no policy was read."""
    policy_purposes: tuple[str, ...] = ()
    """Purposes the policies state for it: the collecting SDK's own policy row first, then the sentences'."""


@dataclass(frozen=True, slots=True)
class SharingRow:
    """One line of the draft 第三方信息共享清单: an embedded SDK and what it collects."""

    sdk: SdkDetection
    name: Text
    observed: tuple[Text, ...]
    """Data types its code was seen collecting."""
    published: tuple[Text, ...]
    """Data types its vendor's own disclosure lists (from the ruleset), not seen in the code."""
    company: Text | None = None
    """The vendor's legal name (ruleset), which the sharing list names; None for an SDK the ruleset lacks."""
    purpose: Text | None = None
    """What the SDK is embedded for (ruleset), the list's purpose column."""
    privacy_policy: str | None = None
    """URL of the vendor's privacy policy for this SDK (ruleset)."""
    policy_rows: tuple[SdkMention, ...] = ()
    """The rows of the app's policies that name this SDK (company, purpose, data types, link as written there)."""
    policy_status: str | None = None
    """listed | beyond (its code collects types its rows do not list) | not-listed | not-required (no personal data
    seen or documented, or manifest only); None when no policy was read."""
    policy_beyond: tuple[Text, ...] = ()
    """The data types its code collects beyond what its policy rows list."""
    policy_findings: tuple[Finding, ...] = ()
    """The POL-* findings about this SDK."""


@dataclass(frozen=True, slots=True)
class PolicyRow:
    """One line of the side-by-side table: a data type the policies or the code mention."""

    data_type: str
    data_name: Text
    says: PolicySays
    code: tuple[CollectionRow, ...]
    """Who collects it in the code, one row per collector (empty: not seen in the code)."""
    status: str
    """consistent | undeclared | contradiction | generic | not-seen (declared, not seen in code: information, the
    server may collect it) | umbrella (a general word covering types the code collects) | minor (a low-tier type
    the code collects and the policy does not list: no rule asks it to)."""
    covers: tuple[Text, ...] = ()
    """For an umbrella row: the collected types it covers."""
    findings: tuple[Finding, ...] = ()
    """The POL-* findings on the data type."""

    @property
    def calls(self) -> int:
        return sum(row.calls for row in self.code)

    @property
    def startup(self) -> bool | None:
        """Collected at start-up before consent by any collector (None when no call graph was built)."""
        flags = [row.startup for row in self.code if row.startup is not None]
        return any(flags) if flags else None


@dataclass(frozen=True, slots=True)
class PermissionRow:
    """A permission and who uses it: status is app, sdk-only, unused (declared, no call) or undeclared."""

    name: str
    protection_level: str
    status: str
    sdks: tuple[Text, ...]
    calls: int


@dataclass(frozen=True, slots=True)
class ReportView:
    """Everything a human-readable report shows, in display order."""

    result: ScanResult
    tool_version: str
    verdict: Verdict
    severity_counts: dict[str, int]
    findings: tuple[Finding, ...]
    top: tuple[Finding, ...]
    """The findings that matter most (``appscan.rules.verdict.rank`` order), shown before the checklist."""
    checklist: tuple[ClauseGroup, ...]
    collection: tuple[CollectionRow, ...]
    sharing: tuple[SharingRow, ...]
    permissions: tuple[PermissionRow, ...]
    startup_calls: tuple[ApiCall, ...]
    """Personal-data calls reached at start-up without a consent check, with their paths."""
    security: tuple[Finding, ...]
    clauses: tuple[str, ...]
    """Every clause id cited by a finding, sorted: the clause filter's options."""
    sdk_names: dict[str, Text]
    data_names: dict[str, Text]
    """Name of every data type of the calls and the policies."""
    owner_names: dict[tuple[str, str | None], Text]
    """Name of every (owner kind, owner) of the result's calls, endpoints and secrets: never "the app's own code" for
    a library or unidentified third-party code."""
    policy_rows: tuple[PolicyRow, ...] = ()
    """The side-by-side table, contradictions and gaps first; empty when no policy was read."""
    policy_unmatched: tuple[SdkMention, ...] = ()
    """SDKs the policies name that were not found in the code (information: detection may miss one)."""
    policy_missing: tuple[str, ...] = ()
    """Required sections (``POLICY_SECTIONS``) no policy read has."""

    def collector(self, call: ApiCall) -> Text:
        """Who makes a call, as reports name it."""
        return self.owner_names[(call.owner_kind, call.owner)]

    def owner(self, owner_kind: str, owner: str | None) -> Text:
        """Who holds a secret or names a host, as reports name the makers of calls."""
        return self.owner_names[(owner_kind, owner)]


def default_ruleset() -> Ruleset | None:
    """The bundled ruleset for names and titles, or None when it cannot be loaded (reports still render)."""
    try:
        return load_rulesets()
    except AppscanError:
        return None


def sdk_name(sdk_id: str, name: str, ruleset: Ruleset | None) -> Text:
    """An SDK's display name: its Chinese name from the ruleset where it has one, else the detected name."""
    entry = ruleset.of_kind("sdk").get(sdk_id) if ruleset else None
    return Text(entry.name_zh or name if entry else name, name)


def _sdk_names(result: ScanResult, ruleset: Ruleset | None) -> dict[str, Text]:
    """Display names of the detected SDKs."""
    return {sdk.id: sdk_name(sdk.id, sdk.name, ruleset) for sdk in result.sdks}


def _owner_names(result: ScanResult, ruleset: Ruleset | None, names: dict[str, Text]
                 ) -> dict[tuple[str, str | None], Text]:
    """Display names of every owner of the result's calls: the app, SDKs by name, libraries as "platform library
    X" (open-source, third-party by their origin), unidentified code as "unidentified third-party code (root)"."""
    libraries = {lib.id: (lib.name, lib.name, lib.origin) for lib in result.libraries}
    owners = {(c.owner_kind, c.owner) for c in result.api_calls}
    owners.update((e.owner_kind, e.owner) for e in result.endpoints)
    owners.update((s.owner_kind, s.owner) for s in result.secrets)
    return {(kind, owner): owner_name(kind, owner, ruleset, names, libraries) for kind, owner in owners}


def owner_name(kind: str, owner: str | None, ruleset: Ruleset | None, sdk_names: dict[str, Text],
               libraries: dict[str, tuple[str, str, str]] | None = None) -> Text:
    """The display name of one owner of code (``_owner_names``); ``libraries`` gives (zh, en, origin) of the
    libraries the ruleset does not know, which otherwise count as open-source libraries named by their id."""
    if kind == "sdk" and owner is not None:
        return sdk_names.get(owner, Text(owner, owner))
    if kind == "library" and owner is not None:
        entry = ruleset.of_kind("library").get(owner) if ruleset else None
        zh, en, origin = ((entry.name_zh or entry.name, entry.name, entry.origin) if entry
                          else (libraries or {}).get(owner, (owner, owner, "open-source")))
        return Text(t("zh", f"collector.library.{origin}", name=zh), t("en", f"collector.library.{origin}", name=en))
    if kind == "unidentified":
        return Text(t("zh", "collector.unidentified", package=owner or t("zh", "package.default")),
                    t("en", "collector.unidentified", package=owner or t("en", "package.default")))
    return text("collector.app")


def data_name(data_type: str, ruleset: Ruleset | None) -> Text:
    """A data type's display name; the id itself when the ruleset does not know it."""
    entry = ruleset.of_kind("data-type").get(data_type) if ruleset else None
    return entry.name if entry else Text(data_type, data_type)


def _is_personal(data_type: str, ruleset: Ruleset | None) -> bool:
    """Capabilities (dynamic code loading, reflection...) are not personal information and stay off the list."""
    entry = ruleset.of_kind("data-type").get(data_type) if ruleset else None
    return entry.personal if entry else True


def _startup(calls: Sequence[ApiCall]) -> bool | None:
    """Any call reached at start-up without a consent check; None when no call had reachability computed."""
    reaches = [c.reach for c in calls if c.reach is not None]
    if not reaches:
        return None
    return any(r.startup_reachable and not r.consent_gated for r in reaches)


def _terms(ruleset: Ruleset | None) -> PolicyTerms:
    """The policy vocabulary; without a ruleset a declaration covers only its own data type."""
    return ruleset.policy if ruleset else PolicyTerms()


def _mentions(policies: Sequence[PolicyDocument]) -> tuple[SdkMention, ...]:
    """The SDK rows of all policies read, each once."""
    return tuple(dict.fromkeys(m for p in policies for m in p.sdks))


def _naming(ruleset: Ruleset | None, sdk_id: str, mentions: Sequence[SdkMention]) -> list[SdkMention]:
    """The policy rows naming an SDK (``naming``); by id alone without a ruleset."""
    return naming(ruleset, sdk_id, mentions) if ruleset else [m for m in mentions if m.sdk == sdk_id]


def _policy_says(policies: Sequence[PolicyDocument], terms: PolicyTerms, data_type: str) -> PolicySays:
    """What the policies say of a data type; a denial wins over a declaration, as in the POL-011 check."""
    denials = [PolicyQuote(d.sentence, None, p.source) for p in policies for d in p.denied if d.data_type == data_type]
    if denials:
        return PolicySays("denied", tuple(dict.fromkeys(denials)))
    full, generic = covering(terms, data_type, {d.data_type for p in policies for d in p.declared})
    words = full or generic
    if not words:
        return PolicySays("absent")
    quotes = sorted(((d.data_type != data_type, i), PolicyQuote(d.sentence, d.purpose, p.source, d.conditional))
                    for i, (p, d) in enumerate((p, d) for p in policies for d in p.declared) if d.data_type in words)
    return PolicySays("declared" if full else "generic", tuple(dict.fromkeys(q for _, q in quotes)),
                      tuple(w for w in words if w != data_type))


def _collection(result: ScanResult, ruleset: Ruleset | None, owners: dict[tuple[str, str | None], Text]
                ) -> tuple[CollectionRow, ...]:
    """One row per data type and collector (app, SDK, library or unidentified code), with what the policies say
    of the type and the purposes they give (an SDK's own policy row first) when a policy was read."""
    groups: dict[tuple[str, str, str | None], list[ApiCall]] = defaultdict(list)
    for call in result.api_calls:
        if call.collects and _is_personal(call.data_type, ruleset):
            groups[(call.data_type, call.owner_kind, call.owner)].append(call)
    terms, mentions = _terms(ruleset), _mentions(result.policies)
    says = {data_type: _policy_says(result.policies, terms, data_type) for data_type, _, _ in groups}
    rows = []
    for (data_type, kind, owner), calls in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1],
                                                                                    kv[0][2] or "")):
        policy, purposes = None, ()
        if result.policies:
            policy = says[data_type]
            own = _naming(ruleset, owner, mentions) if kind == "sdk" and owner else []
            others = {m.purpose for m in mentions if m not in own}  # another SDK's row states its own purpose
            purposes = tuple(dict.fromkeys(
                [m.purpose for m in own if m.purpose and coverage(terms, data_type, m.data_types) != "none"]
                + [p for p in policy.purposes if p not in others]))
        rows.append(CollectionRow(data_type, data_name(data_type, ruleset), owner if kind == "sdk" else None,
                                  owners[(kind, owner)], tuple(sorted({c.api for c in calls})),
                                  tuple(sorted({c.caller for c in calls})), len(calls), _startup(calls), kind, owner,
                                  policy, purposes))
    return tuple(rows)


def _data_types(result: ScanResult) -> set[str]:
    """Every data type a report names: those of the calls and those the policies declare, deny or list."""
    named = {c.data_type for c in result.api_calls}
    for p in result.policies:
        named.update(d.data_type for d in (*p.declared, *p.denied))
        named.update(d for m in p.sdks for d in m.data_types)
    return named


def _is_compared(data_type: str, ruleset: Ruleset | None) -> bool:
    """A type a policy must list (``compared``); any type the ruleset does not know is."""
    entry = ruleset.of_kind("data-type").get(data_type) if ruleset else None
    return compared(entry) if entry else True


def _policy_findings(result: ScanResult, match: Callable[[Finding], bool]) -> tuple[Finding, ...]:
    return tuple(f for f in result.findings if f.rule.startswith("POL-") and match(f))


def _sdk_policy(result: ScanResult, ruleset: Ruleset | None, sdk: SdkDetection, mentions: Sequence[SdkMention]
                ) -> dict[str, Any]:
    """The policy fields of a sharing row: the policy rows naming the SDK and how its code compares with them
    (the rules of POL-013 and POL-014)."""
    if not result.policies:
        return {}
    terms = _terms(ruleset)
    rows = tuple(_naming(ruleset, sdk.id, mentions))
    collected = sorted({c.data_type for c in result.api_calls if c.sdk == sdk.id and c.collects})
    listed = {d for m in rows for d in m.data_types}
    beyond = [d for d in collected if listed and _is_compared(d, ruleset) and coverage(terms, d, listed) == "none"]
    if rows:
        status = "beyond" if beyond else "listed"
    else:
        entry = ruleset.of_kind("sdk").get(sdk.id) if ruleset else None
        status = "not-listed" if listable(sdk, entry, bool(collected)) else "not-required"
    return {"policy_rows": rows, "policy_status": status,
            "policy_beyond": tuple(data_name(d, ruleset) for d in beyond),
            "policy_findings": _policy_findings(result, lambda f: f.sdk == sdk.id)}


def _sharing(result: ScanResult, ruleset: Ruleset | None, names: dict[str, Text]) -> tuple[SharingRow, ...]:
    rows = []
    mentions = _mentions(result.policies)
    for sdk in result.sdks:
        seen = sorted({c.data_type for c in result.api_calls
                       if c.sdk == sdk.id and c.collects and _is_personal(c.data_type, ruleset)})
        entry = ruleset.of_kind("sdk").get(sdk.id) if ruleset else None
        published = [d for d in (entry.data_collected if entry else ()) if d not in seen]
        rows.append(SharingRow(sdk, names[sdk.id], tuple(data_name(d, ruleset) for d in seen),
                               tuple(data_name(d, ruleset) for d in published),
                               entry.company if entry else None, entry.purpose if entry else None,
                               entry.privacy_policy if entry else None,
                               **_sdk_policy(result, ruleset, sdk, mentions)))
    return tuple(rows)


_STATUS_ORDER = ("contradiction", "undeclared", "generic", "minor", "consistent", "umbrella", "not-seen")


def _policy_rows(result: ScanResult, ruleset: Ruleset | None, collection: Sequence[CollectionRow]
                 ) -> tuple[PolicyRow, ...]:
    """The side-by-side table: one row per data type the code collects or a policy declares or denies."""
    if not result.policies:
        return ()
    terms = _terms(ruleset)
    code: dict[str, list[CollectionRow]] = defaultdict(list)
    for row in collection:
        code[row.data_type].append(row)
    named = {d.data_type for p in result.policies for d in (*p.declared, *p.denied)}
    rows = []
    for data_type in sorted(set(code) | named):
        says = _policy_says(result.policies, terms, data_type)
        covers: list[str] = []
        if code.get(data_type):
            status = {"denied": "contradiction", "declared": "consistent"}.get(says.state) or (
                "minor" if not _is_compared(data_type, ruleset) else
                "generic" if says.state == "generic" else "undeclared")
        elif says.state == "denied":
            status = "consistent"
        else:
            covers = sorted(c for c in code if coverage(terms, c, {data_type}) != "none")
            status = "umbrella" if covers else "not-seen"
        rows.append(PolicyRow(data_type, data_name(data_type, ruleset), says, tuple(code.get(data_type, ())),
                              status, tuple(data_name(c, ruleset) for c in covers),
                              _policy_findings(result, lambda f, d=data_type: d in f.data_types)))
    return tuple(sorted(rows, key=lambda r: _STATUS_ORDER.index(r.status)))


def policy_gaps(view: ReportView) -> dict[str, int]:
    """How many differences of each kind (``GAPS``) the comparison shows, for the short summaries."""
    types = Counter(row.status for row in view.policy_rows)
    sdks = Counter(row.policy_status for row in view.sharing)
    return {"contradiction": types["contradiction"], "undeclared": types["undeclared"], "generic": types["generic"],
            "sdk-not-listed": sdks["not-listed"], "sdk-beyond": sdks["beyond"], "not-seen": types["not-seen"],
            "sdk-not-embedded": len(view.policy_unmatched)}


def _permissions(result: ScanResult, owners: dict[tuple[str, str | None], Text]) -> tuple[PermissionRow, ...]:
    """Declared permissions with their users, then permissions calls need but the manifest lacks."""
    users: dict[str, list[ApiCall]] = defaultdict(list)
    for call in result.api_calls:
        if call.permission:
            users[call.permission].append(call)
    declared = {p.name: p.protection_level for p in result.facts.manifest.permissions}
    rows = []
    for name in sorted(set(declared) | set(users)):
        calls = users.get(name, [])
        others = sorted({(c.owner_kind, c.owner or "") for c in calls if c.owner_kind != "app"})
        if name not in declared:
            status = "undeclared"
        elif not calls:
            status = "unused"
        elif any(c.owner_kind == "app" for c in calls):
            status = "app"
        else:
            status = "sdk-only"
        rows.append(PermissionRow(name, declared.get(name, "-"), status,
                                  tuple(owners[(kind, owner or None)] for kind, owner in others), len(calls)))
    return tuple(rows)


def _checklist(findings: Sequence[Finding], ruleset: Ruleset | None) -> tuple[ClauseGroup, ...]:
    """Findings grouped by their primary clause, groups ordered by their most severe finding, then clause id."""
    groups: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        groups[finding.clauses[0] if finding.clauses else "-"].append(finding)
    clauses = ruleset.of_kind("clause") if ruleset else {}

    def order(item: tuple[str, list[Finding]]) -> tuple[int, str]:
        return min(SEVERITIES.index(f.severity) for f in item[1]), item[0]
    return tuple(ClauseGroup(cid, clauses[cid].title if cid in clauses else None, tuple(items))
                 for cid, items in sorted(groups.items(), key=order))


def build_view(result: ScanResult, ruleset: Ruleset | None = None) -> ReportView:
    """The report model of one scan; ``ruleset`` supplies names and clause titles (ids are shown without it)."""
    names = _sdk_names(result, ruleset)
    owners = _owner_names(result, ruleset, names)
    findings = result.findings
    counts = {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES}
    startup = tuple(c for c in result.api_calls if c.collects and _is_personal(c.data_type, ruleset)
                    and c.reach is not None and c.reach.startup_reachable and not c.reach.consent_gated)
    collection = _collection(result, ruleset, owners)
    sharing = _sharing(result, ruleset, names)
    named = {m for row in sharing for m in row.policy_rows}
    return ReportView(
        result=result, tool_version=__version__, verdict=result_verdict(result), severity_counts=counts,
        findings=findings, top=tuple(top_findings(findings)), checklist=_checklist(findings, ruleset),
        collection=collection, sharing=sharing, permissions=_permissions(result, owners), startup_calls=startup,
        security=tuple(f for f in findings if is_security(f)),
        clauses=tuple(sorted({c for f in findings for c in f.clauses})), sdk_names=names,
        data_names={d: data_name(d, ruleset) for d in _data_types(result)}, owner_names=owners,
        policy_rows=_policy_rows(result, ruleset, collection),
        policy_unmatched=tuple(m for m in _mentions(result.policies) if m not in named),
        policy_missing=tuple(s for s in POLICY_SECTIONS if result.policies
                             and not any(p.sections.to_json()[s] for p in result.policies)))


def shown_evidence(evidence: Sequence[Evidence]) -> tuple[tuple[Evidence, ...], int]:
    """The evidence items a row lists and how many more there are."""
    return tuple(evidence[:EVIDENCE_SHOWN]), max(0, len(evidence) - EVIDENCE_SHOWN)
