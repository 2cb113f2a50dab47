"""SARIF 2.1.0 for code-scanning dashboards (GitHub, GitLab, DefectDojo).

One rule entry per finding rule, carrying its clause ids and category as tags and the advice as help. Results
point at the APK file and name the class or method from the evidence as logical locations; their fingerprint is
the finding's stable id, so a dashboard tracks the same finding across builds.

GitHub refuses or truncates oversized uploads, so this writer caps what it emits: at most
``MAX_RESULTS_PER_RULE`` results per rule and ``MAX_LOCATIONS`` locations per result (the caps are documented in
docs/reports.md). Items that could not be analysed become tool execution notifications.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any, BinaryIO
from urllib.parse import quote

from appscan import __version__
from appscan.model import Evidence, Finding, ScanResult
from appscan.report.i18n import DEFAULT_LANG, pick
from appscan.report.views import is_security, result_verdict
from appscan.rules.catalog import Ruleset

__all__ = ["MAX_LOCATIONS", "MAX_RESULTS_PER_RULE", "SARIF_SCHEMA", "level", "render_sarif", "to_sarif"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SMALI_ROOT = "SMALIROOT"
"""``uriBaseId`` of smali paths: the folder an APK is decompiled into (``apktool d app.apk -o DIR``: DIR); the run's
``originalUriBaseIds`` leaves it relative, and a consumer may map it to wherever the APK was decompiled."""
MAX_RESULTS_PER_RULE = 1000
MAX_LOCATIONS = 10
_SECURITY_SEVERITY = {"high": "8.0", "medium": "5.5", "low": "2.0", "info": "0.0"}
"""GitHub maps 7.0-8.9 to high, 4.0-6.9 to medium, 0.1-3.9 to low; 0.0 shows no security severity."""


def level(severity: str) -> str:
    """The SARIF level of a severity: high -> error, medium -> warning, low and info -> note."""
    return {"high": "error", "medium": "warning"}.get(severity, "note")


_FIRST_LINE = {"startLine": 1}
"""The region every location carries: GitHub code scanning places an alert only with ``region.startLine``, and a
dex has no source lines, so an alert points at the start of the class's smali file (or of the APK)."""


def _code_location(location: str) -> dict[str, Any] | None:
    """A location in the class's smali file (``smali/com/x/Foo.smali``, the path ``apktool d`` and ``baksmali d``
    write) with the method or class as the logical location; None for zip paths and other places."""
    if not location.startswith("L"):
        return None
    if ";->" in location:
        cls, _, member = location.partition(";->")
        logical = {"fullyQualifiedName": cls[1:].replace("/", ".") + "." + member, "kind": "function"}
    elif location.endswith(";") and "/" in location:
        cls, logical = location[:-1], {"fullyQualifiedName": location[1:-1].replace("/", "."), "kind": "type"}
    else:
        return None
    artifact = {"uri": quote(f"smali/{cls[1:]}.smali", safe="/$"), "uriBaseId": SMALI_ROOT}
    return {"physicalLocation": {"artifactLocation": artifact, "region": _FIRST_LINE},
            "logicalLocations": [logical]}


def _file_uri(name: str) -> str:
    """The input file as a relative URI reference: every reserved character percent-encoded, so that a name such
    as ``javascript:alert(1).apk`` is a file name, never a scheme a dashboard would follow."""
    return quote(name, safe="")


def _locations(source: str, evidence: tuple[Evidence, ...]) -> list[dict[str, Any]]:
    """One location per distinct class or method of the evidence (at most ``MAX_LOCATIONS``); the APK itself when
    the evidence names no code (manifest, signing, files)."""
    found: list[dict[str, Any]] = []
    for e in evidence:
        loc = _code_location(e.location) if e.location else None
        if loc is not None and loc not in found:
            found.append(loc)
    if not found:
        return [{"physicalLocation": {"artifactLocation": {"uri": _file_uri(source)}, "region": _FIRST_LINE}}]
    return found[:MAX_LOCATIONS]


