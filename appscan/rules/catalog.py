"""The ruleset as typed, frozen values: what the loader produces and the matchers and engine read.

Every entry kind of ``rulesets/`` has one dataclass here. Values are immutable so that a ruleset cached for the
whole process cannot be changed by one scan and seen by the next. Field meanings are documented in
docs/rulesets.md; the JSON schemas in ``schema/`` are the contract the loader checks before building these.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from appscan.model import RulesetInfo, Text
from appscan.policy.terms import PolicyTerms

__all__ = [
    "KINDS", "ROLES", "AppType", "Clause", "DataType", "DormantCode", "Entry", "Fingerprint", "FindingRule", "Library",
    "PermissionRule", "PolicyTerm",
    "ReflectionHint", "Ruleset", "Sdk", "SdkSignals", "SensitiveApi", "VersionHint",
]

KINDS: Mapping[str, str] = MappingProxyType({
    "sdk": "sdks", "api": "apis", "permission": "permissions", "clause": "clauses", "app-type": "app_types",
    "data-type": "data_types", "rule": "rules", "library": "libraries", "fingerprint": "fingerprints",
    "secret": "secrets", "region": "regions", "policy-term": "policy_terms",
})
"""Entry kind (as the CLI names it) -> the ``kind:`` value of the files that hold it (and the ``Ruleset`` field)."""


@dataclass(frozen=True, slots=True)
class DataType:
    """A kind of personal data, or a behaviour (``personal`` false) such as a permission prompt or sending SMS.

    APIs whose data type is not personal are behaviours; only a personal data type can be collected."""

    id: str
    name: Text
    group: str
    sensitive: bool
    """Sensitive personal information (PIPL art. 28): needs separate, explicit consent."""
    personal: bool = True
    description: str = ""


@dataclass(frozen=True, slots=True)
class Clause:
    """A regulatory criterion (C191-3.1, M164-2.S5, NEC-07...) with the advice a finding under it carries."""

    id: str
    source: Text
    """The document the criterion comes from."""
    title: Text
    advice: Text
    severity: str
    """Default severity of findings under this clause: high | medium | low | info."""


@dataclass(frozen=True, slots=True)
class SdkSignals:
    """What betrays an SDK in an APK. Packages match on whole dotted segments; the rest are names or globs."""

    packages: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    native_libs: tuple[str, ...] = ()
    assets: tuple[str, ...] = ()
    meta_data: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class VersionHint:
    """Where an APK reveals the SDK's version: a zip entry holding it, a constant field, or a meta-data value."""

    kind: str
    """file | field | method | meta_data"""
    name: str


@dataclass(frozen=True, slots=True)
class Sdk:
    """A third-party SDK: its identity, how to detect it, what it collects and how its collection is gated."""

    id: str
    name: str
    vendor: str
    region: str
    """cn | global"""
    category: str
    signals: SdkSignals
    data_collected: tuple[str, ...]
    sources: tuple[str, ...]
    name_zh: str | None = None
    within: str | None = None
    """Id of an SDK whose package prefixes contain this one's (a product built on a vendor core)."""
    component_of: tuple[str, ...] = ()
    """SDKs the vendor ships this one inside as a required part (JCore in JPush, ASMS in Umeng's common module):
    a privacy policy naming one of them has named this one."""
    version: tuple[VersionHint, ...] = ()
    consent_apis: tuple[str, ...] = ()
    """Smali methods of the SDK's privacy switch; calling them after consent is positive evidence."""
    init_apis: tuple[str, ...] = ()
    """Smali methods that start the SDK; reaching them before consent is a finding."""
    company: Text | None = None
    """The vendor's legal name (zh, en): the 第三方信息共享清单 names the company, not the brand."""
    purpose: Text | None = None
    """What the SDK is embedded for (使用目的), the sharing list's purpose column."""
    privacy_policy: str | None = None
    """URL of the vendor's public privacy policy for this SDK, linked from the sharing list."""

    @property
    def version_meta_data(self) -> tuple[str, ...]:
        """Names of manifest meta-data entries whose value is the SDK version."""
        return tuple(h.name for h in self.version if h.kind == "meta_data")


@dataclass(frozen=True, slots=True)
class ReflectionHint:
    """String constants that, found together in one method, mean a reflective call to the API."""

    class_name: str
    member: str
    string_any: tuple[str, ...] = ()


