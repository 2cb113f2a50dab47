"""The scan as a plain function: input file -> ``ScanResult`` (facts, SDKs, data-collection calls, findings).

The CLI, the batch runner, the Celery worker and the upload service all call ``scan_file``; none of them holds
scanning logic of its own.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from appscan.apk import extract_facts
from appscan.errors import AppscanError
from appscan.model import ScanResult
from appscan.policy import analyse_file, embedded_policies
from appscan.rules.catalog import Ruleset
from appscan.rules.engine import evaluate
from appscan.rules.loader import load_rulesets
from appscan.rules.policy_links import policy_urls
from appscan.rules.startup import graph_reach

__all__ = ["APK_SUFFIXES", "UnknownAppTypeError", "check_app_type", "expand_inputs", "scan_file"]

APK_SUFFIXES = (".apk", ".apks", ".xapk", ".apkm", ".aab")


class UnknownAppTypeError(AppscanError):
    """``--app-type`` names no app type of the ruleset."""


def check_app_type(ruleset: Ruleset, app_type: str | None) -> None:
    """Raise ``UnknownAppTypeError`` when ``app_type`` names no app type of the ruleset (None is fine)."""
    if app_type is not None and app_type not in ruleset.of_kind("app-type"):
        raise UnknownAppTypeError(f"unknown app type {app_type!r} (see: appscan rules list --kind app-type)")


def expand_inputs(paths: Iterable[Path]) -> Iterator[Path]:
    """Files as given; directories expanded (recursively, sorted) to the APK and bundle files they hold."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*")
                              if p.is_file() and p.suffix.lower() in APK_SUFFIXES)
        else:
            yield path


_GC_THRESHOLDS = (50_000, 50, 100)
"""Cyclic-GC thresholds during a scan. A scan allocates millions of small objects (call sites, strings, graph
lists) that live until it ends and hold almost no cycles; at the default (700, 10, 10) the collector walks the
growing heap over and over, a quarter to a third of the scan's CPU time on real apps (benchmarks/README.md)."""


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Raise the GC thresholds (never lower them) for the duration of one scan, then put them back."""
    old = gc.get_threshold()
    gc.set_threshold(*(max(a, b) for a, b in zip(old, _GC_THRESHOLDS)))
    try:
        yield
    finally:
        gc.set_threshold(*old)


def scan_file(path: Path, time_limit: float | None = None, ruleset: Ruleset | None = None,
              app_type: str | None = None, dumps: Sequence[Path] = (), policies: Sequence[Path] = ()
              ) -> ScanResult:
    """Scan one input file with the bundled rules (or ``ruleset``).

    ``time_limit`` (seconds) bounds the code pass; what is cut is listed in ``incomplete``. ``app_type`` (an NEC
    id) enables the necessary-scope rules. ``dumps`` are dex files dumped from the running app (``--dex``), whose
    classes the APK lacks are analysed with its own. ``policies`` are the app's privacy-policy files (policy,
    children's policy, SDK list page); without them the policies the APK carries are read, if it carries any.
    """
    start = time.monotonic()
    rules = ruleset if ruleset is not None else load_rulesets()
    check_app_type(rules, app_type)
    given = tuple(analyse_file(p, rules.policy) for p in policies)  # a bad policy file fails before the scan
    with _fewer_collections():
        facts = extract_facts(path, start + time_limit if time_limit else None, dumps)
        documents = given or embedded_policies(facts.documents, facts.resources.strings, rules.policy)
        analysis = evaluate(facts, rules, app_type, reach=graph_reach(rules), policies=documents)
    return ScanResult(facts, time.monotonic() - start, analysis.sdks, analysis.api_calls, analysis.findings,
                      rules.info, app_type, analysis.verdict, app_namespaces=analysis.app_namespaces,
                      libraries=analysis.libraries, unidentified=analysis.unidentified,
                      secrets=analysis.secrets, endpoints=analysis.endpoints, policies=documents,
                      policy_urls=policy_urls(facts))
