"""A short Markdown summary for a merge-request comment: verdict, counts, the findings that matter most, the SDKs.

Every value from the APK is escaped, because forges render HTML and links inside Markdown comments.
"""

from __future__ import annotations

import re
from typing import BinaryIO

from appscan.model import ScanResult
from appscan.report.i18n import DEFAULT_LANG, pick, t
from appscan.report.views import GAPS, SEVERITIES, build_view, policy_gaps
from appscan.rules.catalog import Ruleset

__all__ = ["escape", "render_markdown"]
_SPECIAL = re.compile(r"([\\`*_\[\]|<>~])")
UNIDENTIFIED_SHOWN = 10
"""Unidentified code groups listed (largest first); a comment stays short, the HTML and JSON list them all."""


def escape(value: str) -> str:
    """Markdown- and HTML-inert text on one line: specials backslash-escaped, line breaks flattened."""
    return _SPECIAL.sub(r"\\\1", " ".join(value.split()))


def render_markdown(result: ScanResult, stream: BinaryIO, lang: str = DEFAULT_LANG,
                    ruleset: Ruleset | None = None) -> None:
    """Write the summary as UTF-8 Markdown."""
    view = build_view(result, ruleset)
    app = result.facts.app
    name = f"{app.label or app.package} {app.version_name or ''}".strip()
    verdict = view.verdict
    lines = [f"### {escape(t(lang, 'md.title', app=name))}", "",
             f"**{t(lang, 'section.verdict')}: {escape(pick(verdict.label, lang))}** — "
             + escape(t(lang, "md.summary", findings=len(view.findings), sdks=len(result.sdks),
                        data=len({row.data_type for row in view.collection}))), "",
             escape(f"{pick(verdict.reason, lang)} ({t(lang, 'verdict.decided_by', rule=verdict.rule)})"), ""]
    if verdict.unanalysed:
        lines += [escape(t(lang, "verdict.unanalysed", items=", ".join(verdict.unanalysed))), ""]
    lines += ["| " + " | ".join(t(lang, f"severity.{s}") for s in SEVERITIES) + " |",
              "|" + "---:|" * len(SEVERITIES),
              "| " + " | ".join(str(view.severity_counts[s]) for s in SEVERITIES) + " |", ""]
    shown = view.top
    if shown:
        lines += [f"#### {t(lang, 'section.top')}", "", escape(t(lang, "top.order")), "",
                  f"| {t(lang, 'col.severity')} | {t(lang, 'col.rule')} | {t(lang, 'col.issue')} "
                  f"| {t(lang, 'col.clauses')} |", "|---|---|---|---|"]
        lines += [f"| {t(lang, 'severity.' + f.severity)} | `{f.rule}` | {escape(pick(f.title, lang))} "
                  f"| {escape(', '.join(f.clauses))} |" for f in shown]
        if len(view.findings) > len(shown):
            lines += ["", t(lang, "md.more", count=len(view.findings) - len(shown))]
        lines.append("")
    if result.policies:
        lines += [f"#### {t(lang, 'section.policy')}", ""]
        lines += ["- " + escape(t(lang, "md.policy", source=p.source, language=p.language, format=p.format,
                                  updated=p.sections.updated or t(lang, "policy.no_date")))
                  for p in result.policies]
        gaps = policy_gaps(view)
        lines.append("- " + "; ".join(f"{t(lang, 'gap.' + kind)}: {gaps[kind]}" for kind in GAPS))
        if view.policy_missing:
            lines.append("- " + t(lang, "policy.missing")
                         + "、".join(t(lang, f"section_name.{s}") for s in view.policy_missing))
        lines.append("")
    if view.sharing:
        lines += [f"#### {t(lang, 'section.sdks')}", ""]
        lines += [f"- {escape(pick(row.name, lang))}{' ' + escape(row.sdk.version) if row.sdk.version else ''} "
                  f"({escape(row.sdk.vendor)}): "
                  f"{t(lang, 'level.' + row.sdk.evidence_level)}" for row in view.sharing]
        lines.append("")
    if result.unidentified:
        lines += [f"#### {t(lang, 'section.unidentified')}", "", escape(t(lang, "unidentified.note")), ""]
        lines += [f"- `{escape(u.package or t(lang, 'package.default'))}`: {t(lang, 'unidentified.classes', count=u.classes)}"
                  + (f", {t(lang, 'unidentified.guess')}: {escape(u.vendor_guess)}" if u.vendor_guess else "")
                  + (f", {escape(', '.join(u.hosts))}" if u.hosts else "") for u in result.unidentified[:UNIDENTIFIED_SHOWN]]
        if len(result.unidentified) > UNIDENTIFIED_SHOWN:
            lines.append("- " + t(lang, "list.more", count=len(result.unidentified) - UNIDENTIFIED_SHOWN))
        lines.append("")
    credentials = [h for h in result.secrets if h.kind == "secret"]
    abroad = sorted({e.host for e in result.endpoints if e.region})
    if credentials or abroad or result.endpoints:
        lines += [f"#### {t(lang, 'section.network')}", ""]
        lines.append("- " + t(lang, "md.network", hosts=len({e.host for e in result.endpoints}), abroad=len(abroad),
                                cleartext=len({e.host for e in result.endpoints if e.cleartext}),
                                credentials=len(credentials)))
        lines += [f"- {escape(h.name)}: `{escape(h.value)}` ({escape(h.location)})"
                  for h in credentials[:UNIDENTIFIED_SHOWN]]
        lines.append("")
    stream.write("\n".join(lines).encode("utf-8"))
