"""``appscan scan FILE...``: scan APKs and bundles, store the results, print a summary or JSON, gate a build."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
from tqdm import tqdm

from appscan.apk.archive import display_name
from appscan.cli.common import debug_enabled
from appscan.cli.gate_cmd import gate_options, load_gate_files, reviewed_suppressions, run_gate
from appscan.cli.reuse import stored_result
from appscan.errors import EXIT_ERROR, AppscanError, StoreError
from appscan.model import ScanResult
from appscan.report import ReportFormat, render_bytes
from appscan.report.i18n import DEFAULT_LANG, LANGS
from appscan.report.json_format import render_json, to_document
from appscan.report.suppress import from_record
from appscan.report.text_format import render_text
from appscan.rules.catalog import Ruleset
from appscan.rules.loader import load_rulesets
from appscan.rules.verdict import failed_verdict
from appscan.scan import check_app_type, expand_inputs, scan_file
from appscan.store import (
    Store,
    list_suppressions,
    open_store,
    record_failure,
    save_scan,
)

__all__ = ["scan"]


def _write(path: Path, text: str) -> None:
    """Write a report file, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _emit(results: list[ScanResult], fmt: str, output: str | None, full: bool, many: bool) -> None:
    """Print or write the results: one document per APK into a folder, or one stream/file for all.

    ``output`` is the option as typed: a trailing separator (which ``Path`` would drop) asks for a folder. With
    several inputs the JSON stream is always an array (even when only one of them could be scanned).
    """
    render = (lambda r: render_json(r, full)) if fmt == "json" else render_text
    suffix = ".json" if fmt == "json" else ".txt"
    if output is not None and (Path(output).is_dir() or output.endswith(("/", "\\"))):
        for r in results:
            _write(Path(output) / (Path(r.facts.source).stem + suffix), render(r))
        return
    if fmt == "json" and many:
        text = json.dumps([to_document(r, full) for r in results], ensure_ascii=False, indent=2,
                          sort_keys=True) + "\n"
    else:
        text = "".join(render(r) for r in results)
    if output is None:
        sys.stdout.write(text)
    else:
        _write(Path(output), text)


def _write_reports(results: list[ScanResult], folder: Path, formats: tuple[str, ...], lang: str,
                   ruleset: Ruleset) -> None:
    """One report file per APK and format, through the same renderers as ``appscan report``."""
    folder.mkdir(parents=True, exist_ok=True)
    for result in results:
        stem = Path(result.facts.source).name
        for name in dict.fromkeys(formats):
            fmt = ReportFormat(name)
            (folder / f"{stem}{fmt.suffix}").write_bytes(render_bytes(fmt, result, lang, ruleset))


