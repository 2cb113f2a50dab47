"""Database commands: ``appscan db upgrade|list|show``, ``appscan query sdk|data-type|policy-omits``,
``appscan history``.

Thin adapters over ``appscan.store``: each opens the store from ``--db`` (or ``APPSCAN_DB``, or ./appscan.db),
asks one question and prints the answer as text or JSON. Errors are raised as ``StoreError`` for the group to map.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import click

from appscan.cli.common import say
from appscan.rules.loader import load_rulesets
from appscan.rules.verdict import LABELS
from appscan.store import (
    Store,
    apps_omitting_in_policy,
    apps_with_data_type,
    apps_with_sdk,
    apps_with_unidentified_code,
    get_scan_document,
    history,
    list_scans,
    open_store,
)
from appscan.store.migrate import head_revision, upgrade
from appscan.text import printable

__all__ = ["db", "query", "history_cmd"]

F = TypeVar("F", bound=Callable[..., Any])


def _options(command: F) -> F:
    """``--db`` and ``--format``, shared by every database command."""
    command = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                           show_default=True, help="Plain text, or JSON for scripts.")(command)
    return click.option("--db", "db_url", metavar="URL", default=None,
                        help="SQLAlchemy URL (default: $APPSCAN_DB, else sqlite:///./appscan.db).")(command)


def _json_default(value: Any) -> Any:
    """Datetimes as ISO 8601 text."""
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _print_json(value: Any) -> None:
    """Deterministic JSON on stdout; dataclass records become objects."""
    if isinstance(value, list):
        value = [dataclasses.asdict(v) if dataclasses.is_dataclass(v) else v for v in value]
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=_json_default))


def _width(text: str) -> int:
    """Terminal columns of a text: CJK characters (verdict labels, app names) take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Left-aligned columns, '-' for missing values, aligned by display width."""
    cells = [[("-" if v is None else printable(str(v))) for v in row] for row in rows]
    widths = [max([_width(h), *(_width(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    for row in [list(headers), *cells]:
        say("  ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths)).rstrip())


def _verdict_label(level: str | None) -> str | None:
    """``high-risk 高风险``: the level id scripts match and the label reviewers read."""
    return None if level is None else f"{level} {LABELS[level].zh}" if level in LABELS else level


def _with_store(db_url: str | None, work: Callable[[Store], Any]) -> Any:
    """Open an existing store (a read-only command never creates ``./appscan.db``), run ``work``, close it."""
    store = open_store(db_url, existing=True)
    try:
        return work(store)
    finally:
        store.close()


@click.group()
def db() -> None:
    """Manage the scan database (SQLite ./appscan.db by default, or PostgreSQL)."""


@db.command("upgrade")
@_options
def db_upgrade(db_url: str | None, fmt: str) -> None:
    """Create the schema or migrate it to this version of appscan (opening a database does the same)."""
    store = open_store(db_url, migrate=False)
    try:
        before = upgrade(store.engine)
        answer = {"database": store.display_url, "from": before, "to": head_revision()}
    finally:
        store.close()
    if fmt == "json":
        _print_json(answer)
    else:
        click.echo(f"{answer['database']}: schema at revision {answer['to']} (was {answer['from'] or 'empty'})")


@db.command("list")
@_options
def db_list(db_url: str | None, fmt: str) -> None:
    """Every stored scan: app, version, verdict, findings by severity, status, when, rules.

    The verdict is the level (high-risk, undetermined, rectify, pass) with its Chinese label; ``--format json``
    adds ``verdict_label`` {zh, en}. Scans stored before verdicts existed show none.
    """
    scans = _with_store(db_url, list_scans)
    if fmt == "json":
        _print_json([{**dataclasses.asdict(s), "verdict_label": dataclasses.asdict(LABELS[s.verdict])
                      if s.verdict in LABELS else None} for s in scans])
        return
    _table(("SCAN", "PACKAGE", "VERSION", "CODE", "VERDICT", "HIGH", "MED", "LOW", "STATUS", "STARTED (UTC)", "MS",
            "RULES", "SOURCE"),
           [(s.scan_id, s.package, s.version_name, s.version_code, _verdict_label(s.verdict),
             s.findings.get("high", 0), s.findings.get("medium", 0), s.findings.get("low", 0),
             s.status if not s.error else f"failed: {s.error}", s.started_at.strftime("%Y-%m-%d %H:%M:%S"),
             s.duration_ms, s.ruleset, s.source) for s in scans])


@db.command("show")
@click.argument("scan_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="json", show_default=True,
              help="The scan's JSON document (as 'appscan scan --format json' printed it), or a summary.")
@click.option("--db", "db_url", metavar="URL", default=None,
              help="SQLAlchemy URL (default: $APPSCAN_DB, else sqlite:///./appscan.db).")
def db_show(scan_id: int, db_url: str | None, fmt: str) -> None:
    """Print a stored scan's JSON document."""
    document = _with_store(db_url, lambda store: get_scan_document(store, scan_id))
    if fmt == "json":
        click.echo(json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True))
        return
    app = document["app"]
    say(f"scan {scan_id}: {app['package']} {app['version_name']} ({app['version_code']}) "
               f"from {document['scan']['source']}")
    for section in ("permissions", "components", "sdks", "api_calls", "findings", "incomplete"):
        click.echo(f"  {section}: {len(document.get(section) or ())}")