def _rule(rule_id: str, findings: list[Finding], ruleset: Ruleset | None, lang: str) -> dict[str, Any]:
    """The reporting descriptor of one rule: text from the ruleset when at hand, else from its first finding."""
    first = findings[0]
    entry = ruleset.of_kind("rule").get(rule_id) if ruleset else None
    clauses = sorted({c for f in findings for c in f.clauses})
    clause_titles = [f"{c}: {pick(ruleset.clause(c).title, lang)}" for c in clauses
                     if ruleset and c in ruleset.clause_ids]
    short = pick(entry.description, lang) if entry else pick(first.title, lang)
    advice = pick(first.advice, lang)
    full = "; ".join(clause_titles) or short
    return {
        "id": rule_id,
        "name": rule_id.replace("-", ""),
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": advice, "markdown": f"**{short}**\n\n{advice}\n\n" + ", ".join(f"`{c}`" for c in clauses)},
        "defaultConfiguration": {"level": level(first.severity)},
        "properties": {
            "tags": ["security" if is_security(first) else "privacy", *clauses],
            "security-severity": _SECURITY_SEVERITY[max((f.severity for f in findings), key=_rank)],
        },
    }


def _rank(severity: str) -> int:
    """Higher for more severe: picks a rule's worst severity."""
    return ("info", "low", "medium", "high").index(severity)


def _result(finding: Finding, index: int, source: str, lang: str) -> dict[str, Any]:
    return {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": level(finding.severity),
        "message": {"text": pick(finding.title, lang)},
        "locations": _locations(source, finding.evidence),
        "partialFingerprints": {"appscanFindingId/v1": finding.id},
        "properties": {"severity": finding.severity, "evidenceLevel": finding.evidence_level,
                       "clauses": list(finding.clauses), "sdk": finding.sdk, "dataTypes": list(finding.data_types),
                       "manualCheck": finding.manual_check},
    }


def to_sarif(result: ScanResult, lang: str = DEFAULT_LANG, ruleset: Ruleset | None = None) -> dict[str, Any]:
    """The SARIF log (as Python objects) of one scan."""
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_rule[finding.rule].append(finding)
    rule_ids = sorted(by_rule)
    source = result.facts.source
    results = [_result(f, i, source, lang) for i, rid in enumerate(rule_ids)
               for f in by_rule[rid][:MAX_RESULTS_PER_RULE]]
    notifications = [{"level": "warning", "message": {"text": f"{item.item}: {item.reason}"}}
                     for item in result.facts.incomplete]
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "appscan", "version": __version__, "semanticVersion": __version__,
                            "rules": [_rule(rid, by_rule[rid], ruleset, lang) for rid in rule_ids]}},
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "artifacts": [{"location": {"uri": _file_uri(source)}, "hashes": {"sha-256": result.facts.app.sha256}}],
        "originalUriBaseIds": {SMALI_ROOT: {"description": {"text": "the folder the APK is decompiled into "
                                                                    "(apktool d / baksmali d)"}}},
        "results": results,
        "language": "zh-CN" if lang == "zh" else "en-US",
    }
    verdict = result_verdict(result)
    run["properties"] = {"verdict": {"level": verdict.level, "label": pick(verdict.label, lang),
                                     "rule": verdict.rule, "findings": list(verdict.findings)},
                         "sdks": [{"id": d.id, "version": d.version} for d in result.sdks]}
    if result.ruleset is not None:
        run["properties"]["ruleset"] = {"name": result.ruleset.name, "version": result.ruleset.version,
                                        "sha256": result.ruleset.sha256}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render_sarif(result: ScanResult, stream: BinaryIO, lang: str = DEFAULT_LANG,
                 ruleset: Ruleset | None = None) -> None:
    """Write the SARIF log as UTF-8 JSON (sorted keys, so the same scan gives the same bytes)."""
    text = json.dumps(to_sarif(result, lang, ruleset), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    stream.write(text.encode("utf-8"))
