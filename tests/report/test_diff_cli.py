"""``appscan diff OLD NEW``: what a new version adds, and ``--fail-on-new`` to gate on it."""

from __future__ import annotations

import json

from click.testing import CliRunner

from appscan.cli import main
from tests.conftest import REPO_ROOT

CLEAN = str(REPO_ROOT / "samples" / "clean.apk")
SDKS = str(REPO_ROOT / "samples" / "sdks.apk")


def test_diff_lists_what_the_new_version_adds_and_gates_on_it() -> None:
    runner = CliRunner()
    shown = runner.invoke(main, ["diff", CLEAN, SDKS, "--format", "json"])
    assert shown.exit_code == 0, shown.output
    diff = json.loads(shown.output)
    added_permissions = {p["name"] for p in diff["permissions"]["added"]}
    assert "android.permission.READ_PHONE_STATE" in added_permissions
    assert {s["id"] for s in diff["sdks"]["added"]} >= {"umeng-common", "jpush"}
    assert diff["api_calls"]["added"] and diff["findings"]["added"] and not diff["sdks"]["removed"]
    assert runner.invoke(main, ["diff", CLEAN, SDKS, "--fail-on-new"]).exit_code == 1
    reverse = runner.invoke(main, ["diff", SDKS, CLEAN, "--fail-on-new"])
    assert reverse.exit_code == 0 and "sdks: +0 -" in reverse.output


def test_diff_of_the_same_file_is_empty() -> None:
    same = CliRunner().invoke(main, ["diff", SDKS, SDKS, "--format", "json", "--fail-on-new"])
    assert same.exit_code == 0
    diff = json.loads(same.output)
    assert all(not diff[s]["added"] and not diff[s]["removed"] for s in ("permissions", "sdks", "api_calls",
                                                                           "findings"))
