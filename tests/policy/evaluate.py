"""Precision and recall of the policy analysis over the labelled policies (``tests/policy/labels.yaml``).

Run ``.venv/bin/python -m tests.policy.evaluate`` (``-v`` lists each policy's misses and extras). Per policy the
analysis gives a set of declared data types and a set of named SDKs (catalogue ids, or normalised names where the
label's ``sdk`` is null); the figures are micro-averaged over all policies: true positives over everything found
(precision) and over everything labelled (recall). Analysis time is per policy, after the one-time vocabulary
build (jieba's dictionary), which is timed apart.
"""

from __future__ import annotations

import argparse
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from appscan.policy import PolicyDocument, analyse_policy, normalise_sdk_name
from appscan.policy.segment import vocabulary
from appscan.rules.loader import load_rulesets

HERE = Path(__file__).parent
LABELS = HERE / "labels.yaml"
DATA = HERE / "data"
CORPUS = HERE.parents[1] / ".." / "shared" / "corpus" / "apks"
CORPUS_PREFIX = "corpus:"


@dataclass
class Score:
    """True positives, found and labelled counts of one measure, with the items behind the errors."""

    tp: int = 0
    found: int = 0
    labelled: int = 0
    extra: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    def add(self, policy: str, found: set[str], labelled: set[str]) -> None:
        self.tp += len(found & labelled)
        self.found += len(found)
        self.labelled += len(labelled)
        self.extra += [f"{policy}: {item}" for item in sorted(found - labelled)]
        self.missed += [f"{policy}: {item}" for item in sorted(labelled - found)]

    @property
    def precision(self) -> float:
        return self.tp / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.tp / self.labelled if self.labelled else 1.0


@dataclass
class Evaluation:
    """The measures over the whole labelled set."""

    declared: Score = field(default_factory=Score)
    sdks: Score = field(default_factory=Score)
    denied: Score = field(default_factory=Score)
    times: dict[str, tuple[int, float]] = field(default_factory=dict)
    """Policy -> (its size in bytes, analysis seconds)."""
    skipped: list[str] = field(default_factory=list)
    vocabulary_seconds: float = 0.0


def policy_bytes(label: dict[str, Any]) -> bytes | None:
    """The labelled file's bytes: under tests/policy/data/, or a member of a corpus APK (None without the corpus)."""
    name = label["file"]
    if not name.startswith(CORPUS_PREFIX):
        return (DATA / name).read_bytes()
    apk, _, member = name[len(CORPUS_PREFIX):].strip().partition("#")
    if not (CORPUS / apk).is_file():
        return None
    with zipfile.ZipFile(CORPUS / apk) as archive:
        return archive.read(member)


def sdk_keys(document: PolicyDocument) -> set[str]:
    return {s.sdk or normalise_sdk_name(s.name) for s in document.sdks}


def evaluate(labels_path: Path = LABELS) -> Evaluation:
    """Analyse every labelled policy and score it against its labels."""
    labels = yaml.safe_load(labels_path.read_text(encoding="utf-8")) or []
    terms = load_rulesets().policy
    result = Evaluation()
    start = time.perf_counter()
    vocabulary(terms)
    result.vocabulary_seconds = time.perf_counter() - start
    for label in labels:
        data = policy_bytes(label)
        if data is None:
            result.skipped.append(label["file"])
            continue
        start = time.perf_counter()
        document = analyse_policy(data, label["file"], terms)
        result.times[label["file"]] = (len(data), time.perf_counter() - start)
        result.declared.add(label["file"], set(document.declared_types),
                            {d["data_type"] for d in label.get("declared") or ()})
        result.denied.add(label["file"], set(document.denied_types),
                          {d["data_type"] for d in label.get("denied") or ()})
        result.sdks.add(label["file"], sdk_keys(document),
                        {s.get("sdk") or normalise_sdk_name(s["name"]) for s in label.get("sdks") or ()})
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list each policy's extras and misses")
    parser.add_argument("labels", nargs="?", type=Path, default=LABELS)
    args = parser.parse_args()
    result = evaluate(args.labels)
    print(f"policies: {len(result.times)} analysed, {len(result.skipped)} skipped (no corpus)")
    for name, score in (("declared data types", result.declared), ("named SDKs", result.sdks),
                        ("denied data types", result.denied)):
        print(f"{name}: precision {score.precision:.3f} ({score.tp}/{score.found}), "
              f"recall {score.recall:.3f} ({score.tp}/{score.labelled})")
        if args.verbose:
            for line in score.extra:
                print(f"  extra  {line}")
            for line in score.missed:
                print(f"  missed {line}")
    print(f"vocabulary build (once per process, jieba dictionary included): {result.vocabulary_seconds:.3f} s")
    for policy, (size, seconds) in sorted(result.times.items()):
        print(f"  {policy}: {size / 1024:.1f} KB in {seconds * 1000:.0f} ms")


if __name__ == "__main__":
    main()
