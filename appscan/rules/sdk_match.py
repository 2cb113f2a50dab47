"""SDK detection and code attribution: which third-party SDKs an app embeds, and who wrote each piece of code.

Every class belongs to one of four owners (``Attribution``): the **app** (its own namespaces, see
``app_namespaces``), a catalogued **sdk**, a catalogued platform or open-source **library** (``rulesets/
libraries.yaml``: androidx, kotlin, OkHttp, Gson...) or **unidentified** third-party code, named by its package
root. Code is never the app's merely because no catalogue entry names it: a developer told to fix code they did
not write stops trusting the report.

SDK signals are combined per SDK (class packages, manifest components, native libraries, assets, meta-data keys)
and every one that matched is kept as evidence. Package prefixes match on whole dotted segments (``com.dv`` is not
``com.dv.adm``), and classes and components inside the app's own namespaces never count as an SDK, so a package
that merely shares an SDK's name inside the app (a vendor's demo app) is not that SDK.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from typing import NamedTuple

from appscan.model import ApiCall, ApkFacts, AppNamespace, Evidence, SdkDetection
from appscan.rules.catalog import Fingerprint, Library, Sdk
from appscan.rules.fingerprint import with_fingerprints
from appscan.rules.sdk_version import SdkVersions

__all__ = ["Attribution", "Owner", "PrefixIndex", "app_namespaces", "detect_sdks", "java_package",
           "unidentified_root"]

_TLDS = frozenset({"com", "org", "net", "edu", "gov", "io", "info", "biz", "mobi", "name", "pro", "app", "dev",
                   "top", "xyz", "site", "online", "tech", "club", "vip", "ltd", "group", "studio", "games"})
"""Generic top-level domains that start reverse-domain package names."""
_COUNTRY_TLDS = frozenset("""
    ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs bt bw by bz ca cc cd
    cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu fi fj fk fm fo fr ga gd ge
    gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in iq ir is it je jm jo jp ke kg kh ki
    km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx
    my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc
    sd se sg sh si sk sl sm sn so sr ss st sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy
    uz va vc ve vg vi vn vu wf ws ye yt za zm zw""".split())
"""Country-code top-level domains (ISO 3166 two-letter codes with a registry), e.g. ``cn.``, ``de.``."""
_UMBRELLAS = frozenset({
    "com.google", "com.android", "com.github", "io.github", "com.gitee", "org.apache", "org.eclipse", "com.alibaba",
    "com.alipay", "com.taobao", "com.tencent", "com.baidu", "com.huawei", "com.hihonor", "com.xiaomi", "com.miui",
    "com.facebook", "com.microsoft", "com.amazon", "com.amazonaws", "com.netease", "com.sina", "com.sohu",
    "com.bytedance", "com.ss", "com.meizu", "com.vivo", "com.oppo", "com.heytap", "com.samsung", "com.sony",
    "com.umeng", "com.mob", "com.qq", "com.jd", "com.iflytek", "com.sun", "net.sf", "org.jboss", "com.googlecode",
    "org.chromium", "cn.com", "com.cn", "org.jetbrains", "com.squareup", "com.twitter", "com.yahoo", "com.adobe",
})
"""Organisations publishing many unrelated products: unidentified code under them is grouped one level deeper
(``com.tencent.smtt``, not ``com.tencent``), so that one root does not lump a vendor's SDKs together."""
_GENERATED = ("R", "BuildConfig", "Manifest")
"""Classes the build generates in every module's package; they say nothing about who wrote the code there."""


def java_package(descriptor: str) -> str:
    """``Lcom/foo/Bar;`` or ``Lcom/foo/Bar;->m()V`` -> ``com.foo``."""
    cls = descriptor.split(";", 1)[0][1:]
    return cls.rpartition("/")[0].replace("/", ".")


def _in_namespace(package: str, namespace: str) -> bool:
    """True when ``package`` is ``namespace`` or below it, on segment boundaries."""
    return bool(namespace) and (package == namespace or package.startswith(namespace + "."))


