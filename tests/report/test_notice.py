"""The rectification notice (整改通知): confirmed findings by clause, as HTML and as PDF, Chinese and English.

Why: an app store hands the developer a short signed notice, not a scanner report. It must say exactly what the
reviewer confirmed (nothing else), name the clause each issue breaks with evidence the developer can check, escape
whatever the APK or the reviewer wrote, and read in Chinese when printed.
"""

from __future__ import annotations

import dataclasses
import io
from datetime import date

import pytest

from appscan.model import ScanResult
from appscan.report.notice import Notice, render_notice_html, render_notice_pdf
from appscan.rules.catalog import Ruleset
from tests.report.conftest import HOSTILE


def _notice(result: ScanResult, **changes: object) -> Notice:
    confirmed = tuple(f for f in result.findings if f.severity in ("high", "medium"))
    base = Notice(result=result, findings=confirmed, decision="rectification-required", issuer="应用商店审核组",
                  reviewer="张三", issued=date(2026, 12, 6), number="2026-12-06-0042", deadline=date(2026, 12, 21),
                  contact="review@store.example", scan_id=42)
    return dataclasses.replace(base, **changes)


def test_only_confirmed_findings_grouped_by_their_first_clause(sdks_result: ScanResult, ruleset: Ruleset) -> None:
    notice = _notice(sdks_result)
    page = render_notice_html(notice, ruleset).decode("utf-8")
    assert "整改通知" in page and "2026-12-21" in page and "张三" in page
    for finding in notice.findings:
        assert finding.id in page
        assert page.index(f'[{finding.clauses[0]}]') < page.index(finding.id)  # under its clause's heading
    for left_out in (f for f in sdks_result.findings if f not in notice.findings):
        assert left_out.id not in page
    clause = ruleset.clause(notice.findings[0].clauses[0])
    assert clause.title.zh in page


def test_english_notice(sdks_result: ScanResult, ruleset: Ruleset) -> None:
    page = render_notice_html(_notice(sdks_result), ruleset, "en").decode("utf-8")
    assert "Rectification notice" in page and 'lang="en"' in page
    assert "整改" not in page.split("<body>", 1)[1].split('class="finding"', 1)[0]  # UI text of the header in English


def test_untrusted_text_is_escaped(sdks_result: ScanResult, ruleset: Ruleset) -> None:
    facts = dataclasses.replace(sdks_result.facts, app=dataclasses.replace(sdks_result.facts.app, label=HOSTILE))
    notice = _notice(dataclasses.replace(sdks_result, facts=facts), comment=HOSTILE, reviewer=HOSTILE,
                     issuer=HOSTILE)
    page = render_notice_html(notice, ruleset).decode("utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_decisions_and_empty_notices(sdks_result: ScanResult, ruleset: Ruleset) -> None:
    approved = render_notice_html(_notice(sdks_result, findings=(), decision="approve"), ruleset).decode("utf-8")
    assert "通过" in approved and "未确认个人信息保护问题" in approved and "2026-12-21" not in approved
    with pytest.raises(ValueError, match="decision"):
        _notice(sdks_result, decision="maybe")


def test_pdf_says_what_the_html_says(sdks_result: ScanResult, ruleset: Ruleset) -> None:
    pytest.importorskip("weasyprint", reason="the 'pdf' extra is not installed")
    from pdfminer.high_level import extract_text

    notice = _notice(sdks_result)
    pdf = render_notice_pdf(notice, ruleset)
    assert pdf.startswith(b"%PDF-")
    text = extract_text(io.BytesIO(pdf))
    assert "整改通知" in text.replace(" ", "") and sdks_result.facts.app.package in text
    assert all(f.id in text.replace("\n", "") for f in notice.findings)
