"""Checks on personal-data collection: who collects what, the installed-app list, third-party SDKs, and (with
the call graph) collection before consent and in the background."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from appscan.model import ApiCall, Evidence, Reach
from appscan.rules.engine import Context, Hit, check
from appscan.rules.severity import EVIDENCE_CAP, call_severity, max_severity, owner_of

MAX_SITES = 30
"""Call sites listed per finding; the rest are counted in one evidence line (reports stay readable)."""

_ENTRY_LABELS = {
    "application": ("Application 启动", "Application start-up"),
    "provider": ("ContentProvider 初始化", "a ContentProvider's onCreate"),
    "startup-initializer": ("androidx.startup 初始化器", "an androidx.startup initializer"),
    "launcher": ("启动页 Activity", "the launcher activity"),
    "receiver": ("广播接收器", "a broadcast receiver"),
    "service": ("后台服务", "a service"),
    "job": ("JobScheduler 任务", "a JobScheduler job"),
    "worker": ("WorkManager 任务", "a WorkManager worker"),
    "timer": ("定时任务", "a timer"),
}


def capped(evidence: list[Evidence]) -> tuple[Evidence, ...]:
    """The first ``MAX_SITES`` evidence lines and one line counting the rest."""
    more = len(evidence) - MAX_SITES
    return tuple(evidence[:MAX_SITES]) + ((Evidence("note", f"{more} more call sites"),) if more > 0 else ())


def call_evidence(calls: Iterable[ApiCall]) -> tuple[Evidence, ...]:
    """One evidence line per call site (capped), sorted for stable output."""
    return capped([Evidence("call", c.api, c.caller) for c in sorted(calls, key=lambda c: (c.caller, c.api))])


def path_evidence(reach: Reach) -> tuple[Evidence, ...]:
    """The call path of a reach, one evidence line per method from the entry point."""
    return tuple(Evidence("path", m, f"step {i}") for i, m in enumerate(reach.path))


def entry_description(reach: Reach) -> tuple[str, str]:
    """(zh, en) words for where a path starts: "Application 启动 (com.example.App.onCreate)"."""
    zh, en = _ENTRY_LABELS.get(reach.entry_kind or "", (reach.entry_kind or "入口", reach.entry_kind or "entry"))
    where = _readable_method(reach.entry) if reach.entry else ""
    return (f"{zh}（{where}）" if where else zh), (f"{en} ({where})" if where else en)


def _readable_method(smali: str) -> str:
    """``Lcom/example/App;->onCreate()V`` -> ``com.example.App.onCreate``."""
    cls, _, rest = smali.partition(";->")
    return cls.lstrip("L").replace("/", ".") + "." + rest.split("(", 1)[0]


def personal_calls(ctx: Context) -> list[ApiCall]:
    """Calls that collect personal data: their effect counts as collection (``ApiCall.collects``), so behaviours
    (reflection, scheduling, sending SMS...), own-app lookups, probes, foreground checks and inert calls never
    drive a PI-* finding."""
    return [c for c in ctx.api_calls if c.collects]


Collector = tuple[str, str, str | None]
"""(data type, owner kind, owner): one finding per collector and data type within a rule. The owner is the SDK
id, library id or package root of the calling code (``ApiCall.owner``), None for the app."""


def _by_collector(calls: Iterable[ApiCall]) -> list[tuple[Collector, list[ApiCall]]]:
    """Calls grouped by data type and collector, in a stable order."""
    groups: dict[Collector, list[ApiCall]] = defaultdict(list)
    for c in calls:
        groups[(c.data_type, owner_of(c), c.owner)].append(c)
    return sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or ""))


def _subject(collector: Collector) -> str:
    """The collector part of a finding subject: the SDK id or ``app`` (as before owners had kinds, so those
    findings keep their ids), else ``kind:owner`` for library and unidentified code."""
    _, kind, owner = collector
    if kind in ("app", "sdk"):
        return owner or "app"
    return f"{kind}:{owner or ''}"


def _sdk(collector: Collector) -> str | None:
    """The SDK id of a collector, None for the app, a library or unidentified code."""
    return collector[2] if collector[1] == "sdk" else None


def _severity(ctx: Context, calls: Iterable[ApiCall], timing: str | None = None) -> str:
    """The highest rating of the calls in the severity table (``appscan.rules.severity``); info for calls the
    table does not rate (capabilities, which ``personal_calls`` keeps out of these rules)."""
    return max_severity(call_severity(c, ctx.ruleset.data_type(c.data_type), timing) for c in calls) or "info"


def _first(calls: Iterable[ApiCall]) -> ApiCall:
    """The call whose path a finding shows: a definite path before a possible one, then the shortest."""
    return min(calls, key=lambda c: (c.reach is None or c.reach.evidence != "definite",
                                     len(c.reach.path) if c.reach else 0, c.caller))


def _values(ctx: Context, data_types: Iterable[str], sdk: str | None,
            collector: Collector | None = None) -> dict[str, str]:
    """The common template values: data and collector in both languages (a library or unidentified code named as
    such when the collector says so)."""
    data_zh, data_en = ctx.data_label(data_types)
    who_zh, who_en = ctx.sdk_label(sdk, *collector[1:]) if collector else ctx.sdk_label(sdk)
    return {"data": data_zh, "data_en": data_en, "collector": who_zh, "collector_en": who_en}


def _level(calls: Iterable[ApiCall]) -> str:
    """reachable when any call runs at start-up, else called."""
    return "reachable" if any(c.reach and c.reach.startup_reachable for c in calls) else "called"


@check("data-collection")
def data_collection(ctx: Context) -> Iterator[Hit]:
    """One finding per personal-data type and collector, with every call site."""
    for collector, calls in _by_collector(personal_calls(ctx)):
        data_type, sdk = collector[0], _sdk(collector)
        clauses = tuple(dict.fromkeys(cl for c in calls for cl in ctx.ruleset.api(c.api_id).clauses
                                      if cl in ctx.ruleset.clause_ids))
        yield Hit(f"{data_type}|{_subject(collector)}", call_evidence(calls),
                  _values(ctx, [data_type], sdk, collector), sdk, (data_type,), clauses, _severity(ctx, calls),
                  _level(calls))


@check("installed-apps")
def installed_apps(ctx: Context) -> Iterator[Hit]:
    """Installed-app list reads (one finding per collector), and QUERY_ALL_PACKAGES as declared evidence.

    Only calls that return a list count: a lookup of one package or one intent is a probe (``ApiCall.effect``),
    and the clauses on sharing the app list need the list."""
    calls = [c for c in personal_calls(ctx) if c.data_type == "installed-apps"]
    declared = any(p.name == "android.permission.QUERY_ALL_PACKAGES" for p in ctx.facts.manifest.permissions)
    perm = (Evidence("permission", "android.permission.QUERY_ALL_PACKAGES"),) if declared else ()
    for collector, group in _by_collector(calls):
        sdk = _sdk(collector)
        values = _values(ctx, ["installed-apps"], sdk, collector)
        yield Hit(f"installed-apps|{_subject(collector)}", perm + call_evidence(group), values, sdk,
                  ("installed-apps",), severity=_severity(ctx, group), evidence_level=_level(group))
    if declared and not calls:
        values = {"collector": "声明 QUERY_ALL_PACKAGES 权限", "collector_en": "QUERY_ALL_PACKAGES declared"}
        yield Hit("installed-apps|permission", perm, values, None, ("installed-apps",), severity="medium",
                  evidence_level="declared")


@check("sdk-sharing")
def sdk_sharing(ctx: Context) -> Iterator[Hit]:
    """Each SDK that collects personal data: from its own call sites, else from what the catalogue says."""
    by_sdk: dict[str, list[ApiCall]] = defaultdict(list)
    for c in personal_calls(ctx):
        if c.sdk:
            by_sdk[c.sdk].append(c)
    for det in ctx.sdks:
        sdk = ctx.ruleset.sdk(det.id)
        name_values = {"sdk": sdk.name_zh or sdk.name, "sdk_en": sdk.name}
        calls = by_sdk.get(det.id, [])
        if calls:
            types = sorted({c.data_type for c in calls})
            values = {**_values(ctx, types, det.id), **name_values}
            yield Hit(f"sdk|{det.id}", det.evidence + call_evidence(calls), values, det.id, tuple(types),
                      severity=_severity(ctx, calls), evidence_level=_level(calls))
        else:
            known = [t for t in sdk.data_collected if t in ctx.ruleset.data_type_ids]
            if known:
                values = {**_values(ctx, known, det.id), **name_values}
                values["data"] += "（据公开资料）"
                values["data_en"] += " (as published)"
                yield Hit(f"sdk|{det.id}", det.evidence, values, det.id, tuple(known), severity="low",
                          evidence_level=det.evidence_level)


@check("startup-collection")
def startup_collection(ctx: Context) -> Iterator[Hit]:
    """Collection reachable at start-up on a path that passes no consent check (needs the call graph)."""
    early = [c for c in personal_calls(ctx) if c.reach and c.reach.startup_reachable and not c.reach.consent_gated]
    for collector, calls in _by_collector(early):
        data_type, sdk = collector[0], _sdk(collector)
        first = _first(calls)
        assert first.reach is not None
        entry_zh, entry_en = entry_description(first.reach)
        values = {**_values(ctx, [data_type], sdk, collector), "entry_desc": entry_zh, "entry_desc_en": entry_en}
        extra = ("C191-5.1", "M337-3", "TC260S-2") if sdk else ()
        yield Hit(f"startup|{data_type}|{_subject(collector)}", path_evidence(first.reach) + call_evidence(calls),
                  values, sdk, (data_type,), extra, _severity(ctx, calls, "before-consent"))


@check("background-collection")
def background_collection(ctx: Context) -> Iterator[Hit]:
    """Collection reachable from receivers, services, jobs, workers and timers (needs the call graph)."""
    late = [c for c in personal_calls(ctx) if c.reach and c.reach.background]
    for collector, calls in _by_collector(late):
        data_type, sdk = collector[0], _sdk(collector)
        first = _first(calls)
        assert first.reach is not None
        entry_zh, entry_en = entry_description(first.reach)
        values = {**_values(ctx, [data_type], sdk, collector), "entry_desc": entry_zh, "entry_desc_en": entry_en}
        yield Hit(f"background|{data_type}|{_subject(collector)}", path_evidence(first.reach) + call_evidence(calls),
                  values, sdk, (data_type,), severity=_severity(ctx, calls, "background"))


@check("sdk-startup-init")
def sdk_startup_init(ctx: Context) -> Iterator[Hit]:
    """SDK initialisation calls that run at start-up before consent (needs the call graph): one finding per SDK
    with every such init call site, showing the path of a definite one first; only possible paths: medium."""
    present = {d.id for d in ctx.sdks}  # SDKs sharing an init API (Umeng's products) count only when embedded
    by_sdk: dict[str, list[tuple[str, Reach]]] = defaultdict(list)
    for sdk_id, callee, reach in ctx.startup.sdk_inits:
        if sdk_id in present and reach.startup_reachable and not reach.consent_gated:
            by_sdk[sdk_id].append((callee, reach))
    for sdk_id, inits in sorted(by_sdk.items()):
        inits.sort(key=lambda i: (i[1].evidence != "definite", len(i[1].path), i[1].path, i[0]))
        reach = inits[0][1]
        sdk = ctx.ruleset.sdk(sdk_id)
        entry_zh, entry_en = entry_description(reach)
        values = {"sdk": sdk.name_zh or sdk.name, "sdk_en": sdk.name, "entry_desc": entry_zh,
                  "entry_desc_en": entry_en}
        sites = list(dict.fromkeys(Evidence("call", callee, r.path[-1] if r.path else None) for callee, r in inits))
        yield Hit(f"sdk-init|{sdk_id}", path_evidence(reach) + capped(sites), values, sdk_id,
                  severity=None if reach.evidence == "definite" else EVIDENCE_CAP)
