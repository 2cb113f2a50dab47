"""``appscan scan FILE...``: scan APKs and bundles, print a summary or write JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from tqdm import tqdm

from appscan.cli.common import debug_enabled
from appscan.errors import EXIT_ERROR, AppscanError
from appscan.model import ScanResult
from appscan.report.json_format import render_json, to_document
from appscan.report.text_format import render_text
from appscan.rules.loader import load_rulesets
from appscan.scan import UnknownAppTypeError, expand_inputs, scan_file

__all__ = ["scan"]


def _write(path: Path, text: str) -> None:
    """Write a report file, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _emit(results: list[ScanResult], fmt: str, output: Path | None, full: bool, many: bool) -> None:
    """Print or write the results: one document per APK into a folder, or one stream/file for all.

    With several inputs the JSON stream is always an array (even when only one of them could be scanned).
    """
    render = (lambda r: render_json(r, full)) if fmt == "json" else render_text
    suffix = ".json" if fmt == "json" else ".txt"
    if output is not None and (output.is_dir() or str(output).endswith(("/", "\\"))):
        for r in results:
            _write(output / (Path(r.facts.source).stem + suffix), render(r))
        return
    if fmt == "json" and many:
        text = json.dumps([to_document(r, full) for r in results], ensure_ascii=False, indent=2,
                          sort_keys=True) + "\n"
    else:
        text = "".join(render(r) for r in results)
    if output is None:
        sys.stdout.write(text)
    else:
        _write(output, text)


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Terminal summary, or the JSON document (docs/json-schema.md).")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write here instead of stdout. A folder (existing, or ending in /) gets one file per APK.")
@click.option("--full", is_flag=True, help="JSON: include every class, call site and string constant.")
@click.option("--time-limit", type=float, default=None, metavar="SECONDS",
              help="Stop reading code after this long; what was cut is listed in 'incomplete'.")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="An extra ruleset directory (an organisation's own rules), loaded after the bundled one; "
                   "repeatable. Entries with an existing id replace the bundled ones.")
@click.option("--app-type", metavar="NEC-ID",
              help="The app's type (NEC-01..NEC-39, see `appscan rules list --kind app-type`): enables the "
                   "necessary-scope rules.")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
def scan(inputs: tuple[Path, ...], fmt: str, output: Path | None, full: bool, time_limit: float | None,
         rules_dirs: tuple[Path, ...], app_type: str | None, debug: bool) -> None:
    """Scan APK files, split bundles (.apks, .xapk) or folders of them.

    Each file that cannot be read gets one line on stderr; the others are still scanned. Exit code 0 when every
    file was scanned, 2 when any failed.
    """
    files = list(expand_inputs(inputs))
    if not files:
        raise click.UsageError("no APK files found in the given paths")
    ruleset = load_rulesets(rules_dirs)
    if app_type is not None and app_type not in ruleset.of_kind("app-type"):
        raise UnknownAppTypeError(f"unknown app type {app_type!r} (see: appscan rules list --kind app-type)")
    results: list[ScanResult] = []
    failed = 0
    bar = tqdm(files, desc="scanning", unit="apk", disable=len(files) < 2 or None, file=sys.stderr,
               leave=False)
    for path in bar:
        bar.set_postfix_str(path.name[-40:], refresh=False)
        try:
            results.append(scan_file(path, time_limit, ruleset, app_type))
        except AppscanError as exc:
            if debug or debug_enabled():
                raise
            failed += 1
            tqdm.write(f"appscan: error: {exc}", file=sys.stderr)
        except Exception as exc:  # one bad file must not stop the batch; --debug shows the traceback
            if debug or debug_enabled():
                raise
            failed += 1
            tqdm.write(f"appscan: error: {path.name}: internal error: {type(exc).__name__}: {exc}",
                       file=sys.stderr)
    bar.close()
    if results:
        _emit(results, fmt, output, full, many=len(files) > 1)
    if failed:
        sys.exit(EXIT_ERROR)
