"""The Excel workbook Chinese testing labs exchange: one sheet per report section, Chinese headers by default.

Every text cell is written as a string, never a formula: an APK string such as ``=HYPERLINK(...)`` must not
become live in a reviewer's spreadsheet. Characters Excel cannot store (control characters) are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from appscan.model import ScanResult, Text
from appscan.policy.document import SdkMention
from appscan.report.i18n import DEFAULT_LANG, label, pick, t
from appscan.report.views import CollectionRow, PolicyRow, ReportView, SharingRow, build_view
from appscan.rules.catalog import Ruleset

__all__ = ["render_xlsx"]

_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_MAX_WIDTH = 80
Cell = str | int | float | None


def _clean(value: Cell) -> Cell:
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _sheet(book: Workbook, title: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Worksheet:
    """A sheet with a bold frozen header row, string cells forced to text, columns sized to their content."""
    sheet = book.create_sheet(title[:31])
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    widths = [len(h) * 2 for h in header]
    for row in rows:
        sheet.append([_clean(v) for v in row])
        for i, cell in enumerate(sheet[sheet.max_row]):
            if isinstance(cell.value, str):
                cell.data_type = "s"
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                widths[i] = max(widths[i], min(_MAX_WIDTH, max(len(p) for p in cell.value.split("\n"))))
    for i, width in enumerate(widths):
        sheet.column_dimensions[sheet.cell(1, i + 1).column_letter].width = max(10, width + 2)
    sheet.freeze_panes = "A2"
    return sheet


def _join(values: Iterable[str]) -> str:
    return "\n".join(values)


def _names(values: Iterable[Text], lang: str) -> str:
    return "、".join(pick(v, lang) for v in values)


def _summary(view: ReportView, lang: str) -> list[tuple[str, Cell]]:
    r = view.result
    app = r.facts.app
    rows: list[tuple[str, Cell]] = [
        (t(lang, "section.verdict"), pick(view.verdict.label, lang)),
        ("", f"{pick(view.verdict.reason, lang)} ({t(lang, 'verdict.decided_by', rule=view.verdict.rule)})"),
        (t(lang, "meta.source"), r.facts.source), (t(lang, "meta.label"), app.label),
        (t(lang, "meta.package"), app.package),
        (t(lang, "meta.version"), f"{app.version_name or '-'} ({app.version_code})"),
        (t(lang, "meta.sha256"), app.sha256), (t(lang, "meta.tool"), f"appscan {view.tool_version}"),
        (t(lang, "meta.ruleset"), f"{r.ruleset.name} {r.ruleset.version} {r.ruleset.sha256}" if r.ruleset else "-"),
        (t(lang, "meta.app_type"), r.app_type or "-"),
        (t(lang, "meta.duration"), t(lang, "meta.seconds", seconds=f"{r.duration_s:.2f}")),
    ]
    rows += [(t(lang, "section.policy"), t(lang, "md.policy", source=p.source, language=p.language, format=p.format,
                                             updated=p.sections.updated or t(lang, "policy.no_date")))
             for p in r.policies]
    rows += [(t(lang, f"severity.{s}"), n) for s, n in view.severity_counts.items()]
    if view.verdict.unanalysed:
        rows.append(("", t(lang, "verdict.unanalysed", items=", ".join(view.verdict.unanalysed))))
    rows += [(t(lang, "meta.incomplete"), f"{i.item}: {i.reason}") for i in r.facts.incomplete]
    rows.append(("", t(lang, "verdict.rule")))
    return rows


def _says(row: PolicyRow, view: ReportView, lang: str) -> str:
    """What the policy says of a type, with the declared words it rests on when they are not the type itself."""
    via = _names((view.data_names[d] for d in row.says.via), lang)
    return t(lang, f"says.{row.says.state}") + (f" ({t(lang, 'policy.via')}{via})" if via else "")


def _code(rows: tuple[CollectionRow, ...], lang: str) -> str:
    """Who collects, with the call count and whether before consent at start-up, one collector a line."""
    return _join(f"{pick(c.collector, lang)}: {t(lang, 'policy.calls', count=c.calls)}"
                 + (f", {t(lang, 'policy.before_consent')}" if c.startup else "") for c in rows)


def _entry(m: SdkMention, view: ReportView, lang: str) -> str:
    """A policy's SDK row as one cell: name, company, purpose, data types, link."""
    parts = [m.name, m.company or "", m.purpose or "",
             _names((view.data_names[d] for d in m.data_types), lang), m.link or ""]
    return " | ".join(p for p in parts if p)


def _policy_sheets(book: Workbook, view: ReportView, lang: str) -> None:
    """The side-by-side rows of data types and of SDKs; only when a policy was read."""
    _sheet(book, t(lang, "sheet.policy"),
           [t(lang, k) for k in ("col.data_type", "col.policy_says", "col.sentences", "col.policy_purpose",
                                 "col.code_does", "col.comparison", "col.id")],
           ([pick(row.data_name, lang), _says(row, view, lang), _join(q.sentence for q in row.says.quotes),
             _join(row.says.purposes),
             _code(row.code, lang) or (t(lang, "policy.covers") + _names(row.covers, lang) if row.covers
                                        else t(lang, "policy.not_in_code")),
             t(lang, f"status.{row.status}"), _join(f"{f.rule} {f.id}" for f in row.findings)]
            for row in view.policy_rows))
    sdk_rows: list[list[Cell]] = [
        [pick(row.name, lang), _join(_entry(m, view, lang) for m in row.policy_rows) or t(lang, "policy.no_row"),
         _names(row.observed, lang), _names(row.policy_beyond, lang), t(lang, f"sdkstatus.{row.policy_status}"),
         _join(f"{f.rule} {f.id}" for f in row.policy_findings)] for row in view.sharing]
    sdk_rows += [[t(lang, "policy.not_in_code"), _entry(m, view, lang), "", "", t(lang, "sdkstatus.not-embedded"), ""]
                 for m in view.policy_unmatched]
    _sheet(book, t(lang, "sheet.policy_sdks"),
           [t(lang, k) for k in ("col.sdk", "col.policy_row", "col.data_collected", "policy.beyond",
                                 "col.comparison", "col.id")], sdk_rows)


