"""Value types passed between the stages: extraction produces ``ApkFacts``, the rules read them.

The facts are exact and complete and carry no judgement (no severity, no clause). They are frozen so that no
stage can change what an earlier one saw. Code facts are stored compactly (tuples of interned smali strings)
because a large app has 300k+ call sites.

Method names are in smali form everywhere: ``Lpkg/Cls;->name(Args)Ret``; class names of manifest components are
Java names (``com.example.App``); dex class names are descriptors (``Lcom/example/App;``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # the facts only carry the index; the lowest layer must not import the dex reader at run time
    from appscan.apk.flow import FlowIndex, MethodFlow
    from appscan.policy.document import PolicyDocument


@dataclass(frozen=True, slots=True)
class Incomplete:
    """A part of the APK that could not be analysed, and why (reported in every output)."""

    item: str
    """What was skipped: a zip entry (``classes3.dex``), or the whole code for a packed app."""
    reason: str
    """One line saying why."""


@dataclass(frozen=True, slots=True)
class Certificate:
    """A signer certificate."""

    subject: str
    issuer: str
    sha256: str
    """SHA-256 fingerprint of the DER certificate, lower-case hex."""
    debug: bool
    """True for the Android SDK's debug certificate (subject ``CN=Android Debug``)."""
    aosp_test_key: str | None = None
    """Which public key of AOSP's ``build/target/product/security`` this is (testkey, platform, shared, media),
    matched by fingerprint; None for any other certificate. Their private keys are published with AOSP."""


@dataclass(frozen=True, slots=True)
class Signing:
    """Which APK signature schemes are present and who signed."""

    schemes: tuple[str, ...]
    """Subset of ("v1", "v2", "v3")."""
    certificates: tuple[Certificate, ...]


@dataclass(frozen=True, slots=True)
class NetworkDomain:
    """A ``<domain-config>`` of a network security config, one entry per domain."""

    domain: str
    include_subdomains: bool
    cleartext_permitted: bool | None
    user_trust_anchors: bool


@dataclass(frozen=True, slots=True)
class NetworkSecurityConfig:
    """The parsed ``res/xml`` network security config the manifest points to."""

    path: str
    cleartext_permitted: bool | None
    """The base-config's ``cleartextTrafficPermitted``; None when absent."""
    user_trust_anchors: bool
    """The base config trusts user-installed CA certificates."""
    debug_overrides_user: bool
    domains: tuple[NetworkDomain, ...]


@dataclass(frozen=True, slots=True)
class AppInfo:
    """Identity and application-level flags."""

    package: str
    version_code: int | None
    version_name: str | None
    min_sdk: int | None
    target_sdk: int | None
    max_sdk: int | None
    compile_sdk: int | None
    label: str | None
    sha256: str
    """SHA-256 of the input file (of the bundle for .apks/.xapk/.aab)."""
    size: int
    application_class: str | None
    launcher_activity: str | None
    debuggable: bool
    allow_backup: bool
    uses_cleartext_traffic: bool | None
    network_security_config: NetworkSecurityConfig | None


@dataclass(frozen=True, slots=True)
class Permission:
    """A ``uses-permission`` (or ``uses-permission-sdk-23``) entry."""

    name: str
    protection_level: str
    """From the bundled platform table, the app's own ``<permission>``, or "unknown"."""
    tag: str
    max_sdk_version: int | None


@dataclass(frozen=True, slots=True)
class DefinedPermission:
    """A ``<permission>`` the app defines."""

    name: str
    protection_level: str


@dataclass(frozen=True, slots=True)
class IntentData:
    """One ``<data>`` element of an intent filter."""

    scheme: str | None = None
    host: str | None = None
    port: str | None = None
    path: str | None = None
    path_prefix: str | None = None
    path_pattern: str | None = None
    mime_type: str | None = None


@dataclass(frozen=True, slots=True)
class IntentFilter:
    """An ``<intent-filter>``."""

    actions: tuple[str, ...]
    categories: tuple[str, ...]
    data: tuple[IntentData, ...]
    priority: int | None


@dataclass(frozen=True, slots=True)
class Component:
    """An activity (or activity-alias), service, receiver or provider."""

    type: str
    """activity | service | receiver | provider; an ``<activity-alias>`` is an activity whose ``target_activity``
    names the activity it starts."""
    name: str
    exported: bool
    """As the platform decides it: explicit attribute, else intent filters, else the provider default."""
    permission: str | None
    intent_filters: tuple[IntentFilter, ...]
    launcher: bool
    authorities: tuple[str, ...]
    init_order: int | None
    target_activity: str | None
    """For an ``<activity-alias>``: the activity it stands for; None for every other component."""
    enabled: bool

    @property
    def actions(self) -> tuple[str, ...]:
        """Sorted union of the actions of all intent filters."""
        return tuple(sorted({a for f in self.intent_filters for a in f.actions}))

    @property
    def categories(self) -> tuple[str, ...]:
        """Sorted union of the categories of all intent filters."""
        return tuple(sorted({c for f in self.intent_filters for c in f.categories}))


