"""Real processes: a scanner killed inside its transaction leaves nothing; concurrent scanners lose nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from appscan.store import Store, list_scans
from tests.store.test_repository import row_counts
from tests.store.worker import CALLS

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def worker(url: str, mode: str, count: int, tag: str) -> subprocess.Popen[str]:
    """Start ``tests.store.worker`` in its own process."""
    return subprocess.Popen([sys.executable, "-m", "tests.store.worker", url, mode, str(count), tag], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_killed_scanner_leaves_no_partial_rows(db_url: str, store: Store) -> None:
    process = worker(db_url, "hang", 20_000, "killed")
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.strip() == "inside", process.stderr.read() if process.stderr else ""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    counts = row_counts(store)
    assert len(list_scans(store)) == 1
    assert (counts["scan"], counts["api_call"], counts["finding"], counts["app_version"]) == (1, CALLS, 1, 1)


def test_concurrent_scanners_lose_nothing(db_url: str, store: Store) -> None:
    processes = [worker(db_url, "save", 5, f"w{n}") for n in range(4)]
    for process in processes:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    counts = row_counts(store)
    assert counts["scan"] == 20 and counts["app"] == 20
    assert counts["api_call"] == 20 * CALLS
    assert counts["sdk"] == 5  # "shared" plus one per worker, each stored once despite the races
    assert counts["sdk_detection"] == 40