def _sharing_policy(row: SharingRow, view: ReportView, lang: str) -> list[Cell]:
    """The sharing list's policy columns: the policy's rows for the SDK and the comparison."""
    return [_join(_entry(m, view, lang) for m in row.policy_rows) or t(lang, "policy.no_row"),
            t(lang, f"sdkstatus.{row.policy_status}")]


def render_xlsx(result: ScanResult, stream: BinaryIO, lang: str = DEFAULT_LANG,
                ruleset: Ruleset | None = None) -> None:
    """Write the workbook to ``stream``."""
    view = build_view(result, ruleset)
    book = Workbook()
    book.remove(book.active)
    _sheet(book, t(lang, "sheet.summary"), [t(lang, "col.item"), t(lang, "col.value")], _summary(view, lang))
    _sheet(book, t(lang, "sheet.findings"),
           [t(lang, k) for k in ("col.severity", "col.rule", "col.issue", "col.clauses", "col.level", "col.where",
                                 "col.evidence", "col.advice", "finding.manual", "col.sdk", "col.id")],
           ([t(lang, f"severity.{f.severity}"), f.rule, pick(f.title, lang), ", ".join(f.clauses),
             t(lang, f"level.{f.evidence_level}"), _join(sorted({e.location for e in f.evidence if e.location})),
             _join(f"{label(lang, 'kind', e.kind)}: {e.value}" for e in f.evidence), pick(f.advice, lang),
             t(lang, "startup.yes") if f.manual_check else "", f.sdk or "", f.id] for f in view.findings))
    policy_cols = ("col.policy_declares", "col.policy_purpose") if result.policies else ()
    _sheet(book, t(lang, "sheet.collection"),
           [t(lang, k) for k in ("col.data_type", "col.collector", "col.api_evidence", "col.where", "col.calls",
                                 "col.startup", *policy_cols)],
           ([pick(row.data_name, lang), pick(row.collector, lang), _join(row.apis), _join(row.callers), row.calls,
             t(lang, "startup.unknown" if row.startup is None else "startup.yes" if row.startup else "startup.no"),
             *([t(lang, f"says.{row.policy.state}"), _join(row.policy_purposes)] if row.policy else [])]
            for row in view.collection))
    _sheet(book, t(lang, "sheet.sharing"),
           [t(lang, k) for k in ("col.sdk", "col.version", "col.vendor", "col.category", "col.purpose",
                                 "col.data_collected", "published.note", "col.evidence", "col.level", "col.policy",
                                 *(("col.policy_row", "col.comparison") if result.policies else ()))],
           ([pick(row.name, lang), row.sdk.version or "", pick(row.company, lang) if row.company else row.sdk.vendor,
             row.sdk.category,
             pick(row.purpose, lang) if row.purpose else "", _names(row.observed, lang),
             _names(row.published, lang), _join(f"{e.kind}: {e.value}" for e in row.sdk.evidence),
             t(lang, f"level.{row.sdk.evidence_level}"), row.privacy_policy or "",
             *(_sharing_policy(row, view, lang) if row.policy_status else [])] for row in view.sharing))
    _sheet(book, t(lang, "sheet.permissions"),
           [t(lang, k) for k in ("col.permission", "col.protection", "col.status", "col.used_by", "col.calls")],
           ([p.name, p.protection_level, t(lang, f"perm.{p.status}"), _names(p.sdks, lang), p.calls]
            for p in view.permissions))
    _sheet(book, t(lang, "sheet.sdks"),
           [t(lang, k) for k in ("col.sdk", "col.vendor", "col.category", "col.region", "col.version", "col.level",
                                 "col.evidence")],
           ([pick(view.sdk_names[s.id], lang), s.vendor, s.category, label(lang, "region", s.region),
             s.version or "", t(lang, f"level.{s.evidence_level}"),
             _join(f"{e.kind}: {e.value}" for e in s.evidence)] for s in result.sdks))
    _sheet(book, t(lang, "sheet.paths"),
           [t(lang, k) for k in ("col.data_type", "col.collector", "col.entry", "col.path", "col.api")],
           ([pick(view.data_names[c.data_type], lang),
             pick(view.sdk_names[c.sdk], lang) if c.sdk in view.sdk_names else c.sdk or t(lang, "collector.app"),
             f"{label(lang, 'entry', c.reach.entry_kind or '-')}: {c.reach.entry or '-'}" if c.reach else "",
             _join(c.reach.path) if c.reach else "", c.api] for c in view.startup_calls))
    _sheet(book, t(lang, "sheet.endpoints"),
           [t(lang, k) for k in ("col.host", "col.owner", "col.schemes", "col.cleartext", "col.region")],
           ([e.host, pick(view.owner(e.owner_kind, e.owner), lang), ", ".join(e.schemes),
             t(lang, "flag.yes") if e.cleartext else "", e.operator or ""] for e in result.endpoints))
    _sheet(book, t(lang, "sheet.secrets"),
           [t(lang, k) for k in ("col.kind", "col.value", "col.location", "col.owner")],
           ([t(lang, f"secret.kind.{h.kind}"), f"{h.name}: {h.value}", h.location,
             pick(view.owner(h.owner_kind, h.owner), lang)] for h in result.secrets))
    if result.policies:
        _policy_sheets(book, view, lang)
    book.save(stream)
