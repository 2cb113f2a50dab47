"""The bundled platform permission table: known levels, valid entries, reproducible generation, corpus coverage."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from appscan.platform import (
    PROTECTION_FLAGS,
    is_valid_protection_level,
    platform_permissions,
    protection_level,
)
from tests.conftest import require

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / ".." / "shared" / "corpus" / "apks"
GENERATOR = REPO / "tools" / "gen_platform_permissions.py"

# android.permission.* names that corpus apps declare although no Android release defines them.
NOT_PLATFORM = {
    "android.permission.ACCESS_SUPERUSER": "defined by root-management apps (Superuser/SuperSU), not by Android",
    "android.permission.READ_APP_BADGE": "launcher badge permission of some vendors' home apps",
    "android.permission.READ_CLIPBOARD": "not a permission: reading the clipboard needs none (only focus)",
    "android.permission.WRITE_CLIPBOARD": "not a permission: writing the clipboard needs none",
    "android.permission.RECEIVE_USER_PRESENT": "copied from push-SDK templates; USER_PRESENT is a broadcast action",
}


def _load_generator() -> ModuleType:
    """Import tools/gen_platform_permissions.py by path (tools/ is scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("gen_platform_permissions", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _p(short: str) -> str:
    return f"android.permission.{short}"


@pytest.mark.parametrize(("short", "base"), [
    ("READ_PHONE_STATE", "dangerous"),
    ("CAMERA", "dangerous"),
    ("POST_NOTIFICATIONS", "dangerous"),
    ("READ_MEDIA_IMAGES", "dangerous"),
    ("BLUETOOTH_CONNECT", "dangerous"),
    ("INTERNET", "normal"),
    ("QUERY_ALL_PACKAGES", "normal"),
    ("FOREGROUND_SERVICE_LOCATION", "normal"),
    ("MANAGE_EXTERNAL_STORAGE", "signature"),
])
def test_well_known_base_levels(short: str, base: str) -> None:
    assert platform_permissions()[_p(short)].base == base


def test_well_known_flags() -> None:
    assert "appop" in platform_permissions()[_p("SYSTEM_ALERT_WINDOW")].flags
    assert "appop" in platform_permissions()[_p("SCHEDULE_EXACT_ALARM")].flags
    assert protection_level(_p("INSTALL_PACKAGES")) == "signature|privileged"
    assert protection_level(_p("USE_FULL_SCREEN_INTENT")) == "normal|appop"


def test_unknown_names_have_no_level() -> None:
    assert protection_level("com.example.app.permission.C2D_MESSAGE") is None


def test_every_entry_is_well_formed() -> None:
    table = platform_permissions()
    assert len(table) > 550
    for name, permission in table.items():
        assert permission.name == name
        assert is_valid_protection_level(permission.protection_level), name
        assert permission.source == "framework-res API 29" or permission.source.startswith(
            ("framework-res API 29; level by hand: API ", "added by hand: ")), name
        assert permission.added_api is None or 29 <= permission.added_api <= 35, name


@pytest.mark.parametrize(("level", "valid"), [
    ("normal", True),
    ("signature|privileged|development", True),
    ("signature|development|privileged", False),  # flags out of the platform's order
    ("signature|privileged|privileged", False),
    ("signatureOrSystem", False),  # written as signature|privileged in the table
    ("dangerous|system", False),
])
def test_level_validation(level: str, valid: bool) -> None:
    assert is_valid_protection_level(level) is valid


def test_decode_protection_level() -> None:
    decode = _load_generator().decode_protection_level
    flag = dict(PROTECTION_FLAGS)
    assert decode(0) == "normal"
    assert decode(3) == "signature|privileged"
    assert decode(3 | flag["development"]) == "signature|privileged|development"
    assert decode(2 | flag["setup"] | flag["appop"] | flag["development"]) == "signature|development|appop|setup"
    with pytest.raises(ValueError):
        decode(2 | 0x10000000)


def test_generator_reproduces_committed_table() -> None:
    generator = _load_generator()
    if not generator.FRAMEWORK_APK.exists():
        require(False, f"{generator.FRAMEWORK_APK} absent (install Debian's android-framework-res)")
    assert generator.render() == generator.OUTPUT.read_text(encoding="utf-8")


def test_hand_levels_match_aosp_data_shipped_with_androguard() -> None:
    """Cross-check the hand-written API 30-35 levels with the AOSP manifest data androguard bundles."""
    import androguard

    data = Path(androguard.__file__).parent / "core/api_specific_resources/aosp_permissions/permissions_35.json"
    if not data.exists():
        require(False, f"{data} absent in this androguard version")
    aosp = json.loads(data.read_text(encoding="utf-8"))["permissions"]
    synonyms = {"signatureOrSystem": {"signature", "privileged"}, "system": {"privileged"}}
    checked = 0
    for permission in platform_permissions().values():
        if not permission.source.startswith("added by hand: API") or permission.name not in aosp:
            continue
        theirs = set().union(*(synonyms.get(f, {f}) for f in aosp[permission.name]["protectionLevel"].split("|")))
        assert set(permission.protection_level.split("|")) == theirs, permission.name
        checked += 1
    assert checked > 50


def _corpus_permissions() -> dict[str, set[str]]:
    """android.permission.* names requested by each corpus APK."""
    require(CORPUS.is_dir(), f"corpus {CORPUS} absent (a user's clone has no ../shared)")
    from androguard.core.apk import APK
    from loguru import logger

    logger.disable("androguard")
    return {path.name: {p for p in APK(str(path)).get_permissions() if p.startswith("android.permission.")}
            for path in sorted(CORPUS.glob("*.apk"))}


def test_corpus_permissions_are_all_known() -> None:
    requested = _corpus_permissions()
    assert requested, "no APKs in the corpus"
    table = platform_permissions()
    unknown = {f"{apk}: {name}" for apk, names in requested.items() for name in names
               if name not in table and name not in NOT_PLATFORM}
    assert not unknown, sorted(unknown)
    assert not set(NOT_PLATFORM) & set(table), "a name listed as not-platform is in the table"
