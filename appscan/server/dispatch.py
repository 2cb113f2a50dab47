"""Where the upload service's scans run: the Celery workers when a broker answers, local scan processes otherwise.

Both dispatchers run the same supervised scan (``appscan.jobs.supervise``, through the Celery task or from a local
thread) and are polled the same way: ``poll`` returns ``None`` while the scan is pending, else the outcome as the
task returns it.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

from appscan.jobs.ingest import file_sha256, record_unreadable, scan_key
from appscan.rules.loader import load_rulesets
from appscan.store import open_store
from appscan.jobs.supervise import Limits, ScanHandle, forked_scans, scan_supervised

__all__ = ["Dispatcher", "CeleryDispatcher", "LocalDispatcher", "QueueFull", "choose_dispatcher"]


_FIRST_GUESS_S = 10.0
"""Seconds per scan assumed for Retry-After before any scan has finished."""
_MAX_RETRY_AFTER_S = 600
"""Longest Retry-After advised: a client should look again within ten minutes whatever the estimate."""


@dataclasses.dataclass
class _Claim:
    """The right to scan one file's bytes with one set of policy files: the lock held while they are scanned, and
    the threads holding or awaiting it (the claim is dropped when none is left)."""

    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    holders: int = 0


class QueueFull(Exception):
    """The local dispatcher holds as many scans as it may; ``retry_after`` estimates seconds until a slot frees."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"the scan queue is full: retry in {retry_after} s")
        self.retry_after = retry_after


class Dispatcher(Protocol):
    """Starts scans and reports their outcomes."""

    description: str

    def submit(self, path: Path, policies: Sequence[Path] = ()) -> str:
        """Start scanning ``path`` (compared with the privacy ``policies`` files); returns a reference for ``poll``.
        Raises ``QueueFull`` when it takes no more."""

    def accepting(self) -> int | None:
        """None when a submission would be taken now, else seconds a client should wait before retrying."""

    def poll(self, ref: str) -> dict[str, Any] | None:
        """The outcome (source, sha256, status, scan_id, error) once finished, else None."""

    def close(self) -> None:
        """Stop at service shutdown: nothing of this dispatcher may outlive the service's process."""


