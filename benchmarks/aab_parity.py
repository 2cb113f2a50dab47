#!/usr/bin/env python3
"""Do App Bundles read like their APKs? Turn real APKs into ``.aab`` files and compare the facts of both.

Each APK's manifest, XML files and resource table are converted to aapt2's protocol-buffer format with
``aapt2 convert --output-format proto``, laid out as a bundle's base module (``samples/aab.py``) and scanned; its
facts must equal the APK's, apart from the input's identity and signature (``tests.apk.test_aab.comparable``).
Prints one line per APK whose facts differ, with the fields, and a summary; ``--time`` adds the extraction time of
both. Needs aapt2 (Debian: aapt2).

    .venv/bin/python benchmarks/aab_parity.py                 # every corpus APK (../shared/corpus/apks)
    .venv/bin/python benchmarks/aab_parity.py a.apk b.apk
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "samples"))
from aab import bundle_entries  # noqa: E402  (samples/ modules)
from reprozip import write_zip  # noqa: E402

from appscan.apk import extract_facts  # noqa: E402
from appscan.errors import InputError  # noqa: E402
from tests.apk.test_aab import comparable  # noqa: E402
from tests.conftest import CORPUS_APKS  # noqa: E402


def to_bundle(apk: Path, work: Path) -> Path | None:
    """The ``.aab`` of ``apk``, None when aapt2 cannot convert it."""
    proto = work / "proto.apk"
    if subprocess.run(["aapt2", "convert", "--output-format", "proto", "-o", str(proto), str(apk)],
                      capture_output=True).returncode:
        return None
    with zipfile.ZipFile(proto) as zf:
        entries = {i.filename: (zf.read(i), i.compress_type) for i in zf.infolist()}
    bundle = work / f"{apk.stem}.aab"
    write_zip(bundle, bundle_entries({"base": entries}))
    return bundle


def differing(apk: Path, bundle: Path) -> tuple[list[str], float, float]:
    """(the fields of the facts that differ, seconds to read the APK, seconds to read the bundle)."""
    start = time.perf_counter()
    a = comparable(extract_facts(apk))
    middle = time.perf_counter()
    b = comparable(extract_facts(bundle))
    end = time.perf_counter()
    fields = []
    for field in dataclasses.fields(a):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if x != y:
            inner = [f.name for f in dataclasses.fields(x) if getattr(x, f.name) != getattr(y, f.name)] \
                if dataclasses.is_dataclass(x) else []
            fields.extend(f"{field.name}.{name}" for name in inner) if inner else fields.append(field.name)
    return fields, middle - start, end - middle


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("apks", nargs="*", type=Path)
    parser.add_argument("--time", action="store_true", help="print the extraction time of each APK and bundle")
    args = parser.parse_args()
    apks = args.apks or sorted(CORPUS_APKS.glob("*.apk"))
    counts: collections.Counter[str] = collections.Counter()
    for apk in apks:
        with tempfile.TemporaryDirectory() as tmp:
            try:
                extract_facts(apk)
            except InputError:
                counts["APK unreadable"] += 1
                continue
            bundle = to_bundle(apk, Path(tmp))
            if bundle is None:
                counts["aapt2 cannot convert"] += 1
                continue
            try:
                fields, apk_s, aab_s = differing(apk, bundle)
            except InputError as exc:
                counts["bundle refused"] += 1
                print(f"REFUSED {apk.name}: {exc}")
                continue
            counts["equal facts" if not fields else "different facts"] += 1
            if fields:
                print(f"DIFFERENT {apk.name}: {', '.join(fields)}")
            if args.time:
                print(f"time {apk.name}: apk {apk_s:.2f} s, aab {aab_s:.2f} s")
    print(", ".join(f"{n} {what}" for what, n in counts.most_common()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
