"""Markdown escapes APK strings; the workbook has a sheet per section, Chinese headers and no live formulas."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from appscan.model import ScanResult
from appscan.report.i18n import t
from appscan.report.markdown import render_markdown
from appscan.report.views import build_view
from appscan.report.xlsx import render_xlsx
from appscan.rules.catalog import Ruleset
from tests.report.conftest import HOSTILE, hostile

SHEETS = ("summary", "findings", "collection", "sharing", "permissions", "sdks", "paths", "endpoints", "secrets")


def _markdown(result: ScanResult, lang: str, ruleset: Ruleset | None) -> str:
    buffer = io.BytesIO()
    render_markdown(result, buffer, lang, ruleset)
    return buffer.getvalue().decode("utf-8")


def test_markdown_summary(sdks_result: ScanResult, ruleset: Ruleset) -> None:
    result = hostile(sdks_result)
    view = build_view(result, ruleset)
    text = _markdown(result, "en", ruleset)
    assert f"{t('en', 'section.verdict')}: {view.verdict.label.en}" in text and view.verdict.reason.en in text
    rows = text.split(f"#### {t('en', 'section.top')}", 1)[1].split("|---|---|---|---|\n", 1)[1].split("\n\n")[0]
    assert [line.split(" | ")[1] for line in rows.splitlines()] == [f"`{f.rule}`" for f in view.top]
    assert "<script>" not in text and "\\<script\\>" in text
    counts = text.split("|---:|---:|---:|---:|\n", 1)[1].splitlines()[0]
    assert counts == "| " + " | ".join(str(n) for n in view.severity_counts.values()) + " |"


def test_workbook_sections_and_counts(sdks_result: ScanResult, ruleset: Ruleset) -> None:
    result = hostile(sdks_result)
    view = build_view(result, ruleset)
    buffer = io.BytesIO()
    render_xlsx(result, buffer, "zh", ruleset)
    book = load_workbook(io.BytesIO(buffer.getvalue()))
    assert book.sheetnames == [t("zh", f"sheet.{s}") for s in SHEETS]
    findings = book[t("zh", "sheet.findings")]
    assert [c.value for c in findings[1]][:3] == [t("zh", "col.severity"), t("zh", "col.rule"), t("zh", "col.issue")]
    assert findings.max_row - 1 == len(result.findings)
    assert book[t("zh", "sheet.sdks")].max_row - 1 == len(result.sdks)
    assert book[t("zh", "sheet.collection")].max_row - 1 == len(view.collection)
    assert book[t("zh", "sheet.permissions")].max_row - 1 == len(view.permissions)
    label = next(row[1] for row in book[t("zh", "sheet.summary")].iter_rows() if row[0].value == t("zh", "meta.label"))
    assert label.value == HOSTILE and label.data_type == "s"
