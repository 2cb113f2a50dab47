"""Throughput: APKs per minute of ``appscan batch`` with 1 and N processes, and through the upload service.

Each measurement starts from an empty SQLite database in a temporary folder, so nothing is reused. Usage:

    .venv/bin/python benchmarks/throughput.py [--apks DIR] [--count K] [--workers N] [--time-limit S]

Prints a Markdown table; paste it under "Throughput" in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from appscan.batch import BatchOptions, run_batch  # noqa: E402
from appscan.rules.loader import load_rulesets  # noqa: E402
from appscan.scan import expand_inputs  # noqa: E402

HARNESS = REPO / "tests" / "scale" / "cli_harness.py"


def batch_rate(paths: list[Path], workers: int, time_limit: float, folder: Path) -> tuple[float, int]:
    """APKs per minute and failures of one batch into a fresh database."""
    db = f"sqlite:///{folder / f'batch-{workers}.db'}"
    summary = run_batch(paths, db, load_rulesets(), BatchOptions(workers, time_limit))
    return len(paths) * 60 / summary.elapsed_s, summary.count("failed")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def service_rate(paths: list[Path], workers: int, folder: Path) -> tuple[float, int]:
    """APKs per minute from the first upload to the last scan done, with a local pool of ``workers``."""
    env = {**{k: v for k, v in os.environ.items() if k != "APPSCAN_BROKER"},
           "APPSCAN_DB": f"sqlite:///{folder / 'service.db'}"}
    key = subprocess.run([sys.executable, str(HARNESS), "apikey", "create"], env=env, check=True, text=True,
                         capture_output=True).stdout.strip()
    port = _free_port()
    server = subprocess.Popen([sys.executable, str(HARNESS), "serve", "--port", str(port), "--workers", str(workers),
                               "--max-upload-mb", "1024", "--upload-dir", str(folder / "uploads")], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base, headers = f"http://127.0.0.1:{port}", {"X-API-Key": key}
    try:
        while True:
            try:
                httpx.get(f"{base}/health")
                break
            except httpx.TransportError:
                time.sleep(0.3)
        start = time.monotonic()
        ids = [httpx.post(f"{base}/scans", headers=headers, timeout=120,
                          files={"file": (p.name, p.read_bytes())}).json().get("id") for p in paths]
        pending = {i for i in ids if i}
        failed = len(ids) - len(pending)
        while pending:
            time.sleep(0.5)
            for upload_id in list(pending):
                status = httpx.get(f"{base}/scans/{upload_id}", headers=headers).json()["status"]
                if status != "queued":
                    pending.discard(upload_id)
                    failed += status == "failed"
        return len(paths) * 60 / (time.monotonic() - start), failed
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apks", type=Path, default=REPO.parent / "shared" / "corpus" / "apks")
    parser.add_argument("--count", type=int, default=0, help="only the first K APKs by name (0: all)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--time-limit", type=float, default=120.0)
    args = parser.parse_args()
    paths = list(expand_inputs([args.apks]))[:args.count or None]
    size_mb = sum(p.stat().st_size for p in paths) / 1e6
    print(f"{len(paths)} APKs, {size_mb:.0f} MB, {os.cpu_count()} CPUs, --time-limit {args.time_limit:g}\n")
    print("| run | processes | APKs/min | failed |\n| --- | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        for workers in sorted({1, args.workers}):
            rate, failed = batch_rate(paths, workers, args.time_limit, Path(tmp))
            print(f"| appscan batch | {workers} | {rate:.1f} | {failed} |", flush=True)
        rate, failed = service_rate(paths, args.workers, Path(tmp))
        print(f"| upload service (local pool) | {args.workers} | {rate:.1f} | {failed} |")


if __name__ == "__main__":
    main()
