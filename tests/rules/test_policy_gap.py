"""What the policy says against what the code does (POL-010..017), with evidence from both sides.

The sdks sample embeds Umeng, JPush (on Jiguang's core), GDT, Getui and Baidu location stubs; the policy written
here for it names four of them, declares some data types only generically, denies one the code collects and
lacks two sections, so each rule has a planted case, and the cases a careful policy covers stay silent.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from appscan.cli import main
from appscan.model import Finding
from appscan.scan import scan_file
from tests.conftest import REPO_ROOT, corpus_path

SAMPLES = REPO_ROOT / "samples"
POLICY = """<html><head><meta charset="utf-8"><title>隐私政策</title></head><body>
<h1>示例应用隐私政策</h1>
<p>为向您提供定位服务，我们会收集您的位置信息，用于推荐附近的内容。</p>
<p>为保障账号安全，我们会收集您的设备信息。</p>
<p>为实现分享功能，我们会读取您的应用列表，用于判断是否安装了分享目标应用。</p>
<p>我们不会收集您的通讯录。</p>
<h2>第三方SDK</h2>
<table>
<tr><th>SDK名称</th><th>第三方公司名称</th><th>使用目的</th><th>收集个人信息类型</th></tr>
<tr><td>友盟+SDK</td><td>友盟同欣（北京）科技有限公司</td><td>统计分析</td><td>设备信息</td></tr>
<tr><td>极光推送SDK</td><td>深圳市和讯华谷信息技术有限公司</td><td>消息推送</td><td>IMEI</td></tr>
<tr><td>百度定位SDK</td><td>北京百度网讯科技有限公司</td><td>定位</td><td>位置信息</td></tr>
<tr><td>优量汇SDK</td><td>深圳市腾讯计算机系统有限公司</td><td>广告投放</td><td>设备信息</td></tr>
</table>
<h2>您的权利</h2>
<p>您可以在“设置-账号与安全”中注销账号。如需投诉或举报，请联系客服。</p>
</body></html>
"""


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Finding]]:
    policy = tmp_path_factory.mktemp("policy") / "privacy.html"
    policy.write_text(POLICY, encoding="utf-8")
    result = scan_file(SAMPLES / "sdks.apk", policies=[policy])
    assert [p.source for p in result.policies] == ["privacy.html"]
    out: dict[str, list[Finding]] = {}
    for f in result.findings:
        out.setdefault(f.rule, []).append(f)
    return out


def _subjects(found: dict[str, list[Finding]], rule: str, attr: str = "data_types") -> list[str]:
    return sorted(v for f in found.get(rule, []) for v in (getattr(f, attr) if attr == "data_types" else [f.sdk]))


def test_collected_but_not_declared(findings: dict[str, list[Finding]]) -> None:
    """Clipboard and SMS (Getui's code) are in no sentence; location, the app list, contacts are elsewhere."""
    assert _subjects(findings, "POL-010") == ["clipboard", "sms"]
    sms = next(f for f in findings["POL-010"] if f.data_types == ("sms",))
    kinds = {e.kind for e in sms.evidence}
    assert {"call", "policy"} <= kinds  # both sides: the call site and what the policy was
    assert "Getui" in sms.title.en


def test_denied_but_collected_is_high(findings: dict[str, list[Finding]]) -> None:
    [contacts] = findings["POL-011"]
    assert contacts.data_types == ("contacts",) and contacts.severity == "high"
    assert any(e.kind == "policy-sentence" and "通讯录" in e.value for e in contacts.evidence)


def test_identifiers_covered_only_as_device_information(findings: dict[str, list[Finding]]) -> None:
    """The IMEI is named (JPush's row), the other identifiers the code reads only fall under 设备信息."""
    assert _subjects(findings, "POL-012") == ["android-id", "imsi", "mac"]
    assert all(f.manual_check and f.severity == "low" for f in findings["POL-012"])


def test_sdk_not_in_the_list(findings: dict[str, list[Finding]]) -> None:
    """Getui is not named; JPush's row names Jiguang's core too (JPush is built on it)."""
    assert _subjects(findings, "POL-013", "sdk") == ["getui-push"]


def test_sdk_collecting_beyond_its_row(findings: dict[str, list[Finding]]) -> None:
    """GDT's row says device information, its code reads the app list; JPush's row says IMEI, it reads IMSI and
    MAC too. Umeng's row (device information) covers its IMEI and Android ID generically: no finding."""
    beyond = {f.sdk: f.data_types for f in findings["POL-014"]}
    assert beyond == {"gdt": ("installed-apps",), "jpush": ("imsi", "mac")}


def test_sections(findings: dict[str, list[Finding]]) -> None:
    """No minors section and no date; deletion and complaint wording is there, so POL-002/003 stay silent, as
    does POL-001 (a policy was read) and POL-017 (the sample contacts no host abroad)."""
    assert "POL-015" in findings and "POL-016" in findings
    for silent in ("POL-001", "POL-002", "POL-003", "POL-017"):
        assert silent not in findings, silent


def test_a_policy_the_apk_carries_is_read(tmp_path: Path) -> None:
    apk = tmp_path / "withpolicy.apk"
    shutil.copy(SAMPLES / "sdks.apk", apk)
    with zipfile.ZipFile(apk, "a") as zf:
        zf.writestr("assets/privacy.html", POLICY)
        zf.writestr("assets/readme.txt", "privacy is respected here")  # speaks of privacy, is no policy
    result = scan_file(apk)
    assert [p.source for p in result.policies] == ["apk:assets/privacy.html"]
    rules = {f.rule for f in result.findings}
    assert {"POL-010", "POL-011", "POL-013"} <= rules and "POL-001" not in rules


def test_scan_policy_option_puts_the_policy_in_the_json(tmp_path: Path) -> None:
    policy = tmp_path / "privacy.html"
    policy.write_text(POLICY, encoding="utf-8")
    result = CliRunner().invoke(main, ["scan", str(SAMPLES / "sdks.apk"), "--no-store", "--format", "json",
                                       "--policy", str(policy)])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    [entry] = document["policies"]
    assert entry["source"] == "privacy.html" and entry["language"] == "zh"
    assert {"location", "installed-apps"} <= {d["data_type"] for d in entry["declared"]}
    assert [d["data_type"] for d in entry["denied"]] == ["contacts"]
    assert {s["sdk"] for s in entry["sdks"]} >= {"jpush", "gdt", "baidu-location"}
    assert entry["sections"]["account_deletion"] and not entry["sections"]["minors"]


def test_an_unreadable_policy_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "policy.pdf"
    bad.write_bytes(b"\x00\x01\x02" * 100)
    result = CliRunner().invoke(main, ["scan", str(SAMPLES / "clean.apk"), "--no-store", "--policy", str(bad)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


PAIRED = [  # (policy fixture, corpus APK, the gaps planted in the policy: tests/policy/labels.yaml)
    ("paired-mobshop-cn.html", "github__ShopSDK-1.1.0.apk", {("POL-013", "smssdk")}),
    ("paired-mobpush-news-cn.txt", "github__MobPush-10704.apk",
     {("POL-013", "xiaomi-push"), ("POL-010", "installed-apps")}),
    ("paired-crossweather-en.html", "github__CrossWeather-release.apk", {("POL-013", "flurry")}),
]


@pytest.mark.parametrize(("policy", "apk", "planted"), PAIRED, ids=[p[1] for p in PAIRED])
def test_planted_gaps_of_paired_real_apps_are_found(policy: str, apk: str, planted: set[tuple[str, str]]) -> None:
    result = scan_file(corpus_path() / apk, policies=[REPO_ROOT / "tests" / "policy" / "data" / policy])
    found = {(f.rule, f.sdk or f.data_types[0]) for f in result.findings if f.rule in ("POL-010", "POL-013")}
    assert planted <= found
