"""Privacy policies stored with their scan (issue 14): tables that rebuild ``policies[]`` exactly, reuse that tells
the policy files apart, ``diff`` of what two versions' policies say, ``query policy-omits``.

The sdks sample collects location, the app list, contacts, clipboard, SMS and device identifiers. The two policies
written here for it are an older and a newer version: the newer one declares the clipboard instead of the app list,
denies SMS instead of contacts, names Getui instead of JPush, gains a minors section and an update date and loses
its complaint channel.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select, text

from appscan.cli import main
from appscan.jobs.ingest import admit, file_sha256
from appscan.rules.loader import load_rulesets
from appscan.store import open_store
from appscan.store import models as m
from appscan.store.migrate import upgrade
from tests.conftest import REPO_ROOT

SDKS = REPO_ROOT / "samples" / "sdks.apk"

_HEAD = '<html><head><meta charset="utf-8"><title>隐私政策</title></head><body><h1>示例应用隐私政策</h1>'
_TABLE = "<h2>第三方SDK</h2><table><tr><th>SDK名称</th><th>第三方公司名称</th><th>使用目的</th><th>收集个人信息类型</th></tr>"
OLD_POLICY = f"""{_HEAD}
<p>为向您提供定位服务，我们会收集您的位置信息，用于推荐附近的内容。</p>
<p>为保障账号安全，我们会收集您的设备信息。</p>
<p>为实现分享功能，我们会读取您的应用列表，用于判断是否安装了分享目标应用。</p>
<p>我们不会收集您的通讯录。</p>
{_TABLE}
<tr><td>友盟+SDK</td><td>友盟同欣（北京）科技有限公司</td><td>统计分析</td><td>设备信息</td></tr>
<tr><td>极光推送SDK</td><td>深圳市和讯华谷信息技术有限公司</td><td>消息推送</td><td>设备信息</td></tr>
</table>
<h2>您的权利</h2><p>您可以在“设置-账号与安全”中注销账号。如需投诉或举报，请联系客服。</p></body></html>
"""
NEW_POLICY = f"""{_HEAD}
<p>更新日期：2024年5月1日</p>
<p>为向您提供定位服务，我们会收集您的位置信息，用于推荐附近的内容。</p>
<p>为保障账号安全，我们会收集您的设备信息。</p>
<p>为实现粘贴口令功能，我们会读取您的剪切板内容。</p>
<p>我们不会收集您的短信。</p>
{_TABLE}
<tr><td>友盟+SDK</td><td>友盟同欣（北京）科技有限公司</td><td>统计分析</td><td>设备信息</td></tr>
<tr><td>个推SDK</td><td>每日互动股份有限公司</td><td>消息推送</td><td>设备信息</td></tr>
</table>
<h2>未成年人保护</h2><p>若您是未满十四周岁的未成年人，请在监护人同意后使用本服务。</p>
<h2>您的权利</h2><p>您可以在“设置-账号与安全”中注销账号。</p></body></html>
"""


@pytest.fixture
def policies(tmp_path: Path) -> tuple[Path, Path]:
    """The older and the newer policy as files."""
    old, new = tmp_path / "privacy-2023.html", tmp_path / "privacy-2024.html"
    old.write_text(OLD_POLICY, encoding="utf-8")
    new.write_text(NEW_POLICY, encoding="utf-8")
    return old, new


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _scan(db_url: str, out: Path, *policies: Path) -> tuple[int, str]:
    """Scan the sdks sample with these policy files into the store: (the stored scan's id, the JSON text)."""
    _run("scan", str(SDKS), "--db", db_url, "--format", "json", "-o", str(out),
         *(arg for p in policies for arg in ("--policy", str(p))))
    scans = json.loads(_run("db", "list", "--db", db_url, "--format", "json"))
    return scans[-1]["scan_id"], out.read_text(encoding="utf-8")


def test_policies_are_tables_and_the_document_comes_back_byte_identical(
        db_url: str, tmp_path: Path, policies: tuple[Path, Path]) -> None:
    scan_id, fresh = _scan(db_url, tmp_path / "fresh.json", policies[0])
    assert _run("db", "show", str(scan_id), "--db", db_url) == fresh
    store = open_store(db_url)
    try:
        def counts(session: Any) -> dict[str, Any]:
            blob = session.scalar(select(m.Scan.facts_json).where(m.Scan.id == scan_id))
            return {
                "from_tables": json.loads(zlib.decompress(blob))["from_tables"],
                "policies": session.scalar(select(func.count()).select_from(m.ScanPolicy)),
                "declared": sorted(session.scalars(select(m.PolicyDeclaration.data_type).distinct()
                                                   .where(m.PolicyDeclaration.denied.is_(False)))),
                "denied": list(session.scalars(select(m.PolicyDeclaration.data_type)
                                               .where(m.PolicyDeclaration.denied.is_(True)))),
                "sdks": sorted(session.scalars(select(m.PolicySdk.sdk_id))),
                "inputs": session.scalar(select(m.Scan.policy_inputs).where(m.Scan.id == scan_id)),
            }
        stored = store.read(counts)
    finally:
        store.close()
    document = json.loads(fresh)
    assert "policies" in stored["from_tables"]  # the tables, not facts_json, hold the section
    assert stored["policies"] == 1 and stored["denied"] == ["contacts"]
    assert stored["declared"] == ["device-info", "installed-apps", "location"]
    assert stored["sdks"] == ["jpush", "umeng-common"]
    assert stored["inputs"] == document["policies"][0]["sha256"]


def test_reuse_needs_the_same_policy_files(db_url: str, tmp_path: Path, policies: tuple[Path, Path]) -> None:
    old, new = policies

    def scan(*given: Path) -> dict[str, Any]:
        return json.loads(_scan(db_url, tmp_path / "out.json", *given)[1])

    first = scan(old)
    again = scan(old)
    assert not first["scan"]["reused"] and again["scan"]["reused"]
    assert {**again, "scan": first["scan"]} == first
    other = scan(new)
    assert not other["scan"]["reused"] and other["policies"][0]["source"] == new.name
    bare = scan()
    assert not bare["scan"]["reused"] and bare["policies"] == []  # the sample carries no policy of its own
    assert scan()["scan"]["reused"] and scan(new)["scan"]["reused"]
    assert not scan(old, new)["scan"]["reused"] and scan(new, old)["scan"]["reused"]  # a set: order is no key


def test_ingest_admits_a_stored_scan_only_with_its_policy_files(db_url: str, tmp_path: Path,
                                                                 policies: tuple[Path, Path]) -> None:
    """The batch runner, the workers and the service settle reuse through ``admit`` with the same key."""
    old, new = policies
    scan_id, _ = _scan(db_url, tmp_path / "out.json", old)
    store = open_store(db_url)
    try:
        def outcome(*given: Path) -> str | None:
            settled = admit(store, SDKS, file_sha256(SDKS), load_rulesets(), policies=given)
            return None if settled is None else f"{settled.status} {settled.scan_id}"

        assert outcome(old) == f"reused {scan_id}"
        assert outcome(new) is None and outcome() is None and outcome(tmp_path / "gone.html") is None
    finally:
        store.close()


def test_diff_shows_what_the_policy_changed(db_url: str, tmp_path: Path, policies: tuple[Path, Path]) -> None:
    old_id, _ = _scan(db_url, tmp_path / "old.json", policies[0])
    new_id, _ = _scan(db_url, tmp_path / "new.json", policies[1])
    diff = json.loads(_run("diff", str(old_id), str(new_id), "--db", db_url, "--format", "json"))

    def changed(section: str, field: str) -> tuple[list[Any], list[Any]]:
        return ([item[field] for item in diff[section]["added"]], [item[field] for item in diff[section]["removed"]])

    assert changed("policies", "source") == (["privacy-2024.html"], ["privacy-2023.html"])
    assert changed("policy_data_types", "data_type") == (["clipboard"], ["installed-apps"])
    assert "剪切板" in diff["policy_data_types"]["added"][0]["sentence"]
    assert changed("policy_denied", "data_type") == (["sms"], ["contacts"])
    assert changed("policy_sdks", "sdk") == (["getui-push"], ["jpush"])
    assert changed("policy_sections", "section") == (["minors", "updated"], ["complaint_channel"])
    assert diff["policy_sections"]["added"][1]["value"] == "2024-05-01"
    assert diff["api_calls"] == {"added": [], "removed": []}  # the same APK: only the policy changed
    shown = _run("diff", str(old_id), str(new_id), "--db", db_url)
    assert "政策声明收集的数据类型：新声明 1，不再声明 1" in shown and "  + 剪切板：“为实现粘贴口令功能" in shown
    assert "  - 极光推送SDK — 深圳市和讯华谷信息技术有限公司 (privacy-2023.html)" in shown and "jpush" not in shown
    assert "  + 未成年人保护\n" in shown and "  + 更新日期：2024-05-01" in shown
    unchanged = _run("diff", str(old_id), str(old_id), "--db", db_url)
    assert "polic" not in unchanged  # no policy change: no policy lines


def test_query_finds_apps_whose_policy_omits_a_collected_type(db_url: str, tmp_path: Path,
                                                             policies: tuple[Path, Path]) -> None:
    def omits(data_type: str) -> list[dict[str, Any]]:
        return json.loads(_run("query", "policy-omits", data_type, "--db", db_url, "--format", "json"))

    old_id, _ = _scan(db_url, tmp_path / "old.json", policies[0])
    [clipboard] = omits("clipboard")
    assert clipboard["package"] == "com.example.sdks" and clipboard["scan_id"] == old_id
    assert clipboard["policies"] == ["privacy-2023.html"] and clipboard["calls"] >= 1 and not clipboard["denied"]
    assert [o["denied"] for o in omits("contacts")] == [True]  # denied counts as omitted, and says so
    assert omits("location") == [] and omits("imei") == []  # declared; covered by 设备信息 (as POL-010 judges)
    new_id, _ = _scan(db_url, tmp_path / "new.json", policies[1])  # the version's latest scan is the one asked
    assert omits("clipboard") == []
    assert [(o["scan_id"], o["denied"]) for o in omits("sms")] == [(new_id, True)]
    assert [o["denied"] for o in omits("contacts")] == [False]
    table = _run("query", "policy-omits", "installed-apps", "--db", db_url)
    assert "com.example.sdks" in table and "privacy-2024.html" in table
    _scan(db_url, tmp_path / "bare.json")  # without a policy: nothing to compare, not listed
    assert omits("sms") == []
    unknown = CliRunner().invoke(main, ["query", "policy-omits", "clipbaord", "--db", db_url])
    assert unknown.exit_code == 2 and "clipboard" in unknown.output


def test_migration_0005_keys_earlier_scans_by_the_policy_files_they_were_given(db_url: str) -> None:
    """Scans stored before 0005 get ``policy_inputs`` from their document: policies not found inside the APK were
    given; a scan with only embedded policies, or none, was given none."""
    engine = create_engine(db_url)
    upgrade(engine, "0004")

    def blob(*policies: tuple[str, str]) -> bytes:
        document = {"policies": [{"source": source, "sha256": sha} for source, sha in policies]}
        return zlib.compress(json.dumps({"document": document, "from_tables": []}).encode())

    documents = [blob(("privacy.html", "b" * 64), ("kids.html", "a" * 64)), blob(("apk:assets/p.html", "c" * 64)),
                 blob()]
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO app (package) VALUES ('p')"))
        connection.execute(text("INSERT INTO app_version (app_id, sha256, size) VALUES (1, 'v', 1)"))
        for i, document in enumerate(documents):
            connection.execute(text(
                "INSERT INTO scan (app_version_id, source, started_at, finished_at, status, tool_version, "
                "duration_ms, facts_json) "
                "VALUES (1, :source, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'ok', '0', 0, :blob)"),
                {"source": f"s{i}", "blob": document})
    upgrade(engine)
    with engine.connect() as connection:
        keys = connection.execute(text("SELECT policy_inputs FROM scan ORDER BY id")).scalars().all()
    engine.dispose()
    assert keys == ["a" * 64 + "\n" + "b" * 64, None, None]
