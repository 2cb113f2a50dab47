"""The reviewer queue with 10,000 stored scans: how long ``appscan.store.queue.queue`` takes, per filter, on SQLite
and PostgreSQL (issue 13's target: the queue page in under 300 ms).

The database is filled with real scan results: the samples and a few corpus APKs are scanned once, and each stored
scan is one of them under another package name, version, sha256, verdict and date. Rows go in through the store's
own insert path (``repository._prepare`` once per scanned APK, then ``repository._write`` per stored scan, a few
hundred scans per transaction), so every table the queue reads (scans, versions, apps, SDK detections, calls,
findings and their clauses) holds what ``save_scan`` would write; only the JSON remainder of each document is the
scanned APK's. Each scan belongs to one of two tenants through an upload row (a bulk insert of the columns
``service_records.add_upload`` and ``update_upload`` write), and one scan in twenty gets a decision through
``review_records.decide``.

SQLite is a file in a temporary folder; PostgreSQL is a database of its own (``appscan_bench``, or a name given),
created and dropped by the script. Usage:

    .venv/bin/python benchmarks/queue.py [--scans 10000] [--packages 2000] [--runs 20]
        [--backend sqlite|postgresql|both] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test]
        [--web]

``--web`` also times the web UI's queue page (GET /ui/queue through the application, logged in as a reviewer).
Prints a Markdown table per backend: the median and the slowest of ``--runs`` calls per query (a query slower than
5 s is timed once).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

REPO = Path(__file__).resolve().parent.parent
sys.path[0] = str(REPO)  # the repository, not this folder: this file's name would hide the standard queue module

from appscan.errors import AppscanError  # noqa: E402
from appscan.model import ScanResult  # noqa: E402
from appscan.report.json_format import to_document  # noqa: E402
from appscan.rules.loader import load_rulesets  # noqa: E402
from appscan.scan import scan_file  # noqa: E402
from appscan.store import Store, open_store  # noqa: E402
from appscan.store import models as m  # noqa: E402
from appscan.store.queue import QueueFilter, queue  # noqa: E402
from appscan.store.repository import _prepare, _ScanRows, _write  # noqa: E402
from appscan.store.review_records import add_user, decide, tenant_id  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "apks"
CORPUS_APKS = ("github__MobPush-10704.apk", "MobClub+MobPush-for-Android__c136fdb0__MobPush.apk",
               "github__ThirdPartyLogin.apk", "github__ShopSDK-1.1.0.apk", "github__alipay_plugin-16.apk",
               "MobClub+ShopSDK-for-Android__25f69071__ShopSDK_for_Android_Sample_1.0.0.apk")
"""Corpus apps with many SDKs, calls and findings (the samples alone are small); skipped when the corpus is absent."""
TENANTS = ("default", "bench-b")
VERDICTS = ("pass", "rectify", "high-risk", "undetermined")
BATCH = 250
TARGET_MS = 300
GIVE_UP_MS = 5_000


def _bases() -> list[ScanResult]:
    """Scan results to store many times: every sample APK and the corpus apps above."""
    paths = sorted((REPO / "samples").glob("*.apk")) + [CORPUS / n for n in CORPUS_APKS if (CORPUS / n).exists()]
    ruleset = load_rulesets()
    results = []
    for path in paths:
        try:
            results.append(scan_file(path, ruleset=ruleset))
        except AppscanError as exc:  # an input the scanner refuses is simply not used
            print(f"skipped {path.name}: {exc}", file=sys.stderr)
    return results


def _variant(base: ScanResult, package: str, code: int, sha256: str) -> ScanResult:
    """The base result as another app's version (only the fields the app and version rows take)."""
    app = dataclasses.replace(base.facts.app, package=package, version_code=code, version_name=f"{code}.0",
                              sha256=sha256, label=f"Bench {package.rsplit('.', 1)[-1]}")
    return dataclasses.replace(base, facts=dataclasses.replace(base.facts, app=app))


def _rows(prepared: _ScanRows, verdict: str, finished: datetime) -> _ScanRows:
    """A prepared scan's rows with its own verdict and time (the inserts take the parent ids themselves)."""
    scan = {**prepared.scan, "verdict": verdict, "finished_at": finished,
            "started_at": finished - timedelta(milliseconds=prepared.scan["duration_ms"])}
    return dataclasses.replace(prepared, scan=scan)