ROLES = ("collection", "behaviour")
"""What a catalogue API is: ``collection`` yields personal data (counted, unless a condition says the call yields
nothing); ``behaviour`` acts (reflection, scheduling, sending SMS...) and is never counted as collection."""


@dataclass(frozen=True, slots=True)
class SensitiveApi:
    """A method (or field) whose use collects a data type, or exercises a behaviour (``role``).

    ``callee`` forms: ``Lcls;->name(args)ret`` matches that signature only; ``Lcls;->name(`` and ``Lcls;->name``
    match every overload; for fields ``Lcls;->NAME`` matches any type and ``Lcls;->NAME:Type`` that type.

    The condition fields decide, per call site, what a collection call really yields (``appscan.rules.api_effects``
    applies them); docs/rulesets.md#apis describes each.
    """

    id: str
    callee: str
    data_type: str
    permission: str | None
    clauses: tuple[str, ...]
    sources: tuple[str, ...]
    kind: str = "method"
    """method | field"""
    string_any: tuple[str, ...] = ()
    """When set, the calling method's string constants must contain one of these (as a substring)."""
    reflection: tuple[ReflectionHint, ...] = ()
    note: str = ""
    role: str = "collection"
    """collection | behaviour (``ROLES``); defaults to the data type's ``personal`` flag."""
    calls_any: tuple[str, ...] = ()
    """When set, the calling method must also call one of these (smali prefixes), or the call is not matched."""
    permission_any: tuple[str, ...] = ()
    """The call returns data only with one of these declared: none declared -> inert; checked first -> guarded."""
    package_argument: int | None = None
    """Index (receiver first) of a package-name argument: the app's own package -> own-app, any other -> probe."""
    intent_argument: int | None = None
    """Index of an Intent argument: a broad one (MAIN/LAUNCHER) lists apps, any other resolves one intent (probe)."""
    selection_argument: int | None = None
    """Index of a content query's selection: only ever a constant picking one row by an identifying column
    (``_data=?``, ``_id=?``, ``_display_name=?``) looks up one known file (probe), not the media library."""
    own_process: bool = False
    """The result compared with ``Process.myPid()`` or the app's own package name is a foreground check."""
    one_entry: bool = False
    """A list searched for one package by a method returning only that entry (or whether it exists) is a lookup:
    own-app for the app's own package, else a probe."""
    read_by_any: tuple[str, ...] = ()
    """The result yields data only when one of these (smali prefixes) reads it; otherwise it is only checked."""
    proxy_apns: tuple[str, ...] = ()
    """Carrier WAP APN names (``cmwap``): a read only compared with one of them (or with hidden strings before a
    proxy is built), and neither kept nor sent, chooses a proxy (probe)."""
    throws_without_permission: bool = False
    """Without any of ``permission_any`` declared the call throws ``SecurityException`` instead of returning, so
    nothing after it on the same path runs (``appscan.rules.startup`` tells the call graph)."""


@dataclass(frozen=True, slots=True)
class PermissionRule:
    """A privacy-relevant permission: the data it opens, the APIs that need it, the clauses it concerns."""

    name: str
    kind: str
    """dangerous | special | signature-sensitive"""
    data_types: tuple[str, ...]
    apis: tuple[str, ...]
    clauses: tuple[str, ...]
    description: Text

    @property
    def id(self) -> str:
        """Permissions are identified by their full name."""
        return self.name


@dataclass(frozen=True, slots=True)
class AppType:
    """An app type of the necessary-personal-information rules (NEC-01..NEC-39)."""

    id: str
    name: Text
    basic_function: str
    necessary_data: tuple[str, ...]
    """Empty when the basic function needs no personal information."""
    necessary_permissions: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class FindingRule:
    """A finding rule (``rules.yaml``): the check that produces hits, and the texts and clauses of its findings."""

    id: str
    check: str
    """Name of the check function (``appscan/rules/checks``) that produces this rule's hits."""
    severity: str
    evidence_level: str
    """present | declared | called | reachable"""
    clauses: tuple[str, ...]
    title: Text
    """Templates: ``{placeholders}`` are filled by the check."""
    advice: Text
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """Check-specific settings (keywords, intent actions, minimum API level...)."""
    summary: Text | None = None
    """What the rule finds, without placeholders (SARIF rule descriptions); None when ``title`` has none."""

    @property
    def description(self) -> Text:
        """The rule described as a whole: ``summary``, else the title (which then has no placeholders)."""
        return self.summary or self.title


