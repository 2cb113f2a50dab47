"""Report formats: one module per format, registered once here.

``ReportFormat`` names every format the CLI offers and ``RENDERERS`` maps each to its renderer, a function
``(result, stream, lang, ruleset) -> None`` that writes bytes. Renderers read a ``ScanResult`` only (never ORM rows
or androguard objects); the human-readable ones share their derivations through ``appscan.report.views``.
"""

from __future__ import annotations

import enum
import io
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import BinaryIO

from appscan.errors import extra_needed
from appscan.model import ScanResult
from appscan.report.html import render_html
from appscan.report.i18n import DEFAULT_LANG
from appscan.report.json_format import render_json
from appscan.report.markdown import render_markdown
from appscan.report.sarif import render_sarif
from appscan.report.text_format import render_text
from appscan.rules.catalog import Ruleset

__all__ = ["RENDERERS", "ReportFormat", "Renderer", "render", "render_bytes"]

Renderer = Callable[[ScanResult, BinaryIO, str, "Ruleset | None"], None]


class ReportFormat(str, enum.Enum):
    """The formats of ``appscan report --format``."""

    JSON = "json"
    SARIF = "sarif"
    HTML = "html"
    MARKDOWN = "markdown"
    XLSX = "xlsx"
    TEXT = "text"

    @property
    def suffix(self) -> str:
        """The file name extension of the format."""
        return {"markdown": ".md", "text": ".txt"}.get(self.value, "." + self.value)


def _json(result: ScanResult, stream: BinaryIO, lang: str, ruleset: Ruleset | None) -> None:
    """The scan JSON document (docs/json-schema.md); language-independent, it carries both."""
    stream.write(render_json(result).encode("utf-8"))


def _xlsx(result: ScanResult, stream: BinaryIO, lang: str, ruleset: Ruleset | None) -> None:
    """The Excel workbook (``appscan.report.xlsx``), whose writer, openpyxl, is the optional 'xlsx' extra."""
    with extra_needed("xlsx", "the XLSX report"):
        from appscan.report.xlsx import render_xlsx
    render_xlsx(result, stream, lang, ruleset)


def _text(result: ScanResult, stream: BinaryIO, lang: str, ruleset: Ruleset | None) -> None:
    """The terminal summary (English)."""
    stream.write(render_text(result, ruleset).encode("utf-8"))


RENDERERS: Mapping[ReportFormat, Renderer] = MappingProxyType({
    ReportFormat.JSON: _json,
    ReportFormat.SARIF: render_sarif,
    ReportFormat.HTML: render_html,
    ReportFormat.MARKDOWN: render_markdown,
    ReportFormat.XLSX: _xlsx,
    ReportFormat.TEXT: _text,
})


def render(fmt: ReportFormat | str, result: ScanResult, stream: BinaryIO, lang: str = DEFAULT_LANG,
           ruleset: Ruleset | None = None) -> None:
    """Write ``result`` in ``fmt`` to ``stream``."""
    RENDERERS[ReportFormat(fmt)](result, stream, lang, ruleset)


def render_bytes(fmt: ReportFormat | str, result: ScanResult, lang: str = DEFAULT_LANG,
                 ruleset: Ruleset | None = None) -> bytes:
    """The report as bytes, so a caller writes its output file only once rendering succeeded."""
    buffer = io.BytesIO()
    render(fmt, result, buffer, lang, ruleset)
    return buffer.getvalue()
