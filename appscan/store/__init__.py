"""Persistence of scans in SQLite (default ``./appscan.db``) or PostgreSQL, and the questions asked across them.

``open_store`` connects and migrates; ``repository`` writes and reads scans; ``queries`` answers cross-scan
questions; ``diff`` compares two scan documents. Callers get model values and plain records, never ORM rows.
"""

from __future__ import annotations

from appscan.store.diff import diff_documents
from appscan.store.engine import DEFAULT_URL, Store, open_store, resolve_url
from appscan.store.queries import (
                                      apps_omitting_in_policy,
                                      apps_with_data_type,
                                      apps_with_sdk,
                                      apps_with_unidentified_code,
                                      diff_scans,
                                      history,
)
from appscan.store.repository import (
                                      add_suppression,
                                      delete_suppression,
                                      failure_count,
                                      find_scan,
                                      get_scan_document,
                                      list_scans,
                                      list_suppressions,
                                      record_failure,
                                      save_scan,
                                      scan_verdicts,
                                      sync_clauses,
)

__all__ = ["DEFAULT_URL", "Store", "open_store", "resolve_url", "save_scan", "record_failure", "find_scan", "failure_count",
           "list_scans", "scan_verdicts", "get_scan_document", "sync_clauses", "add_suppression",
           "list_suppressions", "delete_suppression", "apps_with_sdk", "apps_with_data_type",
           "apps_omitting_in_policy", "apps_with_unidentified_code", "history",
           "diff_scans", "diff_documents"]
