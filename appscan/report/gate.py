"""The release gate: which findings block a build, after suppressions and the baseline.

Exit codes (also in docs/reports.md): 0 passed, 1 some finding that is neither suppressed nor in the baseline is
at or above ``--fail-on``, 2 an error (raised as ``AppscanError`` and mapped by the CLI).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from appscan.errors import EXIT_FINDINGS, EXIT_OK, AppscanError
from appscan.model import Finding
from appscan.report.suppress import Suppression, matching

__all__ = ["FAIL_ON", "Suppressed", "at_or_above", "gate"]

FAIL_ON = ("high", "medium", "low", "info")
"""Thresholds, most severe first; ``--fail-on low`` fails on high, medium and low findings."""


@dataclass(frozen=True, slots=True)
class Suppressed:
    """A finding that does not count for the gate, and why: a suppression entry, or the baseline (None)."""

    finding: Finding
    by: Suppression | None

    @property
    def reason(self) -> str:
        """One line for reports: the suppression's description, or "baseline"."""
        return self.by.describe() if self.by else "baseline"


def _check_threshold(threshold: str) -> None:
    """An unknown threshold is a usage error, whatever the findings."""
    if threshold not in FAIL_ON:
        raise AppscanError(f"--fail-on must be one of {', '.join(FAIL_ON)}, not {threshold!r}")


def at_or_above(severity: str, threshold: str) -> bool:
    """True when ``severity`` is as severe as ``threshold`` or more."""
    _check_threshold(threshold)
    return FAIL_ON.index(severity) <= FAIL_ON.index(threshold)


def gate(findings: Iterable[Finding], fail_on: str | None, baseline_ids: set[str] | frozenset[str] = frozenset(),
         suppressions: Sequence[Suppression] = (), today: dt.date | None = None) \
        -> tuple[int, tuple[Finding, ...], tuple[Suppressed, ...]]:
    """(exit code, findings that count, findings set aside): suppressions first, then the baseline.

    With ``fail_on`` None the exit code is always 0 (report only). Expired suppressions set nothing aside
    (``suppress.expired`` lists them for the warning).
    """
    if fail_on is not None:
        _check_threshold(fail_on)
    day = today or dt.date.today()
    kept: list[Finding] = []
    aside: list[Suppressed] = []
    for finding in findings:
        entry = matching(finding, suppressions, day)
        if entry is not None:
            aside.append(Suppressed(finding, entry))
        elif finding.id in baseline_ids:
            aside.append(Suppressed(finding, None))
        else:
            kept.append(finding)
    failed = fail_on is not None and any(at_or_above(f.severity, fail_on) for f in kept)
    return (EXIT_FINDINGS if failed else EXIT_OK), tuple(kept), tuple(aside)