def _ancestors(package: str) -> Iterable[str]:
    """``a.b.c`` -> ``a.b.c``, ``a.b``, ``a``: the package and every enclosing one, longest first."""
    probe = package
    while probe:
        yield probe
        probe = probe.rpartition(".")[0]


class Owner(NamedTuple):
    """Who wrote a piece of code: ``kind`` is app | sdk | library | unidentified; ``id`` the SDK id, library id or
    package root (None for the app)."""

    kind: str
    id: str | None = None


_APP = Owner("app")


class PrefixIndex:
    """SDK and library package prefixes; the longest prefix containing a package owns it (an SDK wins a tie)."""

    def __init__(self, sdks: Iterable[Sdk], libraries: Iterable[Library] = ()) -> None:
        self._owner: dict[str, Owner] = {}
        for library in sorted(libraries, key=lambda lib: lib.id):
            for prefix in library.packages:
                self._owner.setdefault(prefix, Owner("library", library.id))
        for sdk in sorted(sdks, key=lambda s: s.id):
            for prefix in sdk.signals.packages:
                if self._owner.get(prefix, Owner("")).kind != "sdk":
                    self._owner[prefix] = Owner("sdk", sdk.id)
        self.inner = frozenset(a for p in self._owner for a in list(_ancestors(p))[1:])
        """Packages that strictly enclose some catalogue prefix (``com.google`` for ``com.google.gson``)."""

    def prefixes(self) -> Iterable[tuple[str, Owner]]:
        """Every prefix with its owner."""
        return self._owner.items()

    def match(self, package: str) -> tuple[str, Owner] | None:
        """The longest catalogue prefix containing ``package`` and its owner, None when none does."""
        for probe in _ancestors(package):
            owner = self._owner.get(probe)
            if owner is not None:
                return probe, owner
        return None

    def touches(self, package: str) -> bool:
        """True when a catalogue prefix contains ``package``, or lies inside it."""
        return package in self.inner or self.match(package) is not None


def _tld_first(parts: list[str]) -> bool:
    """The package starts like a reverse domain name (``com.``, ``org.``, ``cn.``...)."""
    return len(parts) > 1 and (parts[0] in _TLDS or parts[0] in _COUNTRY_TLDS)


def _obfuscated(parts: list[str]) -> bool:
    """Every segment has at most two characters (``a``, ``a.b``, ``bo``): packages renamed by a shrinker."""
    return all(len(p) <= 2 for p in parts)


def unidentified_root(package: str, inner: frozenset[str] | set[str] = frozenset()) -> str:
    """The package root that groups unidentified code: the organisation (``com.loopj``), one level deeper under
    umbrella organisations (``com.tencent.smtt``), the first segment of obfuscated or non-domain packages (``a``,
    ``rx``), and deeper still while the root would enclose a catalogue prefix or an app namespace (``inner``), so
    that ``com.google.firebase.auth`` is not lumped with catalogued Firebase modules; renamed sub-packages
    (``com.huawei.hms.c``) stay with their parent."""
    if not package:
        return ""
    parts = package.split(".")
    if _obfuscated(parts):
        return parts[0]
    if _tld_first(parts):
        depth = 3 if ".".join(parts[:2]) in _UMBRELLAS else 2
    else:
        depth = 1
    depth = min(depth, len(parts))
    while depth < len(parts) and ".".join(parts[:depth]) in inner and len(parts[depth]) > 2:
        depth += 1
    return ".".join(parts[:depth])


def _organisation(package: str) -> str | None:
    """The organisation part of a reverse-domain package (``com.foo`` of ``com.foo.app``; one level deeper under
    an umbrella), None when the package is not reverse-domain or is itself that short."""
    parts = package.split(".")
    if not _tld_first(parts) or _obfuscated(parts):
        return None
    depth = 3 if ".".join(parts[:2]) in _UMBRELLAS else 2
    return ".".join(parts[:depth]) if len(parts) > depth else None


