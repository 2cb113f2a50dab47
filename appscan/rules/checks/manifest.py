"""Checks on the manifest and the signature: self-start, associated start, target API level, security basics,
packed apps."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from appscan.model import PREPENDED_DEX, Component, Evidence
from appscan.rules.engine import Context, Hit, check

_TYPE_ZH = {"activity": "Activity", "activity-alias": "Activity 别名", "service": "Service",
            "receiver": "BroadcastReceiver", "provider": "ContentProvider"}


def _kind(c: Component) -> str:
    """The component's type, aliases apart (``activity-alias``): exposed aliases keep their own finding."""
    return "activity-alias" if c.target_activity is not None else c.type


NAMES_SHOWN = 3
"""Component names a grouped finding's title lists; the evidence lists them all."""


def _owner(ctx: Context, component: Component) -> str | None:
    """The SDK whose package holds the component's class, None for the app."""
    return ctx.attribution.package_owner(component.name.rpartition(".")[0])


def _by_owner(ctx: Context, components: Iterable[Component]) -> list[tuple[str | None, list[Component]]]:
    """Components grouped by owner (the app first, then SDK ids), each group in manifest-sorted order."""
    groups: dict[str | None, list[Component]] = defaultdict(list)
    for comp in components:
        groups[_owner(ctx, comp)].append(comp)
    return sorted(groups.items(), key=lambda kv: kv[0] or "")


def _names(components: list[Component]) -> dict[str, str]:
    """``component``/``component_en`` template values: the first names and how many more there are."""
    names = [c.name for c in components]
    shown, more = names[:NAMES_SHOWN], len(names) - NAMES_SHOWN
    return {"component": "、".join(shown) + (f" 等 {len(names)} 个" if more > 0 else ""),
            "component_en": ", ".join(shown) + (f" and {more} more" if more > 0 else "")}


def _effective_target(ctx: Context) -> int:
    """targetSdkVersion as the platform applies it (defaults to minSdkVersion, then 1)."""
    app = ctx.facts.app
    return app.target_sdk or app.min_sdk or 1


@check("self-start-receiver")
def self_start_receiver(ctx: Context) -> Iterator[Hit]:
    """Receivers listening for boot, unlock, connectivity and package broadcasts: one finding per owner (the app
    or one SDK) with every such receiver and action as evidence."""
    assert ctx.rule is not None
    watched = set(ctx.rule.params.get("actions", ()))
    receivers = [c for c in ctx.facts.manifest.components
                 if c.type == "receiver" and c.enabled and set(c.actions) & watched]
    for sdk, comps in _by_owner(ctx, receivers):
        hits = [(comp, sorted(set(comp.actions) & watched)) for comp in comps]
        actions = sorted({a.rsplit(".", 1)[-1] for _, acts in hits for a in acts})
        yield Hit(f"self-start|{sdk or 'app'}", tuple(Evidence("manifest", a, comp.name) for comp, acts in hits
                                                       for a in acts),
                  {**_names(comps), "actions": ", ".join(actions)}, sdk)


@check("associated-start-service")
def associated_start_service(ctx: Context) -> Iterator[Hit]:
    """Exported, unprotected services of push SDKs with intent filters: other apps can wake the app. One finding
    per push SDK with every such service."""
    assert ctx.rule is not None
    categories = set(ctx.rule.params.get("categories", ()))
    services = [c for c in ctx.facts.manifest.components
                if c.type == "service" and c.exported and not c.permission and c.intent_filters]
    for sdk, comps in _by_owner(ctx, services):
        if sdk and ctx.ruleset.sdk(sdk).category in categories:
            evidence = [Evidence("manifest", a, c.name) for c in comps for a in c.actions]
            evidence += [Evidence("component", c.name) for c in comps if not c.actions]
            yield Hit(f"associated|{sdk}", tuple(evidence), _names(comps), sdk)


@check("target-sdk-below-23")
def target_sdk_below_23(ctx: Context) -> Iterator[Hit]:
    """Apps targeting API < 23 get every dangerous permission at install time. The rule's severity holds when the
    app declares a dangerous permission (granted without asking); with none, nothing is granted behind the user's
    back and only the store requirement is left: low."""
    target = _effective_target(ctx)
    if target < 23:
        dangerous = [p.name for p in ctx.facts.manifest.permissions
                     if p.protection_level.split("|")[0] == "dangerous"]
        evidence = (Evidence("manifest", f"targetSdkVersion={target}"),
                    *(Evidence("permission", name) for name in dangerous))
        yield Hit("target<23", evidence, {"target": str(target)}, severity=None if dangerous else "low")


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


