"""Every report format is registered once and renders the real sample."""

from __future__ import annotations

import ast

import pytest

from appscan.model import ScanResult
from appscan.report import RENDERERS, ReportFormat, render_bytes
from appscan.rules.catalog import Ruleset
from tests.conftest import REPO_ROOT


def test_to_format_is_exhaustive() -> None:
    assert set(RENDERERS) == set(ReportFormat)


@pytest.mark.parametrize("fmt", list(ReportFormat))
def test_every_format_renders_the_sample(fmt: ReportFormat, sdks_result: ScanResult, ruleset: Ruleset) -> None:
    data = render_bytes(fmt, sdks_result, "zh", ruleset)
    assert len(data) > 200
    if fmt is not ReportFormat.XLSX:
        text = data.decode("utf-8")
        assert sdks_result.facts.app.package in text


@pytest.mark.parametrize("fmt", [f for f in ReportFormat if f is not ReportFormat.XLSX])
def test_rendering_is_deterministic(fmt: ReportFormat, sdks_result: ScanResult, ruleset: Ruleset) -> None:
    assert render_bytes(fmt, sdks_result, "en", ruleset) == render_bytes(fmt, sdks_result, "en", ruleset)


def test_renderers_read_model_values_only() -> None:
    """No report module imports androguard or the ORM: renderers read ``ScanResult`` values only."""
    for source in (REPO_ROOT / "appscan" / "report").glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not {m for m in imported if m.startswith(("androguard", "sqlalchemy", "appscan.store"))}, source.name
