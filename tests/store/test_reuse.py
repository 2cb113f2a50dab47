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

SAMPLES = sorted(p for p in (REPO_ROOT / "samples").iterdir() if p.suffix in (".apk", ".apks", ".xapk"))


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
