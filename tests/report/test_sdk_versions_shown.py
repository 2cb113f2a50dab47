"""Every report format names each SDK's version, and the sharing list (第三方信息共享清单) has it on the SDK's row."""

from __future__ import annotations

import io
import json
import re

import pytest
from openpyxl import load_workbook

from appscan.model import ScanResult
from appscan.report import ReportFormat, render_bytes
from appscan.report.i18n import t
from appscan.scan import scan_file
from tests.report.conftest import SAMPLES

VERSIONS = {"gdt": "4.422", "unionpay": "3.4.8", "baidu-map": "7.5.4"}
"""Versions ``samples/plugins.apk`` states (samples/README.md)."""


@pytest.fixture(scope="module")
def plugins_result() -> ScanResult:
    result = scan_file(SAMPLES / "plugins.apk")
    assert {d.id: d.version for d in result.sdks if d.id in VERSIONS} == VERSIONS
    return result


@pytest.mark.parametrize("fmt", [ReportFormat.HTML, ReportFormat.MARKDOWN, ReportFormat.TEXT, ReportFormat.JSON,
                                 ReportFormat.SARIF])
def test_text_formats_name_every_version(plugins_result: ScanResult, fmt: ReportFormat) -> None:
    text = render_bytes(fmt, plugins_result, "en").decode("utf-8")
    assert all(v in text for v in VERSIONS.values())


def test_sarif_lists_sdks_with_versions(plugins_result: ScanResult) -> None:
    run = json.loads(render_bytes(ReportFormat.SARIF, plugins_result, "en"))["runs"][0]
    assert {s["id"]: s["version"] for s in run["properties"]["sdks"] if s["id"] in VERSIONS} == VERSIONS


def test_html_sharing_list_has_a_version_column(plugins_result: ScanResult) -> None:
    html = render_bytes(ReportFormat.HTML, plugins_result, "zh").decode("utf-8")
    sharing = html[html.index('<section id="sharing">'):]
    sharing = sharing[:sharing.index("</section>")]
    assert f"<th>{t('zh', 'col.version')}</th>" in sharing
    for sdk, version in VERSIONS.items():
        row = re.search(rf'<tr class="row" data-sdk="{sdk}">(.*?)</tr>', sharing, re.S)
        assert row and f"<td>{version}</td>" in row.group(1)


def test_xlsx_sharing_sheet_has_the_version(plugins_result: ScanResult) -> None:
    book = load_workbook(io.BytesIO(render_bytes(ReportFormat.XLSX, plugins_result, "en")))
    sheet = book[t("en", "sheet.sharing")]
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index(t("en", "col.version"))
    assert sorted(r[column] for r in rows[1:] if r[column]) == sorted(VERSIONS.values())
