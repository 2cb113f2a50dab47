"""Fuzzing: hostile variants of the samples through the real scanner, and properties of the readers.

1. ``test_hostile_variants_end_in_a_result_or_one_line``: variants from ``tests/fuzz/hostile.py`` are scanned by
   ``appscan batch`` (a child process per APK under a 60 s and 1 GB limit, as an app store would run it); every one
   must end as a stored scan or a failure with the scanner's own one-line reason, never as a crash, a kill at a
   limit or an internal error, and within the limits.
2. Hypothesis properties over the readers the scanner owns (dex, binary XML, resource table, archive): any bytes
   give a result or the reader's own error, never another exception.

CI runs ``APPSCAN_FUZZ_CASES`` variants (default 104: every mutation of every sample once) and
``APPSCAN_FUZZ_EXAMPLES`` examples per property (default 150). A longer run is
``APPSCAN_FUZZ_CASES=2000 APPSCAN_FUZZ_EXAMPLES=5000 APPSCAN_FUZZ_SEED=$RANDOM .venv/bin/python -m pytest tests/fuzz``.
"""

from __future__ import annotations

import hashlib
import os
import random
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appscan.apk.aapt_proto import ProtoResourceTable, parse_proto_xml
from appscan.apk.archive import open_input
from appscan.apk.dex import DexFormatError, parse_dex
from appscan.apk.manifest import parse_axml
from appscan.apk.resources import arsc_shape_problem
from appscan.errors import AppscanError, InputError
from appscan.scan import scan_file
from appscan.store import list_scans, open_store
from tests.fuzz.hostile import MUTATIONS, SAMPLES, variants
from tests.scale.conftest import run_appscan

CASES = int(os.environ.get("APPSCAN_FUZZ_CASES") or 104)
EXAMPLES = int(os.environ.get("APPSCAN_FUZZ_EXAMPLES") or 150)
SEED = int(os.environ.get("APPSCAN_FUZZ_SEED") or 20261206)
LIMIT_S, LIMIT_MB = 60, 1024
_BREAKDOWNS = ("scan process", "time limit", "internal error", "memory")
"""Reasons that mean the scanner broke down rather than refused the input."""


def test_hostile_variants_end_in_a_result_or_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "variants"
    folder.mkdir()
    digests: dict[str, bytes] = {}
    for name, data in variants(SEED, CASES):
        (folder / name).write_bytes(data)
        digests[name] = hashlib.sha256(data).digest()
    names = list(digests)
    if CASES >= len(MUTATIONS) * len(list(SAMPLES.glob("*.apk"))):  # every mutation of every sample once
        assert all(any(n.endswith(f"-{m}.apk") for n in names) for m in MUTATIONS)
    db = f"sqlite:///{tmp_path / 'fuzz.db'}"
    batch = run_appscan("batch", str(folder), "--workers", "2", "--time-limit", str(LIMIT_S), "--memory-limit",
                        str(LIMIT_MB), "--max-failures", "0", "--db", db, timeout=CASES * LIMIT_S)
    assert batch.returncode in (0, 2), batch.stderr[-2000:]
    store = open_store(db, existing=True)
    try:
        scans = list_scans(store)
    finally:
        store.close()
    scanned = {digests[Path(s.source).name] for s in scans}
    assert set(digests.values()) == scanned  # every variant has a result (one equal to another may reuse its)
    broke = [(Path(s.source).name, s.error) for s in scans
             if s.status != "ok" and any(word in (s.error or "") for word in _BREAKDOWNS)]
    assert broke == []
    multi_line = [(Path(s.source).name, s.error) for s in scans if "\n" in (s.error or "")]
    assert multi_line == []


def _mutated(sample_member: str, sample: str = "sdks.apk") -> st.SearchStrategy[bytes]:
    """Bytes of a sample's member with random byte patches: deep enough into the format to pass its first checks."""
    with zipfile.ZipFile(SAMPLES / sample) as archive:
        body = archive.read(sample_member)

    @st.composite
    def patched(draw: st.DrawFn) -> bytes:
        out = bytearray(body)
        for _ in range(draw(st.integers(1, 16))):
            at = draw(st.integers(0, len(out) - 1))
            out[at] = draw(st.integers(0, 255))
        cut = draw(st.integers(len(out) // 2, len(out)))
        return bytes(out[:cut])
    return patched()


_FUZZ = settings(max_examples=EXAMPLES, deadline=5000, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@_FUZZ
@given(st.one_of(st.binary(max_size=4096), _mutated("classes.dex")))
def test_the_dex_reader_returns_or_says_malformed(data: bytes) -> None:
    try:
        parse_dex(data)
    except DexFormatError:
        pass


@_FUZZ
@given(st.one_of(st.binary(max_size=4096), _mutated("AndroidManifest.xml")))
def test_the_binary_xml_reader_returns_a_tree_or_none(data: bytes) -> None:
    parse_axml(data)


@_FUZZ
@given(st.one_of(st.binary(max_size=4096), _mutated("resources.arsc")))
def test_the_resource_table_check_returns_a_verdict(data: bytes) -> None:
    assert arsc_shape_problem(data) is None or isinstance(arsc_shape_problem(data), str)


@_FUZZ
@given(st.one_of(st.binary(max_size=4096), _mutated("base/manifest/AndroidManifest.xml", "sdks.aab")))
def test_the_proto_xml_reader_returns_a_tree_or_none(data: bytes) -> None:
    parse_proto_xml(data)


@_FUZZ
@given(st.one_of(st.binary(max_size=4096), _mutated("base/resources.pb", "multidex.aab")))
def test_the_proto_resource_table_reads_or_says_not_a_table(data: bytes) -> None:
    table = ProtoResourceTable.parse(data, lambda _name: None)
    if table is not None:
        table.strings(), table.locales(), table.resolve("@7F010000"), table.name_of("@7F010000")


@_FUZZ
@given(st.binary(max_size=2048), st.integers(0, 2**32 - 1))
def test_the_archive_reader_opens_or_refuses_in_one_line(tail: bytes, seed: int) -> None:
    """A sample with random bytes written over a random stretch: opened, or refused with one line."""
    data = bytearray((SAMPLES / "clean.apk").read_bytes())
    rng = random.Random(seed)
    at = rng.randrange(len(data))
    data[at:at + len(tail)] = tail
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"appscan-fuzz-{os.getpid()}.apk"
    path.write_bytes(bytes(data))
    try:
        open_input(path)
    except InputError as exc:
        assert "\n" not in str(exc)
    finally:
        path.unlink(missing_ok=True)


def test_every_mutation_makes_a_different_file() -> None:
    """Each mutation changes the sample (a mutation that silently did nothing would test nothing)."""
    data = (SAMPLES / "sdks.apk").read_bytes()
    for name, mutate in MUTATIONS.items():
        assert mutate(data, random.Random(1)) != data, name


@pytest.mark.parametrize("seed, index", [(20261206, 0), (20261206, 3), (11, 41), (11, 45), (11, 546)])
def test_variants_fuzzing_broke_the_scanner_with_stay_fixed(seed: int, index: int, tmp_path: Path) -> None:
    """Variants that once ended in an internal error: a resource string running past its pool, a resource table
    without a main string pool, a central directory androguard's own zip reader choked on (the signature is then
    reported unread, the code still analysed)."""
    *_, (name, data) = variants(seed, index + 1)
    path = tmp_path / name
    path.write_bytes(data)
    try:
        scan_file(path)
    except AppscanError as exc:
        assert "\n" not in str(exc)
