"""A separate scanning process for the kill and concurrency tests: ``python -m tests.store.worker URL MODE N TAG``.

``save``: store N synthetic scans (CALLS call sites each) under packages named after TAG.
``hang``: store one scan, then start a large one and stop inside its transaction (after every insert, before the
commit), printing ``inside`` so the test knows when to kill the process.
"""

from __future__ import annotations

import sys
import time

from appscan.report.json_format import to_document
from appscan.store import open_store, repository, save_scan
from tests.store import factory

CALLS = 200


def synthetic(tag: str, index: int, calls: int) -> factory.ScanResult:
    """A scan of its own app version with ``calls`` call sites and a shared SDK (to contend on the catalogue)."""
    return factory.result(f"com.{tag}.n{index}", index + 1, sdks=(factory.sdk("shared"), factory.sdk(tag)),
                          calls=tuple(factory.call("device_id", i, "shared", i % 2 == 0) for i in range(calls)),
                          findings=(factory.finding(f"{tag}-{index}"),))


def main(url: str, mode: str, count: int, tag: str) -> None:
    """Run one worker."""
    store = open_store(url)
    if mode == "save":
        for index in range(count):
            result = synthetic(tag, index, CALLS)
            save_scan(store, result, to_document(result))
        return
    first = synthetic(tag, 0, CALLS)
    save_scan(store, first, to_document(first))
    real_write = repository._write

    def write_then_hang(session, result, rows):  # type: ignore[no-untyped-def]
        scan_id = real_write(session, result, rows)
        print("inside", flush=True)
        time.sleep(120)
        return scan_id

    repository._write = write_then_hang
    big = synthetic(tag, 1, count)
    save_scan(store, big, to_document(big))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4])
