"""The committed sample APKs and bundles (and samples/bad/) are exactly what samples/build.py makes from samples/src/.

Why: the scanner's expected-facts tests trust that samples/<name>.apk comes from the sources an engineer can read;
a rebuild that differs by one byte means either the sources or the committed APK changed alone.
Needs the Android build tools (aapt2, smali, zipalign, apksigner); skipped with the reason when they are missing.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
TOOLS = ("aapt2", "smali", "zipalign", "apksigner")
FRAMEWORK = Path("/usr/share/android-framework-res/framework-res.apk")

_missing = [t for t in TOOLS if shutil.which(t) is None] + ([] if FRAMEWORK.is_file() else [str(FRAMEWORK)])


@pytest.fixture(autouse=True)
def _build_tools() -> None:
    """Skip (or, under APPSCAN_REQUIRE_SERVICES=1, fail) where the Android build tools are missing."""
    require(not _missing, f"Android build tools missing: {', '.join(_missing)}")


def _digests(root: Path) -> dict[str, str]:
    """sha256 of every APK, bundle and bad input under ``root``, keyed by path relative to it."""
    built = (p for p in root.glob("*") if p.suffix in (".apk", ".apks", ".xapk", ".aab"))
    files = [*built, *(p for p in (root / "bad").glob("*") if p.name != "README.md")]
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_rebuild_is_byte_identical(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(SAMPLES / "build.py"), "--out", str(tmp_path)], check=True,
                   capture_output=True)
    committed = _digests(SAMPLES)
    assert committed, "no committed samples found"
    assert _digests(tmp_path) == committed
