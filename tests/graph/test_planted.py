"""Every planted path of ``samples/reachability.apk`` is classified as ``samples/expected/reachability.json`` says.

The sample is built from smali (``samples/src/reachability``): Application, provider, launcher, Thread, Handler,
Timer, click-only, BOOT_COMPLETED and consent-flag paths, one of them crossing into ``classes2.dex``.
"""

from __future__ import annotations

import json

import pytest

from appscan.graph import ReachAnalysis
from appscan.model import ApkFacts
from appscan.scan import scan_file
from tests.conftest import REPO_ROOT

SAMPLE = REPO_ROOT / "samples" / "reachability.apk"
EXPECTED = REPO_ROOT / "samples" / "expected" / "reachability.json"


def _planted() -> list[dict]:
    """The planted paths, or none when the sample is not built (the test then skips)."""
    if not (SAMPLE.is_file() and EXPECTED.is_file()):
        return []
    return json.loads(EXPECTED.read_text(encoding="utf-8"))["planted_paths"]


@pytest.fixture(scope="module")
def scanned() -> tuple[ApkFacts, ReachAnalysis]:
    """The sample's facts and their reachability analysis (scanned once)."""
    facts = scan_file(SAMPLE).facts
    return facts, ReachAnalysis(facts)


@pytest.mark.skipif(not _planted(), reason="samples/reachability.apk or its expected JSON is not built yet")
@pytest.mark.parametrize("planted", _planted(), ids=lambda p: p["via"])
def test_planted_path(scanned: tuple[ApkFacts, ReachAnalysis], planted: dict) -> None:
    facts, analysis = scanned
    sites = [s for s in facts.code.call_sites if s.caller == planted["caller"] and s.callee == planted["api"]]
    assert sites, "the planted call site is missing from the facts"
    reach = analysis.reach(planted["caller"], planted["api"])
    assert (reach.startup_reachable, reach.consent_gated, reach.background) == (
        planted["startup"], planted["consent_gated"], planted["background"])
    assert (reach.entry, reach.path[0], reach.path[-1]) == (planted["entry"], planted["entry"], planted["caller"])
