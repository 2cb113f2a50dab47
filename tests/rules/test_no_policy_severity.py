"""POL-001 (no privacy policy in the app) is high only for an app that processes personal data a policy must disclose
(``appscan.rules.checks.texts._processes_personal_data``). Checked on the samples and on real apps whose hand labels
(high_findings_c#13, high_findings_f) found a high finding wrong."""

from __future__ import annotations

import dataclasses

from appscan.apk import extract_facts
from appscan.model import ApkFacts, Permission
from appscan.rules.engine import evaluate
from appscan.rules.loader import load_rulesets
from tests.conftest import REPO_ROOT, corpus_path

RULESET = load_rulesets()
INTERNET = Permission("android.permission.INTERNET", "normal", "uses-permission", None)


def _severity(facts: ApkFacts) -> str | None:
    found = [f.severity for f in evaluate(facts, RULESET).findings if f.rule == "POL-001"]
    return found[0] if found else None


def _permissions(facts: ApkFacts, permissions: tuple[Permission, ...]) -> ApkFacts:
    return dataclasses.replace(facts, manifest=dataclasses.replace(facts.manifest, permissions=permissions))


def test_only_an_app_that_processes_personal_data_gets_a_high_finding() -> None:
    assert _severity(extract_facts(REPO_ROOT / "samples" / "components.apk")) == "low"  # no SDK, no collection
    assert _severity(extract_facts(REPO_ROOT / "samples" / "plugins.apk")) == "high"  # IMEI, location...
    assert _severity(extract_facts(REPO_ROOT / "samples" / "packed.apk")) == "high"  # a packer hides the code


def test_an_sdk_that_cannot_send_what_it_would_collect_is_no_reason() -> None:
    """WearDrawers embeds Google's advertising-ID client (which collects the GAID) and the Wear support library,
    but declares only WAKE_LOCK and its only collecting call reads the network state: low. With INTERNET the
    same SDK could send the identifier: high."""
    facts = extract_facts(corpus_path() / "androguard__com.example.android.wearable.wear.weardrawers.apk")
    assert [p.name for p in facts.manifest.permissions] == ["android.permission.WAKE_LOCK"]
    assert _severity(facts) == "low"
    assert _severity(_permissions(facts, (*facts.manifest.permissions, INTERNET))) == "high"


def test_what_cannot_leave_the_device_or_is_a_librarys_infrastructure_is_no_reason() -> None:
    """An Xposed module without any permission lists the installed apps for an on-screen picker: low; the same code
    in an app that can go online could send the list: high. A chat demo whose only identifier read is Netty's MAC
    (for channel ids) is low: a library's non-sensitive read is infrastructure."""
    picker = extract_facts(corpus_path() / "mobsf__mobi.acpm.sslunpinning_v2.apk")
    assert picker.manifest.permissions == ()
    assert _severity(picker) == "low"
    assert _severity(_permissions(picker, (INTERNET,))) == "high"
    assert _severity(extract_facts(corpus_path() / "github__CommunicationNetwork_qingyun.apk")) == "low"
