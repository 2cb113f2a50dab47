"""The severity table (appscan/rules/severity.py) and the privacy checks that follow it: on hand-made calls for
each axis, and on the planted paths of samples/reachability.apk, whose truth is in samples/expected."""

from __future__ import annotations

import dataclasses
from collections import Counter

from appscan.apk import extract_facts
from appscan.model import ApiCall, ApkFacts, Finding, Reach
from appscan.rules.catalog import DataType
from appscan.rules.engine import evaluate
from appscan.rules.loader import load_rulesets
from appscan.rules.sdk_match import Attribution
from appscan.rules.severity import SEVERITIES, TABLE, TIERS, TIMINGS, call_severity, rate, tier_of, timing_of
from appscan.rules.startup import graph_reach
from appscan.rules.verdict import is_decisive
from tests.conftest import REPO_ROOT

RULESET = load_rulesets()
STARTUP = Reach(True, False, False, "La/App;->onCreate()V", "application", ("La/App;->onCreate()V", "La/B;->c()V"))


def call(data_type: str, reach: Reach | None = STARTUP, owner_kind: str = "app", owner: str | None = None) -> ApiCall:
    sdk = owner if owner_kind == "sdk" else None
    return ApiCall("x", "Landroid/X;->y()V", data_type, "La/B;->c()V", sdk, None, reach, owner_kind=owner_kind,
                   owner=owner)


def dtype(data_type: str) -> DataType:
    return RULESET.data_type(data_type)


def test_table_is_complete_and_ordered() -> None:
    assert set(TABLE) == set(TIERS) and all(set(row) == set(TIMINGS) for row in TABLE.values())
    for timing in TIMINGS:  # a more sensitive tier is never rated below a less sensitive one
        ranks = [SEVERITIES.index(TABLE[tier][timing]) for tier in TIERS]
        assert ranks == sorted(ranks), timing
    assert [tier for tier in TIERS if TABLE[tier]["before-consent"] == "high"] == ["sensitive", "identifier"]
    assert not [t for t in TIMINGS if t != "before-consent" and "high" in (TABLE[r][t] for r in TIERS)]


def test_tiers_of_the_ruleset_data_types() -> None:
    assert tier_of(dtype("location")) == tier_of(dtype("contacts")) == "sensitive"
    assert tier_of(dtype("imei")) == tier_of(dtype("installed-apps")) == "identifier"
    assert tier_of(dtype("device-info")) == tier_of(dtype("oaid")) == "ordinary"
    assert tier_of(dtype("network-state")) == "low"
    assert tier_of(dtype("reflection")) is None  # capabilities are not rated
    assert all(tier_of(d) for d in RULESET.of_kind("data-type").values() if d.personal)


def test_each_axis() -> None:
    assert timing_of(None) == "user-initiated"
    assert timing_of(STARTUP) == "before-consent"
    assert timing_of(dataclasses.replace(STARTUP, consent_gated=True)) == "startup"
    assert timing_of(Reach(False, False, True, None, "receiver", ())) == "background"
    assert rate("identifier", "app", "before-consent") == "high"
    assert rate("identifier", "sdk", "before-consent") == rate("identifier", "unidentified", "before-consent") == "high"
    assert rate("identifier", "library", "before-consent") == "medium"  # a library alone is never high
    assert rate("identifier", "app", "before-consent", "possible") == "medium"  # the path may not exist
    assert rate("low", "app", "before-consent") == "low"  # network state before consent stays low
    assert rate("low", "library", "user-initiated") == "info"


def test_call_severity_per_rule() -> None:
    imei = call("imei")
    assert call_severity(imei, dtype("imei"), "before-consent") == "high"  # PI-003
    assert call_severity(imei, dtype("imei")) == "medium"  # PI-001 rates it as a start-up read
    assert call_severity(call("imei", None), dtype("imei")) == "low"  # only on the user's action
    assert call_severity(call("network-state"), dtype("network-state"), "before-consent") == "low"
    assert call_severity(call("location", owner_kind="library", owner="androidx"), dtype("location"),
                         "before-consent") == "medium"
    possible = call("imei", dataclasses.replace(STARTUP, evidence="possible"))
    assert call_severity(possible, dtype("imei"), "before-consent") == "medium"
    assert call_severity(call("reflection"), dtype("reflection")) is None


def _scan(facts: ApkFacts, possible: bool = False) -> tuple[Finding, ...]:
    """The engine on real facts; ``possible`` turns every path into one with an unresolved dispatch step."""
    hook = graph_reach(RULESET)

    def reach(f: ApkFacts, calls: tuple[ApiCall, ...], attribution: Attribution):  # noqa: ANN202 - the hook's type
        reached, startup = hook(f, calls, attribution)
        if not possible:
            return reached, startup
        weak = {c: dataclasses.replace(c, reach=dataclasses.replace(c.reach, evidence="possible")) for c in reached
                if c.reach is not None}
        inits = tuple((s, callee, dataclasses.replace(r, evidence="possible")) for s, callee, r in startup.sdk_inits)
        return tuple(weak.get(c, c) for c in reached), dataclasses.replace(startup, sdk_inits=inits)
    return evaluate(facts, RULESET, reach=reach).findings


def test_planted_sample_follows_the_table() -> None:
    facts = extract_facts(REPO_ROOT / "samples" / "reachability.apk")
    findings = _scan(facts)
    before = {f.data_types[0]: f.severity for f in findings if f.rule == "PI-003"}
    assert before["imei"] == before["android-id"] == before["phone-number"] == "high"
    assert before["clipboard"] == "medium"  # ordinary data before consent
    # MacReader takes getConnectionInfo() only for the MAC address: an identifier, not the Wi-Fi network.
    assert "wifi" not in before and before["mac"] == "high"
    assert {f.severity for f in findings if f.rule == "PI-004"} == {"medium"}  # background never alone high
    assert {f.severity for f in findings if f.rule == "PI-001" and f.data_types == ("location",)} == {"medium"}
    assert [f.severity for f in findings if f.rule == "SDK-002"] == ["high", "high"]

    weak = _scan(facts, possible=True)
    assert not [f for f in weak if f.rule in ("PI-003", "PI-004", "SDK-002") and f.severity == "high"]
    assert not [f for f in weak if is_decisive(f) and f.rule.startswith(("PI-", "SDK-"))]


def test_one_finding_per_collector_data_type_and_rule() -> None:
    """Less noise: every rule groups its call sites, components or requests by collector (and data type)."""
    for name in ("sdks.apk", "reachability.apk", "components.apk", "legacy.apk"):
        findings = _scan(extract_facts(REPO_ROOT / "samples" / name))

        def key(f: Finding) -> tuple[object, ...]:
            subject = f.evidence[0].value if f.rule.startswith("PERM-00") and f.rule != "PERM-005" else None
            kind = f.evidence[0].location if f.rule == "SEC-005" else None
            return f.rule, f.sdk, f.data_types, subject, kind, f.title.en if f.rule.startswith("PI-") else None
        repeated = [k for k, n in Counter(map(key, findings)).items() if n > 1]
        assert repeated == [], (name, repeated)
    components = _scan(extract_facts(REPO_ROOT / "samples" / "components.apk"))
    exported = [f for f in components if f.rule == "SEC-005"]
    assert len(exported) < sum(len(f.evidence) for f in exported)  # several components in one finding
