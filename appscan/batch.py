"""Scanning many APKs on one machine: one child process per APK, a hard time limit and a memory cap each.

A pool of long-lived workers cannot stop one runaway task, so every APK gets its own forked child (cheap: the
parent has already imported the scanner and loaded the rules). The parent kills a child that outlives the time
limit; the child caps its own address space with ``RLIMIT_AS``. Either way the APK is recorded as failed with its
reason and the batch goes on. Inputs already stored with the same ruleset are skipped before any child is
started, so an interrupted batch resumes where it stopped.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import resource
import signal
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path

from appscan.errors import InputError
from appscan.ingest import Outcome, file_sha256, ingest, record_failed
from appscan.rules.catalog import Ruleset
from appscan.scan import APK_SUFFIXES, expand_inputs
from appscan.store import Store, failure_count, find_scan, open_store, scan_verdicts

__all__ = ["BatchOptions", "BatchSummary", "SOFT_LIMIT_SHARE", "batch_inputs", "run_batch"]

SOFT_LIMIT_SHARE = 0.8
"""Share of the hard time limit after which the scanner itself cuts the code pass (recorded as incomplete), so
that a slow but finite APK gives a partial result rather than a kill."""

_POLL_S = 0.5
_EXIT_MEMORY = 3
"""A child's exit status when its scan ran out of the memory ``--memory-limit`` allows."""


@dataclass(frozen=True)
class BatchOptions:
    """How a batch runs; ``None`` limits mean unlimited."""

    workers: int = 1
    time_limit: float | None = None
    """Wall-clock seconds per APK before its process is killed."""
    memory_limit_mb: int | None = None
    """Address space (MB) one scan may add to its process before allocations fail."""
    force: bool = False
    """Scan again even when the same bytes were stored with the same ruleset (or failed ``max_failures`` times)."""
    max_failures: int | None = 3
    """An input whose scans with this ruleset failed this many times is not tried again (a poison APK: a memory
    bomb, a file that kills its scanner); None: always retried."""


@dataclass
class BatchSummary:
    """Counts and timing of a finished batch."""

    outcomes: list[Outcome] = field(default_factory=list)
    elapsed_s: float = 0.0
    verdicts: dict[str, int] = field(default_factory=dict)
    """How many inputs got each verdict level, read from the store once the batch ended (a failed input is
    undetermined; a reused scan stored before verdicts existed counts under "none")."""

    def count(self, status: str) -> int:
        """How many inputs ended with ``status`` (scanned, reused, failed)."""
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def per_minute(self) -> float:
        """APKs actually processed (scanned or failed, not reused) per minute of wall-clock time."""
        done = self.count("scanned") + self.count("failed")
        return done * 60 / self.elapsed_s if self.elapsed_s > 0 else 0.0


def _read_list(path: Path) -> Iterator[Path]:
    """A LIST file: one path per line; blank lines and lines starting with # are ignored."""
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            yield Path(line)


def batch_inputs(sources: Iterable[Path]) -> list[Path]:
    """Directories expanded to their APKs, APK files as given, any other file read as a LIST of paths."""
    paths: list[Path] = []
    for source in sources:
        if source.is_file() and source.suffix.lower() not in APK_SUFFIXES:
            paths.extend(expand_inputs(_read_list(source)))
        elif source.exists():
            paths.extend(expand_inputs([source]))
        else:
            raise InputError(f"{source}: no such file or directory")
    return paths


def _address_space() -> int:
    """This process's current virtual memory size in bytes (Linux), 0 where /proc is missing."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def _child(path: Path, db_url: str, ruleset: Ruleset, options: BatchOptions, out: Connection) -> None:
    """Runs in the forked child: cap memory, scan into the store, report the outcome to the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if options.memory_limit_mb is not None:
        cap = _address_space() + options.memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    store = open_store(db_url, migrate=False)
    try:
        soft = options.time_limit * SOFT_LIMIT_SHARE if options.time_limit else None
        out.send(ingest(store, path, ruleset, soft, force=True))
    except MemoryError:
        os._exit(_EXIT_MEMORY)  # no room left to report anything else; the parent records the reason
    finally:
        store.close()


@dataclass
class _Running:
    """A child process scanning one APK."""

    process: multiprocessing.process.BaseProcess
    result: Connection
    path: Path
    sha256: str
    started: float