@dataclass(frozen=True, slots=True)
class MetaData:
    """A ``<meta-data>`` element on the application or a component."""

    owner: str
    name: str
    value: str | None
    resource: str | None


@dataclass(frozen=True, slots=True)
class Queries:
    """The manifest's ``<queries>`` (package visibility, API 30+)."""

    packages: tuple[str, ...] = ()
    intents: tuple[IntentFilter, ...] = ()
    providers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Manifest:
    """Everything read from AndroidManifest.xml except identity, which is in ``AppInfo``."""

    permissions: tuple[Permission, ...]
    defined_permissions: tuple[DefinedPermission, ...]
    components: tuple[Component, ...]
    meta_data: tuple[MetaData, ...]
    queries: Queries


@dataclass(frozen=True, slots=True)
class NativeLib:
    """A native library file under ``lib/<abi>/``."""

    abi: str
    name: str
    path: str
    size: int


@dataclass(frozen=True, slots=True)
class NestedFile:
    """An APK, DEX, JAR or ZIP file inside the APK (plug-ins, packed payloads)."""

    path: str
    kind: str


@dataclass(frozen=True, slots=True)
class Resources:
    """Files and strings outside the code."""

    assets: tuple[str, ...]
    raw: tuple[str, ...]
    nested: tuple[NestedFile, ...]
    locales: tuple[str, ...]
    strings: tuple[str, ...]
    """Every string resource value of every locale (deduplicated, sorted)."""
    layout_texts: tuple[str, ...]
    """Literal text attributes found in res/layout XML (``android:text`` and ``hint`` values)."""
    urls: tuple[str, ...]
    domains: tuple[str, ...]
    ips: tuple[str, ...]
    string_count: int | None = None
    """How many string resource values there are, when ``strings`` is not held: a result read back from a stored
    document keeps the count, not the strings. None: ``len(strings)``."""
    version_files: dict[str, str] = field(default_factory=dict, hash=False)
    """``META-INF/*.version`` entries (the Maven artifact versions Android library builds write, e.g.
    ``META-INF/com.google.firebase_firebase-analytics.version`` -> ``21.2.0``): path -> first line."""


class CallSite(NamedTuple):
    """One invoke instruction: who calls what, and how."""

    caller: str
    callee: str
    kind: str
    """virtual | super | direct | static | interface | polymorphic | custom"""


@dataclass(frozen=True, slots=True)
class ClassDef:
    """A class defined in a dex file, with what the call graph needs of it."""

    name: str
    superclass: str | None
    interfaces: tuple[str, ...]
    access_flags: int
    dex: str
    methods: tuple[str, ...]
    """Smali names of the methods the class defines (direct and virtual)."""


PREPENDED_DEX = "(dex before the zip)"
"""Name under which a dex placed in front of the zip archive (the Janus trick, CVE-2017-13156) is listed in
``CodeFacts.dex`` and ``ApkFacts.incomplete``: Android 5.0-8.0 run it instead of the zip's own classes.dex."""
DUMP_PREFIX = "dump:"
"""Container (and name prefix) of dex files dumped from the running app and given with ``--dex``: a packed app's
real code, analysed with the APK's own."""
DUMP_HEADER_NOTE = "header: "
"""Start of an ``incomplete`` reason for a dumped dex whose header was repaired or does not match its content: said,
but the file was read in full, so it is no unanalysed code."""


@dataclass(frozen=True, slots=True)
class DexInfo:
    """Counts for one dex file."""

    name: str
    classes: int
    methods: int
    call_sites: int
    strings: int
    container: str | None = None
    """The asset (a plug-in jar, dex or APK, ``assets/gdt_plugin/gdtadv2.jar``) this dex was read from: code the app
    loads at run time rather than installs. None for the dex files of the APK (and its splits) themselves."""