@dataclass(frozen=True, slots=True)
class Library:
    """A platform or open-source library (AndroidX, OkHttp, Gson...): code the app ships but neither its developer
    nor an SDK vendor wrote, so that a call made from it is reported as the library's and never as the app's."""

    id: str
    name: str
    origin: str
    """platform | open-source | proprietary (a closed runtime shipped as a library, such as a game engine)."""
    category: str
    maintainer: str
    packages: tuple[str, ...]
    """Java package prefixes, on whole dotted segments; across libraries and SDKs the longest prefix owns a class."""
    sources: tuple[str, ...]
    name_zh: str | None = None
    license: str | None = None
    note: str = ""
    carved_from: str | None = None
    """An SDK whose prefix contains this library's packages on purpose (a vendor's small artifact under the SDK's
    package tree that is not the SDK); the longest prefix rule then keeps those classes from naming the SDK."""
    dormant: tuple[DormantCode, ...] = ()
    """Code of the library that collects nothing unless the app switches it on."""


@dataclass(frozen=True, slots=True)
class DormantCode:
    """Library code that runs only when the app asks for it (AppCompat's twilight calculation, used only in the
    automatic night mode the app must set): its catalogue calls are inert in an app that never makes the call that
    switches it on."""

    callers: tuple[str, ...]
    """Smali class descriptors whose methods this covers."""
    unless_called: tuple[str, ...]
    """Smali method prefixes (``Lpkg/Class;->name(``) whose call anywhere in the app switches the code on."""
    reason: str


@dataclass(frozen=True, slots=True)
class SecretPattern:
    """How to recognise a hard-coded credential or a public identifier (``rulesets/secrets.yaml``)."""

    id: str
    name: str
    kind: str
    """secret (a finding) | public-id (listed: vendors publish it in apps by design)."""
    value: re.Pattern[str] | None
    """Searched in meta-data values, string resources and string constants."""
    key: re.Pattern[str] | None
    """Matched against meta-data names; alone, any value of such a name counts."""
    min_entropy: float | None
    sources: tuple[str, ...]
    literals: tuple[str, ...] = ()
    """Texts one of which every ``value`` match contains (a pre-check); empty: every string is searched."""


