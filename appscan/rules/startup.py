"""Joins the call-graph analysis (``appscan.graph``) to the rules: reach of every data-collection call, of every
SDK initialisation, and of runtime permission requests.

The graph knows nothing of SDKs or rules; this module gives it the SDKs' privacy switches (consent gates) and
their init APIs from the ruleset, and hands the answers back to the engine as ``ApiCall.reach`` and a
``StartupAnalysis``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace

from appscan.apk.flow import Value
from appscan.graph import FailingCalls, ReachAnalysis, requests_at_startup
from appscan.model import ApiCall, ApkFacts, Reach
from appscan.rules.catalog import Ruleset, SensitiveApi
from appscan.rules.engine import StartupAnalysis
from appscan.rules.sdk_match import Attribution

__all__ = ["failing_calls", "graph_reach"]

ReachFn = Callable[[ApkFacts, tuple[ApiCall, ...], Attribution], tuple[tuple[ApiCall, ...], StartupAnalysis]]


def _init_index(ruleset: Ruleset) -> dict[str, list[tuple[str, str]]]:
    """SDK init API prefixes keyed by their class descriptor: ``Lcom/umeng/commonsdk/UMConfigure;`` -> [...]."""
    index: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for sdk in ruleset.sdks:
        for api in sdk.init_apis:
            index[api.split("->", 1)[0]].append((api, sdk.id))
    return index


def failing_calls(ruleset: Ruleset, facts: ApkFacts) -> FailingCalls:
    """The calls that always throw in this app: catalogue APIs marked ``throws_without_permission`` whose
    permissions the manifest does not declare; for a content query, only when its URI argument is one of the
    provider's URI constants (``string_any``), since the same ``query`` reads unprotected providers too."""
    declared = {p.name for p in facts.manifest.permissions}
    entries = [a for a in ruleset.apis
               if a.throws_without_permission and not any(p in declared for p in a.permission_any)]

    def names(value: Value, api: SensitiveApi) -> bool:
        return (value.kind == "field" and value.ref.endswith(":Landroid/net/Uri;")
                and any(s in value.ref for s in api.string_any))

    def fails(callee: str, args: tuple[frozenset[Value], ...]) -> bool:
        apis = [a for a in entries if callee.startswith(a.callee)]
        if any(not a.string_any for a in apis):
            return True
        return bool(apis) and any(arg and all(any(names(v, a) for a in apis) for v in arg) for arg in args[1:])

    return FailingCalls(tuple(dict.fromkeys(a.callee for a in entries)), fails)


def graph_reach(ruleset: Ruleset) -> ReachFn:
    """The engine's ``reach`` hook, built on the ruleset's consent switches and SDK init APIs."""
    consent = tuple(api for sdk in ruleset.sdks for api in sdk.consent_apis)
    inits = _init_index(ruleset)

    def reach(facts: ApkFacts, calls: tuple[ApiCall, ...], attribution: Attribution
              ) -> tuple[tuple[ApiCall, ...], StartupAnalysis]:
        init_sites = []
        requesters = set()
        for site in facts.code.call_sites:
            callee = site.callee
            if "->requestPermissions(" in callee:
                requesters.add(site.caller)
            candidates = inits.get(callee[:callee.find("->")])
            if candidates and any(callee.startswith(prefix) for prefix, _ in candidates):
                init_sites.append(site)
        # Receiver narrowing is spent where a reported path can go: to collection, SDK inits, permission requests.
        targets = {c.caller for c in calls if c.collects} | {s.caller for s in init_sites} | requesters
        analysis = ReachAnalysis(facts, consent, targets=targets, failing=failing_calls(ruleset, facts))
        cache: dict[tuple[str, str], Reach] = {}

        def of(caller: str, callee: str) -> Reach:
            """Reach of a call: the callee matters where the caller checks consent before some calls only."""
            key = (caller, callee)
            if key not in cache:
                cache[key] = analysis.reach(caller, callee)
            return cache[key]

        reached = tuple(replace(c, reach=of(c.caller, c.api)) for c in calls)
        sdk_inits = []
        for site in init_sites:
            candidates = inits[site.callee.split("->", 1)[0]]
            matched = [sdk_id for prefix, sdk_id in candidates if site.callee.startswith(prefix)]
            # Products sharing their vendor's init API (MobSDK.init for ShareSDK, SMSSDK...): one call initialises
            # the SDK whose code the API is, not one finding per product.
            owner = attribution.of(site.callee)
            for sdk_id in ([owner] if owner in matched else matched):
                # The caller may be the SDK's own bootstrap (an Application base class, a provider, a wrapper the
                # app calls): what matters is whether the init runs at start-up, not who wrote the call.
                sdk_inits.append((sdk_id, site.callee, of(site.caller, site.callee)))
        requests = tuple((r.site.caller, r.permissions, r.reach) for r in requests_at_startup(facts, analysis))
        return reached, StartupAnalysis(tuple(sdk_inits), requests)

    return reach
