"""``appscan policy``: JSON and text output, and one-line errors (exit 2) for files that are no policy."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from appscan.cli import main
from appscan.policy import MAX_BYTES

POLICY = "更新日期：2024年3月1日\n我们会收集您的位置信息，用于推荐附近门店。我们不会收集您的通讯录。\n如需投诉，请联系客服。\n"


def _run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["policy", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


def test_json_of_one_file_and_of_several(tmp_path: Path) -> None:
    path = tmp_path / "policy.txt"
    path.write_text(POLICY, encoding="utf-8")
    code, out, _ = _run(path, "--format", "json")
    document = json.loads(out)
    assert code == 0 and document["source"] == "policy.txt"  # the name: the same file, the same document anywhere
    assert [(d["data_type"], d["purpose"]) for d in document["declared"]] == [("location", "用于推荐附近门店")]
    assert [d["data_type"] for d in document["denied"]] == ["contacts"]
    assert document["sections"]["updated"] == "2024-03-01"
    code, out, _ = _run(path, path, "--format", "json")
    assert code == 0 and len(json.loads(out)) == 2


def test_text_summary_written_to_a_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.txt"
    path.write_text(POLICY, encoding="utf-8")
    code, _, _ = _run(path, "-o", tmp_path / "out" / "summary.txt")
    text = (tmp_path / "out" / "summary.txt").read_text(encoding="utf-8")
    assert code == 0
    assert "location: 我们会收集您的位置信息，用于推荐附近门店。 [purpose: 用于推荐附近门店]" in text
    assert "denied data types: 1" in text and "missing: account_deletion, minors, cross_border" in text


def test_unreadable_inputs_exit_2_with_one_line(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.html"
    garbage.write_bytes(bytes(range(256)) * 16)
    large = tmp_path / "large.txt"
    large.write_bytes(b"a" * (MAX_BYTES + 1))
    for path, message in ((garbage, "not a text, HTML, Markdown or PDF document"),
                          (large, "larger than the 5 MB"), (tmp_path / "missing.txt", "cannot read")):
        code, out, err = _run(path)
        assert code == 2 and out == "" and err.count("\n") == 1 and message in err, err
