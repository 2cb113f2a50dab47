"""``appscan scan`` of a file already stored returns the stored result: the same document as a fresh scan, field by
field, apart from ``scan.duration_ms`` and ``scan.reused`` (docs/json-schema.md, *Determinism*)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from appscan.cli import main
from tests.conftest import REPO_ROOT

SAMPLES = sorted(p for p in (REPO_ROOT / "samples").iterdir() if p.suffix in (".apk", ".apks", ".xapk", ".aab"))


def _differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Every path where two JSON values differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b))
                for d in (_differences(a[k], b[k], f"{path}.{k}") if k in a and k in b else [f"{path}.{k}"])]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [path]


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_a_reused_scan_is_the_same_document(sample: Path, db_url: str, tmp_path: Path) -> None:
    def scan(name: str) -> dict[str, Any]:
        out = tmp_path / name
        result = CliRunner().invoke(main, ["scan", str(sample), "--format", "json", "-o", str(out), "--db", db_url])
        assert result.exit_code == 0, result.output
        return json.loads(out.read_text(encoding="utf-8"))

    fresh, reused = scan("fresh.json"), scan("reused.json")
    assert fresh["scan"]["reused"] is False and reused["scan"]["reused"] is True
    assert reused["scan"]["duration_ms"] == fresh["scan"]["duration_ms"]
    assert _differences(fresh, reused) == [".scan.reused"]


def test_the_text_summary_of_a_reused_scan_counts_the_code(db_url: str) -> None:
    sample = REPO_ROOT / "samples" / "sdks.apk"
    outputs = [CliRunner().invoke(main, ["scan", str(sample), "--db", db_url]).output for _ in range(2)]
    code = [next(line for line in out.splitlines() if line.strip().startswith("code:")) for out in outputs]
    assert code[0] == code[1] and " 0 classes" not in code[1]


def test_the_text_summary_says_what_it_leaves_out_and_that_it_reused(db_url: str) -> None:
    sample = str(REPO_ROOT / "samples" / "sdks.apk")
    first, second = (CliRunner().invoke(main, ["scan", sample, "--db", db_url]).output for _ in range(2))
    shown = sum(1 for line in first.splitlines() if line.startswith("    [") and "] " in line)
    total = int(next(line for line in first.splitlines() if line.startswith("  findings:")).split()[1])
    assert shown < total and f"... {total - shown} more" in first
    assert "scanned in" in first and "stored scan reused" in second


def test_baseline_and_diff_use_the_stored_scan(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once a file is stored, ``baseline`` and ``diff`` of it answer from the database without scanning again;
    without a database they scan (and create none)."""
    sample, other = str(REPO_ROOT / "samples" / "sdks.apk"), str(REPO_ROOT / "samples" / "clean.apk")
    for apk in (sample, other):
        assert CliRunner().invoke(main, ["scan", apk, "--db", db_url]).exit_code == 0
    stored = json.loads(CliRunner().invoke(main, ["scan", sample, "--db", db_url, "--format", "json"]).output)

    def no_scan(*args: object, **kwargs: object) -> None:
        raise AssertionError("scanned again")

    monkeypatch.setattr("appscan.cli.reuse.scan_file", no_scan)
    base = tmp_path / "baseline.json"
    made = CliRunner().invoke(main, ["baseline", sample, "-o", str(base), "--db", db_url])
    assert made.exit_code == 0, made.output
    assert {f["id"] for f in json.loads(base.read_text(encoding="utf-8"))["findings"]} == \
        {f["id"] for f in stored["findings"]}
    compared = CliRunner().invoke(main, ["diff", other, sample, "--db", db_url, "--format", "json"])
    assert compared.exit_code == 0, compared.output
    monkeypatch.undo()
    fresh_db = tmp_path / "none" / "appscan.db"
    fresh = CliRunner().invoke(main, ["baseline", sample, "-o", str(tmp_path / "b2.json"),
                                      "--db", f"sqlite:///{fresh_db}"])
    assert fresh.exit_code == 0 and not fresh_db.exists()
