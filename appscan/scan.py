"""The scan as a plain function: inputs -> ``ScanResult``. The CLI, the worker and the service all call this."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from appscan.apk import extract_facts
from appscan.model import ScanResult

__all__ = ["APK_SUFFIXES", "expand_inputs", "scan_file"]

APK_SUFFIXES = (".apk", ".apks", ".xapk", ".apkm")


def expand_inputs(paths: Iterable[Path]) -> Iterator[Path]:
    """Files as given; directories expanded (recursively, sorted) to the APK and bundle files they hold."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*")
                              if p.is_file() and p.suffix.lower() in APK_SUFFIXES)
        else:
            yield path


def scan_file(path: Path, time_limit: float | None = None) -> ScanResult:
    """Scan one input file. ``time_limit`` (seconds) bounds the code pass; what is cut is in ``incomplete``."""
    start = time.monotonic()
    deadline = start + time_limit if time_limit else None
    facts = extract_facts(path, deadline)
    return ScanResult(facts, time.monotonic() - start)
