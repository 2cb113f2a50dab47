"""Measure fingerprint matching: recall on renamed copies of labelled corpus APKs, precision on the real corpus.

Usage: ``.venv/bin/python tools/measure_fingerprints.py --cache DIR --work DIR [--apk NAME ...] [--style ...]``

- **Variants.** Each labelled APK (``tests/rules/test_sdk_corpus.py``; those with SDKs, or the ``--apk`` names) is
  renamed by ``tools/obfuscate_apk.py`` into ``--work`` and scanned for SDKs with the fingerprints learned from
  the corpus *without that APK* (leave-one-out: an SDK is found only from other apps' copies of it) and, for
  comparison, with all of them (in-sample). For every labelled SDK the figures say which signal found it:
  ``package`` prefixes (classes the manifest names keep their names, as R8 keeps them), the manifest or files
  (``component``, ``meta-data``, ``native-lib``, ``asset``), or the ``fingerprint``.
  ``learnable`` recall counts only the labelled SDKs some signal could find: those the other signals find or
  that have a fingerprint learned without the APK (an SDK no other corpus APK carries cannot be found in
  leave-one-out, so this is the part of the recall fingerprints can change).
- **Precision.** Every corpus APK's own unattributed code (app and unidentified owners) is matched against the
  fingerprints learned without that APK; a firing fingerprint of an SDK the APK's label (or, unlabelled, its
  prefix detections) does not list is a false positive. The highest score of an SDK outside the label, on real
  APKs and on variants, is printed too: ``MIN_SCORE`` must stay above it.

Per-APK features come from ``tools/gen_fingerprints.py``'s cache, so the corpus is read once.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from types import MappingProxyType

from appscan.apk import extract_facts
from appscan.rules.catalog import Fingerprint, Ruleset
from appscan.rules.fingerprint import SIGNALS, FingerprintMatch, match_fingerprints
from appscan.rules.loader import load_rulesets
from appscan.rules.sdk_match import Attribution, detect_sdks
from tests.rules.test_sdk_corpus import LABELS
from tools.gen_fingerprints import DEFAULT_CORPUS, ApkSummary, Learner, corpus_summaries
from tools.obfuscate_apk import STYLES, obfuscate

_KINDS = {"package": "package", "component": "manifest", "meta-data": "manifest", "native-lib": "files",
          "asset": "files", "fingerprint": "fingerprint"}


def as_fingerprints(entries: Sequence[dict[str, object]]) -> tuple[Fingerprint, ...]:
    """Learned YAML entries as the loader would build them."""
    return tuple(Fingerprint(str(e["id"]), tuple(e["learned_from"]),  # type: ignore[arg-type]
                             MappingProxyType({k: tuple(v) for k, v in e["features"].items()}))  # type: ignore
                 for e in entries)


def variant_figures(path: Path, truth: frozenset[str], ruleset: Ruleset, fingerprints: Sequence[Fingerprint]
                    ) -> tuple[Counter[str], set[str], set[str], set[str], float]:
    """(signal -> labelled SDKs it found, labelled SDKs found by any signal, those found by a signal other than
    the fingerprint, SDKs reported outside the label, highest fingerprint score of an SDK outside the label)."""
    facts = extract_facts(path)
    attribution = Attribution.for_app(facts, ruleset.sdks, ruleset.libraries)
    per_signal: Counter[str] = Counter()
    found, otherwise, wrong, have_code = set(), set(), set(), set()
    for detection in detect_sdks(facts, ruleset.sdks, attribution, fingerprints):
        kinds = {_KINDS.get(e.kind, e.kind) for e in detection.evidence}
        if "package" in kinds:
            have_code.add(detection.id)
        if detection.id not in truth:
            if detection.evidence_level != "declared":
                wrong.add(detection.id)
            continue
        if detection.evidence_level != "declared":
            found.add(detection.id)
            if kinds - {"fingerprint"}:
                otherwise.add(detection.id)
        per_signal.update(kinds)
    highest = max((m.score for m in match_fingerprints(facts, fingerprints, attribution, have_code)
                   if m.sdk not in truth), default=0.0)
    return per_signal, found, otherwise, wrong, highest


def summary_matches(summary: ApkSummary, fingerprints: Sequence[Fingerprint]) -> list[FingerprintMatch]:
    """Fingerprints matched against one APK's unattributed code, from its cached summary (SDKs with code there
    skipped, as ``with_fingerprints`` skips them)."""
    pool: dict[str, set[str]] = {s: set() for s in SIGNALS}
    for key, by_signal in summary.features.items():
        if key == "app" or key.startswith("unidentified:"):
            for signal in SIGNALS:
                pool[signal] |= by_signal[signal]
    out = []
    for fp in fingerprints:
        if fp.id in summary.sdks:
            continue
        found = {s: len(set(fp.features.get(s, ())) & pool[s]) for s in SIGNALS}
        out.append(FingerprintMatch(fp.id, found, {s: len(fp.features.get(s, ())) for s in SIGNALS}, ()))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True, help="folder for the renamed copies (not the repo)")
    parser.add_argument("--apk", action="append", help="labelled APK to rename (default: every one with SDKs)")
    parser.add_argument("--style", action="append", choices=STYLES)
    args = parser.parse_args(argv)
    ruleset = load_rulesets()
    summaries = corpus_summaries(args.corpus, ruleset, args.cache)
    learner = Learner(summaries, ruleset)
    index = {s.name: i for i, s in enumerate(summaries)}
    everything = as_fingerprints(learner.learn())

    fp_total, fires_total, unlabelled, highest = 0, 0, [], 0.0
    for i, summary in enumerate(summaries):
        held_out = as_fingerprints(learner.learn(frozenset({i})))
        label = LABELS.get(summary.name)
        allowed = label.truth if label is not None else summary.sdks
        for match in summary_matches(summary, held_out):
            if match.sdk not in allowed:
                highest = max(highest, match.score)
            if match.fires:
                fires_total += 1
                right = match.sdk in allowed
                fp_total += not right
                note = "" if right else "  <- not in the label" if label else "  <- unlabelled app"
                print(f"real {summary.name}: {match.sdk} {match.evidence().value}{note}")
                if label is None and not right:
                    unlabelled.append((summary.name, match.sdk))
    print(f"real corpus, leave-one-out: {fires_total} fingerprint detections, {fp_total} outside the label; "
          f"highest score outside the label {highest:.2f}")

    names = args.apk or sorted(n for n, label in LABELS.items() if label.truth and n in index)
    for style in args.style or ["flat"]:
        for mode in ("leave-one-out", "in-sample"):
            signals: Counter[str] = Counter()
            truth_n = found_n = wrong_n = learnable_n = 0
            highest = 0.0
            for name in names:
                variant = args.work / f"{name}.{style}.apk"
                if not variant.is_file():
                    obfuscate(args.corpus / name, variant, style)
                prints = everything if mode == "in-sample" else as_fingerprints(
                    learner.learn(frozenset({index[name]})))
                truth = LABELS[name].truth
                per_signal, found, otherwise, wrong, worst = variant_figures(variant, truth, ruleset, prints)
                signals.update(per_signal)
                truth_n, found_n, wrong_n = truth_n + len(truth), found_n + len(found), wrong_n + len(wrong)
                learnable_n += len(truth & (otherwise | {f.id for f in prints}))
                highest = max(highest, worst)
                print(f"{style} {mode} {name}: found {len(found)}/{len(truth)} {dict(per_signal)}"
                      f" missed {sorted(truth - found)} wrong {sorted(wrong)}", file=sys.stderr)
            recall = found_n / truth_n if truth_n else 0.0
            learnable = found_n / learnable_n if learnable_n else 0.0
            shares = " ".join(f"{k}={v / truth_n:.2f}" for k, v in sorted(signals.items()))
            print(f"variants {style} {mode}: {len(names)} APKs, {truth_n} labelled SDKs, recall {recall:.3f} "
                  f"(learnable {learnable_n}: {learnable:.3f}), {wrong_n} wrong, highest score outside the label "
                  f"{highest:.2f}; per-signal recall {shares}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
