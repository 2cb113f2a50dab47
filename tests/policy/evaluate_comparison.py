"""Precision and recall of the comparison findings (POL-010..014) on the paired apps, against hand labels.

Run ``.venv/bin/python -m tests.policy.evaluate_comparison`` (``--timing`` adds what the comparison costs a scan).
Each paired app of ``tests/policy/comparison_labels.yaml`` is scanned with its policy fixture, as
``appscan scan APK --policy FIXTURE`` does. A finding makes one claim per subject (the data type of POL-010/011/012,
the SDK of POL-013, each SDK/data-type pair of POL-014); precision is correct claims over all claims made, recall
the real planted omissions found over the real planted ones. A claim without a label is counted as not correct
and listed, so that labels cannot silently fall behind the findings.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from appscan.model import Finding
from appscan.rules.catalog import Ruleset
from appscan.rules.loader import load_rulesets
from appscan.scan import scan_file
from tests.policy.evaluate import CORPUS, DATA

HERE = Path(__file__).parent
LABELS = HERE / "comparison_labels.yaml"
RULES = ("POL-010", "POL-011", "POL-012", "POL-013", "POL-014")


def claims(finding: Finding) -> Iterator[str]:
    """The subjects one comparison finding makes a claim about (module docstring)."""
    if finding.rule == "POL-013":
        yield finding.sdk or ""
    elif finding.rule == "POL-014":
        yield from (f"{finding.sdk}/{t}" for t in finding.data_types)
    else:
        yield from finding.data_types


@dataclass
class RuleScore:
    """One rule's claims by verdict, and its planted omissions."""

    correct: int = 0
    wrong: list[str] = field(default_factory=list)
    unlabelled: list[str] = field(default_factory=list)
    planted: int = 0
    found: int = 0
    missed: list[str] = field(default_factory=list)

    @property
    def claims(self) -> int:
        return self.correct + len(self.wrong) + len(self.unlabelled)


@dataclass
class Comparison:
    """Scores per rule, plus labels no finding matches any more (stale)."""

    rules: dict[str, RuleScore] = field(default_factory=lambda: {rule: RuleScore() for rule in RULES})
    stale: list[str] = field(default_factory=list)

    def precision(self) -> float:
        made = sum(s.claims for s in self.rules.values())
        return sum(s.correct for s in self.rules.values()) / made if made else 1.0

    def recall(self) -> float:
        planted = sum(s.planted for s in self.rules.values())
        return sum(s.found for s in self.rules.values()) / planted if planted else 1.0


def load_labels(path: Path = LABELS) -> list[dict[str, Any]]:
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["apps"])


def scan_claims(app: dict[str, Any], ruleset: Ruleset) -> set[tuple[str, str]]:
    """(rule, subject) of every comparison claim the scan of one paired app makes."""
    result = scan_file(CORPUS / app["apk"], ruleset=ruleset, policies=[DATA / app["policy"]])
    return {(f.rule, subject) for f in result.findings if f.rule in RULES for subject in claims(f)}


def evaluate(labels: list[dict[str, Any]] | None = None) -> Comparison:
    """Scan every paired app and score its claims and planted omissions against the labels."""
    ruleset = load_rulesets()
    out = Comparison()
    for app in labels if labels is not None else load_labels():
        made = scan_claims(app, ruleset)
        verdicts = {(f["rule"], f["subject"]): f["verdict"] for f in app["findings"]}
        for rule, subject in sorted(made):
            score, where = out.rules[rule], f"{app['apk']}: {subject}"
            verdict = verdicts.get((rule, subject))
            if verdict == "correct":
                score.correct += 1
            elif verdict == "wrong":
                score.wrong.append(where)
            else:
                score.unlabelled.append(where)
        out.stale += [f"{app['apk']}: {rule} {subject}" for rule, subject in verdicts if (rule, subject) not in made]
        for plant in app["planted"]:
            if plant["real"]:
                score = out.rules[plant["rule"]]
                score.planted += 1
                if (plant["rule"], plant["subject"]) in made:
                    score.found += 1
                else:
                    score.missed.append(f"{app['apk']}: {plant['subject']}")
    return out


def timings(labels: list[dict[str, Any]], rounds: int = 5) -> dict[str, tuple[float, float]]:
    """Per app, the fastest of ``rounds`` scans without and with its policy, alternating (same process, rules and
    policy vocabulary loaded beforehand, so the difference is the comparison's own cost, not start-up; the fastest
    run is the one least disturbed by other work on the machine)."""
    ruleset = load_rulesets()
    out = {}
    for app in labels:
        apk, policy = CORPUS / app["apk"], DATA / app["policy"]
        scan_file(apk, ruleset=ruleset, policies=[policy])  # warm: jieba's dictionary, the policy matchers
        plain, compared = [], []
        for _ in range(rounds):
            started = time.perf_counter()
            scan_file(apk, ruleset=ruleset)
            plain.append(time.perf_counter() - started)
            started = time.perf_counter()
            scan_file(apk, ruleset=ruleset, policies=[policy])
            compared.append(time.perf_counter() - started)
        out[app["apk"]] = (min(plain), min(compared))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timing", action="store_true", help="also time scans with and without the policy")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        raise SystemExit(f"{CORPUS} is not present: the paired apps are corpus APKs")
    labels = load_labels()
    result = evaluate(labels)
    for rule, score in result.rules.items():
        precision = f"{score.correct / score.claims:.3f}" if score.claims else "-"
        recall = f"{score.found / score.planted:.3f}" if score.planted else "-"
        print(f"{rule}: precision {precision} ({score.correct}/{score.claims}), "
              f"recall {recall} ({score.found}/{score.planted} planted)")
        for kind, items in (("wrong", score.wrong), ("unlabelled", score.unlabelled), ("missed", score.missed)):
            for item in items:
                print(f"  {kind:10} {item}")
    print(f"all: precision {result.precision():.3f}, recall {result.recall():.3f}")
    for item in result.stale:
        print(f"  stale label (no such finding now): {item}")
    if args.timing:
        for apk, (plain, compared) in timings(labels).items():
            print(f"{apk}: scan {plain:.2f} s, with policy {compared:.2f} s (+{compared - plain:.2f} s)")


if __name__ == "__main__":
    main()
