"""Scan results for store tests: small synthetic facts, or real facts of a corpus APK, plus synthetic judgement.

The judgement (SDKs, calls, findings) is made with the model dataclasses so that tests control exactly what a
query must answer, independently of the rulesets.
"""

from __future__ import annotations

import dataclasses
import hashlib

from appscan.model import (
    ApiCall,
    ApkFacts,
    AppInfo,
    CodeFacts,
    Component,
    Evidence,
    Finding,
    Incomplete,
    InputFile,
    Manifest,
    Permission,
    Queries,
    Reach,
    Resources,
    RulesetInfo,
    ScanResult,
    SdkDetection,
    Signing,
    Text,
)

RULESET = RulesetInfo("test-rules", "1.0", "a" * 64)


def sha(*parts: object) -> str:
    """A deterministic fake file hash."""
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


def facts(package: str, version_code: int, permissions: tuple[str, ...] = ("android.permission.INTERNET",),
          salt: str = "") -> ApkFacts:
    """Minimal but complete facts of one app version."""
    digest = sha(package, version_code, salt)
    app = AppInfo(package, version_code, f"{version_code}.0", 21, 33, None, 33, package.rsplit(".", 1)[-1],
                  digest, 1000 + version_code, None, None, False, True, None, None)
    manifest = Manifest(
        tuple(Permission(p, "dangerous", "uses-permission", None) for p in sorted(permissions)), (),
        (Component("activity", f"{package}.Main", True, None, (), True, (), None, None, True),), (), Queries())
    return ApkFacts(f"{package}-{version_code}.apk", (InputFile("base.apk", digest, 1000, None),), app,
                    Signing(("v2",), ()), manifest, (), CodeFacts((), (), (), {}, ()),
                    Resources((), (), (), ("default",), (), (), (), (), ()),
                    (Incomplete("classes9.dex", "synthetic"),))


def sdk(sdk_id: str) -> SdkDetection:
    """A detected SDK with one piece of evidence."""
    return SdkDetection(sdk_id, sdk_id.title(), "Vendor", "analytics", "cn",
                        (Evidence("package", f"com.{sdk_id}"),), "1.2", "called")


def call(data_type: str, index: int, sdk_id: str | None = None, startup: bool = False,
         consent: bool = False) -> ApiCall:
    """A data-collection call site; ``startup`` gives it a start-up path."""
    caller = f"Lcom/{sdk_id or 'app'}/C{index};->m()V"
    reach = Reach(startup, consent, False, "Lcom/app/App;->onCreate()V" if startup else None,
                  "application" if startup else None, ("Lcom/app/App;->onCreate()V", caller) if startup else ())
    return ApiCall(f"api.{data_type}", f"Landroid/X;->get{data_type}()V", data_type, caller, sdk_id, None, reach)


def finding(finding_id: str, clauses: tuple[str, ...] = ("C191-3.1",)) -> Finding:
    """A finding with the given stable id."""
    return Finding(finding_id, f"RULE-{finding_id}", clauses, "medium", "called",
                   Text(f"标题 {finding_id}", f"Title {finding_id}"), (Evidence("call", "x", "Lcom/a;->b()V"),),
                   Text("建议", "Advice"), None, ("device_id",), False)


def result(package: str = "com.example.app", version_code: int = 1, sdks: tuple[SdkDetection, ...] = (),
           calls: tuple[ApiCall, ...] = (), findings: tuple[Finding, ...] = (),
           permissions: tuple[str, ...] = ("android.permission.INTERNET",), salt: str = "") -> ScanResult:
    """A synthetic scan result."""
    return ScanResult(facts(package, version_code, permissions, salt), 1.5, sdks, calls, findings, RULESET, "tools")


def with_facts(base: ApkFacts, **judgement: object) -> ScanResult:
    """Real facts with synthetic judgement."""
    return dataclasses.replace(ScanResult(base, 2.0, ruleset=RULESET), **judgement)  # type: ignore[arg-type]
