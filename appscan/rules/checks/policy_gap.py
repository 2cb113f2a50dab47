"""Checks that hold the code against the privacy policy: what the code collects and embeds, what the policy says.

They fire only when a policy was read (given with the scan or found in the APK): without one, POL-001 says so.
A data type is compared when the code collects it (``ApiCall.collects``) and it is personal data above the low
tier (network state and crash logs are not items a policy lists). A declaration covers a collected type when it
names the type, or a type that covers it (a cell-tower location is a location); a generic word (设备信息 for
device identifiers) covers it only vaguely, which is a finding of its
own, low and for a person to judge. Every finding carries both sides: the call sites, and the policy's words.
Which declarations cover which types is vocabulary: ``covers`` and ``covers_generically`` in policy_terms.yaml.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from appscan.model import ApiCall, Evidence, SdkDetection
from appscan.policy.document import PolicyDocument, SdkMention
from appscan.rules.checks.privacy import call_evidence, personal_calls
from appscan.rules.engine import Context, Hit, check
from appscan.rules.policy_match import compared, coverage, listable, naming
from appscan.rules.severity import owner_of

__all__: list[str] = []

MAX_QUOTED = 3
"""Policy sentences quoted per finding."""


def _compared_calls(ctx: Context) -> dict[str, list[ApiCall]]:
    """Collecting calls by data type, for the types a policy must list."""
    out: dict[str, list[ApiCall]] = defaultdict(list)
    for call in personal_calls(ctx):
        if compared(ctx.ruleset.data_type(call.data_type)):
            out[call.data_type].append(call)
    return dict(sorted(out.items()))


def _coverage(ctx: Context, data_type: str, declared: frozenset[str]) -> str:
    """``coverage`` with the scan's vocabulary."""
    return coverage(ctx.ruleset.policy, data_type, declared)


def _declared(policies: Iterable[PolicyDocument]) -> frozenset[str]:
    return frozenset(t for p in policies for t in p.declared_types)


def _policy_evidence(policies: Iterable[PolicyDocument], note: str) -> tuple[Evidence, ...]:
    """What the policies were and what they say on the point: one line per policy."""
    return tuple(Evidence("policy", note, p.source) for p in policies)


def _quotes(policies: Iterable[PolicyDocument], data_types: Iterable[str], denied: bool = False
            ) -> tuple[Evidence, ...]:
    """The policy sentences that declare (or deny) the given types, a few per finding."""
    wanted = set(data_types)
    out = []
    for p in policies:
        for entry in (p.denied if denied else p.declared):
            if entry.data_type in wanted:
                out.append(Evidence("policy-sentence", entry.sentence, p.source))
    return tuple(dict.fromkeys(out))[:MAX_QUOTED]


def _collectors(ctx: Context, calls: Iterable[ApiCall]) -> tuple[str, str]:
    """(zh, en) of who collects: each distinct owner of the calls, named as findings name collectors."""
    owners = dict.fromkeys((owner_of(c), c.owner, c.sdk) for c in calls)
    labels = [ctx.sdk_label(sdk, kind, owner) for kind, owner, sdk in owners]
    return "、".join(zh for zh, _ in labels), ", ".join(en for _, en in labels)


def _values(ctx: Context, data_types: Iterable[str], **extra: str) -> dict[str, str]:
    data_zh, data_en = ctx.data_label(data_types)
    return {"data": data_zh, "data_en": data_en, **extra}


def _gaps(ctx: Context, wanted: str) -> Iterator[tuple[str, list[ApiCall], frozenset[str], tuple[str, str]]]:
    """(data type, its calls, the declared types, the collectors' names) for each compared type the policies
    neither deny nor cover better than ``wanted`` (``coverage``: ``none`` or ``generic``); none without a policy."""
    if not ctx.policies:
        return
    declared = _declared(ctx.policies)
    denied = frozenset(t for p in ctx.policies for t in p.denied_types)
    for data_type, calls in _compared_calls(ctx).items():
        if data_type not in denied and _coverage(ctx, data_type, declared) == wanted:
            yield data_type, calls, declared, _collectors(ctx, calls)


@check("policy-undeclared-collection")
def undeclared_collection(ctx: Context) -> Iterator[Hit]:
    """A data type the code collects that no policy declares (nor denies: that is ``policy-contradiction``)."""
    for data_type, calls, declared, (who_zh, who_en) in _gaps(ctx, "none"):
        sdks = tuple(sorted({c.sdk for c in calls if c.sdk}))
        note = f"declares {len(declared)} data types; none of them is {data_type}"
        yield Hit(data_type, (*call_evidence(calls), *_policy_evidence(ctx.policies, note)),
                  _values(ctx, [data_type], collector=who_zh, collector_en=who_en),
                  sdk=sdks[0] if len(sdks) == 1 else None, data_types=(data_type,),
                  clauses=("M164-1.S6",) if sdks else ())


@check("policy-generic-declaration")
def generic_declaration(ctx: Context) -> Iterator[Hit]:
    """A collected type the policies cover only with a generic word (设备信息 for the IMEI): item by item listing
    is what 191号 2.1 asks, but whether the policy's wording is specific enough is a person's call."""
    for data_type, calls, declared, (who_zh, who_en) in _gaps(ctx, "generic"):
        generic = sorted(w for w in declared if data_type in ctx.ruleset.policy.covers_generically.get(w, ()))
        yield Hit(data_type, (*call_evidence(calls), *_quotes(ctx.policies, generic)),
                  _values(ctx, [data_type], collector=who_zh, collector_en=who_en,
                          generic=ctx.data_label(generic)[0], generic_en=ctx.data_label(generic)[1]),
                  data_types=(data_type,), manual_check=True)


