"""Policy analysis on small inline policies: declarations, negations, conditions, purposes, SDK lists, sections,
encodings and formats (the labelled set measures the same code at scale: test_policy_precision.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from appscan.errors import InputError, MissingExtraError
from appscan.policy import MAX_BYTES, PolicyDocument, PolicyTerms, analyse_policy
from appscan.rules.loader import load_rulesets


@pytest.fixture(scope="module")
def terms() -> PolicyTerms:
    return load_rulesets().policy


def _analyse(text: str, terms: PolicyTerms, source: str = "policy.txt", encoding: str = "utf-8") -> PolicyDocument:
    return analyse_policy(text.encode(encoding), source, terms)


def test_declaration_with_purpose_and_specific_types(terms: PolicyTerms) -> None:
    doc = _analyse("为了保障账号安全，我们会收集您的设备标识符（IMEI、Android ID）和IP地址，用于识别异常登录。", terms)
    assert doc.declared_types == {"device-info", "imei", "android-id", "ip"}
    assert {d.purpose for d in doc.declared} == {"用于识别异常登录"}
    assert not any(d.conditional for d in doc.declared) and doc.language == "zh"


def test_negation_denies_only_its_clause(terms: PolicyTerms) -> None:
    doc = _analyse("我们不会收集您的通讯录，但会收集您的位置信息以推荐附近门店。", terms)
    assert doc.denied_types == {"contacts"} and doc.declared_types == {"location"}


def test_conditional_collection(terms: PolicyTerms) -> None:
    doc = _analyse("当您使用扫码功能时，我们需要访问您的摄像头。", terms)
    assert [(d.data_type, d.conditional) for d in doc.declared] == [("camera", True)]


def test_synonym_inside_a_longer_word_does_not_count(terms: PolicyTerms) -> None:
    doc = _analyse("我们会收集您选择的安装位置，并发送短信验证码以核验身份。", terms)
    assert "location" not in doc.declared_types and "sms" not in doc.declared_types


def test_definitions_and_list_items_under_a_collecting_lead_in(terms: PolicyTerms) -> None:
    doc = _analyse("个人敏感信息是指身份证件号码、银行账号等信息。\n我们会收集以下信息：\n1. 通讯录：用于添加好友\n"
                   "2. 剪切板：用于识别口令", terms)
    assert doc.declared_types == {"contacts", "clipboard"}


def test_english_declaration_and_negation(terms: PolicyTerms) -> None:
    doc = _analyse("We collect your IP address and device model in order to prevent fraud. "
                   "We do not collect your contacts.", terms, "policy.txt")
    assert doc.declared_types == {"ip", "device-info"} and doc.denied_types == {"contacts"}
    assert doc.language == "en" and doc.declared[0].purpose == "in order to prevent fraud"


def test_sdk_table_in_html(terms: PolicyTerms) -> None:
    html = ("<html><body><p>第三方SDK清单</p><table><tr><th>SDK名称</th><th>公司名称</th><th>使用目的</th>"
            "<th>收集个人信息</th><th>隐私政策链接</th></tr><tr><td>友盟+统计SDK</td><td>友盟同欣（北京）科技有限公司</td>"
            "<td>统计分析</td><td>设备标识符（OAID）、IP地址</td><td><a href='https://www.umeng.com/policy'>链接</a></td>"
            "</tr></table><script>IMEI</script></body></html>")
    doc = _analyse(html, terms, "policy.html")
    [sdk] = doc.sdks
    assert (sdk.sdk, sdk.company, sdk.purpose, sdk.link) == ("umeng-analytics", "友盟同欣（北京）科技有限公司", "统计分析",
                                                             "https://www.umeng.com/policy")
    assert set(sdk.data_types) == {"device-info", "oaid", "ip"} and "imei" not in doc.declared_types
    assert doc.format == "html"


def test_sdk_table_in_markdown(terms: PolicyTerms) -> None:
    md = ("## 第三方SDK\n\n| SDK名称 | 第三方主体 | 收集的信息 |\n|---|---|---|\n| 极光推送SDK | 深圳市和讯华谷信息技术有限公司 "
          "| 设备型号、网络类型 |\n")
    doc = _analyse(md, terms, "policy.md")
    assert [(s.sdk, s.data_types) for s in doc.sdks] == [("jpush", ("device-info", "network-state"))]


def test_sdk_prose_list(terms: PolicyTerms) -> None:
    text = ("我们接入的第三方SDK如下：\nSDK名称：友盟统计SDK；公司：友盟同欣（北京）科技有限公司；收集信息：设备型号、OAID\n"
            "1. 高德定位SDK\n第三方名称：高德软件有限公司\n收集的信息：位置信息\n")
    doc = _analyse(text, terms)
    assert [(s.sdk, s.company, s.data_types) for s in doc.sdks] == [
        ("umeng-analytics", "友盟同欣（北京）科技有限公司", ("device-info", "oaid")),
        ("amap-location", "高德软件有限公司", ("location",))]


def test_sections_and_dates(terms: PolicyTerms) -> None:
    doc = _analyse("更新日期：2024年3月1日\n您可以在设置中注销账号。如需投诉，请联系客服。我们不满14周岁的儿童...", terms)
    assert doc.sections.to_json() == {"account_deletion": True, "complaint_channel": True, "minors": True,
                                      "cross_border": False, "updated": "2024-03-01"}
    assert _analyse("Last updated: March 5, 2023", terms).sections.updated == "2023-03-05"
    assert _analyse("生效日期：2022-11-08", terms).sections.updated == "2022-11-08"
    assert _analyse("没有日期", terms).sections.updated is None


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16", "utf-8-sig"])
def test_encodings(terms: PolicyTerms, encoding: str) -> None:
    doc = _analyse("我们会收集您的位置信息。", terms, encoding=encoding)
    assert doc.declared_types == {"location"}


def test_html_meta_charset(terms: PolicyTerms) -> None:
    html = '<html><head><meta charset="gbk"></head><body><p>我们会获取您的剪贴板内容。</p></body></html>'
    assert _analyse(html, terms, "p.html", "gbk").declared_types == {"clipboard"}


def _pdf(text: str) -> bytes:
    """A one-page PDF showing ``text`` in Helvetica, built by hand (offsets of the cross-reference table computed)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_pdf(terms: PolicyTerms) -> None:
    doc = analyse_policy(_pdf("We collect your precise location and IMEI."), "policy.pdf", terms)
    assert doc.format == "pdf" and doc.declared_types == {"location", "imei"}


