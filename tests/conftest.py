"""Shared test helpers: where the real corpus lives, and the one rule for tests whose external input is missing.

A user's clone has no ``../shared`` folder, no PostgreSQL, Redis or Chromium: those tests skip with a reason.
In CI (``APPSCAN_REQUIRE_SERVICES=1``) the same absence is a failure, so a broken environment cannot pass green.
"""

from __future__ import annotations

import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from appscan.apk import extract_facts
from appscan.model import ApkFacts

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS_APKS = (REPO_ROOT / ".." / "shared" / "corpus" / "apks").resolve()
CORPUS_TABLE = CORPUS_APKS.parent / "corpus.tsv"


def require(condition: bool, reason: str) -> None:
    """Skip the calling test when ``condition`` is false, or fail it when the environment demands services."""
    if condition:
        return
    if os.environ.get("APPSCAN_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (APPSCAN_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(reason)


def corpus_path() -> Path:
    """The corpus APK folder; skips (or fails, see ``require``) when this checkout has no ``../shared``."""
    require(CORPUS_APKS.is_dir(), "../shared/corpus not present (a user's clone has no ../shared)")
    return CORPUS_APKS


def run_cli(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the real command in a subprocess, as a user would (no ``APPSCAN_DEBUG``), bounded in time. Output is
    decoded as UTF-8 with undecodable bytes kept as surrogates, so that a file name that is not UTF-8 survives."""
    env = {k: v for k, v in os.environ.items() if k != "APPSCAN_DEBUG"}
    return subprocess.run([sys.executable, "-m", "appscan", *map(os.fsencode, args)], capture_output=True,
                          encoding="utf-8", errors="surrogateescape", env=env, cwd=REPO_ROOT, timeout=timeout)


@cache
def corpus_facts(name: str) -> ApkFacts:
    """The facts of one corpus APK, extracted once per test session (skips as ``corpus_path`` does)."""
    return extract_facts(corpus_path() / name)


@pytest.fixture(autouse=True, scope="session")
def _private_database(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Commands run by tests store into a throwaway SQLite file, never into the checkout's ./appscan.db."""
    os.environ.setdefault("APPSCAN_DB", f"sqlite:///{tmp_path_factory.mktemp('db') / 'appscan-tests.db'}")


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """Fixture form of ``corpus_path``."""
    return corpus_path()
