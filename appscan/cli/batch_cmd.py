"""``appscan batch DIR|LIST...``: scan many APKs into the database with a process per APK, then summarise."""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path

import click
from tqdm import tqdm

from appscan.jobs.batch import BatchOptions, BatchSummary, batch_inputs, run_batch
from appscan.cli.common import limit_options
from appscan.errors import EXIT_ERROR
from appscan.jobs.ingest import Outcome, failure_kind
from appscan.rules.loader import load_rulesets
from appscan.rules.verdict import LABELS, LEVELS

__all__ = ["batch", "format_summary"]


def format_summary(summary: BatchSummary) -> str:
    """The closing lines of a batch: counts, time and throughput, then how many APKs got each verdict (worst
    first, with the Chinese label; ``appscan db list`` shows each APK's)."""
    verdicts = ", ".join(f"{summary.verdicts[level]} {level} ({LABELS[level].zh})" if level in LABELS
                         else f"{summary.verdicts[level]} {level}"
                         for level in (*LEVELS, "none") if summary.verdicts.get(level))
    skipped = summary.count("skipped")
    kinds = Counter(failure_kind(o.error) for o in summary.outcomes if o.status == "failed")
    failed = f"{summary.count('failed')} failed" + (
        " (" + ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))) + ")"
        if kinds else "")
    return (f"{summary.count('scanned')} scanned, {summary.count('reused')} reused, "
            f"{failed}" + (f", {skipped} skipped after repeated failures" if skipped else "")
            + f" in {summary.elapsed_s:.1f} s "
            f"({summary.per_minute:.1f} APKs/min)\nverdicts: {verdicts or 'none'}")


@click.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--workers", "-j", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default=True,
              help="APKs scanned at the same time, each in its own process.")
@limit_options(memory_default=None)
@click.option("--db", "db_url", metavar="URL", help="SQLAlchemy URL of the database (default: $APPSCAN_DB or "
                                                    "./appscan.db).")
@click.option("--force", is_flag=True, help="Scan again APKs already stored with the same ruleset, and APKs skipped "
                                            "after repeated failures.")
@click.option("--max-failures", type=click.IntRange(min=0), default=3, show_default=True, metavar="N",
              help="An APK that failed N times with the same rules is not tried again (a poison APK); 0: always "
                   "retried.")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
def batch(sources: tuple[Path, ...], workers: int, time_limit: float, memory_limit: int | None,
          db_url: str | None, force: bool, max_failures: int, debug: bool) -> None:
    """Scan folders of APKs, or LIST files naming one APK per line, into the database.

    APKs already stored with the same ruleset are skipped, so an interrupted batch resumes. A file that cannot be
    scanned, or that exceeds a limit, is recorded as failed and the batch goes on; one that failed --max-failures
    times is not tried again. Exit code 0 when every APK is stored, 2 when any failed or was skipped.
    """
    paths = batch_inputs(sources)
    if not paths:
        raise click.UsageError("no APK files found in the given paths")
    ruleset = load_rulesets()
    tqdm.monitor_interval = 0  # no monitor thread: the batch forks a child per APK
    bar = tqdm(total=len(paths), desc="batch", unit="apk", file=sys.stderr, dynamic_ncols=True)

    def progress(outcome: Outcome) -> None:
        if outcome.status in ("failed", "skipped"):
            tqdm.write(f"appscan: {outcome.status}: {outcome.error}", file=sys.stderr)
        bar.update(1)

    try:
        summary = run_batch(paths, db_url, ruleset,
                            BatchOptions(workers, time_limit, memory_limit, force, max_failures or None), progress)
    finally:
        bar.close()
    click.echo(format_summary(summary))
    if summary.count("failed") or summary.count("skipped"):
        sys.exit(EXIT_ERROR)
