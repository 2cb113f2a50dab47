"""Throughput: APKs per minute of ``appscan batch`` with 1 and N processes, and through the upload service, on
the corpus as it is and with hostile APKs mixed in.

Each measurement starts from an empty SQLite database in a temporary folder, so nothing is reused. Usage:

    .venv/bin/python benchmarks/throughput.py [--apks DIR] [--count K] [--workers N] [--time-limit S]
                                              [--hostile-share F]

``--hostile-share 0.1`` adds one hostile APK per ten (a zip of 100,000 entries, a member that inflates to 2 GB, a
signing block of 100,000 pairs, garbage with a zip header), spread evenly through the list. "Longest stall" is the
longest time between two consecutive results: a hostile input that held a worker would show there, up to the time
limit. Prints a Markdown table; paste it under "Throughput" in benchmarks/README.md.
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
import zipfile
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from appscan.jobs.batch import BatchOptions, run_batch  # noqa: E402
from appscan.rules.loader import load_rulesets  # noqa: E402
from appscan.scan import expand_inputs  # noqa: E402
from tests.test_hostile_inputs import with_signing_block  # noqa: E402

APPSCAN = [sys.executable, "-m", "appscan"]


def _hostile(folder: Path, k: int) -> Path:
    """The k-th hostile APK (four kinds in turn), written to ``folder``."""
    path = folder / f"hostile-{k}.apk"
    kind = k % 4
    if kind == 0:  # a hundred thousand entries
        with zipfile.ZipFile(path, "w") as archive:
            for i in range(100_000):
                archive.writestr(f"assets/{i}", b"")
    elif kind == 1:  # a member that inflates to 2 GB from a few MB
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            with archive.open("classes.dex", "w", force_zip64=True) as member:
                block = bytes(1 << 24)
                for _ in range(128):
                    member.write(block)
    elif kind == 2:  # an APK signing block of a hundred thousand pairs in front of the central directory
        path.write_bytes(with_signing_block((REPO / "samples" / "clean.apk").read_bytes(), 100_000))
    else:  # a zip header followed by garbage
        path.write_bytes(b"PK\x03\x04" + os.urandom(1 << 20))
    return path


def with_hostile(paths: list[Path], share: float, folder: Path) -> list[Path]:
    """``paths`` with ``share`` of hostile APKs spread evenly through them."""
    count = round(len(paths) * share)
    if count == 0:
        return paths
    out, step = list(paths), len(paths) / count
    for k in reversed(range(count)):
        out.insert(int(k * step + step / 2), _hostile(folder, k))
    return out


def _stall(times: list[float]) -> float:
    """The longest gap between consecutive result times (the first measured from the start, time 0)."""
    ordered = [0.0, *sorted(times)]
    return max((b - a for a, b in zip(ordered, ordered[1:])), default=0.0)


def batch_rate(paths: list[Path], workers: int, time_limit: float, folder: Path) -> tuple[float, int, float]:
    """APKs per minute, failures and longest stall of one batch into a fresh database."""
    db = f"sqlite:///{folder / f'batch-{workers}-{len(paths)}.db'}"
    start, done = time.monotonic(), []
    summary = run_batch(paths, db, load_rulesets(), BatchOptions(workers, time_limit),
                        lambda _outcome: done.append(time.monotonic() - start))
    return len(paths) * 60 / summary.elapsed_s, summary.count("failed"), _stall(done)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def service_rate(paths: list[Path], workers: int, time_limit: float, folder: Path) -> tuple[float, int, float]:
    """APKs per minute from the first upload to the last scan done, failures (refused uploads included) and the
    longest stall, with ``workers`` local scan processes."""
    env = {**{k: v for k, v in os.environ.items() if k != "APPSCAN_BROKER"},
           "APPSCAN_DB": f"sqlite:///{folder / f'service-{len(paths)}.db'}"}
    key = subprocess.run([*APPSCAN, "apikey", "create"], env=env, check=True, text=True,
                         capture_output=True).stdout.strip()
    port = _free_port()
    server = subprocess.Popen([*APPSCAN, "serve", "--port", str(port), "--workers", str(workers),
                               "--time-limit", f"{time_limit:g}", "--max-queue", str(len(paths)), "--key-rate", "1000000",
                               "--max-upload-mb", "1024", "--upload-dir", str(folder / f"uploads-{len(paths)}")],
                              env=env,
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
        done: list[float] = []
        while pending:
            time.sleep(0.5)
            for upload_id in list(pending):
                status = httpx.get(f"{base}/scans/{upload_id}", headers=headers).json()["status"]
                if status != "queued":
                    pending.discard(upload_id)
                    done.append(time.monotonic() - start)
                    failed += status == "failed"
        return len(paths) * 60 / (time.monotonic() - start), failed, _stall(done)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apks", type=Path, default=REPO.parent / "shared" / "corpus" / "apks")
    parser.add_argument("--count", type=int, default=0, help="only the first K APKs by name (0: all)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--hostile-share", type=float, default=0.0,
                        help="also measure with this share of hostile APKs mixed in (0.1: one per ten)")
    args = parser.parse_args()
    paths = list(expand_inputs([args.apks]))[:args.count or None]
    size_mb = sum(p.stat().st_size for p in paths) / 1e6
    print(f"{len(paths)} APKs, {size_mb:.0f} MB, {os.cpu_count()} CPUs, --time-limit {args.time_limit:g}\n")
    print("| run | inputs | processes | APKs/min | failed | longest stall (s) |\n"
          "| --- | --- | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        mixes = [("corpus", paths)]
        if args.hostile_share:
            mixed = with_hostile(paths, args.hostile_share, Path(tmp))
            mixes.append((f"corpus + {len(mixed) - len(paths)} hostile", mixed))
        for label, inputs in mixes:
            for workers in sorted({1, args.workers}):
                rate, failed, stall = batch_rate(inputs, workers, args.time_limit, Path(tmp))
                print(f"| appscan batch | {label} | {workers} | {rate:.1f} | {failed} | {stall:.1f} |", flush=True)
            rate, failed, stall = service_rate(inputs, args.workers, args.time_limit, Path(tmp))
            print(f"| upload service | {label} | {args.workers} | {rate:.1f} | {failed} | {stall:.1f} |",
                  flush=True)


if __name__ == "__main__":
    main()
