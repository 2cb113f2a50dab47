"""What the policy says against what the code does, in every human-readable report.

The SDK sample is scanned with the policy of tests/rules/test_policy_gap.py (a case of every POL-0xx rule), so the
side-by-side rows can be held against the findings the engine gave; a policy written as an attacker would write it
checks that its text stays text in HTML, Markdown and the workbook.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from appscan.model import ScanResult
from appscan.policy import analyse_policy
from appscan.report import render_bytes
from appscan.report.document import result_from_document
from appscan.report.i18n import LANGS, t
from appscan.report.json_format import render_json
from appscan.report.views import GAPS, build_view, policy_gaps
from appscan.rules.catalog import Ruleset
from tests.report.conftest import HOSTILE, SPREADSHEET_FORMULAS, hostile_policy

EXTRA_POLICY = """为完成实名认证，我们会收集您的真实姓名，用于核验身份。

SDK名称：支付宝SDK；公司：支付宝（中国）网络技术有限公司；用途：支付；收集信息：设备信息
"""
"""A second policy file: a type only the server can see (a real name) and an SDK the sample does not embed."""


def _statuses(result: ScanResult, ruleset: Ruleset) -> dict[str, str]:
    return {row.data_type: row.status for row in build_view(result, ruleset).policy_rows}


def test_rows_agree_with_the_findings(policy_result: ScanResult, ruleset: Ruleset) -> None:
    """A row's status and the finding the engine gave on the same data type or SDK never disagree."""
    view = build_view(policy_result, ruleset)
    status = {row.data_type: row.status for row in view.policy_rows}
    assert status == {"contacts": "contradiction", "clipboard": "undeclared", "sms": "undeclared",
                      "android-id": "generic", "imsi": "generic", "mac": "generic", "imei": "consistent",
                      "installed-apps": "consistent", "location": "consistent", "device-info": "umbrella"}
    expected = {"POL-010": "undeclared", "POL-011": "contradiction", "POL-012": "generic"}
    for finding in policy_result.findings:
        if finding.rule in expected:
            assert status[finding.data_types[0]] == expected[finding.rule], finding.rule
    for row in view.policy_rows:
        rules = {f.rule for f in row.findings}
        assert (row.status in expected.values()) == bool(rules & set(expected)), row.data_type
    sdk_status = {row.sdk.id: row.policy_status for row in view.sharing}
    assert {f.sdk for f in policy_result.findings if f.rule == "POL-013"} == {
        sdk for sdk, s in sdk_status.items() if s == "not-listed"} == {"getui-push"}
    assert {f.sdk for f in policy_result.findings if f.rule == "POL-014"} == {
        sdk for sdk, s in sdk_status.items() if s == "beyond"} == {"gdt", "jpush"}
    umbrella = next(row for row in view.policy_rows if row.data_type == "device-info")
    assert {n.en for n in umbrella.covers} >= {"IMSI", "MAC address"} and not umbrella.code


def test_both_sides_of_a_row(policy_result: ScanResult, ruleset: Ruleset) -> None:
    rows = {row.data_type: row for row in build_view(policy_result, ruleset).policy_rows}
    contacts = rows["contacts"]
    assert contacts.says.state == "denied" and contacts.says.quotes[0].sentence == "我们不会收集您的通讯录。"
    assert [c.owner for c in contacts.code] == ["getui-push"] and contacts.calls == 1 and contacts.startup
    location = rows["location"]
    assert location.says.purposes[0] == "用于推荐附近的内容"
    assert {c.owner_kind for c in location.code} == {"app", "sdk"}
    assert rows["imsi"].says.via == ("device-info",)  # resting on the general word, which is said
    assert rows["clipboard"].says.state == "absent" and not rows["clipboard"].says.quotes


