"""SDK detection and code attribution: which third-party SDKs an app embeds, and whose code a method is.

Signals are combined per SDK (class packages, manifest components, native libraries, assets, meta-data keys) and
every one that matched is kept as evidence. Package prefixes match on whole dotted segments (``com.dv`` is not
``com.dv.adm``), and classes inside the app's own namespace never count as an SDK, so a package that merely
shares an SDK's name inside the app is not that SDK.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections import Counter
from collections.abc import Iterable

from appscan.model import ApkFacts, Evidence, SdkDetection
from appscan.rules.catalog import Sdk

__all__ = ["Attribution", "detect_sdks"]


def _java_package(descriptor: str) -> str:
    """``Lcom/foo/Bar;`` or ``Lcom/foo/Bar;->m()V`` -> ``com.foo``."""
    cls = descriptor.split(";", 1)[0][1:]
    return cls.rpartition("/")[0].replace("/", ".")


def _in_namespace(package: str, namespace: str) -> bool:
    """True when ``package`` is ``namespace`` or below it, on segment boundaries."""
    return bool(namespace) and (package == namespace or package.startswith(namespace + "."))


class Attribution:
    """Maps a method or class to the SDK whose package prefix owns it (longest prefix wins), or to the app."""

    def __init__(self, sdks: Iterable[Sdk], app_package: str) -> None:
        self.app_package = app_package
        self._owner: dict[str, str] = {}
        for sdk in sorted(sdks, key=lambda s: s.id):
            for prefix in sdk.signals.packages:
                self._owner.setdefault(prefix, sdk.id)
        self._cache: dict[str, str | None] = {}

    def package_owner(self, package: str) -> str | None:
        """The SDK id owning a dotted package, or None for the app's own (or unknown) code."""
        hit = self._cache.get(package, "")
        if hit != "":
            return hit
        owner = None
        if not _in_namespace(package, self.app_package):
            probe = package
            while probe:
                owner = self._owner.get(probe)
                if owner:
                    break
                probe = probe.rpartition(".")[0]
        self._cache[package] = owner
        return owner

    def of(self, method_or_class: str) -> str | None:
        """The SDK id whose code this smali method or class descriptor is, None for app code."""
        return self.package_owner(_java_package(method_or_class))


def _package_counts(facts: ApkFacts) -> Counter[str]:
    """How many classes lie under each dotted package prefix, the app's own namespace excluded."""
    counts: Counter[str] = Counter()
    for cls in facts.code.classes:
        package = _java_package(cls.name)
        if not package or _in_namespace(package, facts.app.package):
            continue
        parts = package.split(".")
        for i in range(1, len(parts) + 1):
            counts[".".join(parts[:i])] += 1
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


def _version(sdk: Sdk, facts: ApkFacts) -> str | None:
    """The SDK version where the APK reveals it: a meta-data value named in the catalogue."""
    for key in sdk.version_meta_data:
        for md in facts.manifest.meta_data:
            if md.name == key and md.value:
                return md.value
    return None


def detect_sdks(facts: ApkFacts, sdks: Iterable[Sdk]) -> tuple[SdkDetection, ...]:
    """Every catalogue SDK with at least one matching signal, with all matching signals as evidence."""
    counts = _package_counts(facts)
    libs = [(lib.name, lib.path) for lib in facts.native_libs]
    assets = facts.resources.assets
    components = [c.name for c in facts.manifest.components]
    meta_keys = {m.name for m in facts.manifest.meta_data}
    out = []
    for sdk in sdks:
        sig = sdk.signals
        evidence: list[Evidence] = []
        for prefix in sig.packages:
            if counts.get(prefix):
                evidence.append(Evidence("package", prefix, f"{counts[prefix]} classes"))
        for name in components:
            pattern = _component_match(name, sig.components)
            if pattern:
                evidence.append(Evidence("component", name))
        seen_libs: set[str] = set()
        for name, path in libs:
            if name not in seen_libs and _glob_any(name, sig.native_libs):
                seen_libs.add(name)
                evidence.append(Evidence("native-lib", name, path))
        for path in assets:
            if _glob_any(path, sig.assets) or _glob_any(posixpath.relpath(path, "assets"), sig.assets):
                evidence.append(Evidence("asset", path))
        for key in sig.meta_data:
            if key in meta_keys:
                evidence.append(Evidence("meta-data", key))
        if evidence:
            level = "present" if any(e.kind in ("package", "native-lib", "asset") for e in evidence) else "declared"
            out.append(SdkDetection(sdk.id, sdk.name, sdk.vendor, sdk.category, sdk.region, tuple(evidence),
                                    _version(sdk, facts), level))
    return tuple(sorted(out, key=lambda d: d.id))