class LocalDispatcher:
    """Scans in the service's own process tree: ``workers`` threads, each supervising one scan process at a time
    (``appscan.jobs.supervise``: the same time and memory limits, hard kill and failure records as ``batch``).

    Every scan gets a process of its own, forked from a fork server holding the scanner and the rules, so no
    pool process is reused (memory a scan leaked cannot accumulate) and no pool recycling can stall the executor
    (CPython gh-115634 hit ``max_tasks_per_child``). At most ``max_queue`` scans wait or run; beyond that
    ``submit`` raises ``QueueFull`` (the API answers 429). A poison upload (failed ``max_failures`` times with these
    rules) is skipped, not scanned again at each restart. Pending scans live as long as the service; its start-up
    queues the unfinished uploads again."""

    def __init__(self, db_url: str, workers: int, limits: Limits = Limits(), max_queue: int = 100,
                 max_failures: int | None = 3) -> None:
        self.db_url, self.workers, self.limits = db_url, workers, limits
        self.max_queue, self.max_failures = max_queue, max_failures
        self.store = open_store(db_url, migrate=False)
        self.ruleset = load_rulesets()
        self.threads = ThreadPoolExecutor(workers, thread_name_prefix="appscan-scan")
        self.running: list[ScanHandle] = []
        """Scan processes now running (for ``close``)."""
        self.start = forked_scans()
        self.futures: dict[str, Future[dict[str, Any]]] = {}
        self._busy: dict[str, _Claim] = {}
        """sha256 (and the policies' sha256s) -> the claim on scanning those bytes (with those policies)."""
        self._busy_lock = threading.Lock()
        self.durations: deque[float] = deque(maxlen=20)
        """Seconds the latest scans took, for the Retry-After estimate of a full queue."""
        self.description = f"local scan processes ({workers} at a time)"

    def _scan(self, path: Path, policies: Sequence[Path]) -> dict[str, Any]:
        begun = time.monotonic()
        try:
            sha256 = file_sha256(path)
        except OSError as exc:
            outcome = record_unreadable(self.store, path, exc, self.ruleset)
        else:
            with self._only_scan_of(scan_key(sha256, policies)):
                outcome = scan_supervised(self.store, self.db_url, path, sha256, self.ruleset, self.limits,
                                          self.max_failures, self.running, self.start, policies)
        self.durations.append(time.monotonic() - begun)
        return dataclasses.asdict(outcome)

    @contextmanager
    def _only_scan_of(self, key: str) -> Iterator[None]:
        """Hold the right to scan these bytes with these policies (``scan_key``): a copy uploaded while they are
        being scanned waits, then finds the stored scan instead of scanning them a second time. The same APK with
        other policies (or none) is another scan, so it does not wait."""
        with self._busy_lock:
            claim = self._busy.setdefault(key, _Claim())
            claim.holders += 1
        try:
            with claim.lock:
                yield
        finally:
            with self._busy_lock:
                claim.holders -= 1
                if not claim.holders:
                    del self._busy[key]

    def accepting(self) -> int | None:
        waiting = sum(1 for f in self.futures.values() if not f.done())
        if waiting < self.max_queue:
            return None
        recent = list(self.durations)
        per_scan = sum(recent) / len(recent) if recent else _FIRST_GUESS_S
        return max(1, min(_MAX_RETRY_AFTER_S, round(per_scan * (waiting - self.max_queue + 1) / self.workers)))

    def submit(self, path: Path, policies: Sequence[Path] = ()) -> str:
        wait_s = self.accepting()
        if wait_s is not None:
            raise QueueFull(wait_s)
        ref = path.name
        self.futures[ref] = self.threads.submit(self._scan, path, tuple(policies))
        return ref

    def close(self) -> None:
        """Cancel what has not started and kill every running scan process: their uploads stay ``queued`` in the
        database (a scan is stored in one transaction or not at all) and the next start queues them again, so
        stopping loses nothing and leaves no orphan process behind."""
        self.threads.shutdown(wait=False, cancel_futures=True)
        for child in list(self.running):
            child.abandon()
        self.threads.shutdown(wait=True)
        self.store.close()

    def poll(self, ref: str) -> dict[str, Any] | None:
        future = self.futures.get(ref)
        if future is None:
            return {"status": "failed", "error": "the scan was lost (service restarted)", "scan_id": None,
                    "sha256": None}
        if not future.done():
            return None
        del self.futures[ref]
        error = future.exception()
        if error is not None:
            return {"status": "failed", "error": f"internal error: {type(error).__name__}: {error}",
                    "scan_id": None, "sha256": None}
        return future.result()


class CeleryDispatcher:
    """Scans queued for the Celery workers (``appscan worker``); the upload folder must be shared with them."""

    def __init__(self) -> None:
        from appscan.jobs.worker import app, scan_apk
        self.app, self.task = app, scan_apk
        self.description = f"celery via {app.conf.broker_url}"

    def submit(self, path: Path, policies: Sequence[Path] = ()) -> str:
        return str(self.task.delay(str(path.resolve()), [str(p.resolve()) for p in policies]).id)

    def accepting(self) -> int | None:
        """The broker holds the queue; its workers take tasks at their own pace."""
        return None

    def close(self) -> None:
        """The workers are separate processes with their own lifetime; queued tasks stay in the broker."""

    def poll(self, ref: str) -> dict[str, Any] | None:
        result = self.app.AsyncResult(ref)
        if result.successful():
            return dict(result.result)
        if result.failed():
            return {"status": "failed", "error": f"worker error: {result.result}", "scan_id": None,
                    "sha256": None}
        return None


def _broker_answers() -> bool:
    """True when ``APPSCAN_BROKER`` is set, the 'distributed' extra (Celery) is installed and the broker accepts a
    connection."""
    if not os.environ.get("APPSCAN_BROKER"):
        return False
    try:
        from appscan.jobs.worker import app
    except ImportError:  # Celery not installed: the service scans with its own pool
        return False
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=3)
        return True
    except Exception:  # any failure to connect means "no broker": the service falls back to its own pool
        return False


def choose_dispatcher(db_url: str, workers: int, limits: Limits = Limits(), max_queue: int = 100) -> Dispatcher:
    """Celery when a broker is configured and reachable (the workers apply their own limits), else local scan
    processes, ``workers`` at a time."""
    return CeleryDispatcher() if _broker_answers() else LocalDispatcher(db_url, workers, limits, max_queue)
