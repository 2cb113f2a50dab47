"""One APK scanned in a child process under limits the parent enforces: the unit of every job runner.

A runaway scan cannot be stopped from inside its own process (a hang in C code never returns to Python; a memory
bomb takes the process down), so ``batch``, the Celery worker and the upload service all scan each APK in a child
of their own and supervise it the same way: the parent kills a child that outlives ``Limits.time_limit``, the child
caps its own address space at ``Limits.memory_limit_mb`` before it reads anything, and a child that ends without
reporting (killed, out of memory, crashed) is recorded as a failed scan with its reason. Inputs already stored, and
poison inputs that failed ``max_failures`` times with these rules, are settled by the parent without a child.
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import pickle
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Protocol

from appscan.jobs.ingest import Outcome, admit, ingest, record_failed
from appscan.rules.catalog import Ruleset
from appscan.rules.loader import load_rulesets
from appscan.store import Store, open_store

__all__ = ["EXIT_MEMORY", "Abandoned", "Limits", "SOFT_LIMIT_SHARE", "ScanHandle", "ScanProcess", "Supervised",
           "ScanStarter", "forked_scans", "scan_supervised"]

SOFT_LIMIT_SHARE = 0.8
"""Share of the hard time limit after which the scanner itself cuts the code pass (recorded as incomplete), so
that a slow but finite APK gives a partial result rather than a kill."""
EXIT_MEMORY = 3
"""A child's exit status when its scan ran out of the memory the limit allows."""


class Abandoned(Exception):
    """The scan was stopped because its runner is shutting down: nothing is recorded, the input is scanned again
    at the next start (a shutdown is not the input's failure and must not count towards ``max_failures``)."""


@dataclass(frozen=True)
class Limits:
    """Per-APK limits; ``None`` means unlimited."""

    time_limit: float | None = None
    """Wall-clock seconds before the scan's process is killed."""
    memory_limit_mb: int | None = None
    """Address space (MB) one scan may add to its process before allocations fail."""


def _address_space() -> int:
    """This process's current virtual memory size in bytes (Linux), 0 where /proc is missing."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def _scan_capped(path: Path, db_url: str | None, ruleset: Ruleset, limits: Limits,
                 report: Callable[[Outcome], None], policies: Sequence[Path] = ()) -> None:
    """Runs in the scan process: cap memory, scan into the store (compared with the privacy ``policies`` files),
    report the outcome to the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if limits.memory_limit_mb is not None:
        cap = _address_space() + limits.memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    store = open_store(db_url, migrate=False)
    try:
        soft = limits.time_limit * SOFT_LIMIT_SHARE if limits.time_limit else None
        report(ingest(store, path, ruleset, soft, force=True, policies=policies))
    except MemoryError:
        os._exit(EXIT_MEMORY)  # no room left to report anything else; the parent records the reason
    finally:
        store.close()


def _child(path: Path, db_url: str, ruleset: Ruleset | None, limits: Limits, out: Connection,
           policies: Sequence[Path] = ()) -> None:
    """A forked child: the outcome goes back through a pipe. ``ruleset`` None: the bundled rules, which a child
    of the service's fork server already holds (``appscan.jobs.supervise_rules``)."""
    _scan_capped(path, db_url, ruleset or load_rulesets(), limits, out.send, policies)


def main(argv: Sequence[str]) -> None:
    """A scan process of its own (``python -m appscan.jobs.supervise APK TIME MEMORY [POLICY...]``; the database URL
    comes in ``APPSCAN_DB``, never on a command line others can read): the outcome goes back as JSON on stdout."""
    path, time_limit, memory, *policies = argv
    limits = Limits(float(time_limit) if time_limit else None, int(memory) if memory else None)
    _scan_capped(Path(path), None, load_rulesets(), limits,
                 lambda outcome: print(json.dumps(dataclasses.asdict(outcome)), flush=True),
                 [Path(p) for p in policies])


def _died(code: int, limits: Limits) -> str:
    """Why a scan process that reported nothing ended, from its exit status."""
    reason = (f"ran out of memory (limit {limits.memory_limit_mb} MB)" if code == EXIT_MEMORY
              else f"killed by signal {-code}" if code < 0 else f"exited with status {code}")
    return f"scan process {reason}"


class ScanHandle(Protocol):
    """A running scan process as ``scan_supervised`` waits for it."""

    abandoned: bool

    def wait(self) -> tuple[Outcome | None, str | None]:
        """The outcome it reported, or None and why it reported none (time limit, killed, out of memory)."""

    def abandon(self) -> None:
        """Stop the scan for a shutdown; whoever waits for it raises ``Abandoned`` instead of recording."""


ScanStarter = Callable[[Path, str, Limits, Sequence[Path]], ScanHandle]
"""Starts a scan process: (APK, database URL, limits, policy files) -> the running scan."""

_TIME_LIMIT = "time limit of {:g} s exceeded"


def _failed(store: Store, path: Path, sha256: str, reason: str, started: float, ruleset: Ruleset) -> Outcome:
    """Store why a scan process gave no outcome (its time limit, a kill, its memory cap)."""
    return record_failed(store, path, sha256, f"{path}: {reason}", time.monotonic() - started, ruleset)


