"""``appscan diff OLD NEW``: what changed between two versions (two APK files or two stored scans)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from appscan.cli.reuse import reused_or_scanned
from appscan.errors import EXIT_FINDINGS
from appscan.report.diff_view import build_diff_view, render_diff_text
from appscan.report.i18n import DEFAULT_LANG, LANGS
from appscan.report.json_format import to_document
from appscan.rules.catalog import Ruleset
from appscan.rules.loader import load_rulesets
from appscan.store import diff_documents, get_scan_document, open_store
from appscan.text import printable

__all__ = ["diff"]


def _document(ref: str, db_url: str | None, ruleset: Ruleset) -> dict[str, Any]:
    """A stored scan's document for an integer id, else the file's stored scan with the same rules, else a fresh
    scan of it."""
    if ref.isdigit() and not Path(ref).exists():
        return get_scan_document(open_store(db_url, existing=True), int(ref))
    return to_document(reused_or_scanned(Path(ref), db_url, ruleset))


@click.command()
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--db", "db_url", metavar="URL", default=None,
              help="Database holding stored scans (for scan ids). Default: $APPSCAN_DB, else ./appscan.db.")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Extra ruleset directory for fresh scans (repeatable).")
@click.option("--fail-on-new", is_flag=True,
              help="Exit 1 when NEW adds permissions, SDKs, data-collection calls or findings.")
@click.option("--lang", type=click.Choice(LANGS), default=DEFAULT_LANG, show_default=True,
              help="Language of the text output (names of SDKs, data types and collectors, finding titles).")
def diff(old: str, new: str, fmt: str, db_url: str | None, rules_dirs: tuple[Path, ...], fail_on_new: bool,
         lang: str) -> None:
    """Compare two versions: OLD and NEW are APK files or stored scan ids (see `appscan db list`).

    Shows permissions, SDKs (and their versions), data types newly or no longer collected with who collects them
    and how many call sites, and findings added and removed, and what the privacy policies changed (policy files,
    data types declared or denied, SDKs named, sections; docs/storage.md, Diff JSON).
    """
    ruleset = load_rulesets(rules_dirs)
    result = diff_documents(_document(old, db_url, ruleset), _document(new, db_url, ruleset))
    if fmt == "json":
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    else:
        text = render_diff_text(build_diff_view(result, ruleset), lang)
        sys.stdout.write("\n".join(map(printable, text.split("\n"))))
    added = any(result[s]["added"] for s in ("permissions", "sdks", "api_calls", "findings"))
    if fail_on_new and added:
        sys.exit(EXIT_FINDINGS)
