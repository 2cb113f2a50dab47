"""Two real Celery workers on Redis and PostgreSQL: one is SIGKILLed mid-scan and nothing is lost or doubled."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from tests.conftest import REPO_ROOT, corpus_path
from tests.scale.conftest import (
    appscan_cmd,
    invoke_appscan,
    run_appscan,
    stored_results,
)
from tests.scale.test_batch import BIG_APK

SMALL_CORPUS = ("androguard__TC-debug.apk", "androguard__CertChain.apk")
VISIBILITY_S = 6


def _wait_for(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)


def test_killed_worker_loses_nothing_and_matches_batch(sample_dir: Path, tmp_path: Path, pg_url: str,
                                                       redis_url: str) -> None:
    corpus = corpus_path()
    for name in (BIG_APK, *SMALL_CORPUS):
        (sample_dir / name).symlink_to(corpus / name)
    env = {**os.environ, "APPSCAN_BROKER": redis_url, "APPSCAN_DB": pg_url,
           "APPSCAN_VISIBILITY_TIMEOUT": str(VISIBILITY_S), "APPSCAN_LOCK_TTL": "6"}
    batch_db = f"sqlite:///{tmp_path / 'batch.db'}"
    invoke_appscan("batch", str(sample_dir), "--workers", "2", "--db", batch_db)
    expected = stored_results(batch_db)  # every readable APK, once; CertChain.apk has no manifest and fails
    assert len(expected) == len(list(sample_dir.glob("*.apk"))) - 1

    logs = [tmp_path / f"worker{i}.log" for i in (1, 2)]
    workers = [subprocess.Popen(appscan_cmd("worker", "--concurrency", "1", "--name", f"w{i}@test"),
                                cwd=REPO_ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                                start_new_session=True)
               for i, log in enumerate(logs, 1)]
    try:
        # The big APK first, then the whole folder (which holds it again: a duplicate to be reused, not rescanned).
        submitted = run_appscan("submit", str(sample_dir / BIG_APK), str(sample_dir), env=env)
        assert submitted.returncode == 0, submitted.stderr
        big_task = submitted.stdout.split()[0]

        def taker() -> subprocess.Popen[bytes] | None:
            return next((w for w, log in zip(workers, logs) if f"[{big_task}] received" in log.read_text()), None)
        _wait_for(lambda: taker() is not None, 60, "a worker to take the big APK")
        victim = taker()
        assert victim is not None
        time.sleep(1.5)  # inside the scan, which takes 10 s or more
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait()
        assert not any(f"[{big_task}] succeeded" in log.read_text() for log in logs), "killed too late"

        _wait_for(lambda: stored_results(pg_url).keys() == expected.keys(), 150, "every APK to be stored")
        time.sleep(VISIBILITY_S)  # a late duplicate delivery would land now: it must be a no-op
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=30)

    distributed = stored_results(pg_url)
    assert all(count == 1 for count, _f, _s in distributed.values()), distributed
    assert distributed == expected


def test_a_worker_kills_a_scan_at_its_time_limit_and_goes_on(tmp_path: Path, pg_url: str,
                                                              redis_url: str) -> None:
    """``APPSCAN_TIME_LIMIT`` is enforced from outside the scan: the task's process kills the scan process at the
    limit whatever part of the analysis it is in, stores the failure with its reason and takes the next task."""
    big = tmp_path / BIG_APK
    big.symlink_to(corpus_path() / BIG_APK)
    small = tmp_path / SMALL_CORPUS[0]
    small.symlink_to(corpus_path() / SMALL_CORPUS[0])
    # 3 s: the small APK's process (interpreter, imports, one scan) needs about 1 s on an idle machine and twice
    # that on a loaded one; the big one needs about 4 s.
    env = {**os.environ, "APPSCAN_BROKER": redis_url, "APPSCAN_DB": pg_url, "APPSCAN_TIME_LIMIT": "3"}
    run_appscan("db", "upgrade", env=env)
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(appscan_cmd("worker", "--concurrency", "1", "--name", "limited@test"),
                              cwd=REPO_ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        submitted = run_appscan("submit", "--wait", "--timeout", "120", str(big), str(small), env=env)
        assert submitted.returncode == 0, submitted.stderr + log.read_text()
        outcomes = {Path(o["source"]).name: o for o in (json.loads(line) for line in submitted.stdout.splitlines()
                                                        if line.startswith("{"))}
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
    assert outcomes[BIG_APK]["status"] == "failed"
    assert outcomes[BIG_APK]["error"].endswith("time limit of 3 s exceeded")
    assert outcomes[SMALL_CORPUS[0]]["status"] == "scanned", outcomes[SMALL_CORPUS[0]]
