"""``appscan diff OLD NEW``: what a new version adds, by SDK and data type, and ``--fail-on-new`` to gate on it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from appscan.cli import main
from appscan.model import ScanResult
from appscan.report.document import result_from_document
from appscan.report.json_format import to_document
from appscan.store import open_store, save_scan
from tests.conftest import REPO_ROOT

CLEAN = str(REPO_ROOT / "samples" / "clean.apk")
SDKS = str(REPO_ROOT / "samples" / "sdks.apk")
REPRS = ("{'", "Text(", "dict", "'zh'", "None")
"""What a Python value printed raw looks like; none may reach the text output."""


def test_diff_lists_what_the_new_version_adds_and_gates_on_it() -> None:
    runner = CliRunner()
    shown = runner.invoke(main, ["diff", CLEAN, SDKS, "--format", "json"])
    assert shown.exit_code == 0, shown.output
    diff = json.loads(shown.output)
    added_permissions = {p["name"] for p in diff["permissions"]["added"]}
    assert "android.permission.READ_PHONE_STATE" in added_permissions
    assert {s["id"] for s in diff["sdks"]["added"]} >= {"umeng-common", "jpush"}
    assert diff["api_calls"]["added"] and diff["findings"]["added"] and not diff["sdks"]["removed"]
    imei = next(d for d in diff["data_types"]["added"] if d["data_type"] == "imei")
    assert imei["calls"] == sum(c["calls"] for c in imei["collectors"]) >= 3
    assert {"owner_kind": "sdk", "owner": "jpush", "calls": 1} in imei["collectors"]
    assert runner.invoke(main, ["diff", CLEAN, SDKS, "--fail-on-new"]).exit_code == 1
    reverse = runner.invoke(main, ["diff", SDKS, CLEAN, "--fail-on-new"])
    assert reverse.exit_code == 0 and "第三方 SDK：新增 0，移除 8" in reverse.output


def test_diff_of_the_same_file_is_empty() -> None:
    same = CliRunner().invoke(main, ["diff", SDKS, SDKS, "--format", "json", "--fail-on-new"])
    assert same.exit_code == 0
    diff = json.loads(same.output)
    assert all(not diff[s]["added"] and not diff[s]["removed"]
               for s in ("permissions", "sdks", "api_calls", "findings", "sdk_versions", "data_types", "collectors"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_text_shows_sdks_data_types_and_titles_never_call_sites_or_reprs(lang: str) -> None:
    runner = CliRunner()
    diff = json.loads(runner.invoke(main, ["diff", CLEAN, SDKS, "--format", "json"]).output)
    shown = runner.invoke(main, ["diff", CLEAN, SDKS, "--lang", lang])
    assert shown.exit_code == 0, shown.output
    text = shown.output
    assert not [r for r in REPRS if r in text], text
    assert "Lcom/" not in text and "->" not in text.split("\n", 1)[1], "raw call sites in the text output"
    other = "en" if lang == "zh" else "zh"
    for finding in diff["findings"]["added"]:
        assert f"{finding['rule']} {finding['title'][lang]} ({finding['id']})" in text
        assert finding["title"][other] not in text
    expected = {"zh": ["第三方 SDK：新增 8，移除 0，版本变化 0", "  + 极光推送 — 深圳市和讯华谷信息技术有限公司",
                       "  + 已安装应用列表：优量汇 (广点通)（2 处调用）", "[高危] PI-003",
                       "收集的数据类型：新开始收集 9，不再收集 0"],
                "en": ["Third-party SDKs: 8 added, 0 removed, 0 with a new version",
                       "  + JPush — 深圳市和讯华谷信息技术有限公司",
                       "  + Installed-app list: Tencent Ads (GDT / YLH) (2 call sites)", "[High] PI-003",
                       "Data types collected: 9 newly collected, 0 no longer collected"]}
    assert not [line for line in expected[lang] if line not in text], text
    imei = next(line for line in text.split("\n") if line.startswith("  + ") and "IMEI" in line)
    assert imei.count("(1 call site)" if lang == "en" else "（1 处调用）") == 3, imei


def _variant(document: dict[str, Any]) -> dict[str, Any]:
    """The SDK sample's next version as an obfuscating build makes it: every SDK caller renamed, the JCore SDK
    upgraded, and the Getui SDK no longer collecting (its calls gone)."""
    doc = copy.deepcopy(document)
    doc["app"].update(version_code=4, version_name="4.0", sha256="f" * 64)
    renamed: dict[str, str] = {}
    for call in (c for c in doc["api_calls"] if c["sdk"]):
        old = call["caller"]
        call["caller"] = new = renamed.setdefault(old, f"La/{chr(97 + len(renamed))};->a()V")
        if call["path"]:
            call["path"] = [new if m == old else m for m in call["path"]]
            call["path_steps"] = [dict(s, method=new) if s["method"] == old else s for s in call["path_steps"]]
    doc["api_calls"] = [c for c in doc["api_calls"] if c["sdk"] != "getui-push"]
    for sdk in doc["sdks"]:
        if sdk["id"] == "jiguang-jcore":
            sdk["version"] = "1.3.0"
    return to_document(result_from_document(doc))


def test_stored_variant_shows_the_upgrade_and_what_stopped_not_renamed_callers(tmp_path: Path,
                                                                                sdks_result: ScanResult) -> None:
    url = f"sqlite:///{tmp_path / 'appscan.db'}"
    before = to_document(sdks_result)
    after = _variant(before)
    store = open_store(url)
    try:
        old_id = save_scan(store, sdks_result, before)
        new_id = save_scan(store, result_from_document(after), after)
    finally:
        store.close()
    runner = CliRunner()
    diff = json.loads(runner.invoke(main, ["diff", str(old_id), str(new_id), "--db", url, "--format", "json"]).output)
    assert diff["api_calls"]["added"] and len(diff["api_calls"]["removed"]) > len(diff["api_calls"]["added"])
    assert diff["sdk_versions"] == {"added": [{"id": "jiguang-jcore", "name": "Jiguang JCore", "version": "1.3.0"}],
                                    "removed": [{"id": "jiguang-jcore", "name": "Jiguang JCore", "version": "1.2.3"}]}
    assert not diff["sdks"]["added"] and not diff["sdks"]["removed"]
    assert {d["data_type"] for d in diff["data_types"]["removed"]} == {"clipboard", "contacts", "sms"}
    assert not diff["data_types"]["added"] and not diff["collectors"]["added"], "renamed callers are no change"
    for lang, lines in (("zh", ["~ 极光 JCore 基础组件: 1.2.3 -> 1.3.0", "- 通讯录：个推推送（1 处调用）",
                                "两版都收集的数据类型，收集方变化：开始收集 0，停止收集 0"]),
                        ("en", ["~ Jiguang JCore: 1.2.3 -> 1.3.0", "- Contacts: Getui push (1 call site)",
                                "Types collected by both versions, change of collectors: 0 started, 0 stopped"])):
        text = runner.invoke(main, ["diff", str(old_id), str(new_id), "--db", url, "--lang", lang]).output
        assert not [line for line in lines if line not in text], text
        assert "La/" not in text and not [r for r in REPRS if r in text], text
