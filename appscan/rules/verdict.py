"""The verdict of a scan: one level decided by the first of four ordered rules, with the findings that drove it.

The verdict is judgement, so it is made here, once, by the engine; the JSON document, every report, the store,
``appscan db list``, ``appscan batch`` and the upload service all show this value and never recompute it.

The rules, first match wins (docs/reports.md prints them):

1. ``decisive-finding`` -> **high-risk** (高风险): a high-severity finding whose evidence is code that runs:
   evidence level ``called`` or ``reachable``, not a suspicion left to a person (``manual_check``). Severity
   follows ``appscan.rules.severity``, so this means definite collection of sensitive data or of an identifier
   before consent, an SDK initialised before consent, or code injected in front of the zip (Janus). What was
   analysed is enough to decide it, so it stands even when other code could not be analysed.
2. ``code-not-analysed`` -> **undetermined** (不能判定，需人工复核): some code could not be analysed (an unreadable
   dex, a dex left out by the time limit, a packer's stub in place of the code, a packer SDK, dex files defining
   no class or not the launcher activity, or no dex at all in an app whose manifest names its own classes).
   Absence of findings then proves nothing: never "pass".
3. ``high-or-medium-finding`` -> **rectify** (需整改): any other high or medium finding.
4. ``nothing-above-low`` -> **pass** (通过).

``scan-failed`` (undetermined) is the verdict the store records for a scan that produced no result at all.
Each rule only asks whether something exists, so adding a finding can never improve a verdict.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from appscan.model import DUMP_HEADER_NOTE, DUMP_PREFIX, PREPENDED_DEX, ApkFacts, Finding, SdkDetection, Text, Verdict

__all__ = ["DECISIVE_LEVELS", "LABELS", "LEVELS", "RULES", "SCAN_FAILED", "TOP", "decide", "failed_verdict",
           "is_decisive", "rank", "top_findings", "unanalysed_code"]

LEVELS = ("high-risk", "undetermined", "rectify", "pass")
"""Worst first: the order lists of scans sort by."""
LABELS: dict[str, Text] = {
    "high-risk": Text("高风险", "High risk"),
    "undetermined": Text("不能判定，需人工复核", "Undetermined: needs manual review"),
    "rectify": Text("需整改", "Needs rectification"),
    "pass": Text("通过", "Pass"),
}
RULES: dict[str, tuple[str, Text]] = {
    "decisive-finding": ("high-risk", Text(
        "有 {count} 项高危问题由实际运行的代码证实（已调用或启动可达）",
        "{count} high-severity finding(s) backed by code that runs (called or reachable)")),
    "code-not-analysed": ("undetermined", Text(
        "部分代码未能分析（{items}），无法据静态结果判定通过",
        "Part of the code could not be analysed ({items}), so the static result cannot clear the app")),
    "high-or-medium-finding": ("rectify", Text(
        "有 {count} 项高危或中危问题，均无运行代码证实的高危问题",
        "{count} high- or medium-severity finding(s), none of them a high finding backed by running code")),
    "nothing-above-low": ("pass", Text("没有中危及以上的问题", "No finding of medium severity or above")),
    "scan-failed": ("undetermined", Text("扫描失败，没有结果：{error}", "The scan failed and produced no result: {error}")),
}
"""Verdict rule id -> (level, reason template)."""
SCAN_FAILED = "scan-failed"
DECISIVE_LEVELS = frozenset({"called", "reachable"})
"""Evidence levels that show the code really runs the behaviour (not merely ships or declares it)."""
TOP = 10
"""Findings in a report's top summary."""

_SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2, "info": 3}
_LEVEL_RANK = {"reachable": 0, "called": 1, "declared": 2, "present": 3}
_FRAMEWORK = ("android.",)


def is_decisive(finding: Finding) -> bool:
    """A high finding backed by code that runs, and not left to a person to confirm."""
    return finding.severity == "high" and finding.evidence_level in DECISIVE_LEVELS and not finding.manual_check


