"""One input file into the store, idempotently: the unit of work the batch runner, the Celery worker and the
upload service all share.

The file's sha256 is computed first and the store asked whether a successful scan of it with the same ruleset
exists; only then is it scanned. A scan that raises is recorded as failed with its one-line reason, so every
input ends as exactly one of: reused, stored, failed.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from appscan.errors import AppscanError
from appscan.report.json_format import to_document
from appscan.rules.catalog import Ruleset
from appscan.rules.verdict import failed_verdict
from appscan.scan import scan_file
from appscan.store import Store, failure_count, find_scan, record_failure, save_scan

__all__ = ["FAILURE_KINDS", "Outcome", "admit", "failure_kind", "file_sha256", "ingest", "record_failed",
           "policy_sha256s", "record_unreadable", "scan_key"]

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Outcome:
    """What became of one input: ``status`` is ``reused``, ``scanned``, ``failed``, or ``skipped`` (it failed
    too often before, see ``BatchOptions.max_failures``)."""

    source: str
    sha256: str | None
    status: str
    scan_id: int | None
    error: str | None = None


FAILURE_KINDS = (("time limit of", "time limit"), ("ran out of memory", "memory limit"),
                 ("memory limit exceeded", "memory limit"), ("killed by signal", "killed"),
                 ("exited with status", "crashed"), ("cannot read", "unreadable"))
"""(words of a failure reason this package writes, the kind they mean); any other reason is the input's own
fault (not an APK, malformed, over a bound): ``bad input``."""


def failure_kind(error: str | None) -> str:
    """The kind of a failed scan's reason, for summaries: time limit, memory limit, killed, crashed, unreadable
    or bad input."""
    return next((kind for words, kind in FAILURE_KINDS if words in (error or "")), "bad input")


def file_sha256(path: Path) -> str:
    """The sha256 of the file's bytes, read in chunks (the same value the scanner stores as the app's sha256)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def scan_key(sha256: str, policies: Sequence[Path]) -> str:
    """What makes two scans the same input, for the runners' locks: the APK's sha256 and the sha256s of its policy
    files in order (their paths when one cannot be read: its scan then fails with the reason)."""
    digests = policy_sha256s(policies)
    return "+".join([sha256, *(map(str, policies) if digests is None else digests)])


def policy_sha256s(policies: Sequence[Path]) -> list[str] | None:
    """The sha256s of the policy files, by which a stored scan made with them is found (``find_scan``); None when
    one cannot be read: nothing is reused, and the scan says why."""
    try:
        return [file_sha256(policy) for policy in policies]
    except OSError:
        return None


def record_failed(store: Store, path: Path, sha256: str | None, error: str, duration_s: float,
                  ruleset: Ruleset) -> Outcome:
    """Store a failed scan (a bad file, a runaway stopped by a limit) and describe it."""
    scan_id = record_failure(store, str(path), error, duration_s, ruleset.info, failed_verdict(error), sha256)
    return Outcome(str(path), sha256, "failed", scan_id, error)


def record_unreadable(store: Store, path: Path, exc: OSError, ruleset: Ruleset, duration_s: float = 0.0) -> Outcome:
    """Store the failure of an input that could not even be read (gone, a directory, no permission)."""
    return record_failed(store, path, None, f"{path}: cannot read: {exc.strerror or exc}", duration_s, ruleset)


def admit(store: Store, path: Path, sha256: str, ruleset: Ruleset, force: bool = False,
          max_failures: int | None = None, policies: Sequence[Path] = ()) -> Outcome | None:
    """The outcome settled without scanning (stored already with these rules and the same ``policies``, privacy
    policy files matched by content: ``reused``; failed ``max_failures`` times with these rules: ``skipped``), or None
    when the input must be scanned."""
    if force:
        return None
    digests = policy_sha256s(policies)
    existing = None if digests is None else find_scan(store, sha256, ruleset.sha256, digests)
    if existing is not None:
        return Outcome(str(path), sha256, "reused", existing)
    if max_failures is not None and (failed := failure_count(store, sha256, ruleset.sha256)) >= max_failures:
        return Outcome(str(path), sha256, "skipped", None,
                       f"{path}: failed {failed} times with these rules: not tried again (--force tries it)")
    return None


def ingest(store: Store, path: Path, ruleset: Ruleset, time_limit: float | None = None,
           force: bool = False, policies: Sequence[Path] = ()) -> Outcome:
    """Scan ``path`` into ``store`` unless a scan of the same bytes with the same ruleset is stored already;
    ``policies`` are the app's privacy policy files, compared with what the code does (``scan_file``).

    ``AppscanError`` (an unreadable file) and ``MemoryError`` (the memory cap was hit) become a stored failure;
    anything else is a bug and propagates.
    """
    start = time.monotonic()
    try:
        sha256 = file_sha256(path)
    except OSError as exc:
        return record_unreadable(store, path, exc, ruleset, time.monotonic() - start)
    settled = admit(store, path, sha256, ruleset, force, policies=policies)
    if settled is not None:
        return settled
    try:
        result = scan_file(path, time_limit, ruleset, policies=policies)
    except AppscanError as exc:
        return record_failed(store, path, sha256, str(exc), time.monotonic() - start, ruleset)
    except MemoryError:
        return record_failed(store, path, sha256, f"{path}: memory limit exceeded", time.monotonic() - start,
                             ruleset)
    return Outcome(str(path), sha256, "scanned", save_scan(store, result, to_document(result)))
