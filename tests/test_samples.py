"""Each sample's scan equals its hand-written expected facts (samples/expected/NAME.json).

The expected files are a subset of the scan JSON: every key they name is compared, and every list they give is
complete (compared as a multiset; for lists of objects, on the fields the expected objects name). The input is
samples/NAME.apk unless the file names another one under its top-level key ``input`` (a bundle: ``bundle.apks``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from appscan.report.json_format import to_document
from appscan.scan import scan_file

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = sorted((ROOT / "samples" / "expected").glob("*.json"))
# Keys of an expected file that name its input or describe later analysis stages, not scan facts.
_NOT_FACTS = {"input", "planted_paths", "expected_sdks", "expected_findings", "absent_findings",
              "expected_api_calls"}


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _compare(expected: Any, actual: Any, where: str, problems: list[str]) -> None:
    """Collect every difference between the expected subset and the actual document."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            problems.append(f"{where}: expected an object, got {actual!r}")
            return
        for key, value in expected.items():
            if key not in actual:
                problems.append(f"{where}.{key}: missing")
            else:
                _compare(value, actual[key], f"{where}.{key}", problems)
    elif isinstance(expected, list):
        if not isinstance(actual, list):
            problems.append(f"{where}: expected a list, got {actual!r}")
            return
        if expected and all(isinstance(e, dict) for e in expected):
            keys = set().union(*expected)
            actual = [{k: a.get(k) for k in keys} if isinstance(a, dict) else a for a in actual]
        want = sorted(_canon(e) for e in expected)
        got = sorted(_canon(a) for a in actual)
        if want != got:
            missing = [w for w in want if w not in got]
            extra = [g for g in got if g not in want]
            problems.append(f"{where}: missing {missing[:5]} unexpected {extra[:5]}")
    elif expected != actual:
        problems.append(f"{where}: expected {expected!r}, got {actual!r}")


def test_there_are_samples() -> None:
    assert len(EXPECTED) >= 5, "samples/expected/ should hold at least five expected-facts files"


@pytest.mark.parametrize("expected_file", EXPECTED, ids=lambda p: p.stem)
def test_sample_scan_matches_expected_facts(expected_file: Path) -> None:
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    apk = ROOT / "samples" / expected.get("input", f"{expected_file.stem}.apk")
    for key in _NOT_FACTS:
        expected.pop(key, None)
    doc = to_document(scan_file(apk), full=True)
    problems: list[str] = []
    _compare(expected, doc, expected_file.stem, problems)
    assert not problems, "\n".join(problems)