def fill(store: Store, bases: list[ScanResult], scans: int, packages: int) -> dict[str, float]:
    """Store ``scans`` scans over ``packages`` apps (scan i is version i // packages + 1 of app i % packages),
    half of each app's versions uploaded by each tenant; returns the seconds each stage took."""
    clock = time.perf_counter()
    prepared = [_prepare(b, to_document(b), None) for b in bases]
    now = datetime.now(UTC)
    for tenant in TENANTS:
        add_user(store, tenant, "bench", "bench-password", by="bench")
    ids: list[int] = []
    for start in range(0, scans, BATCH):
        def write(session: Any, start: int = start) -> list[int]:
            out = []
            for i in range(start, min(start + BATCH, scans)):
                k = i % len(bases)
                package, code = f"com.bench.app{i % packages:05d}", i // packages + 1
                sha256 = hashlib.sha256(f"bench {i}".encode()).hexdigest()
                verdict = VERDICTS[(i * 7 + i // 5) % len(VERDICTS)] if i % 3 else (bases[k].verdict.level
                                                                                 if bases[k].verdict else "pass")
                out.append(_write(session, _variant(bases[k], package, code, sha256),
                                  _rows(prepared[k], verdict, now - timedelta(minutes=13 * (scans - i)))))
            return out
        ids += store.write(write)
    stored = time.perf_counter()

    def uploads(session: Any) -> None:
        owners = {t: tenant_id(session, t) for t in TENANTS}
        rows = [{"id": hashlib.md5(f"upload {sid}".encode()).hexdigest(), "filename": f"{sid}.apk",
                 "path": f"/uploads/{sid}.apk", "size": 1, "status": "done", "scan_id": sid,
                 "created_at": now, "finished_at": now, "tenant_id": owners[TENANTS[(i // packages) % 2]]}
                for i, sid in enumerate(ids)]
        session.execute(sa.insert(m.ServiceUpload), rows)
    store.write(uploads)
    for i, sid in enumerate(ids[::20]):
        tenant = TENANTS[(i * 20 // packages) % 2]
        decide(store, tenant, sid, ("approve", "reject", "rectification-required")[i % 3], "bench", "bench")
    return {"store_s": stored - clock, "uploads_decisions_s": time.perf_counter() - stored}


def _timed(call: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    """Median and slowest wall time in ms of ``runs`` calls (after one warm-up call), and the last answer. A call
    slower than ``GIVE_UP_MS`` is timed once: the run stays bounded and the figure says enough."""
    start = time.perf_counter()
    answer = call()
    first = (time.perf_counter() - start) * 1000
    if first > GIVE_UP_MS:
        return first, first, answer
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        answer = call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times), answer


def cases(bases: list[ScanResult]) -> list[tuple[str, QueueFilter, str, int]]:
    """(name, filter, sort, page) of each measured query, filters taken from what the stored scans hold."""
    sdk = next(s.id for b in bases for s in b.sdks)
    data_type = next(c.data_type for b in bases for c in b.api_calls if c.collects)
    clause = next(c for b in bases for f in b.findings for c in f.clauses)
    tenant = TENANTS[1]
    since = datetime.now(UTC) - timedelta(days=30)
    return [("default page (priority)", QueueFilter(tenant), "priority", 1),
            ("page 50", QueueFilter(tenant), "priority", 50),
            ("sort newest", QueueFilter(tenant), "newest", 1),
            ("sort package", QueueFilter(tenant), "package", 1),
            ("sort high", QueueFilter(tenant), "high", 1),
            ("verdict=undetermined", QueueFilter(tenant, verdict="undetermined"), "priority", 1),
            (f"sdk={sdk}", QueueFilter(tenant, sdk=sdk), "priority", 1),
            (f"data_type={data_type}", QueueFilter(tenant, data_type=data_type), "priority", 1),
            (f"clause={clause}", QueueFilter(tenant, clause=clause), "priority", 1),
            ("package=app0123", QueueFilter(tenant, package="app0123"), "priority", 1),
            ("since 30 days", QueueFilter(tenant, since=since), "priority", 1),
            ("all filters", QueueFilter(tenant, verdict="high-risk", sdk=sdk, data_type=data_type, since=since),
             "priority", 1),
            ("default tenant", QueueFilter(TENANTS[0]), "priority", 1)]


@contextmanager
def web_client(url: str) -> Iterator[Any]:
    """The service application on the store at ``url`` (in process, no socket), logged in as a reviewer of the
    second tenant; its upload folder and worker pool are removed on exit."""
    from fastapi.testclient import TestClient

    from appscan.server.api import ServiceSettings, create_app

    with tempfile.TemporaryDirectory(prefix="appscan-bench-web-") as folder:
        settings = ServiceSettings(db_url=url, upload_dir=Path(folder), workers=1)
        with TestClient(create_app(settings), base_url="https://127.0.0.1") as client:
            page = client.get("/ui/login")
            assert page.status_code == 200, f"no web UI log-in page ({page.status_code})"
            token = page.text.split('name="token" value="', 1)[1].split('"', 1)[0]
            answer = client.post("/ui/login", data={"tenant": TENANTS[1], "login": "bench",
                                                    "password": "bench-password", "token": token},
                                 follow_redirects=False)
            assert answer.status_code == 303, answer.text[:500]
            yield client


def _page(client: Any, query: str) -> Callable[[], Any]:
    """A call that GETs the queue page with ``query`` and checks it rendered."""
    def get() -> Any:
        response = client.get(f"/ui/queue{query}")
        assert response.status_code == 200, response.text[:500]
        return response
    return get


def measure(url: str, bases: list[ScanResult], args: argparse.Namespace) -> list[str]:
    """Fill a store at ``url``, time each query, and return the Markdown table lines."""
    store = open_store(url)
    try:
        stages = fill(store, bases, args.scans, args.packages)
        # The planner's statistics as a running database has them (PostgreSQL's autovacuum analyses tables after
        # bulk writes; SQLite keeps what ANALYZE last wrote): a query timed right after a bulk fill would otherwise
        # be planned for empty tables.
        store.write(lambda session: session.execute(sa.text("ANALYZE")))
        lines = [f"{args.scans:,} scans of {args.packages:,} apps from {len(bases)} scanned APKs, 2 tenants; "
                 f"filled in {stages['store_s']:.0f} s (+{stages['uploads_decisions_s']:.0f} s uploads and "
                 f"decisions)", "", "| query | rows / total | median ms | slowest ms |", "|---|---|---|---|"]
        for name, flt, sort, page in cases(bases):
            median, worst, (rows, total) = _timed(lambda: queue(store, flt, sort, page), args.runs)
            flag = "" if median < TARGET_MS else " (over target)"
            lines.append(f"| {name} | {len(rows)} / {total:,} | {median:.0f}{flag} | {worst:.0f} |")
            print(lines[-1], flush=True)
        if args.web:
            sdk = cases(bases)[6][1].sdk
            with web_client(url) as client:
                for name, query in (("web page: default", ""),
                                    ("web page: verdict + sdk", f"?verdict=high-risk&sdk={sdk}")):
                    median, worst, _ = _timed(_page(client, query), args.runs)
                    lines.append(f"| {name} | | {median:.0f} | {worst:.0f} |")
                    print(lines[-1], flush=True)
    finally:
        store.close()
    return lines


@contextmanager
def postgres_database(admin_url: str, name: str) -> Iterator[str]:
    """A new PostgreSQL database for the run, dropped afterwards (with whatever connections are left)."""
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--scans", type=int, default=10_000)
    parser.add_argument("--packages", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                        help="A PostgreSQL URL whose user may create databases (the run uses its own).")
    parser.add_argument("--pg-database", default="appscan_bench")
    parser.add_argument("--web", action="store_true", help="Also time the web UI's queue page.")
    args = parser.parse_args()
    bases = _bases()
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="appscan-bench-") as folder:
            print("## SQLite\n")
            print("\n".join(measure(f"sqlite:///{folder}/queue.db", bases, args)) + "\n")
    if args.backend in ("postgresql", "both"):
        with postgres_database(args.pg, args.pg_database) as url:
            print("## PostgreSQL\n")
            print("\n".join(measure(url, bases, args)) + "\n")


if __name__ == "__main__":
    main()
