"""``appscan worker`` and ``appscan submit``: the two ends of the distributed queue (see docs/distributed.md)."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import click

from appscan.jobs.batch import batch_inputs
from appscan.errors import QueueError, extra_needed

__all__ = ["submit", "worker"]


@click.command()
@click.option("--concurrency", "-c", type=click.IntRange(min=1), default=None,
              help="Scans at the same time on this machine (default: one per CPU).")
@click.option("--name", "-n", default=None, help="Worker name (default: appscan-PID@HOST).")
@click.option("--loglevel", "-l", default="INFO", show_default=True, help="Celery log level.")
def worker(concurrency: int | None, name: str | None, loglevel: str) -> None:
    """Run a worker that takes scans from the queue ($APPSCAN_BROKER) and stores them ($APPSCAN_DB).

    Each task is acknowledged only after its scan is stored, so stopping or killing a worker loses nothing.
    """
    with extra_needed("distributed", "appscan worker"):
        from appscan.jobs.worker import app  # Celery is imported only by the commands that need it

    argv = ["worker", "--loglevel", loglevel, "--hostname", name or f"appscan-{os.getpid()}@{socket.gethostname()}",
            "--without-gossip", "--without-mingle"]
    if concurrency is not None:
        argv += ["--concurrency", str(concurrency)]
    app.worker_main(argv)


@click.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--wait", is_flag=True, help="Wait for every scan and print its outcome as JSON lines.")
@click.option("--timeout", type=float, default=None, metavar="SECONDS", help="With --wait: give up after this long.")
@click.option("--policy", "policy_paths", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              metavar="FILE", help="The app's privacy policy (repeatable), compared with what the code does; given "
                                   "to every APK submitted (so submit one app's versions at a time).")
def submit(sources: tuple[Path, ...], wait: bool, timeout: float | None, policy_paths: tuple[Path, ...]) -> None:
    """Queue APKs (folders, files, or LIST files of paths) for the workers; prints one task id per APK.

    Paths are made absolute: the workers must see the files (APKs and policies) at the same path (a shared mount).
    """
    with extra_needed("distributed", "appscan submit"):
        from appscan.jobs.worker import scan_apk

    paths = batch_inputs(sources)
    if not paths:
        raise click.UsageError("no APK files found in the given paths")
    from kombu.exceptions import OperationalError

    try:
        policies = [str(p.resolve()) for p in policy_paths]
        tasks = [(path, scan_apk.delay(str(path.resolve()), policies)) for path in paths]
    except OperationalError as exc:
        raise QueueError(f"cannot reach the broker {scan_apk.app.conf.broker_url}: {exc}") from exc
    for path, task in tasks:
        click.echo(f"{task.id}\t{path.resolve()}")
    if wait:
        for _path, task in tasks:
            click.echo(json.dumps(task.get(timeout=timeout), sort_keys=True))
