"""Bad input gets one clear line on stderr and exit code 2, never a traceback; the other files are still scanned."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "samples" / "bad"
CLEAN = ROOT / "samples" / "clean.apk"


@pytest.mark.parametrize("name, message", [
    ("not-a-zip.apk", "not an APK"),
    ("truncated.apk", "truncated or corrupt"),
    ("bad-manifest.apk", "AndroidManifest.xml is not valid binary XML"),
    ("no-manifest.apk", "no readable AndroidManifest.xml"),
    ("hello.txt", "not an APK"),
])
def test_bad_file_gives_one_line_and_exit_2(name: str, message: str) -> None:
    proc = run_cli("scan", BAD / name)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert name in lines[0] and message in lines[0]
    assert "Traceback" not in proc.stderr


def test_missing_file_is_one_line() -> None:
    proc = run_cli("scan", BAD / "does-not-exist.apk")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_corrupt_dex_is_skipped_and_recorded() -> None:
    proc = run_cli("scan", "--format", "json", BAD / "corrupt-dex.apk")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    skipped = [i for i in doc["incomplete"] if i["item"] == "classes.dex"]
    assert skipped and "dex skipped" in skipped[0]["reason"]
    assert [d["name"] for d in doc["code"]["dex"]] == ["classes2.dex"]


def test_zip_bomb_is_bounded() -> None:
    """The bomb's entry is never inflated past its limits: the scan ends quickly with a clean outcome."""
    proc = run_cli("scan", "--format", "json", BAD / "zip-bomb.apk")
    assert "Traceback" not in proc.stderr
    if proc.returncode == 0:
        doc = json.loads(proc.stdout)
        assert doc["incomplete"], "a bomb entry that was read must be reported as incomplete"
    else:
        assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1


def test_mixed_folder_scans_good_files_and_reports_each_bad_one(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.apk").write_bytes(CLEAN.read_bytes())
    for name in ("not-a-zip.apk", "truncated.apk", "bad-manifest.apk"):
        (folder / name).write_bytes((BAD / name).read_bytes())
    proc = run_cli("scan", "--format", "json", folder)
    assert proc.returncode == 2
    errors = proc.stderr.strip().splitlines()
    assert len(errors) == 3 and all(line.startswith("appscan: error: ") for line in errors)
    docs = json.loads(proc.stdout)
    assert [d["scan"]["source"] for d in docs] == ["good.apk"]


def test_debug_shows_the_traceback() -> None:
    proc = run_cli("scan", "--debug", BAD / "not-a-zip.apk")
    assert proc.returncode != 0 and "Traceback" in proc.stderr
