"""``appscan report SCAN_ID|APK``: render a stored scan, or a fresh scan of an APK, in any report format.

The output file is written only after the report rendered, so a failed render never leaves a truncated file.
Errors are raised as ``AppscanError`` for the main group to map (exit code 2). Register with
``main.add_command(report)``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from appscan.errors import AppscanError
from appscan.model import ScanResult
from appscan.report import RENDERERS, ReportFormat, render_bytes
from appscan.report.document import result_from_document
from appscan.report.i18n import DEFAULT_LANG, LANGS
from appscan.rules.loader import load_rulesets
from appscan.scan import scan_file
from appscan.store import get_scan_document, open_store

__all__ = ["report", "write_output"]


def write_output(data: bytes, output: Path | None, binary: bool = False) -> None:
    """Write to ``output`` (creating its folder) or to stdout; binary data is not sent to a terminal."""
    if output is None:
        if binary and sys.stdout.isatty():
            raise AppscanError("this format is binary: give an output file with -o")
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(data)
    except OSError as exc:
        raise AppscanError(f"cannot write {output}: {exc.strerror or exc}") from exc


def _stored(scan_id: int, db_url: str | None) -> dict[str, object]:
    """The document the store kept for ``scan_id``."""
    store = open_store(db_url, existing=True)
    try:
        return get_scan_document(store, scan_id)
    finally:
        store.close()


@click.command()
@click.argument("target", metavar="SCAN_ID|APK")
@click.option("--format", "fmt", type=click.Choice([f.value for f in RENDERERS]), default="html", show_default=True,
              help="Report format (docs/reports.md).")
@click.option("--lang", type=click.Choice(LANGS), default=DEFAULT_LANG, show_default=True,
              help="Language of HTML, Markdown, XLSX and SARIF texts.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here instead of stdout (required for xlsx on a terminal).")
@click.option("--db", "db_url", metavar="URL", default=None,
              help="Database of SCAN_ID (default: $APPSCAN_DB, else sqlite:///./appscan.db).")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Extra ruleset directory for a fresh scan, and for clause titles and names (repeatable).")
@click.option("--app-type", metavar="NEC-ID", help="App type for a fresh scan (enables necessary-scope rules).")
def report(target: str, fmt: str, lang: str, output: Path | None, db_url: str | None,
           rules_dirs: tuple[Path, ...], app_type: str | None) -> None:
    """Render a report of a stored scan (SCAN_ID, see `appscan db list`) or of a fresh scan of an APK file."""
    ruleset = load_rulesets(rules_dirs)
    path = Path(target)
    result: ScanResult
    if path.exists():
        result = scan_file(path, None, ruleset, app_type)
    elif target.isdigit():
        document = _stored(int(target), db_url)
        if fmt == ReportFormat.JSON.value:
            text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
            write_output(text.encode("utf-8"), output)
            return
        result = result_from_document(document)
    else:
        raise AppscanError(f"{target}: no such file, and not a scan id")
    write_output(render_bytes(fmt, result, lang, ruleset), output, binary=fmt == ReportFormat.XLSX.value)
