"""The verdict rules (appscan/rules/verdict.py) on hand-made findings, on the samples, on APKs derived from them
(an unreadable only dex, a dex prepended to the zip) and on real corpus APKs (Janus, zip padding, the AOSP test
key)."""

from __future__ import annotations

import dataclasses
import itertools
import zipfile
from pathlib import Path

import pytest

from appscan.apk.archive import open_input
from appscan.model import PREPENDED_DEX, ApkFacts, Evidence, Finding, Incomplete, ScanResult, Text
from appscan.rules.verdict import LABELS, LEVELS, decide, is_decisive, rank, top_findings, unanalysed_code
from appscan.scan import scan_file
from tests.conftest import REPO_ROOT, corpus_path

SAMPLES = REPO_ROOT / "samples"
SEVERITIES = ("high", "medium", "low", "info")
EVIDENCE = ("present", "declared", "called", "reachable")


def finding(fid: str, severity: str = "medium", level: str = "called", manual: bool = False,
            rule: str = "PI-001") -> Finding:
    return Finding(fid, rule, ("C191-2.1",), severity, level, Text(fid, fid), (Evidence("call", "x", "y"),),
                   Text("-", "-"), manual_check=manual)


ALL = [finding(f"{s}-{lv}-{m}", s, lv, m) for s, lv, m in itertools.product(SEVERITIES, EVIDENCE, (False, True))]


@pytest.fixture(scope="module")
def clean() -> ScanResult:
    return scan_file(SAMPLES / "clean.apk")


def with_incomplete(facts: ApkFacts, *items: Incomplete) -> ApkFacts:
    return dataclasses.replace(facts, incomplete=(*facts.incomplete, *items))


def test_rules_in_order(clean: ScanResult) -> None:
    facts = clean.facts
    assert decide(facts, (), ()).level == "pass"
    assert decide(facts, (), [finding("a", "low"), finding("b", "info", "reachable")]).rule == "nothing-above-low"
    assert decide(facts, (), [finding("a", "medium", "present")]).level == "rectify"
    assert decide(facts, (), [finding("a", "high", "declared")]).level == "rectify"
    assert decide(facts, (), [finding("a", "high", "reachable", manual=True)]).level == "rectify"
    risky = decide(facts, (), [finding("m", "medium"), finding("h", "high", "called"), finding("r", "high", "reachable")])
    assert (risky.level, risky.rule, risky.findings) == ("high-risk", "decisive-finding", ("r", "h"))
    assert risky.label == LABELS["high-risk"] and "2" in risky.reason.en
    broken = with_incomplete(facts, Incomplete("classes2.dex", "dex skipped: bad magic"))
    undetermined = decide(broken, (), [finding("a", "medium")])
    assert (undetermined.level, undetermined.unanalysed) == ("undetermined", ("classes2.dex",))
    assert undetermined.label.zh == "不能判定，需人工复核"
    assert decide(broken, (), ()).level == "undetermined"  # no finding in unread code proves nothing
    still = decide(broken, (), [finding("r", "high", "reachable")])  # what was read already decides it
    assert (still.level, still.unanalysed) == ("high-risk", ("classes2.dex",))


def test_adding_a_finding_never_improves_the_verdict(clean: ScanResult) -> None:
    for facts in (clean.facts, with_incomplete(clean.facts, Incomplete("code", "packed"))):
        for size in range(3):
            for base in itertools.combinations(ALL, size):
                before = LEVELS.index(decide(facts, (), base).level)
                for extra in ALL:
                    assert LEVELS.index(decide(facts, (), [*base, extra]).level) <= before, (base, extra)


def test_what_counts_as_unanalysed_code(clean: ScanResult) -> None:
    facts = clean.facts
    assert unanalysed_code(facts, ()) == ()
    timed_out = with_incomplete(facts, Incomplete("split.apk!classes.dex", "time limit reached before this dex was read"))
    assert unanalysed_code(timed_out, ()) == ("split.apk!classes.dex",)
    no_dex = dataclasses.replace(facts, code=dataclasses.replace(facts.code, dex=()),
                                 incomplete=(Incomplete("code", "the APK holds no dex file"),))
    assert unanalysed_code(no_dex, ()) == ("code",)  # the manifest names com.example.clean.MainActivity
    native = dataclasses.replace(no_dex, manifest=dataclasses.replace(facts.manifest, components=tuple(
        dataclasses.replace(c, name="android.app.NativeActivity") for c in facts.manifest.components)))
    assert unanalysed_code(native, ()) == ()  # nothing of its own to analyse: a verdict can be given


def test_rank_and_top_summary() -> None:
    shuffled = list(reversed(ALL))
    ranked = rank(shuffled)
    assert ranked == rank(ALL) and is_decisive(ranked[0]) and ranked[0].evidence_level == "reachable"
    assert [f.severity for f in ranked if not is_decisive(f)] == sorted(
        (f.severity for f in ranked if not is_decisive(f)), key=SEVERITIES.index)
    manual = [i for i, f in enumerate(ranked) if f.severity == "high" and f.evidence_level == "present"]
    assert [ranked[i].manual_check for i in manual] == [False, True]
    top = top_findings(ALL)
    assert len(top) == 10 and all(f.severity != "info" for f in top) and top == ranked[:10]


