"""Where the upload service's scans run: the Celery workers when a broker answers, a local process pool otherwise.

Both dispatchers run the same ``ingest`` (through the Celery task, or directly in the pool) and are polled the same
way: ``poll`` returns ``None`` while the scan is pending, else the outcome as the task returns it.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from appscan.ingest import ingest
from appscan.rules.catalog import Ruleset
from appscan.rules.loader import load_rulesets
from appscan.store import Store, open_store

__all__ = ["Dispatcher", "CeleryDispatcher", "LocalDispatcher", "choose_dispatcher"]

_TASKS_PER_PROCESS = 50
"""Scans per pool process, on average, before its pool is replaced: memory a scan leaked cannot accumulate."""


class Dispatcher(Protocol):
    """Starts scans and reports their outcomes."""

    description: str

    def submit(self, path: Path) -> str:
        """Start scanning ``path``; returns a reference for ``poll``."""

    def poll(self, ref: str) -> dict[str, Any] | None:
        """The outcome (source, sha256, status, scan_id, error) once finished, else None."""

    def close(self) -> None:
        """Stop at service shutdown: nothing of this dispatcher may outlive the service's process."""


@cache
def _pool_store(db_url: str) -> Store:
    return open_store(db_url, migrate=False)


@cache
def _pool_ruleset() -> Ruleset:
    return load_rulesets()


def _pool_scan(path: str, db_url: str) -> dict[str, Any]:
    """Runs in a pool process: the same idempotent ingest as the Celery task."""
    return dataclasses.asdict(ingest(_pool_store(db_url), Path(path), _pool_ruleset()))


class LocalDispatcher:
    """A process pool in the service's own process tree; pending scans live as long as the service.

    Processes are recycled by replacing the whole pool every ``workers * tasks_per_process`` submissions (the old
    one finishes what it was given, then exits), not with ``max_tasks_per_child``: on this Python that option can
    leave the executor unable to start a replacement process, and the service then stops taking work for good
    (CPython gh-115634)."""

    def __init__(self, db_url: str, workers: int, tasks_per_process: int = _TASKS_PER_PROCESS) -> None:
        self.db_url = db_url
        self.workers = workers
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload([__name__])  # not __main__: the pool must not re-run the server's script
        self.per_pool = workers * tasks_per_process
        self.pool = self._new_pool()
        self.retired: list[tuple[ProcessPoolExecutor, list[Any]]] = []
        """Replaced pools still finishing their scans, with their processes (for ``close``)."""
        self.submitted = 0
        """Submissions to the current pool."""
        self.futures: dict[str, Future[dict[str, Any]]] = {}
        self.description = f"local process pool ({workers} processes)"

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=self.context)

    def submit(self, path: Path) -> str:
        if self.submitted >= self.per_pool:
            old = self.pool
            self.retired.append((old, _processes(old)))
            old.shutdown(wait=False)  # it finishes the scans it holds; its processes then exit
            self.pool, self.submitted = self._new_pool(), 0
        self.retired = [(pool, procs) for pool, procs in self.retired if any(p.is_alive() for p in procs)]
        ref = path.name
        self.futures[ref] = self.pool.submit(_pool_scan, str(path), self.db_url)
        self.submitted += 1
        return ref

    def close(self) -> None:
        """Cancel what has not started and stop every pool process now, scans in progress included: their
        uploads stay ``queued`` in the database (a scan is stored in one transaction or not at all) and the next
        start queues them again, so stopping loses nothing and leaves no orphan process behind."""
        processes = _processes(self.pool) + [p for _, procs in self.retired for p in procs]
        self.pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()

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
        from appscan.worker import app, scan_apk
        self.app, self.task = app, scan_apk
        self.description = f"celery via {app.conf.broker_url}"

    def submit(self, path: Path) -> str:
        return str(self.task.delay(str(path.resolve())).id)

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


def _processes(pool: ProcessPoolExecutor) -> list[Any]:
    """The processes of a pool, taken while it has them (``shutdown`` forgets them; there is no public list)."""
    return list((getattr(pool, "_processes", None) or {}).values())


def _broker_answers() -> bool:
    """True when ``APPSCAN_BROKER`` is set, the 'distributed' extra (Celery) is installed and the broker accepts a
    connection."""
    if not os.environ.get("APPSCAN_BROKER"):
        return False
    try:
        from appscan.worker import app
    except ImportError:  # Celery not installed: the service scans with its own pool
        return False
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=3)
        return True
    except Exception:  # any failure to connect means "no broker": the service falls back to its own pool
        return False


def choose_dispatcher(db_url: str, workers: int) -> Dispatcher:
    """Celery when a broker is configured and reachable, else a local pool of ``workers`` processes."""
    return CeleryDispatcher() if _broker_answers() else LocalDispatcher(db_url, workers)
