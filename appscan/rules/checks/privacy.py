"""Checks on personal-data collection: who collects what, the installed-app list, third-party SDKs, and (with
the call graph) collection before consent and in the background."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from appscan.model import ApiCall, Evidence, Reach
from appscan.rules.engine import Context, Hit, check

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


def call_evidence(calls: Iterable[ApiCall]) -> tuple[Evidence, ...]:
    """One evidence line per call site (capped), sorted for stable output."""
    ordered = sorted(calls, key=lambda c: (c.caller, c.api))
    out = [Evidence("call", c.api, c.caller) for c in ordered[:MAX_SITES]]
    if len(ordered) > MAX_SITES:
        out.append(Evidence("note", f"{len(ordered) - MAX_SITES} more call sites"))
    return tuple(out)


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


def _by_collector(calls: Iterable[ApiCall]) -> dict[tuple[str, str | None], list[ApiCall]]:
    """Calls grouped by (data type, collecting SDK or None for the app)."""
    groups: dict[tuple[str, str | None], list[ApiCall]] = defaultdict(list)
    for c in calls:
        groups[(c.data_type, c.sdk)].append(c)
    return groups


def _values(ctx: Context, data_types: Iterable[str], sdk: str | None) -> dict[str, str]:
    """The common template values: data and collector in both languages."""
    data_zh, data_en = ctx.data_label(data_types)
    who_zh, who_en = ctx.sdk_label(sdk)
    return {"data": data_zh, "data_en": data_en, "collector": who_zh, "collector_en": who_en}


def _level(calls: Iterable[ApiCall]) -> str:
    """reachable when any call runs at start-up, else called."""
    return "reachable" if any(c.reach and c.reach.startup_reachable for c in calls) else "called"


@check("data-collection")
def data_collection(ctx: Context) -> Iterator[Hit]:
    """One finding per personal-data type and collector, with every call site."""
    for (data_type, sdk), calls in sorted(_by_collector(personal_calls(ctx)).items(),
                                          key=lambda kv: (kv[0][0], kv[0][1] or "")):
        sensitive = ctx.ruleset.data_type(data_type).sensitive
        clauses = tuple(dict.fromkeys(cl for c in calls for cl in ctx.ruleset.api(c.api_id).clauses
                                      if cl in ctx.ruleset.clause_ids))
        yield Hit(f"{data_type}|{sdk or 'app'}", call_evidence(calls), _values(ctx, [data_type], sdk), sdk,
                  (data_type,), clauses, "high" if sensitive else None, _level(calls))


@check("installed-apps")
def installed_apps(ctx: Context) -> Iterator[Hit]:
    """Installed-app list reads (one finding per collector), and QUERY_ALL_PACKAGES as declared evidence.

    Only calls that return a list count: a lookup of one package or one intent is a probe (``ApiCall.effect``),
    and the clauses on sharing the app list need the list."""
    calls = [c for c in personal_calls(ctx) if c.data_type == "installed-apps"]
    declared = any(p.name == "android.permission.QUERY_ALL_PACKAGES" for p in ctx.facts.manifest.permissions)
    perm = (Evidence("permission", "android.permission.QUERY_ALL_PACKAGES"),) if declared else ()
    groups = _by_collector(calls)
    for (_, sdk), group in sorted(groups.items(), key=lambda kv: kv[0][1] or ""):
        values = _values(ctx, ["installed-apps"], sdk)
        yield Hit(f"installed-apps|{sdk or 'app'}", perm + call_evidence(group), values, sdk, ("installed-apps",),
                  evidence_level=_level(group))
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
                      evidence_level=_level(calls))
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
    for (data_type, sdk), calls in sorted(_by_collector(early).items(), key=lambda kv: (kv[0][0],
                                                                                         kv[0][1] or "")):
        first = min(calls, key=lambda c: (len(c.reach.path), c.caller))  # type: ignore[union-attr]
        assert first.reach is not None
        entry_zh, entry_en = entry_description(first.reach)
        values = {**_values(ctx, [data_type], sdk), "entry_desc": entry_zh, "entry_desc_en": entry_en}
        extra = ("C191-5.1", "M337-3", "TC260S-2") if sdk else ()
        yield Hit(f"startup|{data_type}|{sdk or 'app'}", path_evidence(first.reach) + call_evidence(calls),
                  values, sdk, (data_type,), extra)


@check("background-collection")
def background_collection(ctx: Context) -> Iterator[Hit]:
    """Collection reachable from receivers, services, jobs, workers and timers (needs the call graph)."""
    late = [c for c in personal_calls(ctx) if c.reach and c.reach.background]
    for (data_type, sdk), calls in sorted(_by_collector(late).items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        first = min(calls, key=lambda c: (len(c.reach.path), c.caller))  # type: ignore[union-attr]
        assert first.reach is not None
        entry_zh, entry_en = entry_description(first.reach)
        values = {**_values(ctx, [data_type], sdk), "entry_desc": entry_zh, "entry_desc_en": entry_en}
        yield Hit(f"background|{data_type}|{sdk or 'app'}", path_evidence(first.reach) + call_evidence(calls),
                  values, sdk, (data_type,))


@check("sdk-startup-init")
def sdk_startup_init(ctx: Context) -> Iterator[Hit]:
    """SDK initialisation calls that run at start-up before consent (needs the call graph)."""
    seen: set[str] = set()
    present = {d.id for d in ctx.sdks}  # SDKs sharing an init API (Umeng's products) count only when embedded
    for sdk_id, callee, reach in sorted(ctx.startup.sdk_inits, key=lambda t: (t[0], len(t[2].path))):
        if sdk_id in seen or sdk_id not in present or not reach.startup_reachable or reach.consent_gated:
            continue
        seen.add(sdk_id)
        sdk = ctx.ruleset.sdk(sdk_id)
        entry_zh, entry_en = entry_description(reach)
        values = {"sdk": sdk.name_zh or sdk.name, "sdk_en": sdk.name, "entry_desc": entry_zh,
                  "entry_desc_en": entry_en}
        yield Hit(f"sdk-init|{sdk_id}", path_evidence(reach) + (Evidence("call", callee, reach.path[-1]
                                                                          if reach.path else None),),
                  values, sdk_id)