def test_lists_are_prefilled_from_both_sides(policy_result: ScanResult, ruleset: Ruleset) -> None:
    view = build_view(policy_result, ruleset)
    collection = {(row.data_type, row.owner): row for row in view.collection}
    assert collection[("location", None)].policy_purposes == ("用于推荐附近的内容",)
    assert collection[("location", "baidu-location")].policy_purposes[0] == "定位"  # its own SDK row first
    assert collection[("imei", None)].policy_purposes == ()  # JPush's row states JPush's purpose, not the app's
    assert collection[("contacts", "getui-push")].policy.state == "denied"
    assert all(row.policy is not None for row in view.collection)
    sharing = {row.sdk.id: row for row in view.sharing}
    [jpush] = sharing["jpush"].policy_rows
    assert (jpush.name, jpush.company, jpush.data_types) == ("极光推送SDK", "深圳市和讯华谷信息技术有限公司", ("imei",))
    assert {n.en for n in sharing["jpush"].policy_beyond} == {"IMSI", "MAC address"}
    assert sharing["getui-push"].policy_rows == () and sharing["baidu-lbs-auth"].policy_status == "not-required"


def test_without_a_policy_nothing_changes(sdks_result: ScanResult, ruleset: Ruleset) -> None:
    view = build_view(sdks_result, ruleset)
    assert view.policy_rows == () and view.policy_missing == () and view.policy_unmatched == ()
    assert all(row.policy is None for row in view.collection)
    assert all(row.policy_status is None for row in view.sharing)
    page = render_bytes("html", sdks_result, "zh", ruleset).decode()
    assert 'id="policy"' not in page and t("zh", "col.policy_declares") not in page
    assert t("zh", "section.policy") not in render_bytes("markdown", sdks_result, "zh", ruleset).decode()
    assert "privacy policies" not in render_bytes("text", sdks_result, "en", ruleset).decode()


def test_declared_but_not_seen_and_sdks_not_embedded(policy_result: ScanResult, ruleset: Ruleset) -> None:
    extra = analyse_policy(EXTRA_POLICY.encode(), "sdk-list.txt", ruleset.policy)
    result = dataclasses.replace(policy_result, policies=(*policy_result.policies, extra))
    view = build_view(result, ruleset)
    real_name = next(row for row in view.policy_rows if row.data_type == "real-name")
    assert real_name.status == "not-seen" and real_name.says.purposes == ("用于核验身份",)
    assert [m.name for m in view.policy_unmatched] == ["支付宝SDK"]
    gaps = policy_gaps(view)
    assert gaps["not-seen"] == 1 and gaps["sdk-not-embedded"] == 1 and gaps["contradiction"] == 1
    page = render_bytes("html", result, "en", ruleset).decode()
    assert "支付宝SDK" in page and t("en", "sdkstatus.not-embedded") in page and "sdk-list.txt" in page


