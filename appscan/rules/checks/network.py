"""Checks on what the APK carries for the network: hard-coded credentials and the hosts it names."""

from __future__ import annotations

from collections.abc import Iterator

from appscan.model import Endpoint, Evidence, SecretHit
from appscan.rules.engine import Context, Hit, check

__all__ = ["hard_coded_secrets", "hosts_outside_china"]

SHOWN = 20
"""Evidence items of one finding at most; the JSON's secrets[] and endpoints[] list them all."""


@check("hard-coded-secrets")
def hard_coded_secrets(ctx: Context) -> Iterator[Hit]:
    """Credentials (``secret`` hits, not public identifiers) found in the manifest, resources or code. A value
    inside a catalogued open-source or platform library's code (netty's built-in test key) is the same in every app
    that ships the library, published with its source: no credential of this app, so listed in ``secrets[]`` only."""
    secrets: list[SecretHit] = [s for s in ctx.secrets if s.kind == "secret" and s.owner_kind != "library"]
    if secrets:
        names = sorted({s.name for s in secrets})
        yield Hit("secrets|" + "|".join(sorted({f"{s.pattern}:{s.location}" for s in secrets})),
                  tuple(Evidence("string", f"{s.name}: {s.value}", s.location if "->" not in s.location
                                 else f"{s.location} ({ctx.owner_label(s.owner_kind, s.owner)[1]})")
                        for s in secrets[:SHOWN]),
                  {"count": str(len(secrets)), "kinds": ", ".join(names), "kinds_en": ", ".join(names)})


@check("hosts-outside-china")
def hosts_outside_china(ctx: Context) -> Iterator[Hit]:
    """Hosts the APK names that are served from outside mainland China (a cross-border question)."""
    foreign: list[Endpoint] = [e for e in ctx.endpoints if e.region == "outside-cn"]
    if foreign:
        hosts = sorted({e.host for e in foreign})
        yield Hit("hosts|" + "|".join(hosts),
                  tuple(Evidence("url", e.host, f"{e.operator}; named by {ctx.owner_label(e.owner_kind, e.owner)[1]}")
                        for e in foreign[:SHOWN]),
                  {"count": str(len(hosts))})
