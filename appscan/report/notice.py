"""The rectification notice (整改通知): what an app store sends a developer after review, as HTML and PDF.

A notice lists the findings a reviewer confirmed, grouped under the regulatory clause each one breaks first (its
primary clause; the others are named beside it), with the evidence a developer can check and the advice, in
Chinese by default or English. It is rendered from one Jinja2 template with autoescaping always on (app labels,
package names, evidence and reviewer comments are untrusted text); the PDF is that same page laid out for A4 by
WeasyPrint, an optional dependency (the ``pdf`` extra), so the HTML and PDF never say different things.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import jinja2

from appscan.errors import extra_needed
from appscan.model import Finding, ScanResult, Text
from appscan.report.i18n import DEFAULT_LANG, label, pick, t
from appscan.rules.catalog import Clause, Ruleset
from appscan.rules.engine import SEVERITIES

__all__ = ["DECISIONS", "Notice", "render_notice_html", "render_notice_pdf"]

DECISIONS = ("rectification-required", "reject", "approve")
EVIDENCE_PER_FINDING = 4
"""Evidence lines a notice shows per finding: enough to find the place, short enough to print."""


@dataclass(frozen=True)
class Notice:
    """Everything a notice says, as the reviewer decided it."""

    result: ScanResult
    findings: tuple[Finding, ...]
    """The confirmed findings (a reviewer's choice among the scan's findings)."""
    decision: str
    """One of ``DECISIONS``."""
    issuer: str
    """Who issues it: the app store team or company (the tenant)."""
    reviewer: str
    issued: date
    number: str
    """The notice's reference number, e.g. the scan id and date."""
    comment: str = ""
    deadline: date | None = None
    """The date by which the developer must resubmit; none stated when None."""
    contact: str = ""
    """Where the developer answers or objects (an address, a URL)."""
    scan_id: int | None = None

    def __post_init__(self) -> None:
        if self.decision not in DECISIONS:
            raise ValueError(f"decision {self.decision!r} is not one of {', '.join(DECISIONS)}")


@dataclass(frozen=True)
class _Group:
    """The findings whose primary clause is ``clause``."""

    clause_id: str
    clause: Clause | None
    findings: list[Finding] = field(default_factory=list)


def _groups(findings: Iterable[Finding], ruleset: Ruleset) -> list[_Group]:
    """Findings by primary clause, clauses in catalogue order (191号, 337号, 164号, 26号...), findings by severity."""
    clauses = {c.id: c for c in ruleset.clauses}
    order = {c.id: i for i, c in enumerate(ruleset.clauses)}
    groups: dict[str, _Group] = {}
    for f in sorted(findings, key=lambda f: (SEVERITIES.index(f.severity), f.rule, f.id)):
        primary = f.clauses[0] if f.clauses else ""
        groups.setdefault(primary, _Group(primary, clauses.get(primary))).findings.append(f)
    return sorted(groups.values(), key=lambda g: (order.get(g.clause_id, len(order)), g.clause_id))


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("appscan.report", "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_notice_html(notice: Notice, ruleset: Ruleset, lang: str = DEFAULT_LANG) -> bytes:
    """The notice as a self-contained UTF-8 HTML page (no network asset; prints on A4)."""
    app = notice.result.facts.app
    page = _environment().get_template("notice.html.j2").render(
        n=notice, app=app, groups=_groups(notice.findings, ruleset), lang=lang,
        t=functools.partial(t, lang), tx=lambda value: pick(value, lang) if isinstance(value, Text) else value,
        label=functools.partial(label, lang), evidence_shown=EVIDENCE_PER_FINDING,
        counts={s: sum(1 for f in notice.findings if f.severity == s) for s in SEVERITIES},
    )
    return page.encode("utf-8")


def render_notice_pdf(notice: Notice, ruleset: Ruleset, lang: str = DEFAULT_LANG) -> bytes:
    """The same page as a PDF (A4). Needs WeasyPrint: ``pip install 'appscan[pdf]'``; without it, one error line
    that names the extra. Chinese needs a CJK font on the machine (Noto Sans CJK, WenQuanYi...), as for printing the
    HTML report."""
    with extra_needed("pdf", "a PDF notice"):
        from weasyprint import HTML  # noqa: PLC0415 - optional dependency, imported when a PDF is asked for
    return HTML(string=render_notice_html(notice, ruleset, lang).decode("utf-8")).write_pdf()
