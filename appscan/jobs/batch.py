"""Scanning many APKs on one machine: one child process per APK, a hard time limit and a memory cap each.

A pool of long-lived workers cannot stop one runaway task, so every APK gets its own forked child (cheap: the
parent has already imported the scanner and loaded the rules), supervised as ``appscan.jobs.supervise`` describes: a
runaway is recorded as failed with its reason and the batch goes on. Inputs already stored with the same ruleset
are skipped before any child is started, so an interrupted batch resumes where it stopped.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path

from appscan.errors import InputError
from appscan.jobs.ingest import Outcome, admit, file_sha256, record_unreadable
from appscan.rules.catalog import Ruleset
from appscan.scan import APK_SUFFIXES, expand_inputs
from appscan.store import Store, open_store, scan_verdicts
from appscan.jobs.supervise import Limits, Supervised

__all__ = ["BatchOptions", "BatchSummary", "batch_inputs", "run_batch"]

_POLL_S = 0.5


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

    @property
    def limits(self) -> Limits:
        """The per-APK limits the children run under."""
        return Limits(self.time_limit, self.memory_limit_mb)


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


class _Batch:
    """The scheduling loop: keeps ``workers`` children busy, enforces deadlines, records what children cannot."""

    def __init__(self, store: Store, db_url: str, ruleset: Ruleset, options: BatchOptions,
                 on_outcome: Callable[[Outcome], None]) -> None:
        self.store, self.db_url, self.ruleset, self.options = store, db_url, ruleset, options
        self.on_outcome = on_outcome
        self.context = multiprocessing.get_context("fork")
        self.running: dict[Supervised, str] = {}
        """Each running child with the sha256 of the input it scans."""
        self.summary = BatchSummary()

    def _finish(self, outcome: Outcome) -> None:
        self.summary.outcomes.append(outcome)
        self.on_outcome(outcome)

    def _start(self, path: Path, sha256: str) -> None:
        self.running[Supervised(self.context, path, self.db_url, self.options.limits, self.ruleset)] = sha256

    def _dispatch(self, queue: deque[Path]) -> None:
        """Start children for queued inputs while slots are free; stored inputs are reused without a child.

        An input whose bytes are being scanned right now (a copy under another name) waits its turn, and is then
        found in the store.
        """
        busy = set(self.running.values())
        deferred: list[Path] = []
        while queue and len(self.running) < self.options.workers:
            path = queue.popleft()
            try:
                sha256 = file_sha256(path)
            except OSError as exc:
                self._finish(record_unreadable(self.store, path, exc, self.ruleset))
                continue
            if sha256 in busy:
                deferred.append(path)
                continue
            settled = admit(self.store, path, sha256, self.ruleset, self.options.force, self.options.max_failures)
            if settled is not None:
                self._finish(settled)
                continue
            self._start(path, sha256)
            busy.add(sha256)
        queue.extendleft(reversed(deferred))

    def _kill_overdue(self) -> None:
        """Kill every child past its deadline and record it as failed."""
        for child in [c for c in self.running if c.overdue]:
            self._finish(child.expire(self.store, self.running.pop(child), self.ruleset))

    def run(self, paths: list[Path]) -> BatchSummary:
        start = time.monotonic()
        queue = deque(paths)
        try:
            while queue or self.running:
                self._dispatch(queue)
                ready = wait([r.process.sentinel for r in self.running], timeout=_POLL_S)
                for child in [r for r in self.running if r.process.sentinel in ready]:
                    self._finish(child.settle(self.store, self.running.pop(child), self.ruleset))
                self._kill_overdue()
        finally:
            for child in self.running:  # interrupted: leave no orphan scanning in the background
                child.kill()
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