def _scan_or_reuse(path: Path, store: Store | None, force: bool, full: bool, time_limit: float | None,
                   ruleset: Ruleset, app_type: str | None, dumps: list[Path], policies: list[Path]) -> ScanResult:
    """A stored result of the same file, rules, app type and policy files when there is one (unless --force), else
    a scan. A fresh result is stored in one transaction. ``--full`` always rescans: stored documents keep code counts
    only.
    """
    if store is not None and not force and not full:
        stored = stored_result(path, store, ruleset, app_type, policies)
        if stored is not None:
            return stored
    result = scan_file(path, time_limit, ruleset, app_type, dumps, policies)
    if store is not None:
        save_scan(store, result, to_document(result))
    return result


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Terminal summary, or the JSON document (docs/json-schema.md).")
@click.option("-o", "--output", type=click.Path(),
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
@click.option("--db", "db_url", metavar="URL", default=None,
              help="Database to store results in (SQLAlchemy URL). Default: $APPSCAN_DB, else ./appscan.db.")
@click.option("--no-store", is_flag=True, help="Do not store the results (and do not reuse stored ones).")
@click.option("--force", is_flag=True, help="Rescan even when this file was stored with the same rules.")
@click.option("--report-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also write reports of every APK into this folder (NAME.html, NAME.json, NAME.sarif...).")
@click.option("--report-format", "report_formats", multiple=True, default=("html", "json", "sarif"),
              type=click.Choice([f.value for f in ReportFormat]), show_default=True,
              help="Formats written to --report-dir (repeatable).")
@click.option("--lang", type=click.Choice(LANGS), default=DEFAULT_LANG, show_default=True,
              help="Language of the reports written to --report-dir.")
@gate_options
@click.option("--dex", "dex_paths", multiple=True, type=click.Path(exists=True, path_type=Path),
              metavar="FILE_OR_DIR",
              help="Dex files dumped from the running app (a packed app's real code; a folder: its *.dex), "
                   "analysed with the APK's own code. Such a scan is neither stored nor taken from the store.")
@click.option("--policy", "policy_paths", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              metavar="FILE",
              help="The app's privacy policy (HTML, Markdown, text or PDF; repeatable: policy, children's policy, SDK "
                   "list page), compared with what the code collects and embeds. Without it, policies the APK "
                   "carries in its assets or strings are read.")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
def scan(inputs: tuple[Path, ...], fmt: str, output: str | None, full: bool, time_limit: float | None,
         rules_dirs: tuple[Path, ...], app_type: str | None, db_url: str | None, no_store: bool, force: bool,
         report_dir: Path | None, report_formats: tuple[str, ...], lang: str, fail_on: str | None,
         baseline_path: Path | None, suppressions_path: Path | None, dex_paths: tuple[Path, ...],
         policy_paths: tuple[Path, ...], debug: bool) -> None:
    """Scan APK files, split bundles (.apks, .xapk), App Bundles (.aab) or folders of them.

    Results are stored in the database (one transaction per APK). Each file that cannot be read gets one line on
    stderr; the others are still scanned. Exit codes: 0 done (and no finding at or above --fail-on),
    1 findings at or above --fail-on, 2 any file failed or another error.
    """
    files = list(expand_inputs(inputs))
    if not files:
        raise click.UsageError("no APK files found in the given paths")
    ruleset = load_rulesets(rules_dirs)
    check_app_type(ruleset, app_type)  # once, before any file: not one error line per APK
    gate_files = load_gate_files(baseline_path, suppressions_path, ruleset)
    dumps, policies = list(dex_paths), list(policy_paths)
    # The store holds what each file alone gives: a scan with dumps would be taken for it later.
    store = None if no_store or dumps else open_store(db_url)
    results: list[ScanResult] = []
    failed = 0
    bar = tqdm(files, desc="scanning", unit="apk", disable=len(files) < 2 or None, file=sys.stderr,
               leave=False)
    for path in bar:
        bar.set_postfix_str(display_name(path)[-40:], refresh=False)
        start = time.monotonic()
        try:
            results.append(_scan_or_reuse(path, store, force, full, time_limit, ruleset, app_type, dumps,
                                          policies))
        except AppscanError as exc:
            if debug or debug_enabled():
                raise
            failed += 1
            tqdm.write(f"appscan: error: {exc}", file=sys.stderr)
            if store is not None and not isinstance(exc, StoreError):
                record_failure(store, display_name(path), str(exc), time.monotonic() - start,
                               verdict=failed_verdict(str(exc)))
        except Exception as exc:  # one bad file must not stop the batch; --debug shows the traceback
            if debug or debug_enabled():
                raise
            failed += 1
            tqdm.write(f"appscan: error: {display_name(path)}: internal error: {type(exc).__name__}: {exc}",
                       file=sys.stderr)
    bar.close()
    if results:
        _emit(results, fmt, output, full, many=len(files) > 1)
    if report_dir is not None:
        _write_reports(results, report_dir, report_formats, lang, ruleset)
    if failed:
        sys.exit(EXIT_ERROR)
    stored = [from_record(r.kind, r.value, r.reason, r.expires_at) for r in list_suppressions(store)] if store else []
    reviewed = reviewed_suppressions(store, (r.facts.app.package for r in results)) if store else {}
    code = run_gate(results, fail_on, gate_files, stored, reviewed=reviewed)
    if code:
        sys.exit(code)
