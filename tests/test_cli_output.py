"""Where the CLI's output goes: folders asked for with a trailing slash, and readers that stop early."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from appscan.cli import main
from appscan.cli.common import EXIT_CLOSED_PIPE
from tests.conftest import REPO_ROOT

SAMPLE = REPO_ROOT / "samples" / "sdks.apk"


def test_output_ending_in_a_slash_is_a_new_folder(tmp_path: Path) -> None:
    """``-o newdir/`` (not existing yet) gets one file per APK inside, even for a single input."""
    folder = tmp_path / "newdir"
    result = CliRunner().invoke(main, ["scan", str(SAMPLE), "--no-store", "--format", "json", "-o", f"{folder}/"])
    assert result.exit_code == 0, result.output
    assert folder.is_dir() and [p.name for p in folder.iterdir()] == ["sdks.json"]


def test_output_without_a_slash_is_one_file(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    result = CliRunner().invoke(main, ["scan", str(SAMPLE), "--no-store", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.is_file() and "sdks.apk" in target.read_text(encoding="utf-8")


def test_a_closed_pipe_ends_quietly() -> None:
    """``appscan rules list | head -1``: the reader goes away after one line; no error line, status 141."""
    process = subprocess.Popen([sys.executable, "-m", "appscan", "rules", "list"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()  # the listing (over 100 KB) does not fit in the pipe: the writer meets the closed end
    stderr = process.stderr.read()
    assert process.wait(timeout=60) == EXIT_CLOSED_PIPE
    assert first.strip() and stderr == b""