def test_bad_inputs_are_one_line_errors(terms: PolicyTerms) -> None:
    with pytest.raises(InputError, match="not a text, HTML, Markdown or PDF"):
        analyse_policy(bytes(range(256)) * 8, "x.bin", terms)
    with pytest.raises(InputError, match="larger than the 5 MB"):
        analyse_policy(b"a" * (MAX_BYTES + 1), "big.txt", terms)
    with pytest.raises(InputError, match="unreadable PDF"):
        analyse_policy(b"%PDF-1.4\n garbage", "bad.pdf", terms)


def test_output_is_deterministic_and_json_shaped(terms: PolicyTerms) -> None:
    text = "我们会收集您的位置信息和设备型号。我们会收集您的位置信息。"
    first, second = _analyse(text, terms).to_json(), _analyse(text, terms).to_json()
    assert first == second
    assert set(first) >= {"source", "sha256", "language", "declared", "denied", "sdks", "sections"}
    assert [d["data_type"] for d in first["declared"]] == ["location", "device-info", "location"]


def test_pdf_without_the_extra_names_it(terms: PolicyTerms, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m.split(".")[0] == "pdfminer"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pdfminer", None)
    with pytest.raises(MissingExtraError, match=r"pip install 'appscan\[policy-pdf\]'"):
        analyse_policy(_pdf("We collect your IMEI."), "policy.pdf", terms)


def test_segmenter_works_with_a_read_only_cache(tmp_path: Path) -> None:
    """A fresh process whose cache folder cannot be created (its parent is a file: even root cannot write there)
    analyses all the same, and neither jieba nor the loader prints anything."""
    (tmp_path / "cache").write_text("not a folder")
    code = ("from appscan.policy import analyse_policy\nfrom appscan.rules.loader import load_rulesets\n"
            "d = analyse_policy('我们会收集您的位置信息。'.encode(), 'p.txt', load_rulesets().policy)\n"
            "print(sorted(d.declared_types))\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout == "['location']\n" and out.stderr == ""
