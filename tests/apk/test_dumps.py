"""``--dex``: dex files dumped from a packed app's process join the analysis of its APK.

The packed sample holds only a packer's stub (``com.stub.StubApp``) and an encrypted asset; its launcher activity is
defined in no dex. The "dump" here is the real code assembled with smali: the launcher activity reading the device
id, a settings class reading the Android ID, plus a copy of the stub, as dumpers return everything the class loader
holds. Dumpers damage what they write (zeroed headers, wrong sizes, garbage map lists, cut files): the damaged
copies below are made from it byte by byte.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
import subprocess
import time
import zlib
from pathlib import Path

import pytest

from appscan.apk.dex import parse_dex, repair_header
from appscan.model import ScanResult
from appscan.scan import scan_file
from tests.conftest import REPO_ROOT, require, run_cli

PACKED = REPO_ROOT / "samples" / "packed.apk"
ACTIVITY = """.class public Lcom/example/packed/MainActivity;
.super Landroid/app/Activity;

.method protected onCreate(Landroid/os/Bundle;)V
    .registers 4
    invoke-super {p0, p1}, Landroid/app/Activity;->onCreate(Landroid/os/Bundle;)V
    const-string v0, "phone"
    invoke-virtual {p0, v0}, Landroid/app/Activity;->getSystemService(Ljava/lang/String;)Ljava/lang/Object;
    move-result-object v0
    check-cast v0, Landroid/telephony/TelephonyManager;
    invoke-virtual {v0}, Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;
    move-result-object v1
    return-void
.end method
"""
SETTINGS = """.class public Lcom/example/packed/Settings;
.super Ljava/lang/Object;

.method public static id(Landroid/content/ContentResolver;)Ljava/lang/String;
    .registers 2
    const-string v0, "android_id"
    invoke-static {p0, v0}, Landroid/provider/Settings$Secure;->getString(Landroid/content/ContentResolver;\
Ljava/lang/String;)Ljava/lang/String;
    move-result-object v0
    return-object v0
.end method
"""
STUB_COPY = """.class public Lcom/stub/StubApp;
.super Landroid/app/Application;

.method public dumpedCopy()V
    .registers 1
    return-void
