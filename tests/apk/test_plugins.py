"""Plug-ins in assets: dex files, and jars/APKs holding one, read as code loaded at run time, under the input's limits.

``samples/plugins.apk`` (sources in ``samples/src/plugins/``) carries one of each kind plus an encrypted file, a
zip without code and a truncated jar; the archive limits are checked on APKs built here, in memory.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from appscan.apk import extract_facts
from appscan.model import Incomplete
from appscan.scan import scan_file
from tests.conftest import REPO_ROOT

SAMPLE = REPO_ROOT / "samples" / "plugins.apk"
CLEAN = REPO_ROOT / "samples" / "clean.apk"


def _with_assets(tmp_path: Path, assets: dict[str, tuple[bytes, int]]) -> Path:
    """``clean.apk`` with these entries added (its signature no longer matches, which the reader only reports)."""
    out = tmp_path / "app.apk"
    with zipfile.ZipFile(CLEAN) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        for name, (data, method) in assets.items():
            dst.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), data, compress_type=method)
    return out


def _jar(entries: dict[str, bytes]) -> bytes:
    """A zip holding these entries, deflated."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def _plugin_dex() -> bytes:
    """The GDT plug-in's classes.dex of the sample, reused as a payload."""
    with zipfile.ZipFile(SAMPLE) as apk, zipfile.ZipFile(io.BytesIO(apk.read("assets/gdt_plugin/gdtadv2.jar"))) as jar:
        return jar.read("classes.dex")


def test_each_plugin_kind_is_read_with_its_container() -> None:
    facts = extract_facts(SAMPLE)
    assert [(d.name, d.container) for d in facts.code.dex] == [
        ("classes.dex", None),
        ("assets/UPPayPluginEx.apk!classes.dex", "assets/UPPayPluginEx.apk"),
        ("assets/bmob/payassist.dex", "assets/bmob/payassist.dex"),
        ("assets/gdt_plugin/gdtadv2.jar!classes.dex", "assets/gdt_plugin/gdtadv2.jar"),
    ]
    by_dex = {c.name: c.dex for c in facts.code.classes}
    assert by_dex["La/b/c;"] == "assets/gdt_plugin/gdtadv2.jar!classes.dex"
    assert by_dex["Lcom/qq/e/comm/managers/GDTAdSdk;"] == "classes.dex"
    assert any(s.caller.startswith("Lcn/bmob/v3/pay/PayAssist;") for s in facts.code.call_sites)
    # The encrypted jar (no magic) and the zip without code add nothing; the truncated jar is reported.
    assert facts.incomplete == (Incomplete("assets/truncated.jar", "plug-in skipped: plugins.apk!assets/truncated.jar: "
                                           "not a readable zip archive (truncated or corrupt: File is not a zip file)"),)


def test_plugin_calls_are_the_sdks_and_marked_runtime_loaded() -> None:
    result = scan_file(SAMPLE)
    calls = {(c.api_id, c.caller.partition("->")[0]): (c.sdk, c.owner_kind, c.runtime_loaded) for c in result.api_calls}
    gdt_jar = "assets/gdt_plugin/gdtadv2.jar"
    assert calls[("imei-getdeviceid", "Lcom/qq/e/comm/plugin/util/DeviceStatus;")] == ("gdt", "sdk", gdt_jar)
    # Obfuscated plug-in code no catalogue prefix names belongs to the SDK whose asset pattern the plug-in matches.
    assert calls[("location-getlastknownlocation", "La/b/c;")] == ("gdt", "sdk", gdt_jar)
    assert calls[("imsi-getsubscriberid", "Lcom/unionpay/mobile/android/utils/PhoneInfo;")] == (
        "unionpay", "sdk", "assets/UPPayPluginEx.apk")
    assert calls[("dynamic-code-dexclassloader", "Lcom/qq/e/comm/managers/GDTAdSdk;")][2] is None
    gdt = next(d for d in result.sdks if d.id == "gdt")
    assert [e for e in gdt.evidence if e.kind == "plugin"][0].value == gdt_jar
    assert result.unidentified == ()  # La/b/c is GDT's plug-in code, not unidentified third-party code


def test_plugin_version_constants_are_read() -> None:
    versions = {d.id: d.version for d in scan_file(SAMPLE).sdks}
    assert versions["unionpay"] == "3.4.8"  # the BuildConfig inside the plug-in APK
    assert versions["gdt"] == "4.422"  # the catalogue's getter hint: "4.422." + a build number computed at run time


def test_a_dex_bomb_inside_a_plugin_is_refused(tmp_path: Path) -> None:
    bomb = _jar({"classes.dex": b"dex\n035\0" + bytes(20 * 1024 * 1024)})
    facts = extract_facts(_with_assets(tmp_path, {"assets/ads/engine.jar": (bomb, zipfile.ZIP_STORED)}))
    skipped = [i for i in facts.incomplete if i.item == "assets/ads/engine.jar!classes.dex"]
    assert len(skipped) == 1 and "compression ratio" in skipped[0].reason
    assert [d.name for d in facts.code.dex] == ["classes.dex"]


def test_a_renamed_plugin_is_found_by_its_magic(tmp_path: Path) -> None:
    """A plug-in disguised as data (``.dat``) is still code, and a plug-in's own nested plug-ins are not opened."""
    inner = _jar({"classes.dex": _plugin_dex(), "assets/deeper.jar": _jar({"classes.dex": _plugin_dex()})})
    facts = extract_facts(_with_assets(tmp_path, {"assets/cfg/a.dat": (inner, zipfile.ZIP_DEFLATED),
                                                  "assets/raw.bin": (_plugin_dex(), zipfile.ZIP_DEFLATED)}))
    assert [(d.name, d.container) for d in facts.code.dex[1:]] == [
        ("assets/cfg/a.dat!classes.dex", "assets/cfg/a.dat"), ("assets/raw.bin", "assets/raw.bin")]


def test_an_apk_without_plugins_is_unchanged() -> None:
    facts = extract_facts(CLEAN)
    assert all(d.container is None for d in facts.code.dex)
