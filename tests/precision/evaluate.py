"""Precision of appscan's claims on real apps, measured against hand labels verified from the bytecode.

The labels (``high_findings_*.yaml``, ``before_consent.yaml`` beside this file) were drawn with a fixed seed from
the baseline scan of every real corpus APK (DroidBench excluded) and checked by reading each APK's smali: a claim
is true only if it can be defended to the app's developer. Each label names the claim it judges by rule, data
type and call sites, not by finding id, so it still applies when a fix changes how findings are grouped.

What counts as "still claimed" in a scan's JSON document:

* a high-finding label: a finding of the same rule and data type, at severity high, whose evidence lists one of
  the labelled call sites (non-call findings: the same rule, with the labelled subject among its evidence); for
  PI-003 the site's ``api_calls`` entry must also still be a definite before-consent collection; a label whose
  fault was the collector (``wrong-owner``) judges only a finding that names the same collector;
* a before-consent label: the ``api_calls`` entry of that caller and API is a collection reached at start-up
  before consent on a path whose every step is known (``evidence`` "definite").

Run ``python -m tests.precision.evaluate [--baseline DIR]`` to print precision before (the baseline JSON
documents in DIR, one ``<apk>.json`` each) and now (a fresh scan of each labelled APK).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from appscan.model import COLLECTING_EFFECTS

HERE = Path(__file__).resolve().parent
Document = Mapping[str, Any]


@dataclass(frozen=True)
class Label:
    """One hand-labelled claim."""

    file: str
    apk: str
    label: bool
    rule: str | None
    data_type: str | None
    sites: tuple[tuple[str, str], ...]
    """(caller, api) pairs the label is about."""
    subject: str | None
    fp_class: str | None
    reason: str
    sdk: str | None = None
    """The collector the claim named (an SDK id; None: the app's own code)."""
    number: int = 0
    """The item's position in its file (from 1): with the file, what names a label uniquely."""

    @property
    def ref(self) -> str:
        """``file#number``: the stable name of the label."""
        return f"{self.file.removesuffix('.yaml')}#{self.number}"

    @property
    def key(self) -> str:
        """A readable identifier for test ids and reports."""
        site = self.sites[0][0].split("->")[0] if self.sites else (self.subject or "")[:24]
        return f"{self.ref}:{self.apk}:{self.rule or 'before-consent'}:{self.data_type}:{site}"


def load_labels(kind: str) -> list[Label]:
    """Labels of one kind: ``high`` (high_findings_*.yaml) or ``before-consent`` (before_consent*.yaml)."""
    files = sorted(HERE.glob("high_findings_*.yaml" if kind == "high" else "before_consent*.yaml"))
    out = []
    for path in files:
        for number, item in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))["items"], 1):
            out.append(Label(path.name, item["apk"], bool(item["label"]), item.get("rule"), item.get("data_type"),
                             tuple((s["caller"], s["api"]) for s in item.get("sites") or ()), item.get("subject"),
                             item.get("fp_class"), item.get("reason", ""), item.get("sdk"), number))
    return out


def _collects(call: Mapping[str, Any]) -> bool:
    """Counted as personal-data collection (documents from before the effect field count every call)."""
    return call.get("effect", "collection") in COLLECTING_EFFECTS


def _before_consent(call: Mapping[str, Any]) -> bool:
    """A definite before-consent collection."""
    return bool(call.get("startup_reachable")) and call.get("consent_gated") is False and \
        call.get("evidence", "definite") == "definite" and _collects(call)


def _calls(doc: Document, caller: str, api: str) -> list[Mapping[str, Any]]:
    return [c for c in doc["api_calls"] if c["caller"] == caller and c["api"] == api]


def _reported(call: Mapping[str, Any]) -> bool:
    """A before-consent collection at any evidence level (a possible path included)."""
    return bool(call.get("startup_reachable")) and call.get("consent_gated") is False and _collects(call)