def _check_id(kind: str, value: str) -> None:
    """An id that matched nothing and is not in the bundled catalogue is a typo, not an empty answer: say so, with
    the nearest ids (a stored scan made with extra rules may still use ids the bundled catalogue lacks: those
    answer when they match)."""
    ids = list(load_rulesets().of_kind(kind))
    if value in ids:
        return
    near = difflib.get_close_matches(value, ids, n=3)
    hint = f"did you mean {', '.join(near)}? " if near else ""
    raise click.UsageError(f"unknown {kind} id {value!r} ({hint}see: appscan rules list --kind {kind})")


@click.group()
def query() -> None:
    """Questions across every stored scan."""


@query.command("sdk")
@click.argument("sdk_id", required=False)
@click.option("--unidentified", is_flag=True,
              help="List unidentified third-party code (SDK candidates) instead; SDK_ID, if given, is a package "
                   "prefix to keep (e.g. com.tencent).")
@_options
def query_sdk(sdk_id: str | None, unidentified: bool, db_url: str | None, fmt: str) -> None:
    """Apps embedding SDK_ID (a catalogue id), and since which scanned version; with --unidentified, the
    third-party code no catalogue entry names, per app version."""
    if unidentified:
        groups = _with_store(db_url, lambda store: apps_with_unidentified_code(store, sdk_id))
        if fmt == "json":
            _print_json(groups)
            return
        _table(("PACKAGE", "VERSION", "CODE", "SCAN", "CODE ROOT", "CLASSES", "VENDOR GUESS", "HOSTS"),
               [(g.package, g.version_name, g.version_code, g.scan_id, g.root or "(default package)", g.classes,
                 g.vendor_guess, ",".join(g.hosts) or None) for g in groups])
        return
    if sdk_id is None:
        raise click.UsageError("give an SDK id, or --unidentified")
    uses = _with_store(db_url, lambda store: apps_with_sdk(store, sdk_id))
    if not uses:
        _check_id("sdk", sdk_id)
    if fmt == "json":
        _print_json(uses)
        return
    _table(("PACKAGE", "LABEL", "SINCE VERSION", "SINCE CODE", "VERSIONS"),
           [(u.package, u.label, u.first_version_name, u.first_version_code, u.versions) for u in uses])


@query.command("data-type")
@click.argument("data_type")
@click.option("--startup", is_flag=True, help="Only calls reachable at start-up before any consent check.")
@_options
def query_data_type(data_type: str, startup: bool, db_url: str | None, fmt: str) -> None:
    """App versions whose code collects DATA_TYPE (a data-type id, e.g. imei, installed-apps, location)."""
    uses = _with_store(db_url, lambda store: apps_with_data_type(store, data_type, startup))
    if not uses:
        _check_id("data-type", data_type)
    if fmt == "json":
        _print_json(uses)
        return
    _table(("PACKAGE", "VERSION", "CODE", "SCAN", "CALLS", "AT START-UP", "SDKS"),
           [(u.package, u.version_name, u.version_code, u.scan_id, u.calls, u.startup_calls,
             ",".join(u.sdks) or None) for u in uses])


@query.command("policy-omits")
@click.argument("data_type")
@click.option("--startup", is_flag=True, help="Only calls reachable at start-up before any consent check.")
@_options
def query_policy_omits(data_type: str, startup: bool, db_url: str | None, fmt: str) -> None:
    """App versions whose code collects DATA_TYPE while their privacy policies do not declare it (as finding POL-010
    decides: a declaration of a type that covers it, even only generically, counts). Only scans that read a policy
    (given with --policy or found in the APK) are asked; DENIED says a policy even states it is not collected."""
    terms = load_rulesets().policy
    words = [data_type, *(word for covered in (terms.covers, terms.covers_generically)
                          for word, types in covered.items() if data_type in types)]
    omissions = _with_store(db_url, lambda store: apps_omitting_in_policy(store, data_type, words, startup))
    if not omissions:
        _check_id("data-type", data_type)
    if fmt == "json":
        _print_json(omissions)
        return
    _table(("PACKAGE", "VERSION", "CODE", "SCAN", "CALLS", "AT START-UP", "SDKS", "DENIED", "POLICIES"),
           [(o.package, o.version_name, o.version_code, o.scan_id, o.calls, o.startup_calls, ",".join(o.sdks) or None,
             "yes" if o.denied else "no", ",".join(o.policies)) for o in omissions])


@click.command("history")
@click.argument("package")
@_options
def history_cmd(package: str, db_url: str | None, fmt: str) -> None:
    """Findings of PACKAGE across its scanned versions: new, fixed and persisting."""
    versions = _with_store(db_url, lambda store: history(store, package))
    if fmt == "json":
        _print_json(versions)
        return
    if not versions:
        say(f"no scans of {package}")
    for v in versions:
        say(f"{v.version_name} ({v.version_code}), scan {v.scan_id}: {len(v.new)} new, {len(v.fixed)} fixed, "
                   f"{len(v.persisting)} persisting")
        for label, refs in (("new", v.new), ("fixed", v.fixed), ("persisting", v.persisting)):
            for ref in refs:
                say(f"  {label:<10} {ref.severity:<6} {ref.rule}  {ref.title_en}  [{ref.id}]")