class _Batch:
    """The scheduling loop: keeps ``workers`` children busy, enforces deadlines, records what children cannot."""

    def __init__(self, store: Store, db_url: str, ruleset: Ruleset, options: BatchOptions,
                 on_outcome: Callable[[Outcome], None]) -> None:
        self.store, self.db_url, self.ruleset, self.options = store, db_url, ruleset, options
        self.on_outcome = on_outcome
        self.context = multiprocessing.get_context("fork")
        self.running: list[_Running] = []
        self.summary = BatchSummary()

    def _finish(self, outcome: Outcome) -> None:
        self.summary.outcomes.append(outcome)
        self.on_outcome(outcome)

    def _start(self, path: Path, sha256: str) -> None:
        receive, send = self.context.Pipe(duplex=False)
        process = self.context.Process(target=_child, args=(path, self.db_url, self.ruleset, self.options, send),
                                       name=f"appscan-scan:{path.name}", daemon=True)
        process.start()
        send.close()
        self.running.append(_Running(process, receive, path, sha256, time.monotonic()))

    def _dispatch(self, queue: deque[Path]) -> None:
        """Start children for queued inputs while slots are free; stored inputs are reused without a child.

        An input whose bytes are being scanned right now (a copy under another name) waits its turn, and is then
        found in the store.
        """
        busy = {r.sha256 for r in self.running}
        deferred: list[Path] = []
        while queue and len(self.running) < self.options.workers:
            path = queue.popleft()
            try:
                sha256 = file_sha256(path)
            except OSError as exc:
                self._finish(record_failed(self.store, path, None, f"{path}: cannot read: {exc.strerror or exc}",
                                           0.0, self.ruleset))
                continue
            if sha256 in busy:
                deferred.append(path)
                continue
            existing = None if self.options.force else find_scan(self.store, sha256, self.ruleset.sha256)
            if existing is not None:
                self._finish(Outcome(str(path), sha256, "reused", existing))
                continue
            limit = self.options.max_failures
            if not self.options.force and limit is not None and \
                    (failed := failure_count(self.store, sha256, self.ruleset.sha256)) >= limit:
                self._finish(Outcome(str(path), sha256, "skipped", None,
                                     f"{path}: failed {failed} times with these rules: not tried again "
                                     "(--force tries it)"))
                continue
            self._start(path, sha256)
            busy.add(sha256)
        queue.extendleft(reversed(deferred))

    def _reap(self, child: _Running) -> None:
        """Collect a finished (or killed) child's outcome; record a failure when it sent none."""
        child.process.join()
        try:
            outcome = child.result.recv() if child.result.poll() else None
        except (EOFError, OSError, pickle.UnpicklingError):  # the child died without (or while) reporting
            outcome = None
        child.result.close()
        if outcome is None:
            code = child.process.exitcode or 0
            reason = (f"ran out of memory (limit {self.options.memory_limit_mb} MB)" if code == _EXIT_MEMORY
                      else f"killed by signal {-code}" if code < 0 else f"exited with status {code}")
            self._finish(record_failed(self.store, child.path, child.sha256, f"{child.path}: scan process {reason}",
                                       time.monotonic() - child.started, self.ruleset))
        else:
            self._finish(outcome)
        self.running.remove(child)

    def _kill_overdue(self) -> None:
        """Kill every child past its deadline and record it as failed."""
        limit = self.options.time_limit
        if limit is None:
            return
        for child in list(self.running):
            if time.monotonic() - child.started > limit and child.process.exitcode is None:
                child.process.kill()
                child.process.join()
                child.result.close()
                self.running.remove(child)
                self._finish(record_failed(self.store, child.path, child.sha256,
                                           f"{child.path}: time limit of {limit:g} s exceeded",
                                           time.monotonic() - child.started, self.ruleset))

    def run(self, paths: list[Path]) -> BatchSummary:
        start = time.monotonic()
        queue = deque(paths)
        try:
            while queue or self.running:
                self._dispatch(queue)
                ready = wait([r.process.sentinel for r in self.running], timeout=_POLL_S)
                for child in [r for r in self.running if r.process.sentinel in ready]:
                    self._reap(child)
                self._kill_overdue()
        finally:
            for child in self.running:  # interrupted: leave no orphan scanning in the background
                child.process.kill()
                child.process.join()
        self.summary.elapsed_s = time.monotonic() - start
        levels = scan_verdicts(self.store, (o.scan_id for o in self.summary.outcomes if o.scan_id is not None))
        self.summary.verdicts = dict(Counter(levels.get(o.scan_id) or "none"
                                             for o in self.summary.outcomes if o.scan_id is not None))
        return self.summary


def run_batch(paths: list[Path], db_url: str | None, ruleset: Ruleset, options: BatchOptions,
              on_outcome: Callable[[Outcome], None] = lambda _outcome: None) -> BatchSummary:
    """Scan ``paths`` into the database at ``db_url`` (``None``: ``APPSCAN_DB`` or ``./appscan.db``).

    ``on_outcome`` is called in the parent once per input, as soon as its fate is known (for a progress bar).
    """
    store = open_store(db_url)
    try:
        url = store.engine.url.render_as_string(hide_password=False)
        return _Batch(store, url, ruleset, options, on_outcome).run(paths)
    finally:
        store.close()