def _twin(package: str, manifest_package: str) -> str | None:
    """The manifest package's twin inside ``package``: the same name under another first segment
    (``cn.jiguang.jmlinkdemo`` for ``com.jiguang.jmlinkdemo``), as SDK vendors name their demo apps' code."""
    ours, theirs = package.split("."), manifest_package.split(".")
    n = len(theirs)
    if n >= 3 and len(ours) >= n and ours[0] != theirs[0] and ours[1:n] == theirs[1:]:
        return ".".join(ours[:n])
    return None


def _named_like(package: str, manifest_package: str) -> bool:
    """True when ``package`` carries the manifest package's name: its last segment (``sg.vantagepoint.
    uncrackable1`` for ``owasp.mstg.uncrackable1``, case aside) or its first two segments."""
    ours, theirs = package.lower().split("."), manifest_package.lower().split(".")
    return theirs[-1] in ours or (len(theirs) > 2 and ours[:2] == theirs[:2])


def _holds_code(facts: ApkFacts, namespace: str) -> bool:
    """True when some class other than the generated R, BuildConfig and Manifest lies in ``namespace``."""
    for cls in facts.code.classes:
        if _in_namespace(java_package(cls.name), namespace):
            simple = cls.name[1:-1].rpartition("/")[2].split("$", 1)[0]
            if simple not in _GENERATED:
                return True
    return False


def app_namespaces(facts: ApkFacts, catalogue: PrefixIndex) -> tuple[AppNamespace, ...]:
    """The packages of the app's own code.

    - The manifest package, always, and over any catalogue prefix (a vendor's demo ``com.umeng.soexample`` is the
      app, not Umeng).
    - Its twin under another first segment when the Application class, the launcher or a component lives there
      (``cn.jiguang.jmlinkdemo`` for ``com.jiguang.jmlinkdemo``), also over the catalogue: vendors' demo apps.
    - Its organisation (``com.foo`` of ``com.foo.app``), unless an SDK or library prefix lies inside, at or above
      it: the developer's other modules, but not a vendor organisation whose demo app this is.
    - The packages of the Application class and the launcher activity, only when the manifest package holds no code
      (the code was written under another name, as ``sg.vantagepoint.uncrackable1`` for
      ``owasp.mstg.uncrackable1``), the package carries the manifest package's name and the catalogue does not own
      it: a game whose launcher is an engine's or SDK's activity (``com.unity3d.player.UnityPlayerActivity``,
      ``com.somesdk.SplashActivity``) does not make that code the app's.
    """
    package = facts.app.package
    found: dict[str, AppNamespace] = {}
    if not package:
        return ()
    found[package] = AppNamespace(package, "manifest-package", True)
    app = facts.app
    named = [c for c in (app.application_class, app.launcher_activity) if c] + [
        c.name for c in facts.manifest.components]
    for name in named:
        twin = _twin(name.rpartition(".")[0], package)
        if twin and twin not in found:
            found[twin] = AppNamespace(twin, "manifest-twin", True)
    organisation = _organisation(package)
    if organisation and not catalogue.touches(organisation):
        found.setdefault(organisation, AppNamespace(organisation, "organisation", False))
    if not _holds_code(facts, package):
        for source, name in (("application", app.application_class), ("launcher", app.launcher_activity)):
            where = (name or "").rpartition(".")[0]
            if where and where not in found and _named_like(where, package) and catalogue.match(where) is None \
                    and not any(_in_namespace(where, ns) for ns in found):
                found[where] = AppNamespace(where, source, False)
    return tuple(sorted(found.values(), key=lambda n: n.package))


