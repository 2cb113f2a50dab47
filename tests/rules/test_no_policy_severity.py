"""POL-001 (no privacy policy in the app) is high only for an app that processes personal data: one whose code
collects data beyond the low tier, one that can go online with an SDK that collects such data, or one whose code
could not all be read. Checked on the samples and on a real Wear sample app (hand label high_findings_c#13)."""

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
    assert _severity(extract_facts(REPO_ROOT / "samples" / "packed.apk")) == "high"  # the code is not readable


def test_an_sdk_that_cannot_send_what_it_would_collect_is_no_reason() -> None:
    """WearDrawers embeds Google's advertising-ID client (which collects the GAID) and the Wear support library,
    but declares only WAKE_LOCK and its only collecting call reads the network state: low. With INTERNET the
    same SDK could send the identifier: high."""
    facts = extract_facts(corpus_path() / "androguard__com.example.android.wearable.wear.weardrawers.apk")
    assert [p.name for p in facts.manifest.permissions] == ["android.permission.WAKE_LOCK"]
    assert _severity(facts) == "low"
    assert _severity(_permissions(facts, (*facts.manifest.permissions, INTERNET))) == "high"
