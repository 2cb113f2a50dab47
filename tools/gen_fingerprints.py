"""Rebuild rulesets/fingerprints/corpus.yaml: per-SDK fingerprints learned from the corpus APKs.

Usage: ``.venv/bin/python tools/gen_fingerprints.py [--corpus DIR] [--out FILE] [--cache DIR]``

Every APK of the corpus is read with ``appscan.apk.extract_facts`` and its code attributed with the bundled
catalogue (``appscan.rules.sdk_match.Attribution``): the classes a catalogue prefix gives to an SDK are an
unobfuscated copy of that SDK. Their features (``appscan.rules.fingerprint.class_features``) are candidates; a
feature is kept only when it occurs in no other code of the corpus: not in another SDK's or a library's code, and
not in any code of an app without the SDK. The app's own and unidentified code of an app that does embed the SDK
is not held against it (apps pass the SDK's keys and hosts to it, and some carry a renamed second copy). Features
found in the most copies come first (they survive version changes best); ties are broken by the feature's
digest, so the choice is spread over the SDK's code and the output depends only on the corpus and the catalogue.

Per-APK features are cached under ``--cache`` (keyed by the APK's hash, the ruleset's hash and the feature code's
hash), so re-runs after a catalogue change re-read only what changed. The learning itself (``Learner``) is a pure
function of those summaries, which tools/measure_fingerprints.py reuses for leave-one-out runs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import appscan.rules.fingerprint as fingerprint_module
from appscan.apk import extract_facts
from appscan.errors import AppscanError
from appscan.rules.catalog import Ruleset
from appscan.rules.fingerprint import SIGNALS, class_features
from appscan.rules.loader import load_rulesets
from appscan.rules.sdk_match import Attribution

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "apks"
DEFAULT_OUT = REPO / "rulesets" / "fingerprints" / "corpus.yaml"
PER_SIGNAL = 24
"""Features kept per signal: enough for a score to mean something, few enough to keep the data small."""
MIN_CLASSES = 5
"""Classes an SDK copy needs to be learned from: a marker class or two says nothing about the SDK's code."""
MIN_KEPT = 8
"""Features a fingerprint needs in all: fewer could never reach the matcher's thresholds reliably."""


@dataclass
class ApkSummary:
    """What learning needs of one APK: each owner's features and class count, and the SDKs with code there."""

    name: str
    features: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    """Owner key (``sdk:ID``, ``library:ID``, ``app``, ``unidentified:ROOT``) -> signal -> features."""
    classes: Counter[str] = field(default_factory=Counter)
    """Owner key -> classes."""

    @property
    def sdks(self) -> set[str]:
        """Ids of the SDKs with any code in this APK."""
        return {key[4:] for key in self.classes if key.startswith("sdk:")}


def owner_key(kind: str, owner_id: str | None) -> str:
    return kind if kind == "app" else f"{kind}:{owner_id}"


def summarise(path: Path, ruleset: Ruleset) -> ApkSummary:
    """Read one APK and group its code's features by owner."""
    facts = extract_facts(path)
    attribution = Attribution.for_app(facts, ruleset.sdks, ruleset.libraries)
    summary = ApkSummary(path.name)
    for cls, features in class_features(facts):
        owner = attribution.owner(cls.name)
        key = owner_key(owner.kind, owner.id)
        summary.classes[key] += 1
        into = summary.features.setdefault(key, {s: set() for s in SIGNALS})
        for signal in SIGNALS:
            into[signal].update(features[signal])
    return summary


def _catalogue_digest(ruleset: Ruleset) -> str:
    """Hash of what attribution reads (SDK and library prefixes): the fingerprints' own file must not count."""
    prefixes = sorted([s.id, *s.signals.packages] for s in ruleset.sdks) + sorted(
        [lib.id, *lib.packages] for lib in ruleset.libraries)
    return hashlib.sha256(json.dumps(prefixes).encode()).hexdigest()


def cached_summary(path: Path, ruleset: Ruleset, cache: Path | None) -> ApkSummary:
    """``summarise``, through the cache folder when one is given (plain data is pickled, not the class)."""
    if cache is None:
        return summarise(path, ruleset)
    code = hashlib.sha256(Path(fingerprint_module.__file__).read_bytes()).hexdigest()
    key = hashlib.sha256(path.read_bytes()).hexdigest()[:16] + _catalogue_digest(ruleset)[:12] + code[:12]
    target = cache / f"{path.name}.{key}.pickle"
    if target.is_file():
        with target.open("rb") as fh:
            name, features, classes = pickle.load(fh)
            return ApkSummary(name, features, Counter(classes))
    summary = summarise(path, ruleset)
    cache.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as fh:
        pickle.dump((summary.name, summary.features, dict(summary.classes)), fh)
    return summary