class Attribution:
    """Maps a method or class to its owner: the app, an SDK, a library or unidentified code (see module doc).

    Order of precedence: the manifest package and its twin; then the longest SDK or library prefix; then the app's
    other namespaces; everything else is unidentified, named by ``unidentified_root``.
    """

    def __init__(self, sdks: Iterable[Sdk], app_package: str, libraries: Iterable[Library] = (),
                 namespaces: Iterable[AppNamespace] | None = None) -> None:
        self.app_package = app_package
        self.catalogue = PrefixIndex(sdks, libraries)
        if namespaces is None:
            namespaces = (AppNamespace(app_package, "manifest-package", True),) if app_package else ()
        self.namespaces = tuple(namespaces)
        self._strict = tuple(n.package for n in self.namespaces if n.overrides_catalogue)
        self._weak = tuple(n.package for n in self.namespaces if not n.overrides_catalogue)
        self._inner = set(self.catalogue.inner)
        for ns in self.namespaces:
            self._inner.update(list(_ancestors(ns.package))[1:])
        self._cache: dict[str, Owner] = {}
        self._claimed: dict[str, Owner] = {}

    @classmethod
    def for_app(cls, facts: ApkFacts, sdks: Iterable[Sdk], libraries: Iterable[Library] = ()) -> Attribution:
        """The attribution of one app, its namespaces derived from its manifest and code (``app_namespaces``)."""
        sdks, libraries = tuple(sdks), tuple(libraries)
        return cls(sdks, facts.app.package, libraries, app_namespaces(facts, PrefixIndex(sdks, libraries)))

    def owner_of_package(self, package: str) -> Owner:
        """The owner of code in a dotted package."""
        hit = self._cache.get(package)
        if hit is None:
            hit = self._resolve(package)
            self._cache[package] = hit
        return hit

    def _resolve(self, package: str) -> Owner:
        if any(_in_namespace(package, ns) for ns in self._strict):
            return _APP
        match = self.catalogue.match(package)
        if match is not None:
            return match[1]
        if any(_in_namespace(package, ns) for ns in self._weak):
            return _APP
        return Owner("unidentified", unidentified_root(package, self._inner))

    def claim(self, classes: dict[str, str]) -> None:
        """Give classes (smali descriptors) to SDKs whatever their package: renamed SDK code that a fingerprint
        recognised (``appscan.rules.fingerprint.with_fingerprints``). Only code no prefix gives to an SDK or library
        is claimed."""
        for cls, sdk_id in classes.items():
            if self.owner(cls).kind in ("app", "unidentified"):
                self._claimed[cls] = Owner("sdk", sdk_id)

    def owner(self, method_or_class: str) -> Owner:
        """The owner of a smali method or class descriptor: a claimed class's SDK, else its package's owner."""
        if self._claimed:
            claimed = self._claimed.get(method_or_class.split("->", 1)[0])
            if claimed is not None:
                return claimed
        return self.owner_of_package(java_package(method_or_class))

    def package_owner(self, package: str) -> str | None:
        """The SDK id owning a dotted package, None for any other owner."""
        owner = self.owner_of_package(package)
        return owner.id if owner.kind == "sdk" else None

    def of(self, method_or_class: str) -> str | None:
        """The SDK id whose code this smali method or class descriptor is, None for any other owner."""
        owner = self.owner(method_or_class)
        return owner.id if owner.kind == "sdk" else None

    def is_app(self, package: str) -> bool:
        """True when code in this dotted package is the app's own."""
        return self.owner_of_package(package).kind == "app"

    def assign(self, calls: Iterable[ApiCall]) -> tuple[ApiCall, ...]:
        """The calls with ``sdk``, ``owner_kind`` and ``owner`` set from their caller's owner."""
        out = []
        for call in calls:
            owner = self.owner(call.caller)
            out.append(replace(call, sdk=owner.id if owner.kind == "sdk" else None, owner_kind=owner.kind,
                               owner=owner.id))
        return tuple(out)


