"""The app's code by owner: which catalogued libraries it ships, and which third-party code no catalogue names.

Unidentified code is every class outside the app's namespaces and every SDK and library entry
(``appscan.rules.sdk_match.Attribution``), grouped by package root. Each group gets a vendor guess, because a
reviewer drafting the 第三方信息共享清单 needs a name to look up, from three signals in order of strength: the
vendors the SDK and library catalogue lists under the same organisation (``com.alipay.b`` -> Alipay's vendor), the
package name itself (``com.loopj`` -> loopj), and the network hosts the code's string constants name
(``e.apsalar.com``), which also name the vendor of renamed (obfuscated) code.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from appscan.model import ApkFacts, LibraryUse, UnidentifiedCode
from appscan.rules.catalog import Library, Sdk
from appscan.rules.runtime_code import PluginCode
from appscan.rules.sdk_match import Attribution, java_package

__all__ = ["COMMON_HOSTS", "HOST", "code_inventory", "host_label", "hosts_in"]

MAX_HOSTS = 5
HOST = r"[A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z]{2,}"
"""A dotted host name as URLs in string constants name it (the pattern the endpoint list uses too)."""
_URL_HOST = re.compile(rf"https?://({HOST})", re.IGNORECASE)
_BARE_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+([a-z]{2,6})")
_BARE_TLDS = frozenset({"com", "cn", "net", "org", "io"})
_JAVA_STARTS = frozenset({"com", "org", "net", "cn", "io", "android", "java", "javax", "dalvik", "kotlin"})
"""A bare string starting like this is a Java package or class name (``com.foo.bar``), not a host."""
_SECOND_LEVEL = frozenset({"com", "net", "org", "gov", "edu", "co", "ac"})
COMMON_HOSTS = frozenset({
    "schemas.android.com", "www.w3.org", "w3.org", "xml.org", "www.xmlpull.org", "xmlpull.org", "ns.adobe.com",
    "purl.org", "apache.org", "www.apache.org", "json-schema.org", "localhost", "example.com", "www.example.com",
    "xmlns.com", "schemas.xmlsoap.org", "www.slf4j.org", "github.com", "www.google.com", "play.google.com",
    "market.android.com", "developer.android.com", "goo.gl",
})
"""Hosts named by code of every origin (XML namespaces, documentation links, store links): no vendor signal."""


def hosts_in(strings: Iterable[str]) -> set[str]:
    """Network hosts named by string constants: URL hosts, and bare host names with a common top-level domain."""
    found: set[str] = set()
    for s in strings:
        if "." not in s or len(s) > 2048:
            continue
        for host in _URL_HOST.findall(s):
            found.add(host.lower())
        bare = _BARE_HOST.fullmatch(s)
        if bare and bare.group(1) in _BARE_TLDS and s.split(".", 1)[0] not in _JAVA_STARTS:
            found.add(s)
    return found - COMMON_HOSTS


def host_label(host: str) -> str:
    """The registrable name of a host: ``api.apsalar.com`` -> ``apsalar``, ``log.foo.com.cn`` -> ``foo``."""
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return labels[-3]
    return labels[-2] if len(labels) >= 2 else host


class _Vendors:
    """The vendors the SDK and library catalogue names, by organisation (``com.umeng``) and by its name
    (``umeng``), the most frequent one where several share it."""

    def __init__(self, sdks: Iterable[Sdk], libraries: Iterable[Library]) -> None:
        by_org: dict[str, Counter[str]] = defaultdict(Counter)
        by_name: dict[str, Counter[str]] = defaultdict(Counter)
        named = [(p, s.vendor) for s in sdks for p in s.signals.packages]
        named += [(p, lib.maintainer) for lib in libraries for p in lib.packages]
        for prefix, vendor in named:
            parts = prefix.split(".")
            by_org[".".join(parts[:2])][vendor] += 1
            if len(parts) > 1:
                by_name[parts[1].lower()][vendor] += 1
        self.by_org = {k: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for k, c in by_org.items()}
        self.by_name = {k: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for k, c in by_name.items()}


def _guess(root: str, obfuscated: bool, hosts: list[str], vendors: _Vendors) -> tuple[str | None, tuple[str, ...]]:
    """The vendor guess of one group and what it rests on (see the module doc)."""
    parts = root.split(".") if root else []
    labels = [host_label(h).lower() for h in hosts]
    if parts and not obfuscated:
        name = parts[1] if len(parts) > 1 else parts[0]
        vendor = vendors.by_org.get(".".join(parts[:2]))
        if vendor is not None:
            return vendor, ("catalogue-vendor", "package", *(("host",) if name.lower() in labels else ()))
        if name.lower() in labels or not hosts:
            return name, ("package", *(("host",) if name.lower() in labels else ()))
    for label in labels:
        if label in vendors.by_name:
            return vendors.by_name[label], ("catalogue-vendor", "host")
    if parts and not obfuscated:
        return parts[1] if len(parts) > 1 else parts[0], ("package",)
    return (labels[0], ("host",)) if labels else (None, ())


def code_inventory(facts: ApkFacts, attribution: Attribution, sdks: Iterable[Sdk], libraries: Iterable[Library]
                   ) -> tuple[tuple[LibraryUse, ...], tuple[UnidentifiedCode, ...]]:
    """The catalogued libraries the app ships (by id) and its unidentified third-party code (largest first)."""
    libraries, sdks = tuple(libraries), tuple(sdks)
    by_id = {lib.id: lib for lib in libraries}
    library_classes: Counter[str] = Counter()
    library_prefixes: dict[str, set[str]] = defaultdict(set)
    group_classes: Counter[str] = Counter()
    group_of_class: dict[str, str] = {}
    plugin_sdk_code = PluginCode(facts, sdks, attribution).by_container  # an SDK's obfuscated plug-in code
    for cls in facts.code.classes:
        if cls.name in plugin_sdk_code:
            continue
        package = java_package(cls.name)
        owner = attribution.owner(cls.name)
        if owner.kind == "library" and owner.id is not None:
            library_classes[owner.id] += 1
            match = attribution.catalogue.match(package)
            if match is not None:
                library_prefixes[owner.id].add(match[0])
        elif owner.kind == "unidentified" and owner.id is not None:
            group_classes[owner.id] += 1
            group_of_class[cls.name] = owner.id
    hosts: dict[str, Counter[str]] = defaultdict(Counter)
    for method, strings in facts.code.strings.items():
        group = group_of_class.get(method.split("->", 1)[0])
        if group is not None:
            hosts[group].update(hosts_in(strings))
    vendors = _Vendors(sdks, libraries)
    used = tuple(LibraryUse(lib_id, by_id[lib_id].name, by_id[lib_id].origin, by_id[lib_id].category, n,
                            tuple(sorted(library_prefixes[lib_id])))
                 for lib_id, n in sorted(library_classes.items()))
    groups = []
    for root, n in sorted(group_classes.items(), key=lambda kv: (-kv[1], kv[0])):
        top = [h for h, _ in sorted(hosts[root].items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_HOSTS]]
        obfuscated = bool(root) and all(len(p) <= 2 for p in root.split("."))
        guess, basis = _guess(root, obfuscated, top, vendors)
        groups.append(UnidentifiedCode(root, n, obfuscated, guess, basis, tuple(top)))
    return used, tuple(groups)