@dataclass(frozen=True, slots=True)
class CodeFacts:
    """All code of all dex files, nothing skipped by package."""

    dex: tuple[DexInfo, ...]
    classes: tuple[ClassDef, ...]
    call_sites: tuple[CallSite, ...]
    strings: dict[str, tuple[str, ...]] = field(hash=False)
    """Per calling method, its const-string values in code order, duplicates removed."""
    reflection: tuple[str, ...]
    """Sorted string constants that name a class or a method given to reflection."""
    field_reads: tuple[CallSite, ...] = ()
    """Static field reads (``sget*``) of ``android/`` and ``java/`` classes, kind "sget": ``Build.SERIAL``."""
    const_classes: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    """Per method, the classes it names with ``const-class`` (``new Intent(ctx, Foo.class)``), in code order."""
    flows: FlowIndex | None = field(default=None, compare=False, hash=False, repr=False)
    """Decodes a method's register flow on demand (``appscan.apk.flow``); None for facts built by hand."""
    version_constants: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    """String constants that may state a version, where SDKs state theirs: static final String fields whose name
    (or class name) says version and those of ``BuildConfig`` classes, with their value
    (``Lcom/x/BuildConfig;->VERSION_NAME:Ljava/lang/String;`` -> ``("1.2.3",)``), and methods named like a version getter that return a String, with their const-string values
    (``Lcom/x/Sdk;->getSdkVersion()Ljava/lang/String;``). A few hundred entries at most."""

    def flow(self, method: str) -> MethodFlow | None:
        """What each invoke of ``method`` is given (receiver and arguments), decoded on first use; None when the
        method has no code in the APK or these facts carry no dex bytes."""
        return self.flows.flow(method) if self.flows is not None else None


@dataclass(frozen=True, slots=True)
class InputFile:
    """One file of the input (an .apk, or each APK of a split bundle)."""

    name: str
    sha256: str
    size: int
    split: str | None
    """None for the base APK, else the split's name."""


@dataclass(frozen=True, slots=True)
class Anomaly:
    """Something in the APK container that a parser and Android may read differently: an anti-analysis trick,
    reported with how appscan read it (as Android does)."""

    kind: str
    """encrypted-flag | duplicate-entry | nul-in-name | unloaded-dex | zip-version | overlapping-entries |
    manifest-attribute | manifest-namespace"""
    entry: str
    """The zip entry (``member!entry`` inside a bundle; ``AndroidManifest.xml`` for a manifest-attribute)."""
    detail: str
    """What the trick is and what appscan did (in English)."""


@dataclass(frozen=True, slots=True)
class ApkFacts:
    """Everything appscan knows about one app, before any judgement."""

    source: str
    """File name of the input (no directory, so that the same APK gives the same facts anywhere)."""
    files: tuple[InputFile, ...]
    app: AppInfo
    signing: Signing
    manifest: Manifest
    native_libs: tuple[NativeLib, ...]
    code: CodeFacts
    resources: Resources
    incomplete: tuple[Incomplete, ...]
    anomalies: tuple[Anomaly, ...] = ()
    """Container tricks found while reading the input (``Anomaly``), in entry order."""
    documents: tuple[TextDocument, ...] = ()
    """Text files shipped in assets or raw resources that speak of privacy: candidate privacy policies."""
    app_bundle: bool = False
    """An Android App Bundle (.aab): its signature is the developer's upload key's; the store signs the APKs it
    installs again, with its own schemes."""


@dataclass(frozen=True, slots=True)
class TextDocument:
    """A text file inside the APK (``assets/privacy.html``) and its bytes, as read within the entry bounds."""

    path: str
    data: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class Text:
    """A message in both languages every report can show."""

    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class Evidence:
    """One observed fact supporting a detection or a finding."""

    kind: str
    """package | component | native-lib | asset | meta-data | plugin | call | field | string | permission | manifest |
    path | file | signature | config."""
    value: str
    """What was observed: a class package, a callee, a permission name, a string..."""
    location: str | None = None
    """Where: the calling method (smali), a zip path, a component name; None when the kind says it all."""


@dataclass(frozen=True, slots=True)
class SdkDetection:
    """A third-party SDK found in the app, with the signals that matched."""

    id: str
    name: str
    vendor: str
    category: str
    region: str
    evidence: tuple[Evidence, ...]
    version: str | None = None
    evidence_level: str = "present"
    """present (code or files), declared (manifest components/meta-data), called (its code calls personal-data
    APIs), reachable (that happens at start-up)."""


@dataclass(frozen=True, slots=True)
class PathStep:
    """One method of a call path and how the call graph knows the step into it."""

    method: str
    via: str
    """entry (the first step) | direct | dispatch-resolved | dispatch-unresolved | implicit | component |
    interaction"""
    detail: str = ""
    """entry: its kind; dispatch-*: what justifies or fails to justify the receiver (``new Lpkg/Cls;``,
    ``this (Lpkg/Cls;)``, ``receiver type not narrowed``); implicit: the registration (``thread``, ``post``...);
    component: the start call."""


