"""The HTML report: self-contained and escaped (static checks), then opened in headless Chromium."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest

from appscan.model import COLLECTING_EFFECTS, ScanResult
from appscan.report.html import render_html
from appscan.report.i18n import LANGS, MESSAGES, t
from appscan.report.json_format import to_document
from appscan.rules.catalog import Ruleset
from tests.report import browser
from tests.report.conftest import HOSTILE, hostile, with_startup_path

SECTIONS = ("verdict", "top", "checklist", "collection", "sharing", "permissions", "sdks", "startup", "security",
            "meta")


def _html(result: ScanResult, lang: str, ruleset: Ruleset | None) -> str:
    buffer = io.BytesIO()
    render_html(result, buffer, lang, ruleset)
    return buffer.getvalue().decode("utf-8")


def test_page_is_self_contained_and_escaped(sdks_result: ScanResult, ruleset: Ruleset) -> None:
    page = _html(hostile(sdks_result), "zh", ruleset)
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<link" not in page and "@import" not in page
    assert page.count("<script>") == 1


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory, sdks_result: ScanResult,
          ruleset: Ruleset) -> dict[str, tuple[Path, dict[str, Any]]]:
    """Report files per language, and the JSON document of the same result to compare counts with."""
    result = with_startup_path(hostile(sdks_result))
    folder = tmp_path_factory.mktemp("html")
    out = {}
    for lang in LANGS:
        path = folder / f"report-{lang}.html"
        path.write_text(_html(result, lang, ruleset), encoding="utf-8")
        out[lang] = (path, to_document(result))
    return out


def _open(driver: Any, path: Path) -> None:
    driver.get(path.as_uri())
    driver.get_log("browser")  # drop entries of earlier pages


def _visible_rows(driver: Any, css: str) -> int:
    return sum(1 for row in driver.find_elements("css selector", css) if row.is_displayed())


@pytest.mark.parametrize("lang", LANGS)
def test_renders_without_errors_and_counts_match_json(driver: Any, pages: dict[str, Any], lang: str,
                                                     ruleset: Ruleset) -> None:
    path, doc = pages[lang]
    driver.get(path.as_uri())
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    for section in SECTIONS:
        assert driver.find_element("id", section).is_displayed()
    findings = doc["findings"]
    assert _visible_rows(driver, "#checklist tr.finding") == len(findings)
    counts = {c.get_attribute("data-severity"): int(c.text) for c in driver.find_elements("css selector", "td.count")}
    assert counts == {s: sum(1 for f in findings if f["severity"] == s) for s in counts}
    assert _visible_rows(driver, "#sdks tr.row") == len(doc["sdks"])
    assert _visible_rows(driver, "#sharing tr.row") == len(doc["sdks"])
    security = [f for f in findings if f["rule"].startswith(("SEC-", "PACK-"))]
    assert _visible_rows(driver, "#security tr.finding") == len(security)
    startup = [c for c in doc["api_calls"] if c["startup_reachable"] and not c["consent_gated"]
               and ruleset.data_type(c["data_type"]).personal and c["effect"] in COLLECTING_EFFECTS]
    assert startup and _visible_rows(driver, "#startup tr.row") == len(startup)
    shown = {row.find_element("css selector", "code").text
             for row in driver.find_elements("css selector", "#permissions tr.row")}
    assert {p["name"] for p in doc["permissions"]} <= shown
    collectors = {(c["data_type"], c["sdk"]) for c in doc["api_calls"]}
    assert 0 < _visible_rows(driver, "#collection tr.row") <= len(collectors)
    assert driver.find_element("id", "verdict").get_attribute("data-verdict") == "high-risk"
    label = driver.find_element("css selector", "header .app").text
    assert HOSTILE in label  # shown as text, never run
    assert driver.execute_script("return document.querySelectorAll('script').length") == 1


@pytest.mark.parametrize("lang", LANGS)
def test_language_is_complete(driver: Any, pages: dict[str, Any], lang: str) -> None:
    _open(driver, pages[lang][0])
    text = driver.find_element("tag name", "body").text
    assert "{{" not in text and "{%" not in text and "i18n." not in text
    for key in MESSAGES[lang]:
        assert key not in text, key
    assert t(lang, "section.collection") in text and t(lang, "verdict.rule") in text
    other = "en" if lang == "zh" else "zh"
    assert t(other, "section.collection") not in text
    assert driver.find_element("tag name", "html").get_attribute("lang") == t(lang, "html.lang")


def test_filters_hide_and_show_rows(driver: Any, pages: dict[str, Any]) -> None:
    from selenium.webdriver.support.ui import Select

    path, doc = pages["en"]
    _open(driver, path)
    findings = doc["findings"]
    severity = Select(driver.find_element("id", "filter-severity"))
    clause = Select(driver.find_element("id", "filter-clause"))
    counter = driver.find_element("id", "filter-count")
    for level in ("high", "medium", "low", "info"):
        severity.select_by_value(level)
        expected = sum(1 for f in findings if f["severity"] == level)
        assert _visible_rows(driver, "#checklist tr.finding") == expected
        assert counter.text == t("en", "filter.shown", shown=expected, total=len(findings))
    severity.select_by_value("")
    cited = sorted({c for f in findings for c in f["clauses"]})
    for cid in (cited[0], cited[len(cited) // 2], cited[-1]):
        clause.select_by_value(cid)
        assert _visible_rows(driver, "#checklist tr.finding") == sum(1 for f in findings if cid in f["clauses"])
        for group in driver.find_elements("css selector", "#checklist .group"):
            rows = group.find_elements("css selector", "tr.finding")
            assert group.is_displayed() == any(r.is_displayed() for r in rows)
    severity.select_by_value("medium")
    cid = next(f["clauses"][-1] for f in findings if f["severity"] == "medium")
    clause.select_by_value(cid)
    both = sum(1 for f in findings if f["severity"] == "medium" and cid in f["clauses"])
    assert 0 < both < len(findings)
    assert _visible_rows(driver, "#checklist tr.finding") == both
    clause.select_by_value("")
    severity.select_by_value("")
    assert _visible_rows(driver, "#checklist tr.finding") == len(findings)


def test_print_layout_hides_controls(driver: Any, pages: dict[str, Any]) -> None:
    _open(driver, pages["zh"][0])
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not driver.find_element("id", "filters").is_displayed()
        assert not driver.find_element("tag name", "nav").is_displayed()
        assert driver.find_element("id", "checklist").is_displayed()
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


_GLYPH_INK = """
const font = getComputedStyle(document.body).font;
function ink(text) {
  const canvas = document.createElement('canvas');
  canvas.width = 64; canvas.height = 64;
  const ctx = canvas.getContext('2d');
  ctx.font = font.replace(/^(.*?)\\d+px/, '$1' + '40px');
  ctx.fillStyle = '#000';
  ctx.fillText(text, 8, 48);
  return Array.from(ctx.getImageData(0, 0, 64, 64).data.filter((_, i) => i % 4 === 3)).join(',');
}
return [ink('\\u9690'), ink('\\u79c1'), ink('\\udbff\\udffd'), ink('\\udbff\\udffc')];
"""
"""Alpha channel of 隐, 私 and of two code points no font has (U+10FFFD, U+10FFFC), drawn in the page's body font."""


def test_chinese_renders_with_a_real_font(driver: Any, pages: dict[str, Any]) -> None:
    """A Chinese report is readable only with a CJK font: each character must draw its own glyph, not the box
    (.notdef) that every missing character shares. Needs a CJK font on the machine (.ci/system-deps)."""
    _open(driver, pages["zh"][0])
    hidden, private, missing, also_missing = driver.execute_script(_GLYPH_INK)
    assert missing == also_missing  # two missing characters draw the same box: the comparison below can fail
    assert hidden != missing and private != missing, "CJK text renders as boxes: install a CJK font (fonts-noto-cjk)"
    assert hidden != private
