"""The ``appscan`` command: a click group whose subcommands are thin adapters over the library.

Exit codes (documented in the README): 0 success, 1 findings at or above ``--fail-on``, 2 an input or runtime
error, 4 an invalid ruleset. This package is the only place that exits.
"""

from __future__ import annotations

import click

from appscan import __version__
from appscan.cli.common import AppscanGroup
from appscan.cli.rules_cmd import rules
from appscan.cli.scan_cmd import scan

__all__ = ["main"]


@click.group(cls=AppscanGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110,
                                                    "terminal_width": 100})
@click.version_option(__version__, prog_name="appscan")
def main() -> None:
    """appscan: static privacy scanner for Android apps (APK, split APKs, XAPK).

    Reads an app without running it and reports its permissions, components, embedded SDKs, personal-data
    collection calls and MIIT app-rectification findings.
    """


main.add_command(scan)
main.add_command(rules)