@dataclass(frozen=True, slots=True)
class Reach:
    """How a method is reached from the app's entry points (filled by the call-graph analysis)."""

    startup_reachable: bool
    consent_gated: bool
    background: bool
    entry: str | None
    """The entry point the shortest path starts from (smali), None when unreachable."""
    entry_kind: str | None
    """application | provider | launcher | startup-initializer | receiver | service | job | worker | ..."""
    path: tuple[str, ...]
    """Smali methods from the entry point to the caller of the sensitive API, shortest first found."""
    steps: tuple[PathStep, ...] = ()
    """The same path, each step with how it is known (empty when no path)."""
    evidence: str = "definite"
    """definite: every step of the reported path is a known call, resolved dispatch or registration; possible: a
    step goes through a dispatch the receiver flow could not narrow (the path may not exist)."""


@dataclass(frozen=True, slots=True)
class ApiCall:
    """A call site of a catalogue API, attributed to the app or to an SDK, with what it really yields (``effect``).

    Only calls whose effect is in ``COLLECTING_EFFECTS`` (``collects``) are personal-data collection; the others
    stay listed so that a reviewer sees why a call was not counted."""

    api_id: str
    """Id of the sensitive-API rule that matched."""
    api: str
    """The callee in smali form (or the field, for field reads)."""
    data_type: str
    caller: str
    sdk: str | None
    """Id of the SDK whose code makes the call; None for the app's own code."""
    permission: str | None
    reach: Reach | None = None
    effect: str = "collection"
    """collection | guarded | behaviour | own-app | probe | foreground-check | inert (docs/json-schema.md)."""
    effect_reason: str | None = None
    """Why the effect is not plain collection, in a few words (None for plain collection and behaviours)."""
    runtime_loaded: str | None = None
    """The asset (plug-in jar, dex or APK) the calling code is loaded from at run time; None for code in the APK's
    own dex files."""
    owner_kind: str = ""
    """Who wrote the calling code: app | sdk | library | unidentified (``appscan.rules.sdk_match.Attribution``).
    Left empty it is derived from ``sdk`` (sdk, else app), as for documents written before owners existed."""
    owner: str | None = None
    """The SDK id (sdk), library id (library) or package root (unidentified) of the calling code; None for app."""

    def __post_init__(self) -> None:
        if not self.owner_kind:
            object.__setattr__(self, "owner_kind", "sdk" if self.sdk else "app")
            object.__setattr__(self, "owner", self.sdk)
        elif (self.owner_kind == "sdk") != (self.sdk is not None) or (self.sdk and self.owner != self.sdk):
            raise ValueError(f"owner {self.owner_kind}:{self.owner} disagrees with sdk {self.sdk!r}")

    @property
    def collects(self) -> bool:
        """True when the call counts as personal-data collection."""
        return self.effect in COLLECTING_EFFECTS


COLLECTING_EFFECTS = frozenset({"collection", "guarded"})
"""Effects that count as collection: ``guarded`` calls check their (declared) permission first, and still return
data once the user grants it."""


OWNER_KINDS = ("app", "sdk", "library", "unidentified")
"""Who can own code: the app's own namespaces, a catalogued SDK, a catalogued platform/open-source library, or
third-party code outside every catalogue entry and every app namespace."""


@dataclass(frozen=True, slots=True)
class AppNamespace:
    """A Java package holding the app's own code, and what says so."""

    package: str
    source: str
    """manifest-package | manifest-twin (the manifest package under another first segment, as vendors' demo apps
    do) | organisation (the manifest package's organisation) | application | launcher (their packages, used when
    the manifest package holds no code)."""
    overrides_catalogue: bool
    """True (manifest package and its twin): code here is the app's even under an SDK's or library's prefix; False:
    a catalogue prefix inside or above it still wins."""


@dataclass(frozen=True, slots=True)
class LibraryUse:
    """A catalogued platform or open-source library whose code the app ships."""

    id: str
    name: str
    origin: str
    """platform | open-source | proprietary"""
    category: str
    classes: int
    packages: tuple[str, ...]
    """The catalogue prefixes that matched at least one class."""


@dataclass(frozen=True, slots=True)
class UnidentifiedCode:
    """Third-party code outside the app's namespaces and every SDK and library entry, grouped by package root."""

    package: str
    """The package root grouping the classes ("" for the default package)."""
    classes: int
    obfuscated: bool
    """Every segment of the root has at most two characters (renamed by R8/ProGuard): the origin may be anyone."""
    vendor_guess: str | None
    """Who probably wrote it, from the package name, the SDK/library catalogue's vendors and the hosts below."""
    guess_basis: tuple[str, ...]
    """What the guess rests on: catalogue-vendor | package | host."""
    hosts: tuple[str, ...]
    """Network hosts named by string constants of this code (most used first, at most five)."""


