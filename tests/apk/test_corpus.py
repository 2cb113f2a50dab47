"""Every corpus APK through ``scan_file``: identity and permissions as androguard reads them, the JSON contract,
determinism, and a clean one-line ``AppscanError`` for the files that are broken on purpose.

androguard is the reference for the manifest identity because it is the most used reader; where it stops short
(an ``@7F...`` resource reference for versionName/versionCode, which the platform resolves) the value is resolved
through androguard's own resource table before comparing.
"""

from __future__ import annotations

import csv
import json
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from androguard.core.apk import APK
from androguard.core.axml import ARSCResTableConfig
from loguru import logger

from appscan.errors import AppscanError
from appscan.model import PREPENDED_DEX
from appscan.report.json_format import render_json, to_document
from appscan.scan import scan_file
from tests.conftest import CORPUS_APKS, CORPUS_TABLE, corpus_path

logger.disable("androguard")
pytestmark = pytest.mark.corpus

COMPONENT_TYPES = {"activity", "service", "receiver", "provider"}
APP_FIELDS = ("package", "version_code", "version_name", "min_sdk", "target_sdk", "sha256")
# corpus.tsv notes of files that are broken on purpose: appscan must refuse them with one clean line.
BROKEN_NOTES = ("no manifest",)


def _table() -> dict[str, dict[str, str]]:
    """APK file name -> its row of corpus.tsv."""
    if not CORPUS_TABLE.is_file():
        return {}
    with CORPUS_TABLE.open(newline="", encoding="utf-8") as f:
        return {Path(row["file"]).name: row for row in csv.DictReader(f, delimiter="\t")}


TABLE = _table()
NOTES = {name: row["note"] for name, row in TABLE.items()}
APKS = sorted(p.name for p in CORPUS_APKS.glob("*.apk")) if CORPUS_APKS.is_dir() else ["(corpus absent)"]
BROKEN = sorted(name for name, note in NOTES.items() if any(b in note for b in BROKEN_NOTES))


@dataclass(frozen=True)
class Identity:
    """What both readers must agree on."""

    package: str | None
    version_code: int | None
    version_name: str | None
    min_sdk: int | None
    target_sdk: int | None
    permissions: frozenset[str]


@dataclass(frozen=True)
class Outcome:
    """One APK scanned by appscan and read by androguard (computed in a worker process)."""

    error: str | None
    error_is_appscan: bool
    ours: Identity | None
    reference: Identity | None
    contract_problems: tuple[str, ...]


def _int(value: str | None) -> int | None:
    return None if value is None else int(value)


def _resolved(apk: APK, value: str | None) -> str | None:
    """A manifest value, with an ``@7F...`` resource reference resolved in the default configuration."""
    if value and value.startswith("@"):
        configs = apk.get_android_resources().get_resolved_res_configs(
            int(value[1:], 16), ARSCResTableConfig.default_config())
        return configs[0][1] if configs else value
    return value


def reference_identity(path: Path) -> Identity | None:
    """androguard's reading of the manifest, or None when androguard cannot read the file."""
    try:
        apk = APK(str(path))
    except Exception:  # noqa: BLE001 - androguard's failures on broken files are many and untyped
        return None
    if not apk.is_valid_APK():
        return None
    return Identity(apk.get_package(), _int(_resolved(apk, apk.get_androidversion_code())),
                    _resolved(apk, apk.get_androidversion_name()), _int(apk.get_min_sdk_version()),
                    _int(apk.get_target_sdk_version()), frozenset(apk.get_permissions()))


def contract_problems(doc: dict[str, Any]) -> list[str]:
    """Fields of the JSON contract (docs/json-schema.md) that are missing or of the wrong type."""
    problems = []
    if doc.get("schema_version") is None:
        problems.append("schema_version missing")
    problems += [f"app.{key} missing" for key in APP_FIELDS if key not in doc.get("app", {})]
    for perm in doc.get("permissions", [None]):
        if not (isinstance(perm, dict) and isinstance(perm.get("name"), str)
                and isinstance(perm.get("protection_level"), str)):
            problems.append(f"bad permission entry {perm!r}")
    for comp in doc.get("components", [None]):
        if not (isinstance(comp, dict) and comp.get("type") in COMPONENT_TYPES and isinstance(comp.get("name"), str)
                and isinstance(comp.get("exported"), bool) and isinstance(comp.get("actions"), list)):
            problems.append(f"bad component entry {comp!r}")
    problems += [f"{key} is not a list" for key in ("native_libs", "incomplete") if not isinstance(doc.get(key), list)]
    return problems