@dataclass(frozen=True, slots=True)
class HostRegion:
    """Hosts served from outside mainland China, by domain suffix (``rulesets/regions.yaml``)."""

    id: str
    operator: str
    region: str
    domains: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PolicyTerm:
    """Words of privacy policies (``rulesets/policy_terms.yaml``): a data type's synonyms, a cue class's words, or
    extra names of an SDK; exactly one of ``data_type``, ``cue`` and ``sdk`` is set. ``Ruleset.policy`` holds them
    compiled into the ``PolicyTerms`` value policy analysis reads."""

    id: str
    terms: tuple[str, ...]
    data_type: str | None = None
    cue: str | None = None
    sdk: str | None = None
    not_within: tuple[str, ...] = ()
    """Longer words containing a term that mean something else (安装位置 for 位置)."""
    covers: tuple[str, ...] = ()
    """Other data types a policy declares by declaring this one (a location covers a cell-tower location)."""
    covers_generically: tuple[str, ...] = ()
    """Data types this one names only in general terms (设备信息 for the IMEI): declared, but not item by item."""

    @property
    def name(self) -> str:
        """How listings name the entry: what it is about and its first terms."""
        subject = self.data_type or self.cue or self.sdk
        return f"{subject}: {', '.join(self.terms[:4])}{' ...' if len(self.terms) > 4 else ''}"


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What an SDK's code keeps when a shrinker renames its packages, learned from unobfuscated copies of it
    (``tools/gen_fingerprints.py``); ``appscan.rules.fingerprint`` matches it against renamed code."""

    id: str
    """The id of the SDK this fingerprint identifies."""
    learned_from: tuple[str, ...]
    """File names of the corpus APKs whose copies of the SDK the features were learned from."""
    features: Mapping[str, tuple[str, ...]]
    """Signal (``appscan.rules.fingerprint.SIGNALS``) -> its features: string constants, masked method
    descriptors, or digests of method and class shapes."""

    @property
    def name(self) -> str:
        """How listings name the entry."""
        return f"fingerprint of {self.id}"


Entry = (DataType | Clause | Sdk | SensitiveApi | PermissionRule | AppType | FindingRule | Library | Fingerprint
         | SecretPattern | HostRegion | PolicyTerm)


@dataclass(frozen=True)
class Ruleset:
    """Everything loaded, each kind sorted by id (rules in file order), with version and a hash over all files.

    Lookups by id raise ``KeyError`` for an unknown id, except ``permission``, which returns None: apps declare
    permissions the ruleset has no opinion on.
    """

    name: str
    version: str
    sha256: str
    """SHA-256 over every file of every layer loaded, in load order: identifies the exact rules used."""
    sdks: tuple[Sdk, ...]
    apis: tuple[SensitiveApi, ...]
    permissions: tuple[PermissionRule, ...]
    clauses: tuple[Clause, ...]
    app_types: tuple[AppType, ...]
    data_types: tuple[DataType, ...]
    rules: tuple[FindingRule, ...] = ()
    libraries: tuple[Library, ...] = ()
    fingerprints: tuple[Fingerprint, ...] = ()
    secrets: tuple[SecretPattern, ...] = ()
    regions: tuple[HostRegion, ...] = ()
    policy_terms: tuple[PolicyTerm, ...] = ()
    policy: PolicyTerms = field(default_factory=PolicyTerms)
    """The vocabulary policy analysis reads with: ``policy_terms`` compiled, with the SDK catalogue's names."""
    layers: tuple[str, ...] = ()
    """The directories (or files) loaded, bundled first; later layers override earlier ones by id."""
    layer_sizes: tuple[int, ...] = ()
    """How many entries each layer held, overriding ones included (what ``rules validate`` reports)."""
    _index: Mapping[str, Mapping[str, Any]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {kind: MappingProxyType({entry.id: entry for entry in getattr(self, attr)})
                 for kind, attr in KINDS.items()}
        object.__setattr__(self, "_index", MappingProxyType(index))

    @property
    def info(self) -> RulesetInfo:
        """The identity stored with every scan (name, version, content hash)."""
        return RulesetInfo(self.name, self.version, self.sha256)

    def of_kind(self, kind: str) -> Mapping[str, Any]:
        """Entries of one kind (a key of ``KINDS``) by id."""
        return self._index[kind]

    def entries(self) -> Iterator[tuple[str, Entry]]:
        """Every entry with its kind, in ``KINDS`` order."""
        for kind, attr in KINDS.items():
            for entry in getattr(self, attr):
                yield kind, entry

    def size(self) -> int:
        """How many entries of all kinds."""
        return sum(len(entries) for entries in self._index.values())

    def sdk(self, sdk_id: str) -> Sdk:
        """The sdk with this id (KeyError when unknown)."""
        return self._index["sdk"][sdk_id]  # type: ignore[no-any-return]

    def library(self, library_id: str) -> Library:
        """The library with this id (KeyError when unknown)."""
        return self._index["library"][library_id]  # type: ignore[no-any-return]

    def api(self, api_id: str) -> SensitiveApi:
        """The api with this id (KeyError when unknown)."""
        return self._index["api"][api_id]  # type: ignore[no-any-return]

    def clause(self, clause_id: str) -> Clause:
        """The clause with this id (KeyError when unknown)."""
        return self._index["clause"][clause_id]  # type: ignore[no-any-return]

    def app_type(self, app_type_id: str) -> AppType:
        """The app type with this id (KeyError when unknown)."""
        return self._index["app-type"][app_type_id]  # type: ignore[no-any-return]

    def data_type(self, data_type_id: str) -> DataType:
        """The data type with this id (KeyError when unknown)."""
        return self._index["data-type"][data_type_id]  # type: ignore[no-any-return]

    def rule(self, rule_id: str) -> FindingRule:
        """The rule with this id (KeyError when unknown)."""
        return self._index["rule"][rule_id]  # type: ignore[no-any-return]

    def permission(self, name: str) -> PermissionRule | None:
        """The rule for this permission name, None when the ruleset does not describe it."""
        return self._index["permission"].get(name)  # type: ignore[no-any-return]

    @property
    def clause_ids(self) -> frozenset[str]:
        """Ids of all clauses, for filtering references."""
        return frozenset(self._index["clause"])

    @property
    def data_type_ids(self) -> frozenset[str]:
        """Ids of all data types, for filtering references."""
        return frozenset(self._index["data-type"])