@dataclass(frozen=True, slots=True)
class SecretHit:
    """A hard-coded credential (``kind`` secret) or a public identifier (public-id) found in the APK."""

    pattern: str
    """The ``rulesets/secrets.yaml`` entry that matched."""
    kind: str
    """secret | public-id"""
    name: str
    """What it is (``Alibaba Cloud AccessKey ID``)."""
    value: str
    """The value shown redacted: its first four characters, an ellipsis and its length."""
    location: str
    """``meta-data:NAME``, ``string resource`` or the smali method holding the string constant."""
    owner_kind: str
    """app | sdk | library | unidentified, as for calls; a manifest or resource value is the app's."""
    owner: str | None


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A network host the APK names, per owner of the code or file naming it."""

    host: str
    schemes: tuple[str, ...]
    """URL schemes it is named with (http, https, ws, wss...); empty for a bare host name."""
    owner_kind: str
    """app | sdk | library | unidentified; ``app`` for hosts in resources and the manifest."""
    owner: str | None
    urls: tuple[str, ...]
    """Up to three URLs naming the host, sorted."""
    places: int
    """How many methods (or resource files) name it."""
    cleartext: bool
    """Named with http:// or ws://, and the app's network security settings let cleartext reach it."""
    region: str | None
    """``outside-cn`` when the host is known to be served from outside mainland China (``rulesets/regions.yaml``)."""
    operator: str | None
    """Who runs the host when ``region`` is known."""


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule's verdict with its evidence, mapped to the clauses it breaks."""

    id: str
    """Stable across runs and machines: a hash of rule id and the finding's subject, never of positions."""
    rule: str
    clauses: tuple[str, ...]
    severity: str
    """high | medium | low | info"""
    evidence_level: str
    """present | declared | called | reachable"""
    title: Text
    evidence: tuple[Evidence, ...]
    advice: Text
    sdk: str | None = None
    data_types: tuple[str, ...] = ()
    manual_check: bool = False
    """True when the static evidence cannot settle it and a person must confirm (e.g. no deletion entry)."""


@dataclass(frozen=True, slots=True)
class RulesetInfo:
    """Which rules produced the findings."""

    name: str
    version: str
    sha256: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """The overall judgement of one scan: the first verdict rule of ``appscan.rules.verdict`` that applies."""

    level: str
    """high-risk | undetermined | rectify | pass"""
    label: Text
    """The level as reports show it: 高风险, 不能判定，需人工复核, 需整改, 通过."""
    rule: str
    """Id of the verdict rule that decided (``decisive-finding``, ``code-not-analysed``...)."""
    reason: Text
    """One sentence saying why, in both languages."""
    findings: tuple[str, ...] = ()
    """Ids of the findings that drove the level, most important first."""
    unanalysed: tuple[str, ...] = ()
    """Code that could not be analysed (dex files, packed code): the verdict is a lower bound when not empty."""


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What one scan produced: the facts, the judgement made on them, and how long it took."""

    facts: ApkFacts
    duration_s: float
    sdks: tuple[SdkDetection, ...] = ()
    api_calls: tuple[ApiCall, ...] = ()
    findings: tuple[Finding, ...] = ()
    ruleset: RulesetInfo | None = None
    app_type: str | None = None
    verdict: Verdict | None = None
    """The overall judgement (``appscan.rules.verdict``); None only for results built without the engine."""
    app_namespaces: tuple[AppNamespace, ...] = ()
    libraries: tuple[LibraryUse, ...] = ()
    unidentified: tuple[UnidentifiedCode, ...] = ()
    """Third-party code no catalogue entry names, largest first."""
    secrets: tuple[SecretHit, ...] = ()
    """Hard-coded credentials and public identifiers (``appscan.rules.secrets``)."""
    endpoints: tuple[Endpoint, ...] = ()
    """Network hosts per owner (``appscan.rules.endpoints``)."""
    policies: tuple[PolicyDocument, ...] = ()
    """The privacy policies read: the files given with the scan, else those found inside the APK."""
    policy_urls: tuple[str, ...] = ()
    """URLs in the APK that point to a privacy policy or user agreement (recorded, never fetched)."""
    reused: bool = False
    """True when this result was read from the store (same file, ruleset and app type) instead of scanned again;
    ``duration_s`` is then the stored scan's."""