.end method
"""


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require(shutil.which("smali") is not None, "smali is not installed (bash .ci/system-deps)")
    folder = tmp_path_factory.mktemp("dump")
    (folder / "src").mkdir()
    (folder / "src" / "MainActivity.smali").write_text(ACTIVITY)
    (folder / "src" / "Settings.smali").write_text(SETTINGS)
    (folder / "src" / "StubApp.smali").write_text(STUB_COPY)
    out = folder / "dumped" / "classes.dex"
    out.parent.mkdir()
    subprocess.run(["smali", "a", str(folder / "src"), "-o", str(out)], check=True, capture_output=True)
    return out


def test_without_the_dump_the_packed_app_is_undetermined() -> None:
    result = scan_file(PACKED)
    assert result.verdict is not None and result.verdict.level == "undetermined"
    assert not [c for c in result.api_calls if c.data_type == "imei"]


def test_the_dumped_code_is_analysed_and_the_stub_kept_apart(dump: Path) -> None:
    result = scan_file(PACKED, dumps=[dump.parent])
    dumped = [d for d in result.facts.code.dex if d.container == "dump:classes.dex"]
    assert [(d.name, d.classes) for d in dumped] == [("dump:classes.dex", 2)]  # the stub's copy is the APK's
    stub = [c for c in result.facts.code.classes if c.name == "Lcom/stub/StubApp;"]
    assert len(stub) == 1 and stub[0].dex == "classes.dex"
    (imei,) = [c for c in result.api_calls if c.data_type == "imei"]
    assert imei.caller.startswith("Lcom/example/packed/MainActivity;") and imei.runtime_loaded == "dump:classes.dex"
    assert result.verdict is not None and any("dumped code analysed: 2 classes" in u
                                              for u in result.verdict.unanalysed)
    assert not any("no dex defines the launcher" in u for u in result.verdict.unanalysed)


def test_a_dump_with_a_zeroed_magic_is_repaired_and_a_garbage_one_skipped(dump: Path, tmp_path: Path) -> None:
    zeroed = tmp_path / "zeroed.dex"
    zeroed.write_bytes(bytes(8) + dump.read_bytes()[8:])
    garbage = tmp_path / "garbage.dex"
    garbage.write_bytes(b"\0" * 4096)
    result = scan_file(PACKED, dumps=[zeroed, garbage])
    assert [d.name for d in result.facts.code.dex if d.container] == ["dump:zeroed.dex"]
    assert _notes(result, "dump:garbage.dex") == ["dex skipped: not a dex file (no dex magic, and no string table "
                                                  "after a dex header)"]
    assert _notes(result, "dump:zeroed.dex") == ["header: magic 0000000000000000 replaced by dex 035"]


def test_scan_dex_option_is_not_stored(dump: Path, tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    proc = run_cli("scan", str(PACKED), "--dex", str(dump), "--db", f"sqlite:///{db}", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert '"dump:classes.dex"' in proc.stdout and not db.exists()


def _notes(result: ScanResult, item: str) -> list[str]:
    """The ``incomplete`` reasons the scan gives for one item."""
    return [i.reason for i in result.facts.incomplete if i.item == item]


def _damaged(dump: Path, folder: Path, name: str, edit: dict[int, bytes] | None = None, cut: int | None = None,
             checksum: bool = True) -> Path:
    """A copy of the dump with bytes overwritten at offsets (``edit``), cut to ``cut`` bytes, and its signature and
    checksum recomputed unless ``checksum`` is False (so that only the intended damage shows)."""
    data = bytearray(dump.read_bytes()[:cut])
    for at, raw in (edit or {}).items():
        data[at:at + len(raw)] = raw
    if checksum:
        data[12:32] = hashlib.sha1(bytes(data[32:])).digest()
        struct.pack_into("<I", data, 8, zlib.adler32(bytes(data[12:])))
    out = folder / name
    out.write_bytes(bytes(data))
    return out


def _class_def(dump: Path, name: str) -> int:
    """Offset of the class_def item of the class ``name`` in the dump."""
    data = dump.read_bytes()
    index = [c.name for c in parse_dex(data).classes].index(name)
    (class_off,) = struct.unpack_from("<I", data, 0x64)
    return class_off + 32 * index


def _analysed(result: ScanResult) -> set[str]:
    """The data types the scan found read."""
    return {c.data_type for c in result.api_calls}


def test_a_bad_checksum_is_said_and_the_dump_read(dump: Path, tmp_path: Path) -> None:
    bad = _damaged(dump, tmp_path, "bad.dex", {8: b"\xde\xad\xbe\xef"}, checksum=False)
    result = scan_file(PACKED, dumps=[bad])
    assert _notes(result, "dump:bad.dex") == ["header: checksum does not match the content (rewritten by the dumper "
                                              "or damaged): read anyway"]
    assert {"imei", "android-id"} <= _analysed(result)
    assert result.verdict is not None and "dump:bad.dex" not in result.verdict.unanalysed  # read in full


def test_a_zeroed_header_with_a_wrong_file_size_is_repaired(dump: Path, tmp_path: Path) -> None:
    """Magic, checksum, signature, file_size, header_size, endian tag and link fields zeroed, then a wrong size."""
    zeroed = _damaged(dump, tmp_path, "zeroed.dex", {0: bytes(0x34), 0x20: struct.pack("<I", 0x7FFFFFFF)},
                      checksum=False)
    result = scan_file(PACKED, dumps=[zeroed])
    notes = _notes(result, "dump:zeroed.dex")
    assert f"header: file_size {0x7FFFFFFF} replaced by the file's length, {zeroed.stat().st_size} bytes" in notes
    assert "header: header_size 0 read as 112" in notes and len(notes) == 5
    assert [(d.name, d.classes) for d in result.facts.code.dex if d.container] == [("dump:zeroed.dex", 2)]
    assert {"imei", "android-id"} <= _analysed(result)


def test_a_class_whose_data_lies_past_the_end_is_skipped_alone(dump: Path, tmp_path: Path) -> None:
    size = dump.stat().st_size
    bad = _damaged(dump, tmp_path, "oob.dex", {_class_def(dump, "Lcom/example/packed/Settings;") + 24:
                                               struct.pack("<I", size + 0x1000)})
    result = scan_file(PACKED, dumps=[bad])
    assert _notes(result, "dump:oob.dex") == [
        f"class Lcom/example/packed/Settings; skipped: its class_data offset 0x{size + 0x1000:x} lies past the end "
        "of the file"]
    assert "imei" in _analysed(result) and "android-id" not in _analysed(result)
    assert [(d.name, d.classes) for d in result.facts.code.dex if d.container] == [("dump:oob.dex", 1)]
    assert result.verdict is not None and "dump:oob.dex" in result.verdict.unanalysed
    with pytest.raises(ValueError, match="past the end"):  # the same damage in an APK's own dex: Android refuses it
        parse_dex(bad.read_bytes())


def test_code_past_the_end_skips_its_class(dump: Path, tmp_path: Path) -> None:
    data = dump.read_bytes()
    code_off = next(iter(parse_dex(data).code_offsets.values()))
    bad = _damaged(dump, tmp_path, "code.dex", {code_off + 12: struct.pack("<I", 0x10000000)})
    parsed = parse_dex(repair_header(bad.read_bytes())[0], lenient=True)
    assert len(parsed.classes) == 2 and len(parsed.skipped) == 1 and "lies outside the file" in parsed.skipped[0]


def test_a_garbage_map_list_is_ignored(dump: Path, tmp_path: Path) -> None:
    (map_off,) = struct.unpack_from("<I", dump.read_bytes(), 0x34)
    outside = _damaged(dump, tmp_path, "outside.dex", {0x34: struct.pack("<I", 0xFFFFFF00)})
    oversized = _damaged(dump, tmp_path, "oversized.dex", {map_off: struct.pack("<I", 0xFFFFFFFF)})
    result = scan_file(PACKED, dumps=[outside, oversized])
    assert _notes(result, "dump:outside.dex") == ["header: map_off 0xffffff00 points outside the file: the map list "
                                                  "is ignored"]
    assert _notes(result, "dump:oversized.dex") == ["header: the map list claims more entries than the file holds: "
                                                    "read as far as it goes"]
    assert [d.classes for d in result.facts.code.dex if d.container] == [2, 0]  # the second repeats the first


def test_a_truncated_dump_is_read_as_far_as_it_goes(dump: Path, tmp_path: Path) -> None:
    data = dump.read_bytes()
    (map_off,) = struct.unpack_from("<I", data, 0x34)
    tail = _damaged(dump, tmp_path, "tail.dex", cut=map_off)  # only the map list lost
    header_only = _damaged(dump, tmp_path, "header.dex", cut=0x80)
    stub = _damaged(dump, tmp_path, "stub.dex", cut=0x40)
    result = scan_file(PACKED, dumps=[tail, header_only, stub])
    assert [(d.name, d.classes) for d in result.facts.code.dex if d.container] == [("dump:tail.dex", 2)]
    assert _notes(result, "dump:stub.dex") == ["dex skipped: 64 bytes: shorter than a dex header"]
    (skipped,) = _notes(result, "dump:header.dex")
    assert skipped.startswith("dex skipped: nothing readable: string_ids table runs past the end of the file: 4 of "
                              "its")
    assert "imei" in _analysed(result)


def test_skipped_classes_are_listed_within_a_bound(tmp_path: Path) -> None:
    """A dump whose every class points past the end says so in SHOWN_PER_KIND lines and one with the rest."""
    from appscan.apk import _dump_notes
    from appscan.apk.archive import SHOWN_PER_KIND

    notes = _dump_notes("dump:x.dex", ["header: a"], [f"class L{i}; skipped: x" for i in range(SHOWN_PER_KIND + 5)])
    assert len(notes) == SHOWN_PER_KIND + 2 and notes[-1].reason == "5 more classes or tables skipped (not listed)"


def test_classes_sharing_garbage_data_cost_one_read(dump: Path) -> None:
    """A thousand class_defs pointing at one class_data item whose method count is huge and whose entries run to
    the end of the file: the item is read once and each class refused at once, not re-read (4 s without that)."""
    data = bytearray(dump.read_bytes())
    garbage = len(data)
    data += b"\xff\xff\xff\x7f" + b"\x01" * 20000  # 2^28 - 1 static fields, then entries until the file ends
    class_off = len(data)
    data += struct.pack("<8I", 0, 1, 0xFFFFFFFF, 0, 0, 0, garbage, 0) * 1000
    struct.pack_into("<II", data, 0x60, 1000, class_off)
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"nothing readable: .*\(and 999 more\)"):
        parse_dex(repair_header(bytes(data))[0], lenient=True)
    assert time.perf_counter() - start < 0.5


def test_cli_json_lists_what_was_repaired_and_skipped(dump: Path, tmp_path: Path) -> None:
    folder = tmp_path / "dumps"
    folder.mkdir()
    _damaged(dump, folder, "a.dex", {0: bytes(8)})
    _damaged(dump, folder, "b.dex", {_class_def(dump, "Lcom/example/packed/Settings;") + 24:
                                     struct.pack("<I", 0xFFFFFFF0)})
    proc = run_cli("scan", str(PACKED), "--dex", str(folder), "--format", "json", "--no-store")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    report = report[0] if isinstance(report, list) else report
    incomplete = {(i["item"], i["reason"]) for i in report["incomplete"]}
    assert ("dump:a.dex", "header: magic 0000000000000000 replaced by dex 035") in incomplete
    assert ("dump:b.dex", "class Lcom/example/packed/Settings; skipped: its class_data offset 0xfffffff0 lies past "
            "the end of the file") in incomplete