def test_policy_text_stays_text_in_html(policy_result: ScanResult, ruleset: Ruleset) -> None:
    page = render_bytes("html", hostile_policy(policy_result), "zh", ruleset).decode()
    section = page.split('<section id="policy">', 1)[1].split("</section>", 1)[0]
    assert "<script>" not in section and section.count("&lt;script&gt;alert") >= 4  # source, sentence, SDK, company
    assert "javascript:" not in re.findall(r'href="([^"]*)"', page)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|javascript:)""", page)
    assert page.count("<script>") == 1 and 'http-equiv="Content-Security-Policy"' in page


def test_markdown_and_text_summaries(policy_result: ScanResult, ruleset: Ruleset) -> None:
    gaps = policy_gaps(build_view(policy_result, ruleset))
    markdown = render_bytes("markdown", hostile_policy(policy_result), "en", ruleset).decode()
    assert f"#### {t('en', 'section.policy')}" in markdown and "privacy.html (zh, html, updated not stated)" in markdown
    assert "<script>" not in markdown and "\\<script\\>" in markdown
    text = render_bytes("text", policy_result, "en", ruleset).decode()
    assert "privacy policies (1): privacy.html [zh html, updated not stated]" in text
    line = next(line for line in text.splitlines() if "policy vs code:" in line)
    assert [int(n) for n in re.findall(r": (\d+)", line)] == [gaps[kind] for kind in GAPS] == [1, 2, 3, 1, 2, 0, 0]
    assert "sections missing: minors, cross-border transfer, update date" in text


def test_workbook_policy_sheets(policy_result: ScanResult, ruleset: Ruleset) -> None:
    result = hostile_policy(policy_result)
    view = build_view(result, ruleset)
    book = load_workbook(io.BytesIO(render_bytes("xlsx", result, "zh", ruleset)))
    assert book.sheetnames[-2:] == [t("zh", "sheet.policy"), t("zh", "sheet.policy_sdks")]
    policy = book[t("zh", "sheet.policy")]
    assert policy.max_row - 1 == len(view.policy_rows)
    assert book[t("zh", "sheet.policy_sdks")].max_row - 1 == len(view.sharing) + len(view.policy_unmatched)
    cells = [c for row in book.worksheets for line in row.iter_rows() for c in line if isinstance(c.value, str)]
    for payload in SPREADSHEET_FORMULAS:
        found = [c for c in cells if c.value.startswith(payload) or f"\n{payload}" in c.value]
        assert found and all(c.data_type == "s" for c in found), payload
    assert not any(c.data_type == "f" for c in cells)
    collection = book[t("zh", "sheet.collection")]
    header = [c.value for c in collection[1]]
    assert header[:6] == [t("zh", k) for k in ("col.data_type", "col.collector", "col.api_evidence", "col.where",
                                               "col.calls", "col.startup")]
    assert header[6:] == [t("zh", "col.policy_declares"), t("zh", "col.policy_purpose")]
    sharing = [c.value for c in book[t("zh", "sheet.sharing")][1]]
    assert sharing[-3:] == [t("zh", "col.policy"), t("zh", "col.policy_row"), t("zh", "col.comparison")]


@pytest.fixture(scope="module")
def policy_pages(tmp_path_factory: pytest.TempPathFactory, policy_result: ScanResult,
                 ruleset: Ruleset) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("policy-html")
    out = {}
    for lang in LANGS:
        out[lang] = folder / f"report-{lang}.html"
        out[lang].write_bytes(render_bytes("html", hostile_policy(policy_result), lang, ruleset))
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_policy_section_in_the_browser(driver: Any, policy_pages: dict[str, Path], policy_result: ScanResult,
                                       ruleset: Ruleset, lang: str) -> None:
    """The section renders with no console error, shows a row per data type and SDK, its finding links lead to
    the checklist rows, and the hostile policy's text is shown, never run."""
    view = build_view(hostile_policy(policy_result), ruleset)
    driver.get(policy_pages[lang].as_uri())
    assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
    section = driver.find_element("id", "policy")
    assert section.is_displayed()
    assert section.find_element("tag name", "h2").text == t(lang, "section.policy")
    rows = driver.find_elements("css selector", "#policy-data tr.row")
    assert [r.get_attribute("data-data-type") for r in rows] == [row.data_type for row in view.policy_rows]
    assert len(driver.find_elements("css selector", "#policy-sdks tr.row")) == len(view.sharing) + 1
    assert len(driver.find_elements("css selector", "#policy-documents tr.row")) == 2
    links = driver.find_elements("css selector", "#policy a.pol-link")
    assert links
    for link in links:
        target = link.get_attribute("href").split("#", 1)[1]
        assert driver.find_element("id", target).get_attribute("class") == "finding"
    assert HOSTILE in section.text
    assert driver.execute_script("return document.querySelectorAll('script').length") == 1
    header = [th.text for th in driver.find_elements("css selector", "#collection thead th")]
    assert header[-2:] == [t(lang, "col.policy_declares"), t(lang, "col.policy_purpose")]
    contacts = driver.find_element("css selector", '#policy-data tr[data-data-type="contacts"]')
    assert t(lang, "status.contradiction") in contacts.text and "我们不会收集您的通讯录。" in contacts.text


def test_a_stored_scan_shows_the_same_comparison(policy_result: ScanResult, ruleset: Ruleset) -> None:
    """``appscan report SCAN_ID`` renders the stored document: its policy section is the fresh scan's."""
    stored = result_from_document(json.loads(render_json(policy_result)))

    def section(result: ScanResult) -> str:
        page = render_bytes("html", result, "zh", ruleset).decode()
        return page.split('<section id="policy">', 1)[1].split("</section>", 1)[0]
    assert section(stored) == section(policy_result)
    assert build_view(stored, ruleset).policy_rows == build_view(policy_result, ruleset).policy_rows