def claimed(label: Label, doc: Document, strict: bool = True) -> bool:
    """True when the document still makes the claim the label judges (see the module docstring); with
    ``strict`` false, also when it makes it at a lower severity or on a possible path only."""
    if label.rule is None:
        test = _before_consent if strict else _reported
        return any(test(c) for caller, api in label.sites for c in _calls(doc, caller, api))
    for f in doc["findings"]:
        if f["rule"] != label.rule or (strict and f["severity"] != "high"):
            continue
        if label.data_type and label.data_type not in f["data_types"]:
            continue
        if label.fp_class == "wrong-owner" and (f["sdk"] != label.sdk or (
                label.sdk is None and "the app's own code" not in f["title"]["en"])):
            continue  # another collector is named now: another claim, which this label does not judge
        evidence = {(e["location"], e["value"]) for e in f["evidence"] if e["kind"] == "call"}
        if not label.sites:
            if label.subject is None or any(e["value"] == label.subject for e in f["evidence"]):
                return True
            continue
        for caller, api in label.sites:
            if (caller, api) not in evidence:
                continue
            test = _before_consent if strict else _reported
            if label.rule != "PI-003" or any(test(c) for c in _calls(doc, caller, api)):
                return True
    return False


@dataclass(frozen=True)
class Score:
    """Precision of the claims still made (high, definite), and how many true claims are kept: at that level,
    and at any level (lower severity, possible path)."""

    claimed_true: int
    claimed_false: int
    true_total: int
    true_kept_any: int

    @property
    def precision(self) -> float:
        n = self.claimed_true + self.claimed_false
        return self.claimed_true / n if n else 1.0

    def __str__(self) -> str:
        n = self.claimed_true + self.claimed_false
        return (f"precision {self.precision:.3f} ({self.claimed_true}/{n} claimed are true); true claims kept "
                f"{self.claimed_true}/{self.true_total} as claimed, {self.true_kept_any}/{self.true_total} at any "
                f"severity or evidence level")


def score(labels: Iterable[Label], docs: Mapping[str, Document]) -> Score:
    """Score the labels against one document per APK."""
    t = f = total = kept = 0
    for label in labels:
        doc = docs[label.apk]
        total += label.label
        kept += label.label and claimed(label, doc, strict=False)
        if claimed(label, doc):
            t += label.label
            f += not label.label
    return Score(t, f, total, kept)


def scan_documents(apks: Iterable[str], corpus: Path) -> dict[str, Document]:
    """A fresh scan's JSON document of each APK (not stored)."""
    from appscan.report.json_format import to_document
    from appscan.scan import scan_file

    return {apk: to_document(scan_file(corpus / apk)) for apk in sorted(set(apks))}


def main() -> None:
    """Print precision before (baseline documents) and now (fresh scans)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, help="folder of baseline JSON documents, <apk>.json")
    parser.add_argument("--corpus", type=Path, default=HERE.parents[1] / ".." / "shared" / "corpus" / "apks")
    parser.add_argument("--list", action="store_true", help="list every label judged differently from the truth")
    parser.add_argument("--save", type=Path, help="also write the fresh documents to this folder")
    args = parser.parse_args()
    kinds = {"high findings": load_labels("high"), "before-consent entries": load_labels("before-consent")}
    apks = {label.apk for labels in kinds.values() for label in labels}
    now = scan_documents(apks, args.corpus.resolve())
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        for apk, doc in now.items():
            (args.save / f"{apk}.json").write_text(json.dumps(doc, ensure_ascii=False, sort_keys=True))
    for name, labels in kinds.items():
        if args.baseline:
            before = {apk: json.loads((args.baseline / f"{apk}.json").read_text()) for apk in apks}
            print(f"{name} ({len(labels)} labels) before: {score(labels, before)}")
        print(f"{name} ({len(labels)} labels) now:    {score(labels, now)}")
        if args.list:
            for label in labels:
                doc = now[label.apk]
                if claimed(label, doc) != label.label:
                    state = "still claimed" if not label.label else (
                        "kept at a lower level" if claimed(label, doc, strict=False) else "no longer reported")
                    print(f"  {state}: {label.key} [{label.fp_class or 'true'}]")


if __name__ == "__main__":
    main()