@check("policy-contradiction")
def contradiction(ctx: Context) -> Iterator[Hit]:
    """A data type a policy says is not collected, which the code collects."""
    if not ctx.policies:
        return
    denied = frozenset(t for p in ctx.policies for t in p.denied_types)
    for data_type, calls in _compared_calls(ctx).items():
        if data_type not in denied:
            continue
        who_zh, who_en = _collectors(ctx, calls)
        yield Hit(data_type, (*call_evidence(calls), *_quotes(ctx.policies, [data_type], denied=True)),
                  _values(ctx, [data_type], collector=who_zh, collector_en=who_en), data_types=(data_type,))


def _mentions(policies: Iterable[PolicyDocument]) -> list[SdkMention]:
    return [m for p in policies for m in p.sdks]


def _named(ctx: Context, sdk: SdkDetection, mentions: list[SdkMention]) -> list[SdkMention]:
    """``naming`` with the scan's catalogue."""
    return naming(ctx.ruleset, sdk.id, mentions)


def _personal_sdks(ctx: Context) -> Iterator[tuple[SdkDetection, list[ApiCall]]]:
    """The SDKs a policy's SDK list must name (``listable``), with their personal-data calls."""
    calls = defaultdict(list)
    for call in personal_calls(ctx):
        if call.sdk:
            calls[call.sdk].append(call)
    for sdk in ctx.sdks:
        if listable(sdk, ctx.ruleset.sdk(sdk.id), bool(calls.get(sdk.id))):
            yield sdk, calls.get(sdk.id, [])


@check("policy-sdk-not-listed")
def sdk_not_listed(ctx: Context) -> Iterator[Hit]:
    """An embedded SDK that processes personal data and that no policy names (164号's third-party SDK list)."""
    if not ctx.policies:
        return
    mentions = _mentions(ctx.policies)
    for sdk, calls in _personal_sdks(ctx):
        if _named(ctx, sdk, mentions):
            continue
        who_zh, who_en = ctx.sdk_label(sdk.id)
        note = f"names {len(mentions)} SDKs; not {sdk.name}"
        yield Hit(sdk.id, (*sdk.evidence[:3], *call_evidence(calls), *_policy_evidence(ctx.policies, note)),
                  {"collector": who_zh, "collector_en": who_en}, sdk=sdk.id,
                  data_types=tuple(sorted({c.data_type for c in calls})))


@check("policy-sdk-beyond-list")
def sdk_beyond_list(ctx: Context) -> Iterator[Hit]:
    """An SDK the policy lists with its data types, whose own code collects types beyond them."""
    if not ctx.policies:
        return
    mentions = _mentions(ctx.policies)
    for sdk, calls in _personal_sdks(ctx):
        named = [m for m in _named(ctx, sdk, mentions) if m.data_types]
        if not named or not calls:
            continue
        listed = frozenset(t for m in named for t in m.data_types)
        extra = sorted({c.data_type for c in calls if compared(ctx.ruleset.data_type(c.data_type))
                        and _coverage(ctx, c.data_type, listed) == "none"})
        if not extra:
            continue
        who_zh, who_en = ctx.sdk_label(sdk.id)
        listed_zh, listed_en = ctx.data_label(sorted(listed))
        row = Evidence("policy-sdk", f"{named[0].name}: {', '.join(sorted(listed))}", None)
        yield Hit(sdk.id, (*call_evidence(c for c in calls if c.data_type in extra), row),
                  _values(ctx, extra, collector=who_zh, collector_en=who_en, listed=listed_zh, listed_en=listed_en),
                  sdk=sdk.id, data_types=tuple(extra))


@check("policy-section-missing")
def section_missing(ctx: Context) -> Iterator[Hit]:
    """A required section no policy has (rule param ``section``: minors, updated, cross_border). A missing
    cross-border section matters only when the app talks to hosts outside mainland China."""
    if not ctx.policies:
        return
    assert ctx.rule is not None
    section = ctx.rule.params["section"]
    if any(p.sections.to_json().get(section) for p in ctx.policies):
        return
    evidence = list(section_absent(ctx, section))
    if section == "cross_border":
        abroad = [e for e in ctx.endpoints if e.region == "outside-cn"]
        if not abroad:
            return
        evidence.extend(Evidence("endpoint", e.host, e.operator) for e in abroad[:3])
    yield Hit(section, tuple(evidence))


def section_absent(ctx: Context, section: str) -> tuple[Evidence, ...]:
    """Evidence that the policies read for this scan lack ``section``: one line per policy (none without one)."""
    return _policy_evidence(ctx.policies, f"no {section.replace('_', '-')} section found")


def section_present(ctx: Context, section: str) -> Evidence | None:
    """Evidence that a policy read for this scan has ``section`` (for the app-text checks, which then stay quiet),
    None when none has it or no policy was read."""
    for p in ctx.policies:
        if p.sections.to_json().get(section):
            return Evidence("policy", f"{section.replace('_', '-')} section", p.source)
    return None