def test_samples(clean: ScanResult) -> None:
    assert clean.verdict is not None and (clean.verdict.level, clean.verdict.rule) == ("pass", "nothing-above-low")
    packed = scan_file(SAMPLES / "packed.apk").verdict
    assert packed is not None and packed.level == "undetermined" and any("Jiagu" in u for u in packed.unanalysed)
    half = scan_file(SAMPLES / "bad" / "corrupt-dex.apk").verdict  # classes.dex garbage, classes2.dex fine
    assert half is not None and (half.level, half.unanalysed) == ("undetermined", ("classes.dex",))
    sdks = scan_file(SAMPLES / "sdks.apk")
    assert sdks.verdict is not None and sdks.verdict.level == "high-risk"
    assert set(sdks.verdict.findings) == {f.id for f in sdks.findings if is_decisive(f)}


@pytest.mark.parametrize(("filler", "unanalysed"), [(b"\xff", "classes.dex"),  # a dex header that does not parse
                                                     (b"\0", "code (the dex files define no class)")])  # parses empty
def test_only_dex_unreadable_is_never_a_pass(tmp_path: Path, filler: bytes, unanalysed: str) -> None:
    broken = tmp_path / "only-dex-unreadable.apk"
    with zipfile.ZipFile(SAMPLES / "clean.apk") as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, b"dex\n035\0" + filler * 200 if info.filename == "classes.dex" else data)
    result = scan_file(broken)
    assert not result.facts.code.classes
    assert result.verdict is not None and result.verdict.level == "undetermined"
    assert result.verdict.unanalysed == (unanalysed,)


def test_launcher_defined_in_no_dex_is_unanalysed(clean: ScanResult) -> None:
    facts = clean.facts
    moved = dataclasses.replace(facts, app=dataclasses.replace(facts.app, launcher_activity="com.example.Gone"))
    assert unanalysed_code(moved, ()) == ("code (no dex defines the launcher activity com.example.Gone)",)


def test_prepended_dex_is_analysed_and_high(tmp_path: Path) -> None:
    clean_apk = (SAMPLES / "clean.apk").read_bytes()
    with zipfile.ZipFile(SAMPLES / "clean.apk") as zf:
        dex = zf.read("classes.dex")
    janus = tmp_path / "janus.apk"
    janus.write_bytes(dex + clean_apk)
    result = scan_file(janus)
    assert [d.name for d in result.facts.code.dex] == [PREPENDED_DEX, "classes.dex"]
    assert not [i for i in result.facts.incomplete if "before the zip" in i.item]
    hits = [f for f in result.findings if f.rule == "SEC-008"]
    assert len(hits) == 1 and hits[0].severity == "high" and is_decisive(hits[0])
    assert result.verdict is not None and result.verdict.level == "high-risk" and hits[0].id in result.verdict.findings


def test_zip_structure_before_the_first_entry_is_not_janus(tmp_path: Path) -> None:
    clean_apk = (SAMPLES / "clean.apk").read_bytes()
    for name, front in (("padded.apk", b"\0" * 64), ("empty-header.apk", b"PK\x03\x04" + b"\0" * 128),
                        ("foreign.apk", b"MZ" + b"\x90" * 62)):
        path = tmp_path / name
        path.write_bytes(front + clean_apk)
        member = open_input(path).base
        assert member.prepended_dex() is None
        assert member.prepended_data() == (64 if name == "foreign.apk" else 0), name


def test_corpus_janus_apk() -> None:
    result = scan_file(corpus_path() / "fdroid__janus.apk")
    assert result.facts.code.dex[0].name == PREPENDED_DEX
    assert "Lcom/example/HelloWorldActivity;->onCreate(Landroid/os/Bundle;)V" in result.facts.code.strings
    assert [f.severity for f in result.findings if f.rule == "SEC-008"] == ["high"]
    assert result.verdict is not None and result.verdict.level == "high-risk"


def test_corpus_empty_local_header_is_not_janus() -> None:
    """uiautomator2's APK starts with a nameless, empty local header no central-directory entry points to (132
    bytes written for alignment): zip structure, not a payload."""
    result = scan_file(corpus_path() / "pypi__uiautomator2-3.7.1_app-uiautomator.apk")
    assert PREPENDED_DEX not in {d.name for d in result.facts.code.dex}
    assert not [i for i in result.facts.incomplete if "before the zip" in i.item]
    assert not [f for f in result.findings if f.rule == "SEC-008"]


def test_corpus_aosp_test_key_is_flagged_like_the_debug_key() -> None:
    result = scan_file(corpus_path() / "npm__appium-uiautomator2-server-debug-androidTest.apk")
    assert [c.aosp_test_key for c in result.facts.signing.certificates] == ["testkey"]
    signed = [f for f in result.findings if f.rule == "SEC-006"]
    assert len(signed) == 1 and signed[0].severity == "high" and "testkey" in signed[0].title.en
    debug = [f for f in scan_file(SAMPLES / "components.apk").findings if f.rule == "SEC-006"]
    # A debug key is generated on each developer's machine: a debug build, not a public key.
    assert len(debug) == 1 and "debug certificate" in debug[0].title.en and debug[0].severity == "medium"