def check_apk(path: Path) -> Outcome:
    """Scan one APK and collect everything the tests assert on (runs in a worker process)."""
    reference = reference_identity(path)
    try:
        result = scan_file(path)
    except Exception as exc:  # noqa: BLE001 - the test asserts on the kind of error
        return Outcome(str(exc), isinstance(exc, AppscanError), None, reference, ())
    app = result.facts.app
    ours = Identity(app.package, app.version_code, app.version_name, app.min_sdk, app.target_sdk,
                    frozenset(p.name for p in result.facts.manifest.permissions if p.tag == "uses-permission"))
    return Outcome(None, False, ours, reference, tuple(contract_problems(to_document(result))))


@pytest.fixture(scope="session")
def outcomes() -> dict[str, Outcome]:
    """Every corpus APK checked, largest first, in two worker processes."""
    paths = sorted(corpus_path().glob("*.apk"), key=lambda p: p.stat().st_size, reverse=True)
    with ProcessPoolExecutor(2) as pool:
        return dict(zip((p.name for p in paths), pool.map(check_apk, paths)))


READ_BY_RESOURCE_ID: dict[str, frozenset[str]] = {
    # Godot's exporter writes the namespace string "android" (not the URI) on its two <uses-permission> names.
    # The platform reads android:name by resource id and grants both; androguard, reading by name, lists neither.
    "fdroid__org.sajeg.fallingblocks_3.apk": frozenset({"android.permission.VIBRATE",
                                                        "android.permission.WRITE_USER_DICTIONARY"}),
}
"""Permissions appscan reads as the platform does (attributes by resource id) and androguard misses."""


@pytest.mark.parametrize("apk", [a for a in APKS if a not in BROKEN])
def test_scan_matches_androguard(apk: str, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[apk]
    assert outcome.error is None, f"{apk}: scan failed: {outcome.error}"
    assert outcome.reference is not None, f"{apk}: androguard cannot read it; mark it in corpus.tsv"
    reference = outcome.reference
    if apk in READ_BY_RESOURCE_ID:
        reference = replace(reference, permissions=reference.permissions | READ_BY_RESOURCE_ID[apk])
    assert outcome.ours == reference


@pytest.mark.parametrize("apk", [a for a in APKS if a not in BROKEN])
def test_json_contract(apk: str, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[apk]
    assert outcome.error is None, f"{apk}: scan failed: {outcome.error}"
    assert not outcome.contract_problems, "\n".join(outcome.contract_problems)


@pytest.mark.parametrize("apk", BROKEN or ["(no broken files listed)"])
def test_broken_file_gives_one_line_error(apk: str, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[apk]
    assert outcome.error is not None, f"{apk} is broken on purpose ({NOTES[apk]}) but scanned"
    assert outcome.error_is_appscan, f"{apk}: not an AppscanError: {outcome.error}"
    assert outcome.error.strip() and "\n" not in outcome.error


def test_most_of_the_corpus_is_compared(outcomes: dict[str, Outcome]) -> None:
    """Guards the comparison itself: it must not pass by skipping."""
    compared = [o for o in outcomes.values() if o.ours is not None and o.reference is not None]
    assert len(compared) >= 0.9 * len(outcomes)
    assert sum(len(o.ours.permissions) for o in compared) > 300


def _multidex_apks(count: int = 3) -> list[str]:
    """The determinism sample: the smallest multi-dex APKs (dex and class order matter most there).

    Each is scanned twice in full, in this process: the large multi-dex apps would cost minutes for no more cover.
    """
    multidex = [a for a in APKS if a in TABLE and a not in BROKEN and int(TABLE[a]["dex_count"] or 0) >= 2]
    return sorted(multidex, key=lambda a: int(TABLE[a]["size_bytes"]))[:count]


@pytest.mark.parametrize("apk", _multidex_apks() or ["(corpus absent)"])
def test_scan_is_deterministic(apk: str) -> None:
    path = corpus_path() / apk

    def rendered() -> dict[str, Any]:
        doc = json.loads(render_json(scan_file(path), full=True))
        doc["scan"].pop("duration_ms")
        return doc

    first, second = rendered(), rendered()
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_janus_apk_is_scanned_and_its_prepended_dex_analysed() -> None:
    """A dex put in front of a zip (CVE-2017-13156) is read as Android < 8 reads it: as the first dex."""
    result = scan_file(corpus_path() / "fdroid__janus.apk")
    assert [d.name for d in result.facts.code.dex] == [PREPENDED_DEX, "classes.dex"]
    assert not [i for i in result.facts.incomplete if "before the zip" in i.item]
