"""Scanning needs none of the optional dependency groups; a command that needs one names it in one line.

The development environment installs every extra, so each test hides one module (``sys.modules[name] = None``
makes importing it fail as if it were not installed) and runs the command that needs it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from appscan.cli import main
from appscan.errors import EXTRAS, MissingExtraError
from appscan.store import open_store
from tests.conftest import REPO_ROOT

SAMPLE = REPO_ROOT / "samples" / "sdks.apk"


def _hide(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    for name in list(sys.modules):
        if name.split(".")[0] in modules:
            monkeypatch.delitem(sys.modules, name)
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)


def test_scanning_imports_no_optional_dependency() -> None:
    """A scan, its JSON, HTML, SARIF and Markdown reports load none of the extras' modules."""
    optional = sorted({m for modules in EXTRAS.values() for m in modules})
    code = ("import sys\nfrom pathlib import Path\nfrom appscan.scan import scan_file\n"
            "from appscan.report import render_bytes\n"
            f"r = scan_file(Path({str(SAMPLE)!r}))\n"
            "for fmt in ('json', 'html', 'sarif', 'markdown', 'text'):\n    render_bytes(fmt, r)\n"
            f"print(sorted(m for m in {optional!r} if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_xlsx_without_openpyxl_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _hide(monkeypatch, "openpyxl")
    monkeypatch.delitem(sys.modules, "appscan.report.xlsx", raising=False)
    result = CliRunner().invoke(main, ["report", str(SAMPLE), "--format", "xlsx", "-o", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 2 and "pip install 'appscan[xlsx]'" in result.output
    assert result.output.count("\n") == 1 and not (tmp_path / "r.xlsx").exists()


def test_serve_without_the_server_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide(monkeypatch, "uvicorn")
    result = CliRunner().invoke(main, ["serve", "--port", "1"])
    assert result.exit_code == 2 and "pip install 'appscan[server]'" in result.output


def test_worker_without_the_distributed_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide(monkeypatch, "celery")
    monkeypatch.delitem(sys.modules, "appscan.jobs.worker", raising=False)
    result = CliRunner().invoke(main, ["submit", str(SAMPLE)])
    assert result.exit_code == 2 and "pip install 'appscan[distributed]'" in result.output


def test_postgresql_without_psycopg_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide(monkeypatch, "psycopg")
    with pytest.raises(MissingExtraError, match=r"pip install 'appscan\[postgres\]'"):
        open_store("postgresql+psycopg://postgres@127.0.0.1:5432/test")


def test_an_unrelated_import_error_is_not_blamed_on_an_extra() -> None:
    from appscan.errors import extra_needed

    with pytest.raises(ImportError), extra_needed("xlsx", "the XLSX report"):
        import appscan_no_such_module  # type: ignore[import-not-found]  # noqa: F401


def test_a_pdf_notice_without_weasyprint_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import date

    from appscan.report.notice import Notice, render_notice_pdf
    from appscan.rules.loader import load_rulesets
    from appscan.scan import scan_file

    result = scan_file(SAMPLE)
    notice = Notice(result, result.findings[:1], "reject", "store", "reviewer", date(2026, 12, 6), "N-1")
    _hide(monkeypatch, "weasyprint")
    with pytest.raises(MissingExtraError, match=r"pip install 'appscan\[pdf\]'"):
        render_notice_pdf(notice, load_rulesets())
