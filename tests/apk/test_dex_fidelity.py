"""appscan's dex pass against androguard's disassembly, on every dex of every corpus APK.

The scanner's privacy findings rest on call sites and string constants; ``appscan.apk.dex`` reads them with a
hand-written opcode-length walk for speed. This test holds that walk to androguard's full decoder: for each dex,
the multiset of (caller, callee, kind) call sites and each method's const-string list must be identical.

The corpus is compared once per session in two worker processes (androguard needs ~15 s on the largest app);
each APK is then its own test case so that a difference names the APK, the dex and the method.
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from appscan.apk.dex import DexFormatError, parse_dex
from tests.apk.dex_reference import read_reference
from tests.conftest import CORPUS_APKS, corpus_path

pytestmark = pytest.mark.corpus

_DEX = re.compile(r"^classes\d*\.dex$")
_MAX_REPORTED = 15
_APKS = sorted(p.name for p in CORPUS_APKS.glob("*.apk")) if CORPUS_APKS.is_dir() else ["(corpus absent)"]


@dataclass(frozen=True)
class Comparison:
    """The outcome for one APK: how much was compared, and every difference found (capped per dex)."""

    dex_files: int
    methods: int
    call_sites: int
    differences: tuple[str, ...]


def _diff_sites(dex: str, ours: Counter[tuple[str, str, str]], ref: Counter[tuple[str, str, str]]) -> list[str]:
    """One line per call site whose count differs."""
    out = []
    for site in sorted(set(ours) | set(ref)):
        if ours[site] != ref[site]:
            out.append(f"{dex}: call site {site}: appscan x{ours[site]}, androguard x{ref[site]}")
    return out


def _diff_strings(dex: str, ours: dict[str, tuple[str, ...]], ref: dict[str, tuple[str, ...]]) -> list[str]:
    """One line per method whose const-string list differs."""
    out = []
    for method in sorted(set(ours) | set(ref)):
        a, b = ours.get(method, ()), ref.get(method, ())
        if a != b:
            out.append(f"{dex}: const-strings of {method}: appscan-only {[s for s in a if s not in b]!r}, "
                       f"androguard-only {[s for s in b if s not in a]!r}, order equal: {sorted(a) == sorted(b)}")
    return out


def compare_apk(path: Path) -> Comparison:
    """Compare every ``classesN.dex`` of one APK (runs in a worker process)."""
    dex_files = methods = sites = 0
    differences: list[str] = []
    with zipfile.ZipFile(path) as archive:
        for name in sorted(n for n in archive.namelist() if _DEX.match(n)):
            data = archive.read(name)
            try:
                ref = read_reference(data)
            except Exception as exc:  # noqa: BLE001 - any androguard failure is reported, not raised
                differences.append(f"{name}: androguard cannot read it ({type(exc).__name__}: {exc})")
                continue
            try:
                ours = parse_dex(data)
            except DexFormatError as exc:
                differences.append(f"{name}: appscan rejects a dex androguard reads: {exc}")
                continue
            dex_files += 1
            methods += ref.method_count
            sites += sum(ref.call_sites.values())
            found = _diff_sites(name, Counter(ours.call_sites), ref.call_sites)
            found += _diff_strings(name, ours.strings, ref.strings)
            if ours.method_count != ref.method_count:
                found.append(f"{name}: {ours.method_count} methods defined, androguard {ref.method_count}")
            differences += found[:_MAX_REPORTED]
            if len(found) > _MAX_REPORTED:
                differences.append(f"{name}: ... and {len(found) - _MAX_REPORTED} more differences")
    return Comparison(dex_files, methods, sites, tuple(differences))


@pytest.fixture(scope="session")
def comparisons() -> dict[str, Comparison]:
    """Every corpus APK compared, largest first so that the two workers finish together."""
    folder = corpus_path()
    paths = sorted(folder.glob("*.apk"), key=lambda p: p.stat().st_size, reverse=True)
    with ProcessPoolExecutor(2) as pool:
        return dict(zip((p.name for p in paths), pool.map(compare_apk, paths)))


@pytest.mark.parametrize("apk", _APKS)
def test_dex_pass_matches_androguard(apk: str, comparisons: dict[str, Comparison]) -> None:
    result = comparisons[apk]
    assert not result.differences, f"{apk}:\n" + "\n".join(result.differences)


def test_corpus_code_was_compared(comparisons: dict[str, Comparison]) -> None:
    """Guards the test itself: the corpus has dex code in most APKs, so most must have been compared."""
    compared = [c for c in comparisons.values() if c.dex_files]
    assert len(compared) >= 0.9 * len(comparisons)
    assert sum(c.call_sites for c in compared) > 1_000_000
