"""Network endpoints: the hosts an APK names, who names them, whether cleartext reaches them, where they are.

Hosts come from URLs and bare host names in the code's string constants (each attributed to the app, an SDK, a
library or unidentified code, like calls) and from string resources, layout texts and meta-data values (the
app's). Hosts every kind of code names without contacting them (XML namespaces, documentation and store links:
``appscan.rules.inventory.COMMON_HOSTS``) are left out. For each host and
owner the scan keeps its URL schemes, a few URLs and how many places name it. ``cleartext`` is true when the host is
named with ``http://`` or ``ws://`` and the app's network security settings would let that traffic through (the
config's domain entry, else its base config, else ``usesCleartextTraffic``, else the platform default by
targetSdkVersion). Hosts under a domain of ``rulesets/regions.yaml`` are marked as served from outside mainland
China: a question of cross-border transfer (PIPL arts. 38-39) for the reviewer, never a verdict, since a named host
is not proof that personal information is sent there.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator

from appscan.model import ApkFacts, AppInfo, Endpoint
from appscan.rules.catalog import HostRegion
from appscan.rules.inventory import COMMON_HOSTS, HOST, hosts_in
from appscan.rules.sdk_match import Attribution

__all__ = ["cleartext_permitted", "find_endpoints"]

_URL = re.compile(rf"\b(https?|wss?|ftp)://({HOST})(?::\d{{1,5}})?[^\s\"'<>]*", re.IGNORECASE)
_CLEARTEXT_SCHEMES = frozenset({"http", "ws", "ftp"})
_IDENTIFIER_SUFFIXES = (".apps.googleusercontent.com",)
"""Host-shaped identifiers that are no server (a Google OAuth client id, listed among secrets as a public id)."""
_URLS_KEPT = 3
_MAX_LENGTH = 4096


def _named(text: str) -> Iterator[tuple[str, str | None, str | None]]:
    """(host, scheme, url) for each URL in a string, or (host, None, None) for a bare host name."""
    text = text[:_MAX_LENGTH]
    urls = list(_URL.finditer(text))
    for match in urls:
        host = match.group(2).lower()
        if host not in COMMON_HOSTS:
            yield host, match.group(1).lower(), match.group(0)
    if not urls:
        for host in hosts_in([text]):
            yield host, None, None


def cleartext_permitted(app: AppInfo, host: str) -> bool:
    """Whether the platform lets cleartext traffic reach ``host`` under the app's settings."""
    nsc = app.network_security_config
    if nsc is not None:
        best = None
        for domain in nsc.domains:
            d = domain.domain.lower()
            if host == d or (domain.include_subdomains and host.endswith("." + d)):
                if best is None or len(d) > len(best.domain):
                    best = domain
        if best is not None and best.cleartext_permitted is not None:
            return best.cleartext_permitted
        if nsc.cleartext_permitted is not None:
            return nsc.cleartext_permitted
    if app.uses_cleartext_traffic is not None:
        return app.uses_cleartext_traffic
    return (app.target_sdk or app.min_sdk or 1) < 28


def _region(host: str, regions: Iterable[HostRegion]) -> HostRegion | None:
    return next((r for r in regions for d in r.domains if host == d or host.endswith("." + d)), None)


def find_endpoints(facts: ApkFacts, attribution: Attribution, regions: Iterable[HostRegion]
                   ) -> tuple[Endpoint, ...]:
    """Every host with an owner, outside-China hosts and cleartext ones first, then by host."""
    regions = tuple(regions)
    places: dict[tuple[str, str, str | None], int] = defaultdict(int)
    schemes: dict[tuple[str, str, str | None], set[str]] = defaultdict(set)
    urls: dict[tuple[str, str, str | None], set[str]] = defaultdict(set)

    def note(texts: Iterable[str], owner_kind: str, owner: str | None) -> None:
        seen: set[tuple[str, str, str | None]] = set()
        for text in texts:
            for host, scheme, url in _named(text):
                if host.endswith(_IDENTIFIER_SUFFIXES):
                    continue
                key = (host, owner_kind, owner)
                if key not in seen:
                    seen.add(key)
                    places[key] += 1
                if scheme is not None:
                    schemes[key].add(scheme)
                    urls[key].add(url or "")

    for method, strings in facts.code.strings.items():
        if any("." in s for s in strings):
            owner = attribution.owner(method)
            note(strings, owner.kind, owner.id)
    # Resources and the manifest are the app's (resources.urls would mix in the code's URLs again).
    note((*facts.resources.strings, *facts.resources.layout_texts), "app", None)
    note((m.value for m in facts.manifest.meta_data if m.value), "app", None)
    out = []
    for key, count in places.items():
        host, owner_kind, owner = key
        region = _region(host, regions)
        cleartext = bool(schemes[key] & _CLEARTEXT_SCHEMES) and cleartext_permitted(facts.app, host)
        out.append(Endpoint(host, tuple(sorted(schemes[key])), owner_kind, owner,
                            tuple(sorted(urls[key]))[:_URLS_KEPT], count, cleartext,
                            region.region if region else None, region.operator if region else None))
    return tuple(sorted(out, key=lambda e: (e.region is None, not e.cleartext, e.host, e.owner_kind, e.owner or "")))