_CLEARTEXT_SHOWN = 10
"""Cleartext endpoints shown as evidence of SEC-003 (all are in the JSON's endpoints[])."""


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
        # The hosts the APK names with http:// or ws:// that these settings let through: what would go in clear.
        exposed = [e for e in ctx.endpoints if e.cleartext][:_CLEARTEXT_SHOWN]
        evidence.extend(Evidence("url", e.urls[0] if e.urls else e.host, ctx.owner_label(e.owner_kind, e.owner)[1])
                        for e in exposed)
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
    """Exported components without a guarding permission (the launcher entry is exported by design): one finding
    per owner and component type, with every such component as evidence."""
    exposed = [c for c in ctx.facts.manifest.components
               if c.exported and not c.permission and not c.launcher and c.enabled]
    for kind in sorted({_kind(c) for c in exposed}):
        for sdk, comps in _by_owner(ctx, (c for c in exposed if _kind(c) == kind)):
            yield Hit(f"exported|{kind}|{sdk or 'app'}", tuple(Evidence("component", c.name, kind) for c in comps),
                      {**_names(comps), "type": _TYPE_ZH.get(kind, kind)}, sdk)


@check("debug-certificate")
def debug_certificate(ctx: Context) -> Iterator[Hit]:
    """Signed with a certificate that is not a release key: one of the AOSP test keys published in
    build/target/product/security (high: anyone can sign an update with those; the platform key even grants its
    apps signature permissions on test-key builds), or the SDK's debug certificate (medium: a debug build, but the
    key is generated on each developer's machine, so it is not public)."""
    for cert in ctx.facts.signing.certificates:
        if cert.debug:
            # Each machine generates its own debug key: a debug build, but nobody else holds its private key.
            yield Hit("debug-cert", (Evidence("signature", cert.subject, cert.sha256),),
                      {"cert": "Android 调试证书", "cert_en": "the Android debug certificate"}, severity="medium")
            return
        if cert.aosp_test_key:
            name = f"AOSP 公开测试证书 {cert.aosp_test_key}"
            yield Hit(f"aosp-test-key|{cert.aosp_test_key}", (Evidence("signature", cert.subject, cert.sha256),),
                      {"cert": name, "cert_en": f"the public AOSP test key {cert.aosp_test_key!r}"})
            return


@check("janus-dex")
def janus_dex(ctx: Context) -> Iterator[Hit]:
    """A dex placed in front of the zip archive: Android 5.0-8.0 run it instead of the app's classes.dex while the
    v1 signature still verifies (Janus, CVE-2017-13156). Analysed as code where it could be read."""
    evidence = [Evidence("file", PREPENDED_DEX, f"{d.classes} classes, {d.methods} methods")
                for d in ctx.facts.code.dex if d.name == PREPENDED_DEX]
    evidence += [Evidence("note", i.reason, PREPENDED_DEX) for i in ctx.facts.incomplete if i.item == PREPENDED_DEX]
    if evidence:
        yield Hit("janus", tuple(evidence), {"schemes": ", ".join(ctx.facts.signing.schemes) or "none"})


@check("container-tricks")
def container_tricks(ctx: Context) -> Iterator[Hit]:
    """Structures a plain reader and Android read differently (``ApkFacts.anomalies``) of the kinds the rule's
    ``kinds`` parameter lists: tampering or an attempt to escape analysis for most, a build tool's quirk for
    others (rules.yaml says which at what severity). appscan has read the file as Android does."""
    wanted = set(ctx.rule.params["kinds"])
    anomalies = [a for a in ctx.facts.anomalies if a.kind in wanted]
    if anomalies:
        kinds = ", ".join(sorted({a.kind for a in anomalies}))
        yield Hit(f"container|{kinds}", tuple(Evidence("file", a.entry, f"{a.kind}: {a.detail}") for a in anomalies),
                  {"kinds": kinds, "kinds_en": kinds})


@check("v1-only-signing")
def v1_only_signing(ctx: Context) -> Iterator[Hit]:
    """Only the v1 (JAR) signature scheme: Janus (CVE-2017-13156) on Android 5.0-8.0. Not for an App Bundle, whose
    JAR signature is only the upload key's: the installed APKs are signed again by the store."""
    if ctx.facts.signing.schemes == ("v1",) and not ctx.facts.app_bundle:
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
