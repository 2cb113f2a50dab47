"""The verdict and the top summary of the HTML report, opened in headless Chromium: the page shows the engine's
verdict (label, reason, deciding rule, code not analysed) and the ten findings that matter most, in rank order,
before the clause checklist."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from appscan.model import ScanResult
from appscan.report.html import render_html
from appscan.report.views import build_view
from appscan.rules.catalog import Ruleset
from appscan.scan import scan_file
from tests.report.conftest import SAMPLES


def _open(driver: Any, folder: Path, result: ScanResult, ruleset: Ruleset, lang: str) -> None:
    buffer = io.BytesIO()
    render_html(result, buffer, lang, ruleset)
    page = folder / f"{result.facts.source}-{lang}.html"
    page.write_bytes(buffer.getvalue())
    driver.get(page.as_uri())


def test_verdict_and_top_summary(driver: Any, tmp_path: Path, sdks_result: ScanResult, ruleset: Ruleset) -> None:
    view = build_view(sdks_result, ruleset)
    _open(driver, tmp_path, sdks_result, ruleset, "zh")
    section = driver.find_element("id", "verdict")
    assert (section.get_attribute("data-verdict"), section.get_attribute("data-rule")) == ("high-risk",
                                                                                          "decisive-finding")
    assert driver.find_element("css selector", "#verdict .verdict-label").text == "高风险"
    assert view.verdict.reason.zh in section.text and "decisive-finding" in section.text
    assert not driver.find_elements("id", "unanalysed")
    rows = driver.find_elements("css selector", "#top tr.finding")
    assert [r.get_attribute("data-id") for r in rows] == [f.id for f in view.top] and len(rows) == 10
    order = driver.execute_script(
        "return Array.from(document.querySelectorAll('main > section')).map(s => s.id)")
    assert order.index("verdict") < order.index("top") < order.index("checklist")
    driver.find_element("css selector", "#filter-severity option[value='medium']").click()
    assert all(not r.is_displayed() for r in rows if r.get_attribute("data-severity") == "high")


def test_undetermined_verdict_when_the_only_dex_is_unreadable(driver: Any, tmp_path: Path,
                                                              ruleset: Ruleset) -> None:
    broken = tmp_path / "only-dex-unreadable.apk"
    with zipfile.ZipFile(SAMPLES / "clean.apk") as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, b"dex\n035\0" + b"\xff" * 120 if info.filename == "classes.dex" else src.read(info))
    result = scan_file(broken)
    for lang, label in (("zh", "不能判定，需人工复核"), ("en", "Undetermined: needs manual review")):
        _open(driver, tmp_path, result, ruleset, lang)
        assert driver.find_element("id", "verdict").get_attribute("data-verdict") == "undetermined"
        assert driver.find_element("css selector", "#verdict .verdict-label").text == label
        assert "classes.dex" in driver.find_element("id", "unanalysed").text
