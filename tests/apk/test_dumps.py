"""``--dex``: dex files dumped from a packed app's process join the analysis of its APK.

The packed sample holds only a packer's stub (``com.stub.StubApp``) and an encrypted asset; its launcher activity is
defined in no dex. The "dump" here is the real code assembled with smali: the launcher activity reading the device
id, plus a copy of the stub, as dumpers return everything the class loader holds.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

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
    assert [(d.name, d.classes) for d in dumped] == [("dump:classes.dex", 1)]  # the stub's copy is the APK's
    stub = [c for c in result.facts.code.classes if c.name == "Lcom/stub/StubApp;"]
    assert len(stub) == 1 and stub[0].dex == "classes.dex"
    (imei,) = [c for c in result.api_calls if c.data_type == "imei"]
    assert imei.caller.startswith("Lcom/example/packed/MainActivity;") and imei.runtime_loaded == "dump:classes.dex"
    assert result.verdict is not None and any("dumped code analysed: 1 classes" in u
                                              for u in result.verdict.unanalysed)
    assert not any("no dex defines the launcher" in u for u in result.verdict.unanalysed)


def test_a_dump_with_a_zeroed_magic_is_repaired_and_a_garbage_one_skipped(dump: Path, tmp_path: Path) -> None:
    zeroed = tmp_path / "zeroed.dex"
    zeroed.write_bytes(bytes(8) + dump.read_bytes()[8:])
    garbage = tmp_path / "garbage.dex"
    garbage.write_bytes(b"\0" * 4096)
    result = scan_file(PACKED, dumps=[zeroed, garbage])
    assert [d.name for d in result.facts.code.dex if d.container] == ["dump:zeroed.dex"]
    assert [i.item for i in result.facts.incomplete if i.item.startswith("dump:")] == ["dump:garbage.dex"]


def test_scan_dex_option_is_not_stored(dump: Path, tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    proc = run_cli("scan", str(PACKED), "--dex", str(dump), "--db", f"sqlite:///{db}", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert '"dump:classes.dex"' in proc.stdout and not db.exists()
