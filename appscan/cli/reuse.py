"""A stored result instead of a new scan: ``scan``, ``baseline`` and ``diff`` all answer from the database when it
holds a scan of the same file (sha256) made with the same rules, app type and privacy-policy files (their sha256s),
since scanning again would give the same document (docs/json-schema.md, *Determinism*) and takes seconds to minutes
on a large app. Policy files are matched by content: a policy renamed since keeps its old name in the reused
document."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from appscan.apk.archive import display_name
from appscan.errors import StoreError
from appscan.jobs.ingest import file_sha256, policy_sha256s
from appscan.model import ScanResult
from appscan.report.document import result_from_document
from appscan.rules.catalog import Ruleset
from appscan.scan import scan_file
from appscan.store import Store, find_scan, get_scan_document, open_store

__all__ = ["reused_or_scanned", "stored_result"]


def stored_result(path: Path, store: Store, ruleset: Ruleset, app_type: str | None,
                  policies: Sequence[Path] = ()) -> ScanResult | None:
    """The stored result of the file at ``path`` made with ``ruleset``, ``app_type`` and the privacy-policy files
    ``policies`` (by content), marked ``reused``, with the file named as given
    this time; None when there is none (or a file cannot be read: the scan will say why)."""
    try:
        sha = file_sha256(path)
    except OSError:
        return None
    digests = policy_sha256s(policies)
    scan_id = None if digests is None else find_scan(store, sha, ruleset.sha256, digests)
    if scan_id is None:
        return None
    stored = result_from_document(get_scan_document(store, scan_id))
    if stored.app_type != app_type:
        return None
    return replace(stored, facts=replace(stored.facts, source=display_name(path)), reused=True)


def reused_or_scanned(path: Path, db_url: str | None, ruleset: Ruleset, app_type: str | None = None) -> ScanResult:
    """The stored result when a database exists and holds one, else a fresh scan (not stored: these commands
    read the database, they do not fill it)."""
    try:
        store = open_store(db_url, existing=True)
    except StoreError:
        return scan_file(path, None, ruleset, app_type)  # no database (or none reachable): nothing to reuse
    try:
        found = stored_result(path, store, ruleset, app_type)
    finally:
        store.close()
    return found if found is not None else scan_file(path, None, ruleset, app_type)
