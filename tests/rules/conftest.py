"""Shared fixture for the ruleset tests: a working directory that makes error messages (which show paths
relative to it) the same on every machine."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the test from the repository root, as the CLI normally is."""
    monkeypatch.chdir(REPO)
    return REPO
