"""The release gate on the command line: ``appscan baseline``, and the options ``appscan scan`` gates with.

Exit codes: 0 passed, 1 a finding that is neither suppressed nor baselined is at or above ``--fail-on``, 2 an
error. ``scan`` adds the options with ``@gate_options``, reads the files with ``load_gate_files`` before it scans,
and calls ``run_gate`` after its results are written.
Register the command with ``main.add_command(baseline)``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from appscan.cli.common import say
from appscan.cli.report_cmd import write_output
from appscan.cli.reuse import reused_or_scanned
from appscan.model import ScanResult
from appscan.report.baseline import baseline_document, load_baseline
from appscan.report.gate import FAIL_ON, at_or_above, gate
from appscan.report.suppress import Suppression, check_known, expired, from_record, load_suppressions
from appscan.rules.catalog import Ruleset
from appscan.rules.loader import load_rulesets
from appscan.store import Store
from appscan.store.review_records import DEFAULT_TENANT, SUPPRESSING, latest_reviews

__all__ = ["GateFiles", "baseline", "gate_options", "load_gate_files", "reviewed_suppressions", "run_gate"]

F = TypeVar("F", bound=Callable[..., Any])


def gate_options(command: F) -> F:
    """``--fail-on``, ``--baseline`` and ``--suppressions`` (parameters fail_on, baseline_path, suppressions_path)."""
    command = click.option("--suppressions", "suppressions_path", type=click.Path(dir_okay=False, path_type=Path),
                           help="YAML/JSON file of accepted findings with reasons and optional expiry "
                                "(docs/reports.md).")(command)
    command = click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False, path_type=Path),
                           help="Baseline file from `appscan baseline`: its findings do not fail the build.")(command)
    return click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
                        help="Exit 1 when a finding at or above this severity is neither suppressed nor in the "
                             "baseline.")(command)


@dataclass(frozen=True)
class GateFiles:
    """The baseline and suppression files of a gated command, read and checked before any scan starts, so that a
    typo costs one line at once rather than a line after the whole scan."""

    accepted: frozenset[str] = frozenset()
    """Finding ids of the baseline."""
    suppressions: tuple[Suppression, ...] = ()


def load_gate_files(baseline_path: Path | None, suppressions_path: Path | None, ruleset: Ruleset) -> GateFiles:
    """Read both files (either may be absent); a suppression naming an unknown rule, SDK or clause is an error."""
    suppressions = load_suppressions(suppressions_path) if suppressions_path else ()
    if suppressions_path:
        check_known(suppressions, {kind: ruleset.of_kind(kind) for kind in ("rule", "sdk", "clause")},
                    str(suppressions_path))
    return GateFiles(frozenset(load_baseline(baseline_path)) if baseline_path else frozenset(), suppressions)


def reviewed_suppressions(store: Store, packages: Iterable[str], tenant: str = DEFAULT_TENANT) \
        -> dict[str, tuple[Suppression, ...]]:
    """Per package, the tenant's reviews that set a finding aside (false positive, accepted risk) as suppressions
    of that finding: the gate treats them as it treats suppressions, an expired accepted risk included (it warns
    and no longer applies). The CLI's scans are the default tenant's."""
    return {package: tuple(from_record("finding", r.finding_id, r.describe(), r.expires_at)
                           for r in latest_reviews(store, tenant, package).values() if r.verdict in SUPPRESSING)
            for package in dict.fromkeys(packages)}


def _warn_expired(entries: Iterable[Suppression], day: dt.date) -> None:
    for entry in expired(entries, day):
        click.echo(f"appscan: warning: suppression expired on {entry.expires}: {entry.describe()}", err=True)


def run_gate(results: Iterable[ScanResult], fail_on: str | None, files: GateFiles,
             stored: Iterable[Suppression] = (), today: dt.date | None = None,
             reviewed: Mapping[str, Sequence[Suppression]] | None = None) -> int:
    """Gate every result; warn on stderr about expired suppressions and blocking findings; return the exit code.

    ``stored`` are suppressions from the database (``suppress.from_record``), used with those of the file;
    ``reviewed`` those of reviewed findings by package (``reviewed_suppressions``), used for that app only.
    """
    day = today or dt.date.today()
    entries = (*files.suppressions, *stored)
    _warn_expired(entries, day)
    code = 0
    for result in results:
        own = (reviewed or {}).get(result.facts.app.package, ())
        _warn_expired(own, day)
        exit_code, kept, aside = gate(result.findings, fail_on, files.accepted, (*entries, *own), day)
        blocking = [f for f in kept if fail_on is not None and at_or_above(f.severity, fail_on)]
        for finding in blocking:
            say(f"appscan: {result.facts.source}: [{finding.severity}] {finding.rule} {finding.title.en} "
                f"({finding.id})", err=True)
        if fail_on is not None:
            say(f"appscan: {result.facts.source}: {len(blocking)} blocking finding(s) at or above "
                f"{fail_on}, {len(aside)} suppressed or baselined", err=True)
        code = max(code, exit_code)
    return code


@click.command()
@click.argument("apk", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("baseline.json"),
              show_default=True, help="Baseline file to write.")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Extra ruleset directory, as given to `appscan scan` (repeatable).")
@click.option("--app-type", metavar="NEC-ID", help="App type, as given to `appscan scan`.")
@click.option("--db", "db_url", metavar="URL", default=None,
              help="Database whose stored scan of the same file and rules is used instead of scanning again. "
                   "Default: $APPSCAN_DB, else ./appscan.db (when it exists).")
def baseline(apk: Path, output: Path, rules_dirs: tuple[Path, ...], app_type: str | None, db_url: str | None) -> None:
    """Scan APK (or take its stored scan) and record the stable ids of its current findings: `appscan scan
    --baseline` then fails only on new ones."""
    result = reused_or_scanned(apk, db_url, load_rulesets(rules_dirs), app_type)
    document = baseline_document(result)
    write_output((json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8"), output)
    click.echo(f"appscan: {len(document['findings'])} finding(s) recorded in {output}", err=True)
