"""Report fixtures: real scans of the samples, hand-made findings, and a CLI group with the report commands."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import click
import pytest

from appscan.cli import main
from appscan.model import Endpoint, Evidence, Finding, Incomplete, Reach, ScanResult, SecretHit, Text
from appscan.policy.document import Declaration, Denial, PolicyDocument, SdkMention, Sections
from appscan.rules.catalog import Ruleset
from appscan.rules.loader import load_rulesets
from appscan.scan import scan_file
from tests.conftest import REPO_ROOT, require
from tests.report import browser
from tests.rules.test_policy_gap import POLICY

SAMPLES = REPO_ROOT / "samples"


@pytest.fixture(scope="session")
def ruleset() -> Ruleset:
    return load_rulesets()


@pytest.fixture(scope="session")
def sdks_result() -> ScanResult:
    """The sample with many SDKs and findings (real engine output)."""
    return scan_file(SAMPLES / "sdks.apk")


@pytest.fixture(scope="session")
def policy_result(tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    """The SDK sample scanned with the policy of tests/rules/test_policy_gap.py, which plants a case of every
    POL-0xx rule (a contradiction, undeclared and generically declared types, an SDK not named, SDKs beyond
    their row)."""
    policy = tmp_path_factory.mktemp("policy") / "privacy.html"
    policy.write_text(POLICY, encoding="utf-8")
    return scan_file(SAMPLES / "sdks.apk", policies=[policy])


@pytest.fixture(scope="session")
def clean_result() -> ScanResult:
    return scan_file(SAMPLES / "clean.apk")


def make_finding(fid: str, severity: str = "medium", level: str = "called", rule: str = "PI-001",
                 clauses: tuple[str, ...] = ("C191-2.1",), sdk: str | None = None,
                 evidence: tuple[Evidence, ...] = ()) -> Finding:
    """A hand-made finding with a given id, for gate, verdict and cap tests."""
    return Finding(fid, rule, clauses, severity, level, Text(f"标题 {fid}", f"title {fid}"),
                   evidence or (Evidence("call", "Lx/Y;->z()V", "Lcom/a/B;->c()V"),),
                   Text("建议", "advice"), sdk)


HOSTILE = '<script>alert("x")</script>=HYPERLINK("http://evil.example")'


def hostile(result: ScanResult) -> ScanResult:
    """``result`` with attacker-style strings in the label, an evidence value and an incomplete reason."""
    facts = dataclasses.replace(result.facts, app=dataclasses.replace(result.facts.app, label=HOSTILE),
                                incomplete=(*result.facts.incomplete, Incomplete("classes9.dex", HOSTILE)))
    finding = make_finding("f-hostile", "high", evidence=(Evidence("string", HOSTILE, "Lcom/a/B;->c()V"),))
    secret = SecretHit("meta-data-secret", "secret", "Secret in manifest meta-data", HOSTILE[:4] + "…",
                       f"meta-data:{HOSTILE}", "app", None)  # a meta-data name is the developer's to choose
    endpoint = Endpoint("evil.example.com", ("http",), "app", None, (f"http://evil.example.com/{HOSTILE}",), 1,
                        True, None, None)
    return dataclasses.replace(result, facts=facts, findings=(*result.findings, finding),
                               secrets=(*result.secrets, secret), endpoints=(*result.endpoints, endpoint))


SPREADSHEET_FORMULAS = ('=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)")
"""Policy text a spreadsheet would run as a formula if it were written as one."""


def hostile_policy(result: ScanResult) -> ScanResult:
    """``result`` with one more policy, as an attacker could write it: markup in its file name, sentences,
    purposes, SDK name, company and link, and sentences a spreadsheet would take for formulas."""
    document = PolicyDocument(
        f"apk:assets/{HOSTILE}.html", "0" * 64, "zh", "html",
        declared=(Declaration("location", HOSTILE, purpose=HOSTILE),
                  *(Declaration("email", s, purpose=s) for s in SPREADSHEET_FORMULAS)),
        denied=(Denial("clipboard", SPREADSHEET_FORMULAS[0]),),
        sdks=(SdkMention(HOSTILE, None, HOSTILE, ("location",), HOSTILE, f"javascript:{HOSTILE}"),),
        sections=Sections(updated="2024-05-01"))
    return dataclasses.replace(result, policies=(*result.policies, document))


def with_startup_path(result: ScanResult) -> ScanResult:
    """``result`` whose first data-collection call runs at start-up along a two-step path (if it has none)."""
    if any(c.reach and c.reach.startup_reachable and not c.reach.consent_gated for c in result.api_calls):
        return result
    first = result.api_calls[0]
    reach = Reach(True, False, False, "Lcom/a/App;->onCreate()V", "application", ("Lcom/a/App;->onCreate()V",
                                                                                  first.caller))
    return dataclasses.replace(result, api_calls=(dataclasses.replace(first, reach=reach), *result.api_calls[1:]))


@pytest.fixture(scope="session")
def cli() -> click.Group:
    """The real ``appscan`` command group (its error-to-exit-code mapping included)."""
    return main


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    """A headless Chromium for the page tests of one module (skips, or fails in CI, without a browser)."""
    reason = browser.available()
    require(reason is None, f"no headless browser: {reason}")
    with browser.chrome() as chrome:
        yield chrome
