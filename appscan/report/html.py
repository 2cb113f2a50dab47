"""The HTML report: one self-contained page (inline CSS and JS, no network asset) that opens offline and prints.

Rendered with Jinja2 with autoescaping always on and undefined names raising: app labels, URLs, class names and
strings all come from the APK, which an attacker controls. UI text comes from the ``i18n`` catalogue only.
"""

from __future__ import annotations

import functools
from typing import BinaryIO

import jinja2

from appscan.model import ScanResult, Text
from appscan.report.i18n import DEFAULT_LANG, label, pick, t
from appscan.report.views import POLICY_SECTIONS, QUOTES_SHOWN, SEVERITIES, build_view, shown_evidence
from appscan.rules.catalog import Ruleset

__all__ = ["render_html"]


@functools.cache
def _environment() -> jinja2.Environment:
    """One template environment per process; autoescape is unconditional, not by file extension."""
    return jinja2.Environment(loader=jinja2.PackageLoader("appscan.report", "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _readable(smali: str) -> str:
    """``Lcom/a/B;->m(I)V`` -> ``com.a.B.m(I)V``: easier to read, still unambiguous."""
    cls, sep, member = smali.partition(";->")
    if not sep or not cls.startswith("L"):
        return smali
    return cls[1:].replace("/", ".") + "." + member


def render_html(result: ScanResult, stream: BinaryIO, lang: str = DEFAULT_LANG,
                ruleset: Ruleset | None = None) -> None:
    """Write the report of one scan as UTF-8 HTML to ``stream``."""
    view = build_view(result, ruleset)
    template = _environment().get_template("report.html.j2")
    page = template.render(
        v=view, r=view.result, app=view.result.facts.app, lang=lang, severities=SEVERITIES,
        t=functools.partial(t, lang), tx=lambda value: pick(value, lang) if isinstance(value, Text) else value,
        label=functools.partial(label, lang), readable=_readable, shown=shown_evidence,
        policy_sections=POLICY_SECTIONS, quotes_shown=QUOTES_SHOWN,
    )
    stream.write(page.encode("utf-8"))