def rank(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in order of importance: decisive first, then by severity, then by how directly the evidence shows
    the behaviour (reachable, called, declared, present), suspicions a person must confirm last, then rule and id
    (so the order is the same on every run)."""
    return sorted(findings, key=lambda f: (not is_decisive(f), _SEVERITY_RANK.get(f.severity, 9),
                                           _LEVEL_RANK.get(f.evidence_level, 9), f.manual_check, f.rule, f.id))


def top_findings(findings: Iterable[Finding], count: int = TOP) -> list[Finding]:
    """The ``count`` findings that matter most (``rank`` order), leaving out info-level notes."""
    return [f for f in rank(findings) if f.severity != "info"][:count]


def _is_dex(item: str) -> bool:
    return item == PREPENDED_DEX or item.endswith(".dex") or item.startswith(DUMP_PREFIX)


def _names_own_classes(facts: ApkFacts) -> bool:
    """The manifest names classes that must come from the APK's own dex (not framework classes such as
    ``android.app.NativeActivity``, which a pure native app uses)."""
    names = [facts.app.application_class] + [c.target_activity or c.name for c in facts.manifest.components]
    return any(n and not n.startswith(_FRAMEWORK) for n in names)


def unanalysed_code(facts: ApkFacts, sdks: Sequence[SdkDetection]) -> tuple[str, ...]:
    """What code the scan could not analyse: unreadable or skipped dex files, packed code (a packer's stub, a
    packer SDK, dex files that define no class at all, a launcher activity no dex defines), or missing dex files in
    an app that has code of its own. Empty when all of the app's code was read."""
    out = [i.item for i in facts.incomplete if _is_dex(i.item) and not i.reason.startswith(DUMP_HEADER_NOTE)]
    own = _names_own_classes(facts)
    if any(i.item == "code" for i in facts.incomplete) and (facts.code.dex or out or own):
        out.append("code")
    if facts.code.dex and own and not sum(d.classes for d in facts.code.dex):
        out.append("code (the dex files define no class)")
    launcher = facts.app.launcher_activity
    if facts.code.classes and launcher and not launcher.startswith(_FRAMEWORK):
        descriptor = "L" + launcher.replace(".", "/") + ";"
        if not any(c.name == descriptor for c in facts.code.classes):
            out.append(f"code (no dex defines the launcher activity {launcher})")
    dumped = sum(d.classes for d in facts.code.dex if (d.container or "").startswith(DUMP_PREFIX))
    # Dumped code is analysed, but a dump holds what the app had loaded when it was taken: the packer stays listed.
    out.extend(f"packer {d.name}" + (f" (dumped code analysed: {dumped} classes; a dump may miss code loaded later)"
                                     if dumped else "") for d in sdks if d.category == "packer")
    return tuple(dict.fromkeys(out))


def _verdict(rule: str, findings: Sequence[Finding], unanalysed: tuple[str, ...], **values: str) -> Verdict:
    level, reason = RULES[rule]
    return Verdict(level, LABELS[level], rule, Text(reason.zh.format(**values), reason.en.format(**values)),
                   tuple(f.id for f in rank(findings)), unanalysed)


def decide(facts: ApkFacts, sdks: Sequence[SdkDetection], findings: Sequence[Finding]) -> Verdict:
    """The verdict of one scan by the first rule that applies (module docstring)."""
    unanalysed = unanalysed_code(facts, sdks)
    decisive = [f for f in findings if is_decisive(f)]
    if decisive:
        return _verdict("decisive-finding", decisive, unanalysed, count=str(len(decisive)))
    if unanalysed:
        packed = [f for f in findings if f.rule.startswith("PACK-")]
        return _verdict("code-not-analysed", packed, unanalysed, items=", ".join(unanalysed))
    gaps = [f for f in findings if f.severity in ("high", "medium")]
    if gaps:
        return _verdict("high-or-medium-finding", gaps, unanalysed, count=str(len(gaps)))
    return _verdict("nothing-above-low", (), unanalysed)


def failed_verdict(error: str) -> Verdict:
    """The verdict of a scan that produced no result (an unreadable file, a process stopped by a limit)."""
    return _verdict(SCAN_FAILED, (), (), error=error)