def corpus_summaries(corpus: Path, ruleset: Ruleset, cache: Path | None) -> list[ApkSummary]:
    """Summaries of every ``*.apk`` directly in ``corpus``, in name order."""
    out = []
    for path in sorted(corpus.glob("*.apk")):
        print(f"reading {path.name}", file=sys.stderr)
        try:
            out.append(cached_summary(path, ruleset, cache))
        except AppscanError as exc:  # a test fixture that is not an APK (no manifest): it teaches nothing
            print(f"  skipped: {exc}", file=sys.stderr)
    return out


def _order(feature: str) -> str:
    return hashlib.sha1(feature.encode(), usedforsecurity=False).hexdigest()


class Learner:
    """Learns fingerprints from APK summaries; built once, it can leave APKs out (``exclude``) for measuring."""

    def __init__(self, summaries: Sequence[ApkSummary], ruleset: Ruleset) -> None:
        self.summaries = summaries
        self.prefixes = {sdk.id: sdk.signals.packages for sdk in ruleset.sdks}
        self.occurrences: dict[str, dict[str, list[tuple[int, str]]]] = {s: defaultdict(list) for s in SIGNALS}
        for index, summary in enumerate(summaries):
            for key, by_signal in summary.features.items():
                for signal in SIGNALS:
                    for feature in by_signal[signal]:
                        self.occurrences[signal][feature].append((index, key))

    def _clean(self, sdk_id: str, signal: str, feature: str, exclude: frozenset[int]) -> bool:
        """The feature occurs in no code of the kept summaries but the SDK's own (and neutral code, see module)."""
        if signal == "strings" and not feature.isprintable():
            return False  # control characters: YAML cannot carry them, and they are data rather than text
        if signal == "strings" and any(p in feature or p.replace(".", "/") in feature
                                       for p in self.prefixes.get(sdk_id, ())):
            return False  # a class or package name: a shrinker may rewrite it with the class
        own = f"sdk:{sdk_id}"
        for index, key in self.occurrences[signal][feature]:
            if key == own or index in exclude:
                continue
            if not ((key == "app" or key.startswith("unidentified:")) and sdk_id in self.summaries[index].sdks):
                return False
        return True

    def learn(self, exclude: frozenset[int] = frozenset()) -> list[dict[str, object]]:
        """Fingerprint entries (as written to YAML) for every SDK with a copy of ``MIN_CLASSES`` classes or more
        in the summaries not excluded (indexes into ``summaries``)."""
        copies: dict[str, list[int]] = defaultdict(list)
        for index, summary in enumerate(self.summaries):
            if index in exclude:
                continue
            for key, count in summary.classes.items():
                if key.startswith("sdk:") and count >= MIN_CLASSES:
                    copies[key[4:]].append(index)
        entries = []
        for sdk_id in sorted(copies):
            features: dict[str, list[str]] = {}
            for signal in SIGNALS:
                seen: Counter[str] = Counter()
                for index in copies[sdk_id]:
                    seen.update(self.summaries[index].features[f"sdk:{sdk_id}"][signal])
                kept = sorted((f for f in seen if self._clean(sdk_id, signal, f, exclude)),
                              key=lambda f: (-seen[f], _order(f)))[:PER_SIGNAL]
                if kept:
                    features[signal] = sorted(kept)
            if sum(len(v) for v in features.values()) >= MIN_KEPT:
                entries.append({"id": sdk_id, "learned_from": [self.summaries[i].name for i in copies[sdk_id]],
                                "features": features})
        return entries


def render(entries: Iterable[dict[str, object]]) -> str:
    """The YAML file: one flow-style list per signal, so that each entry stays a few lines long."""
    lines = [
        "# Generated by tools/gen_fingerprints.py from the shared corpus APKs: do not edit by hand, re-run it.",
        "# Format: docs/rulesets.md#fingerprints. Features occur in the SDK's own code and in no other code of the",
        "# corpus; methods and classes are 12-hex-digit SHA-1 digests of masked shapes (appscan/rules/fingerprint.py).",
        "kind: fingerprints",
        "entries:",
    ]
    for entry in entries:
        lines.append(f"- id: {entry['id']}")
        lines.append(f"  learned_from: {json.dumps(entry['learned_from'], ensure_ascii=False)}")
        lines.append("  features:")
        features = entry["features"]
        assert isinstance(features, dict)
        for signal in SIGNALS:
            if signal in features:
                lines.append(f"    {signal}: {json.dumps(features[signal], ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--cache", type=Path, default=None, help="folder for per-APK feature summaries")
    args = parser.parse_args(argv)
    ruleset = load_rulesets()
    entries = Learner(corpus_summaries(args.corpus, ruleset, args.cache), ruleset).learn()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(entries), encoding="utf-8")
    print(f"{len(entries)} fingerprints -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
