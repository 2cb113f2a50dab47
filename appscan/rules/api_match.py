"""Catalogue call sites: call sites, static field reads and reflective uses matched against the sensitive-API
catalogue, each attributed to the app or to the SDK whose code makes it, with the effect it really has.

Matching is indexed by ``Lcls;->name`` so a 300k-call-site app is matched in one pass. Match conditions are checked
against the calling method: ``string_any`` against its string constants, which is how a static scanner tells
``Settings$Secure.getString(cr, "android_id")`` from any other setting, and ``calls_any`` against its calls. Each
match then gets its effect (collection, behaviour, own-app, probe, inert...) from ``appscan.rules.api_effects``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from appscan.model import ApiCall, ApkFacts
from appscan.rules.api_effects import EffectJudge, MethodIndex
from appscan.rules.catalog import DormantCode, SensitiveApi
from appscan.rules.sdk_match import Attribution

__all__ = ["ApiIndex", "find_api_calls"]


def _key(member: str) -> str:
    """``Lcls;->name(...)...`` or ``Lcls;->NAME:Type`` -> ``Lcls;->name``: the index key."""
    for sep in ("(", ":"):
        cut = member.find(sep, member.find(";->"))
        if cut != -1:
            return member[:cut]
    return member


def _signature_matches(pattern: str, member: str) -> bool:
    """A full signature matches exactly; ``Lcls;->name(`` or ``Lcls;->name`` match every overload."""
    if pattern.endswith("(") or "(" not in pattern:
        return True
    return member == pattern


def _strings_match(needles: tuple[str, ...], strings: tuple[str, ...]) -> bool:
    """True when no condition is set, or one needle occurs in one of the method's string constants."""
    return not needles or any(n in s for n in needles for s in strings)


def _calls_match(prefixes: tuple[str, ...], caller: str, methods: MethodIndex) -> bool:
    """True when no condition is set, or the calling method also calls one of ``prefixes``."""
    return not prefixes or any(c.startswith(prefixes) for c in methods.callees(caller))


class ApiIndex:
    """The catalogue indexed for one-pass matching of call sites, field reads and reflection strings."""

    def __init__(self, apis: Iterable[SensitiveApi]) -> None:
        self.calls: dict[str, list[SensitiveApi]] = defaultdict(list)
        self.fields: dict[str, list[SensitiveApi]] = defaultdict(list)
        self.reflective: list[tuple[SensitiveApi, str, str, tuple[str, ...]]] = []
        for api in apis:
            (self.fields if api.kind == "field" else self.calls)[_key(api.callee)].append(api)
            for ref in api.reflection:
                self.reflective.append((api, ref.class_name, ref.member, ref.string_any))

    def match_call(self, callee: str, strings: tuple[str, ...]) -> list[SensitiveApi]:
        """Catalogue entries a call to ``callee`` matches, given the caller's string constants."""
        return [api for api in self.calls.get(_key(callee), ())
                if _signature_matches(api.callee, callee) and _strings_match(api.string_any, strings)]


def find_api_calls(facts: ApkFacts, apis: Iterable[SensitiveApi], attribution: Attribution,
                   dormant: Iterable[DormantCode] = ()) -> tuple[ApiCall, ...]:
    """Every catalogue call site, field read and reflective use, one ``ApiCall`` per (site, catalogue entry), each
    with its effect; a collecting call from library code the app never switches on (``dormant``) is inert."""
    index = ApiIndex(apis)
    methods = MethodIndex(facts)
    judge = EffectJudge(facts, methods, dormant)
    strings = facts.code.strings
    matched: dict[tuple[str, str, str], tuple[SensitiveApi, bool]] = {}
    no_strings: tuple[str, ...] = ()

    def add(api: SensitiveApi, callee: str, caller: str, reflective: bool = False) -> None:
        """One match per (entry, caller, callee): a method calling an API twice is judged once, on both calls."""
        key = (api.id, caller, callee)
        if key not in matched and _calls_match(api.calls_any, caller, methods):
            matched[key] = (api, reflective)

    # A content URI is as often a framework constant (ContactsContract$Contacts.CONTENT_URI) as a string: the
    # static fields a method reads count among its strings for ``string_any``.
    reads: dict[str, list[str]] = {}
    for r in facts.code.field_reads:
        reads.setdefault(r.caller, []).append(r.callee)
    read = {caller: tuple(fields) for caller, fields in reads.items()}
    calls = index.calls
    for caller, callee, _ in facts.code.call_sites:
        if callee.partition("(")[0] not in calls:  # _key of a method, inlined: this loop sees every call site
            continue
        for api in index.match_call(callee, strings.get(caller, no_strings) + read.get(caller, no_strings)):
            add(api, callee, caller)
    for read in facts.code.field_reads:
        for api in index.fields.get(_key(read.callee), ()):
            if _strings_match(api.string_any, strings.get(read.caller, no_strings)):
                add(api, read.callee, read.caller)
    if index.reflective:
        for caller in _reflective_callers(facts):
            consts = strings.get(caller, no_strings)
            for api, class_name, member, needles in index.reflective:
                if class_name in consts and member in consts and _strings_match(needles, consts):
                    add(api, f"{class_name}#{member} (reflection)", caller, reflective=True)
    methods.prefetch(caller for (_, caller, _), (api, _) in matched.items() if api.role == "collection")
    found = []
    for (_, caller, callee), (api, reflective) in matched.items():
        effect = judge.judge(api, caller, callee, reflective)
        found.append(ApiCall(api.id, callee, api.data_type, caller, attribution.of(caller), api.permission,
                             effect=effect.name, effect_reason=effect.reason))
    return tuple(sorted(found, key=lambda c: (c.data_type, c.api_id, c.caller, c.api)))


def _reflective_callers(facts: ApkFacts) -> set[str]:
    """Methods whose string constants include a reflection string (a class or member name)."""
    names = set(facts.code.reflection)
    if not names:
        return set()
    return {caller for caller, consts in facts.code.strings.items() if names.intersection(consts)}
