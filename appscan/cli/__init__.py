"""The ``appscan`` command: a click group whose subcommands are thin adapters over the library.

Subcommands are imported only when invoked (``COMMANDS`` names where each lives), so ``appscan scan`` does not
pay for the database, report, worker and service stacks it does not use.

Exit codes (documented in the README): 0 success, 1 findings at or above ``--fail-on``, 2 an input or runtime
error, 4 an invalid ruleset. This package is the only place that exits.
"""

from __future__ import annotations

import click

from appscan import __version__
from appscan.cli.common import AppscanGroup

__all__ = ["COMMANDS", "main"]

COMMANDS: dict[str, str] = {
    "scan": "appscan.cli.scan_cmd:scan",
    "report": "appscan.cli.report_cmd:report",
    "baseline": "appscan.cli.gate_cmd:baseline",
    "diff": "appscan.cli.diff_cmd:diff",
    "rules": "appscan.cli.rules_cmd:rules",
    "policy": "appscan.cli.policy_cmd:policy",
    "db": "appscan.cli.db_cmd:db",
    "query": "appscan.cli.db_cmd:query",
    "history": "appscan.cli.db_cmd:history_cmd",
    "batch": "appscan.cli.batch_cmd:batch",
    "submit": "appscan.cli.worker_cmd:submit",
    "worker": "appscan.cli.worker_cmd:worker",
    "serve": "appscan.cli.serve_cmd:serve",
    "apikey": "appscan.cli.serve_cmd:apikey",
    "review": "appscan.cli.review_cmd:review",
    "user": "appscan.cli.review_cmd:user",
}
"""Command name -> ``module:attribute`` of its click command."""


@click.group(cls=AppscanGroup, lazy_commands=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110,
                               "terminal_width": 100})
@click.version_option(__version__, prog_name="appscan")
def main() -> None:
    """appscan: static privacy scanner for Android apps (APK, split APKs, XAPK).

    Reads an app without running it and reports its permissions, components, embedded SDKs, personal-data
    collection calls and MIIT app-rectification findings, stores results in a database, renders reports
    (HTML in Chinese or English, JSON, SARIF, Markdown, XLSX) and gates builds.
    """
