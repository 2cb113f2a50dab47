"""Checks on the manifest and the signature: self-start, associated start, target API level, security basics,
packed apps."""

from __future__ import annotations

from collections.abc import Iterator

from appscan.model import Evidence
from appscan.rules.engine import Context, Hit, check

_TYPE_ZH = {"activity": "Activity", "activity-alias": "Activity 别名", "service": "Service",
            "receiver": "BroadcastReceiver", "provider": "ContentProvider"}


def _effective_target(ctx: Context) -> int:
    """targetSdkVersion as the platform applies it (defaults to minSdkVersion, then 1)."""
    app = ctx.facts.app
    return app.target_sdk or app.min_sdk or 1


@check("self-start-receiver")
def self_start_receiver(ctx: Context) -> Iterator[Hit]:
    """Receivers listening for boot, unlock, connectivity and package broadcasts."""
    assert ctx.rule is not None
    watched = set(ctx.rule.params.get("actions", ()))
    for comp in ctx.facts.manifest.components:
        hits = sorted(set(comp.actions) & watched) if comp.type == "receiver" and comp.enabled else []
        if hits:
            sdk = ctx.attribution.package_owner(comp.name.rpartition(".")[0])
            yield Hit(f"self-start|{comp.name}", tuple(Evidence("manifest", a, comp.name) for a in hits),
                      {"component": comp.name, "actions": ", ".join(a.rsplit(".", 1)[-1] for a in hits)}, sdk)


@check("associated-start-service")
def associated_start_service(ctx: Context) -> Iterator[Hit]:
    """Exported, unprotected services of push SDKs with intent filters: other apps can wake the app."""
    assert ctx.rule is not None
    categories = set(ctx.rule.params.get("categories", ()))
    for comp in ctx.facts.manifest.components:
        if comp.type != "service" or not comp.exported or comp.permission or not comp.intent_filters:
            continue
        sdk = ctx.attribution.package_owner(comp.name.rpartition(".")[0])
        if sdk and ctx.ruleset.sdk(sdk).category in categories:
            yield Hit(f"associated|{comp.name}",
                      tuple(Evidence("manifest", a, comp.name) for a in comp.actions) or (
                          Evidence("component", comp.name),), {"component": comp.name}, sdk)


@check("target-sdk-below-23")
def target_sdk_below_23(ctx: Context) -> Iterator[Hit]:
    """Apps targeting API < 23 get every dangerous permission at install time."""
    target = _effective_target(ctx)
    if target < 23:
        yield Hit("target<23", (Evidence("manifest", f"targetSdkVersion={target}"),), {"target": str(target)})


@check("target-sdk-below-store-minimum")
def target_sdk_below_store_minimum(ctx: Context) -> Iterator[Hit]:
    """Apps below the mainstream stores' current targetSdkVersion requirement."""
    assert ctx.rule is not None
    minimum = int(ctx.rule.params.get("minimum", 30))
    target = _effective_target(ctx)
    if target < minimum:
        yield Hit(f"target<{minimum}", (Evidence("manifest", f"targetSdkVersion={target}"),),
                  {"target": str(target), "minimum": str(minimum)})


@check("debuggable")
def debuggable(ctx: Context) -> Iterator[Hit]:
    """android:debuggable=true."""
    if ctx.facts.app.debuggable:
        yield Hit("debuggable", (Evidence("manifest", "android:debuggable=true"),))


@check("allow-backup")
def allow_backup(ctx: Context) -> Iterator[Hit]:
    """allowBackup is true (explicitly or by default)."""
    if ctx.facts.app.allow_backup:
        yield Hit("allow-backup", (Evidence("manifest", "android:allowBackup=true (or absent: default true)"),))


@check("cleartext-traffic")
def cleartext_traffic(ctx: Context) -> Iterator[Hit]:
    """Cleartext HTTP allowed by the manifest flag, by the platform default, or by the network config."""
    app = ctx.facts.app
    nsc = app.network_security_config
    evidence: list[Evidence] = []
    if nsc is not None:
        if nsc.cleartext_permitted:
            evidence.append(Evidence("config", "base-config cleartextTrafficPermitted=true", nsc.path))
        evidence.extend(Evidence("config", f"{d.domain}: cleartextTrafficPermitted=true", nsc.path)
                        for d in nsc.domains if d.cleartext_permitted)
    if app.uses_cleartext_traffic and (nsc is None or nsc.cleartext_permitted is None):
        evidence.append(Evidence("manifest", "android:usesCleartextTraffic=true"))
    if not evidence and nsc is None and app.uses_cleartext_traffic is None and _effective_target(ctx) < 28:
        evidence.append(Evidence("manifest", f"usesCleartextTraffic absent and targetSdkVersion "
                                             f"{_effective_target(ctx)} < 28: cleartext allowed by default"))
    if evidence:
        where = "; ".join(e.value for e in evidence)
        yield Hit("cleartext", tuple(evidence), {"where": where, "where_en": where})


@check("user-trust-anchors")
def user_trust_anchors(ctx: Context) -> Iterator[Hit]:
    """The network security config trusts user-installed CAs outside debug-overrides."""
    nsc = ctx.facts.app.network_security_config
    if nsc is None:
        return
    places = (["base-config"] if nsc.user_trust_anchors else []) + [d.domain for d in nsc.domains
                                                                     if d.user_trust_anchors]
    if places:
        where = ", ".join(places)
        yield Hit("user-ca", tuple(Evidence("config", p, nsc.path) for p in places),
                  {"where": where, "where_en": where})


@check("exported-unprotected")
def exported_unprotected(ctx: Context) -> Iterator[Hit]:
    """Exported components without a guarding permission (the launcher entry is exported by design)."""
    for comp in ctx.facts.manifest.components:
        if comp.exported and not comp.permission and not comp.launcher and comp.enabled:
            sdk = ctx.attribution.package_owner(comp.name.rpartition(".")[0])
            yield Hit(f"exported|{comp.type}|{comp.name}", (Evidence("component", comp.name, comp.type),),
                      {"component": comp.name, "type": _TYPE_ZH.get(comp.type, comp.type)}, sdk)


@check("debug-certificate")
def debug_certificate(ctx: Context) -> Iterator[Hit]:
    """Signed with the SDK's debug certificate."""
    for cert in ctx.facts.signing.certificates:
        if cert.debug:
            yield Hit("debug-cert", (Evidence("signature", cert.subject, cert.sha256),))
            return


@check("v1-only-signing")
def v1_only_signing(ctx: Context) -> Iterator[Hit]:
    """Only the v1 (JAR) signature scheme: Janus (CVE-2017-13156) on Android 5.0-8.0."""
    if ctx.facts.signing.schemes == ("v1",):
        yield Hit("v1-only", (Evidence("signature", "schemes: v1"),))


@check("packed-app")
def packed_app(ctx: Context) -> Iterator[Hit]:
    """A packer's SDK signals, or code that is evidently not the real code."""
    packers = [d for d in ctx.sdks if d.category == "packer"]
    stub = [i for i in ctx.facts.incomplete if i.item == "code"]
    if not packers and not stub:
        return
    names = ", ".join(d.name for d in packers) or "unknown packer"
    evidence = tuple(e for d in packers for e in d.evidence) + tuple(Evidence("note", i.reason) for i in stub)
    yield Hit("packed", evidence, {"packer": names}, packers[0].id if packers else None)
