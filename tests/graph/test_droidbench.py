"""Recall guard on DroidBench 3.0: the call graph and the API effects must not lose a real personal-data source.

``data/droidbench_sources.yaml`` labels, from the bytecode of each of the 173 DroidBench APKs, every personal-data
source call site (caller, API, data type) and whether it runs at start-up without user action. A labelled in-scope
source is *found* when the scan's JSON ``api_calls`` lists that caller, API and data type as a collection
(``effect`` "collection", or no ``effect`` at all) and, for a source labelled start-up, with ``startup_reachable``.

The type-resolved dispatch and the effect conditions exist to drop claims; these tests make sure that what they
drop is never one of these sources. Sources appscan missed before them carry a ``scanner_gap`` note with the cause:
every other source must be found, and every noted one must still be missed (so a fix of the scanner is recorded
by removing its note, and the recall figure in the messages only goes up).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from appscan.report.json_format import to_document
from appscan.rules.loader import load_rulesets
from appscan.scan import scan_file
from tests.conftest import REPO_ROOT, require

DROIDBENCH = (REPO_ROOT / ".." / "shared" / "corpus" / "droidbench").resolve()
LABELS = Path(__file__).resolve().parent / "data" / "droidbench_sources.yaml"
DATA_TYPES = REPO_ROOT / "rulesets" / "data_types.yaml"


@dataclass(frozen=True)
class Source:
    """One labelled in-scope source (see the header of ``data/droidbench_sources.yaml``)."""

    apk: str
    caller: str
    api: str
    data_type: str
    startup: bool
    gap: str | None

    def __str__(self) -> str:
        when = "start-up" if self.startup else "any time"
        return f"{self.apk}: {self.caller} -> {self.api} [{self.data_type}, {when}]"


def _label_file() -> list[dict[str, Any]]:
    """The labelled apps, as written."""
    apps: list[dict[str, Any]] = yaml.safe_load(LABELS.read_text(encoding="utf-8"))["apps"]
    return apps


def _in_scope(apps: Sequence[Mapping[str, Any]]) -> list[Source]:
    """The labelled sources appscan is expected to report (``in_scope`` not false)."""
    return [Source(app["apk"], s["caller"], s["api"], s["data_type"], s["startup"], s.get("scanner_gap"))
            for app in apps for s in app["sources"] if s.get("in_scope", True)]


def droidbench_path() -> Path:
    """The DroidBench folder; skips (or fails, see ``require``) when this checkout has no ``../shared``."""
    require(DROIDBENCH.is_dir(), "../shared/corpus/droidbench not present (a user's clone has no ../shared)")
    return DROIDBENCH


@pytest.fixture(scope="module")
def api_calls() -> dict[str, list[dict[str, Any]]]:
    """``api_calls`` of the JSON document of every DroidBench APK, by file name (each APK scanned once)."""
    folder = droidbench_path()
    rules = load_rulesets()
    return {apk.name: to_document(scan_file(apk, ruleset=rules))["api_calls"] for apk in sorted(folder.glob("*.apk"))}


def _miss(source: Source, calls: Sequence[Mapping[str, Any]]) -> str | None:
    """Why the scan does not report ``source`` as a (start-up) collection, or None when it does."""
    same = [c for c in calls
            if (c["caller"], c["api"], c["data_type"]) == (source.caller, source.api, source.data_type)]
    if not same:
        return "not in api_calls"
    collecting = [c for c in same if c.get("effect", "collection") == "collection"]
    if not collecting:
        return "effect " + "; ".join(f"{c['effect']} ({c.get('effect_reason')})" for c in same)
    if source.startup and not any(c["startup_reachable"] for c in collecting):
        first = collecting[0]
        return f"not start-up reachable (entry_kind {first['entry_kind']}, entry {first['entry']})"
    return None


def test_labels_cover_every_apk() -> None:
    """One label entry per DroidBench APK, each in-scope source with a catalogue data type."""
    apps = _label_file()
    on_disk = sorted(p.name for p in droidbench_path().glob("*.apk"))
    assert sorted(app["apk"] for app in apps) == on_disk
    data_types = {entry["id"] for entry in yaml.safe_load(DATA_TYPES.read_text(encoding="utf-8"))["entries"]}
    unknown = sorted({s.data_type for s in _in_scope(apps)} - data_types)
    assert not unknown, f"data types not in rulesets/data_types.yaml: {unknown}"


def test_no_labelled_source_lost(api_calls: dict[str, list[dict[str, Any]]]) -> None:
    """Every in-scope source without a ``scanner_gap`` note is found; the message gives recall and every miss."""
    sources = _in_scope(_label_file())
    misses = {s: why for s in sources if (why := _miss(s, api_calls[s.apk])) is not None}
    lost = [f"{s}: {why}" for s, why in misses.items() if s.gap is None]
    startup = [s for s in sources if s.startup]
    found_startup = [s for s in startup if s not in misses]
    recall = (len(sources) - len(misses)) / len(sources)
    assert not lost, (
        f"recall {recall:.3f} ({len(sources) - len(misses)}/{len(sources)} labelled sources found; start-up "
        f"{len(found_startup)}/{len(startup)}); sources lost beyond the {len(misses) - len(lost)} noted gaps:\n"
        + "\n".join(lost))


def test_noted_gaps_still_missed(api_calls: dict[str, list[dict[str, Any]]]) -> None:
    """A source whose ``scanner_gap`` the scanner has closed must lose its note, so the recorded recall is exact."""
    closed = [str(s) for s in _in_scope(_label_file()) if s.gap and _miss(s, api_calls[s.apk]) is None]
    assert not closed, "found now: remove scanner_gap from these labels\n" + "\n".join(closed)