class Supervised:
    """A child forked to scan one APK, watched by its parent in one of two ways: ``batch`` (single-threaded, the
    rules in hand) starts many at once and polls ``overdue``/``settle``/``expire``; the upload service forks them
    from a preloaded fork server (``forked_scans``) and blocks in ``wait`` from a thread. ``ruleset`` None: the
    child uses the bundled rules, which a fork-server child already holds."""

    def __init__(self, context: BaseContext, path: Path, db_url: str, limits: Limits,
                 ruleset: Ruleset | None = None, policies: Sequence[Path] = ()) -> None:
        self.path, self.limits = path, limits
        self.abandoned = False
        """Set by ``abandon``: the runner is shutting down and records nothing for this scan."""
        receive, send = context.Pipe(duplex=False)
        self.process = context.Process(target=_child, args=(path, db_url, ruleset, limits, send, tuple(policies)),
                                       name=f"appscan-scan:{path.name}", daemon=True)
        self.started = time.monotonic()
        self.process.start()
        send.close()
        self.result = receive

    @property
    def overdue(self) -> bool:
        """True once the child has outlived its time limit."""
        limit = self.limits.time_limit
        return limit is not None and time.monotonic() - self.started > limit and self.process.exitcode is None

    def _reported(self) -> tuple[Outcome | None, str | None]:
        """The ended child's outcome, or None and why it sent none (killed, out of memory, crashed)."""
        self.process.join()
        try:
            outcome = self.result.recv() if self.result.poll() else None
        except (EOFError, OSError, pickle.UnpicklingError):  # the child died without (or while) reporting
            outcome = None
        self.result.close()
        return (outcome, None) if outcome is not None else (None, _died(self.process.exitcode or 0, self.limits))

    def wait(self) -> tuple[Outcome | None, str | None]:
        """Block until the child ends or its time limit passes (then kill it)."""
        self.process.join(self.limits.time_limit)
        if self.process.exitcode is None:
            self.kill()
            return None, _TIME_LIMIT.format(self.limits.time_limit)
        return self._reported()

    def settle(self, store: Store, sha256: str, ruleset: Ruleset) -> Outcome:
        """The ended child's outcome; a stored failure with its reason when it sent none."""
        outcome, reason = self._reported()
        return outcome if outcome is not None else _failed(store, self.path, sha256, reason or "", self.started,
                                                           ruleset)

    def expire(self, store: Store, sha256: str, ruleset: Ruleset) -> Outcome:
        """Kill the overdue child and record the time limit as its failure."""
        self.kill()
        return _failed(store, self.path, sha256, _TIME_LIMIT.format(self.limits.time_limit), self.started, ruleset)

    def kill(self) -> None:
        """Stop the child now (past its deadline, or an interrupted batch)."""
        self.process.kill()
        self.process.join()
        self.result.close()

    def abandon(self) -> None:
        """Stop the scan for a shutdown; whoever waits for it raises ``Abandoned`` instead of recording."""
        self.abandoned = True
        self.process.kill()


def forked_scans() -> ScanStarter:
    """A starter of scans forked from a fork server that has imported the scanner and loaded the bundled rules:
    each starts in milliseconds, where a fresh interpreter (``ScanProcess``) takes most of a second. For the
    upload service, whose threads make a plain fork unsafe."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["appscan.jobs.supervise_rules"])  # not __main__: the server's script must not re-run
    return lambda path, db_url, limits, policies: Supervised(context, path, db_url, limits, policies=policies)


class ScanProcess:
    """A scan in a fresh interpreter (``main``), for parents that cannot fork safely or at all: the upload service
    (threads) and a Celery pool process (daemonic: multiprocessing refuses it children). Costs an interpreter
    start and a rules load (about half a second) per scan."""

    def __init__(self, path: Path, db_url: str, limits: Limits, policies: Sequence[Path] = ()) -> None:
        self.limits = limits
        self.abandoned = False
        """Set by ``abandon``: the runner is shutting down and records nothing for this scan."""
        argv = [sys.executable, "-m", __name__, str(path), _arg(limits.time_limit), _arg(limits.memory_limit_mb),
                *map(str, policies)]
        self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, env={**os.environ, "APPSCAN_DB": db_url})

    def wait(self) -> tuple[Outcome | None, str | None]:
        """The outcome it reported, or None and why it reported none (time limit, killed, out of memory)."""
        try:
            out, _ = self.process.communicate(timeout=self.limits.time_limit)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            return None, _TIME_LIMIT.format(self.limits.time_limit)
        lines = out.decode("utf-8", "replace").strip().splitlines()
        try:
            return Outcome(**json.loads(lines[-1])), None
        except (IndexError, ValueError, TypeError):
            return None, _died(self.process.returncode, self.limits)

    def abandon(self) -> None:
        """Stop the scan for a shutdown; whoever waits for it raises ``Abandoned`` instead of recording."""
        self.abandoned = True
        self.process.kill()


def _arg(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def scan_supervised(store: Store, db_url: str, path: Path, sha256: str, ruleset: Ruleset, limits: Limits,
                    max_failures: int | None = None, started: list[ScanHandle] | None = None,
                    start: ScanStarter = ScanProcess, policies: Sequence[Path] = ()) -> Outcome:
    """Scan one APK in a supervised process of its own and wait for it (the blocking form, for a worker thread or
    task). ``ruleset`` must be the bundled rules, which the scan process loads itself; ``start`` makes the process
    (a fresh interpreter by default, ``forked_scans()`` for the service); ``policies`` are the app's privacy policy
    files, given to the scan.

    ``started`` receives the scan while it runs, so that a shutdown can ``abandon`` it (then ``Abandoned`` is
    raised and nothing recorded).
    """
    settled = admit(store, path, sha256, ruleset, max_failures=max_failures, policies=policies)
    if settled is not None:
        return settled
    started_at = time.monotonic()
    scan = start(path, db_url, limits, policies)
    if started is not None:
        started.append(scan)
    try:
        outcome, reason = scan.wait()
    finally:
        if started is not None:
            started.remove(scan)
    if scan.abandoned:
        raise Abandoned(str(path))
    if outcome is not None:
        return outcome
    return _failed(store, path, sha256, reason or "", started_at, ruleset)


if __name__ == "__main__":
    main(sys.argv[1:])
