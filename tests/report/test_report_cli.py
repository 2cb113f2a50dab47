"""``appscan report`` from a fresh scan and from the database, and the document -> ScanResult round trip."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from appscan.model import ScanResult
from appscan.report import ReportFormat
from appscan.report.document import result_from_document
from appscan.report.json_format import render_json, to_document
from appscan.store import open_store, save_scan
from tests.report.conftest import SAMPLES


def test_document_round_trip(sdks_result: ScanResult) -> None:
    back = result_from_document(json.loads(render_json(sdks_result)))
    assert back.findings == sdks_result.findings and back.sdks == sdks_result.sdks
    assert back.api_calls == sdks_result.api_calls and back.facts.manifest == sdks_result.facts.manifest
    assert back.facts.app == sdks_result.facts.app and back.ruleset == sdks_result.ruleset


@pytest.mark.parametrize("fmt", list(ReportFormat))
def test_report_of_an_apk(cli: click.Group, tmp_path: Path, fmt: ReportFormat) -> None:
    out = tmp_path / "reports" / f"sdks{fmt.suffix}"
    run = CliRunner().invoke(cli, ["report", str(SAMPLES / "sdks.apk"), "--format", fmt.value, "-o", str(out)])
    assert run.exit_code == 0, run.output
    assert out.stat().st_size > 200


def test_report_of_a_stored_scan(cli: click.Group, tmp_path: Path, sdks_result: ScanResult) -> None:
    url = f"sqlite:///{tmp_path / 'appscan.db'}"
    store = open_store(url)
    try:
        scan_id = save_scan(store, sdks_result, to_document(sdks_result))
    finally:
        store.close()
    runner = CliRunner()
    stored = runner.invoke(cli, ["report", str(scan_id), "--db", url, "--format", "json"])
    assert stored.exit_code == 0, stored.output
    assert json.loads(stored.output) == to_document(sdks_result)
    html = runner.invoke(cli, ["report", str(scan_id), "--db", url, "--format", "html", "--lang", "en"])
    assert html.exit_code == 0 and sdks_result.findings[0].id in html.output
    missing = runner.invoke(cli, ["report", str(scan_id + 1), "--db", url])
    assert missing.exit_code == 2 and f"no scan {scan_id + 1}" in missing.output
    neither = runner.invoke(cli, ["report", "no-such.apk"])
    assert neither.exit_code == 2 and "no such file" in neither.output
