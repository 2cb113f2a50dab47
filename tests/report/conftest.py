"""Report fixtures: real scans of the samples, hand-made findings, and a CLI group with the report commands."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import click
import pytest

from appscan.cli import main
from appscan.model import Endpoint, Evidence, Finding, Incomplete, Reach, ScanResult, SecretHit, Text
from appscan.rules.catalog import Ruleset
from appscan.rules.loader import load_rulesets
from appscan.scan import scan_file
from tests.conftest import REPO_ROOT, require
from tests.report import browser

SAMPLES = REPO_ROOT / "samples"


@pytest.fixture(scope="session")
def ruleset() -> Ruleset:
    return load_rulesets()


@pytest.fixture(scope="session")
def sdks_result() -> ScanResult:
    """The sample with many SDKs and findings (real engine output)."""
    return scan_file(SAMPLES / "sdks.apk")


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
