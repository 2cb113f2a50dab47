"""Hard-coded secrets and network endpoints: what is flagged, what is only listed, who holds it, where hosts are.

Built facts pin the rules (a credential is a finding, an app key is not; owners; cleartext under the network
settings; hosts outside mainland China); corpus apps check the real cases the issue names (MobTech's app secret in
a manifest) and that public identifiers stay out of the finding.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from appscan.model import MetaData, NetworkDomain, NetworkSecurityConfig
from appscan.rules.engine import evaluate
from appscan.rules.loader import load_rulesets
from appscan.rules.secrets import entropy, redact
from appscan.scan import scan_file
from tests.conftest import corpus_path
from tests.graph.factory import apk, klass

RULES = load_rulesets()
APP = "Lcom/example/Main;->onCreate()V"
SDK = "Lcom/umeng/analytics/Agent;->send()V"
ALIYUN = "LTAI5tQm8Yc2xWnR7pK9sD3v"  # the documented shape of an AccessKey ID, made up


def _analysis(strings: dict[str, tuple[str, ...]], meta: tuple[tuple[str, str], ...] = (), **app: object):
    facts = apk([klass("Lcom/example/Main;", "onCreate()V"), klass("Lcom/umeng/analytics/Agent;", "send()V")], (),
                strings=strings, meta_data=[MetaData("application", k, v, None) for k, v in meta])
    if app:
        facts = replace(facts, app=replace(facts.app, **app))
    return evaluate(facts, RULES)


def test_a_cloud_key_in_code_is_a_finding_with_its_owner_and_never_shown_whole() -> None:
    key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun"
    header_only = "-----BEGIN PRIVATE KEY-----\n"  # a TLS library's constant for writing keys: no key
    analysis = _analysis({APP: (f"key={ALIYUN}", header_only), SDK: (key,)})
    secrets = {(s.pattern, s.owner_kind, s.owner) for s in analysis.secrets}
    assert secrets == {("aliyun-access-key", "app", None), ("private-key", "sdk", "umeng-analytics")}
    (finding,) = [f for f in analysis.findings if f.rule == "SEC-011"]
    assert finding.severity == "medium" and "2" in finding.title.en
    shown = " ".join(e.value + " " + (e.location or "") for e in finding.evidence)
    assert ALIYUN not in shown and redact(ALIYUN) in shown and "Umeng" in shown


def test_app_keys_are_listed_not_flagged_and_placeholders_are_not_secrets() -> None:
    analysis = _analysis({}, (("UMENG_APPKEY", "5f3c2b1a9e8d7c6b5a4f3e2d"), ("Mob-AppSeret", "your_app_secret"),
                              ("API_SECRET", "b89d2427a3bc7ad1aea1e1e8c1d36bf3")))
    kinds = {(s.location, s.kind) for s in analysis.secrets}
    assert kinds == {("meta-data:UMENG_APPKEY", "public-id"), ("meta-data:API_SECRET", "secret")}
    (finding,) = [f for f in analysis.findings if f.rule == "SEC-011"]
    assert [e.location for e in finding.evidence] == ["meta-data:API_SECRET"]
    assert entropy("your_app_secret") < 3.5 < entropy("b89d2427a3bc7ad1aea1e1e8c1d36bf3")


def test_hosts_per_owner_outside_china_and_cleartext_under_the_network_settings() -> None:
    strings = {APP: ("http://api.example.cn/v1/login", "https://firebaseinstallations.googleapis.com/v1"),
               SDK: ("https://alog.umeng.com/app_logs", "http://plbslog.umeng.com")}
    nsc = NetworkSecurityConfig("res/xml/nsc.xml", False, False, False,
                                (NetworkDomain("api.example.cn", False, True, False),))
    analysis = _analysis(strings, target_sdk=30, network_security_config=nsc)
    hosts = {(e.host, e.owner_kind, e.owner, e.cleartext, e.region) for e in analysis.endpoints}
    assert hosts == {("api.example.cn", "app", None, True, None),
                     ("firebaseinstallations.googleapis.com", "app", None, False, "outside-cn"),
                     ("alog.umeng.com", "sdk", "umeng-analytics", False, None),
                     ("plbslog.umeng.com", "sdk", "umeng-analytics", False, None)}  # base config: no cleartext
    (foreign,) = [f for f in analysis.findings if f.rule == "NET-003"]
    assert foreign.severity == "info" and foreign.clauses == ("PIPL-38",)
    assert [e.value for e in foreign.evidence] == ["firebaseinstallations.googleapis.com"]
    (clear,) = [f for f in analysis.findings if f.rule == "SEC-003"]
    assert "http://api.example.cn/v1/login" in [e.value for e in clear.evidence]


def test_the_mobtech_app_secret_the_issue_names_is_found_in_a_real_manifest() -> None:
    result = scan_file(corpus_path() / "github__MobPush-10704.apk")
    (finding,) = [f for f in result.findings if f.rule == "SEC-011"]
    assert [e.location for e in finding.evidence] == ["meta-data:Mob-AppSeret"]
    public = {s.location for s in result.secrets if s.kind == "public-id"}
    assert {"meta-data:Mob-AppKey", "meta-data:com.vivo.push.api_key"} <= public


@pytest.mark.parametrize("name", ["exodus-core__instapaper.apk", "github__MobPush-10704.apk"])
def test_stored_results_keep_secrets_and_endpoints(name: str) -> None:
    """The same APK gives the same JSON fresh or from the store: both lists are in the document."""
    from appscan.report.document import result_from_document
    from appscan.report.json_format import to_document
    result = scan_file(corpus_path() / name)
    again = result_from_document(to_document(result))
    assert again.secrets == result.secrets and again.endpoints == result.endpoints and result.endpoints


def test_a_key_built_into_an_open_source_library_is_listed_not_flagged() -> None:
    """netty carries a self-signed test key it uses to probe OpenSSL: the same in every app, published with its
    source, so no credential of the app."""
    result = scan_file(corpus_path() / "npm__appium-uiautomator2-server-v10.6.6.apk")
    assert {(s.pattern, s.owner) for s in result.secrets if s.kind == "secret"} == {("private-key", "netty")}
    assert "SEC-011" not in {f.rule for f in result.findings}