def _package_counts(facts: ApkFacts, attribution: Attribution) -> Counter[tuple[str, str]]:
    """How many classes each SDK owns under each dotted package prefix: (sdk id, prefix) -> count.

    Only classes the attribution gives to that SDK count for its prefixes, so two classes of another module
    sitting below an SDK's prefix (``com.google.android.gms.location.places`` under Google location) do not make
    that SDK present: the longest catalogue prefix owns them."""
    per_package: Counter[str] = Counter(java_package(cls.name) for cls in facts.code.classes)
    counts: Counter[tuple[str, str]] = Counter()
    for package, n in per_package.items():
        owner = attribution.owner_of_package(package) if package else None
        if owner is None or owner.kind != "sdk" or owner.id is None:
            continue
        for prefix in _ancestors(package):
            counts[(owner.id, prefix)] += n
    return counts


def _glob_any(value: str, patterns: Iterable[str]) -> str | None:
    """The first pattern matching ``value`` (fnmatch globs; a plain name matches exactly)."""
    for pattern in patterns:
        if fnmatch.fnmatchcase(value, pattern):
            return pattern
    return None


def _component_match(name: str, patterns: Iterable[str]) -> str | None:
    """A manifest class matches a pattern exactly, by glob, or as a package prefix ending with ``.``."""
    for pattern in patterns:
        if name == pattern or (pattern.endswith(".") and name.startswith(pattern)) or (
                any(c in pattern for c in "*?[") and fnmatch.fnmatchcase(name, pattern)):
            return pattern
    return None


def detect_sdks(facts: ApkFacts, sdks: Iterable[Sdk], attribution: Attribution | None = None,
                fingerprints: Iterable[Fingerprint] = ()) -> tuple[SdkDetection, ...]:
    """Every catalogue SDK with at least one matching signal, with all matching signals as evidence.

    ``attribution`` says which code is the app's (built from the facts and these SDKs when not given): its classes
    and manifest components never count as an SDK's. ``fingerprints`` then find SDKs whose packages a shrinker
    renamed, in code no prefix attributes (``appscan.rules.fingerprint``).
    """
    sdks = tuple(sdks)
    if attribution is None:
        attribution = Attribution.for_app(facts, sdks)
    counts = _package_counts(facts, attribution)
    versions = SdkVersions(facts, attribution.of, sdks)
    libs = [(lib.name, lib.path) for lib in facts.native_libs]
    # Each asset with its path below assets/, computed once: an APK may carry 100k assets and the catalogue 500 SDKs.
    assets = [(path, posixpath.relpath(path, "assets")) for path in facts.resources.assets]
    components = [c.name for c in facts.manifest.components if not attribution.is_app(c.name.rpartition(".")[0])]
    meta_keys = {m.name for m in facts.manifest.meta_data}
    out = []
    for sdk in sdks:
        sig = sdk.signals
        evidence: list[Evidence] = []
        for prefix in sig.packages:
            owned = counts.get((sdk.id, prefix))
            if owned:
                evidence.append(Evidence("package", prefix, f"{owned} classes"))
        for name in components:
            pattern = _component_match(name, sig.components)
            if pattern:
                evidence.append(Evidence("component", name))
        seen_libs: set[str] = set()
        for name, path in libs:
            if name not in seen_libs and _glob_any(name, sig.native_libs):
                seen_libs.add(name)
                evidence.append(Evidence("native-lib", name, path))
        for path, below in assets if sig.assets else ():
            if _glob_any(path, sig.assets) or _glob_any(below, sig.assets):
                evidence.append(Evidence("asset", path))
        for key in sig.meta_data:
            if key in meta_keys:
                evidence.append(Evidence("meta-data", key))
        if evidence:
            level = "present" if any(e.kind in ("package", "native-lib", "asset") for e in evidence) else "declared"
            out.append(SdkDetection(sdk.id, sdk.name, sdk.vendor, sdk.category, sdk.region, tuple(evidence),
                                    versions.of(sdk), level))
    return with_fingerprints(out, facts, sdks, fingerprints, attribution)
