"""Checks on permissions: declared but unused, used only by SDKs, beyond the app type's necessary scope, and
requested at start-up."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from appscan.model import ApiCall, Evidence, Reach
from appscan.rules.checks.privacy import (
    call_evidence,
    capped,
    entry_description,
    path_evidence,
    personal_calls,
)
from appscan.rules.engine import Context, Hit, check


def _dangerous(ctx: Context) -> list[str]:
    """Declared permissions the platform grades dangerous, or the catalogue lists as dangerous/special."""
    names = []
    for p in ctx.facts.manifest.permissions:
        rule = ctx.ruleset.permission(p.name)
        if p.protection_level.split("|")[0] == "dangerous" or (rule is not None and rule.kind != "normal"):
            names.append(p.name)
    return sorted(set(names))


def _users(ctx: Context, permission: str) -> list[ApiCall]:
    """Call sites that use a permission: catalogue APIs needing it, or listed under it."""
    rule = ctx.ruleset.permission(permission)
    api_ids = set(rule.apis) if rule else set()
    return [c for c in ctx.api_calls if c.permission == permission or c.api_id in api_ids]


@check("permission-unused")
def permission_unused(ctx: Context) -> Iterator[Hit]:
    """Dangerous permissions whose known APIs no code calls (only where the catalogue knows the APIs)."""
    if any(i.item == "code" for i in ctx.facts.incomplete) or any(d.category == "packer" for d in ctx.sdks):
        return  # packed or missing code: absence of calls proves nothing
    for name in _dangerous(ctx):
        rule = ctx.ruleset.permission(name)
        if rule is None or not rule.apis or _users(ctx, name):
            continue
        yield Hit(f"unused|{name}", (Evidence("permission", name),), {"permission": name})


@check("permission-sdk-only")
def permission_sdk_only(ctx: Context) -> Iterator[Hit]:
    """Dangerous permissions used by SDK code and by no app code."""
    for name in _dangerous(ctx):
        users = _users(ctx, name)
        if users and all(c.sdk for c in users):
            sdks = sorted({c.sdk for c in users if c.sdk})
            names = ", ".join(ctx.ruleset.sdk(s).name for s in sdks)
            yield Hit(f"sdk-only|{name}", (Evidence("permission", name),) + call_evidence(users),
                      {"permission": name, "sdks": names}, sdks[0] if len(sdks) == 1 else None)


@check("permission-beyond-app-type")
def permission_beyond_app_type(ctx: Context) -> Iterator[Hit]:
    """With --app-type: dangerous permissions the type's basic function does not need."""
    app_type = ctx.app_type
    if app_type is None:
        return
    allowed = set(app_type.necessary_permissions)
    for name in _dangerous(ctx):
        if name not in allowed:
            yield Hit(f"beyond|{app_type.id}|{name}", (Evidence("permission", name),),
                      {"permission": name, "app_type": app_type.name.zh, "app_type_en": app_type.name.en},
                      clauses=(app_type.id,))


@check("data-beyond-app-type")
def data_beyond_app_type(ctx: Context) -> Iterator[Hit]:
    """With --app-type: collected data types outside the type's necessary personal information."""
    app_type = ctx.app_type
    if app_type is None:
        return
    allowed = set(app_type.necessary_data)
    personal = personal_calls(ctx)
    for data_type in sorted({c.data_type for c in personal} - allowed):
        calls = [c for c in personal if c.data_type == data_type]
        zh, en = ctx.data_label([data_type])
        yield Hit(f"beyond-data|{app_type.id}|{data_type}", call_evidence(calls),
                  {"data": zh, "data_en": en, "app_type": app_type.name.zh, "app_type_en": app_type.name.en},
                  data_types=(data_type,), clauses=(app_type.id,))


@check("permission-request-at-startup")
def permission_request_at_startup(ctx: Context) -> Iterator[Hit]:
    """requestPermissions calls reachable at start-up (needs the call graph): one finding per requesting code owner
    (the app or one SDK) with every requesting method, showing the shortest path (a definite one first)."""
    by_owner: dict[str, list[tuple[str, tuple[str, ...], Reach]]] = defaultdict(list)
    for caller, permissions, reach in ctx.startup.permission_requests:
        if reach.startup_reachable:
            by_owner[ctx.attribution.of(caller) or ""].append((caller, permissions, reach))
    for owner, requests in sorted(by_owner.items()):
        requests.sort(key=lambda r: (r[2].evidence != "definite", len(r[2].path), r[0]))
        reach = requests[0][2]
        zh, en = entry_description(reach)
        evidence = [Evidence("permission", p, caller) for caller, permissions, _ in requests for p in permissions]
        yield Hit(f"request|{owner or 'app'}", path_evidence(reach) + capped(evidence),
                  {"entry_desc": zh, "entry_desc_en": en}, owner or None)
