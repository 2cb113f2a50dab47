"""Hard-coded secrets: credentials and identifiers the APK carries in its manifest, resources and code.

A credential in an APK is public: anyone can unzip it. Cloud access keys, private keys, tokens and passwords let
whoever reads them act as the app's developer (read its storage, send its push messages), so they are a finding
(SEC-011). Many SDKs, on the other hand, ask the developer to put an app key or app id in the manifest by design:
those are listed as ``public-id`` and never flagged, so that the finding holds what a developer must act on.

Where each pattern of ``rulesets/secrets.yaml`` looks: ``value`` patterns in meta-data values, string resources and
string constants of the code (each constant attributed to the app, an SDK, a library or unidentified code, as calls
are); ``key`` patterns on meta-data names. A match must reach the pattern's ``min_entropy`` (bits per character); a
meta-data value made of words only (``your_app_secret``), a resource reference or a build variable is no key.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator

from appscan.model import ApkFacts, SecretHit
from appscan.rules.catalog import SecretPattern
from appscan.rules.sdk_match import Attribution

__all__ = ["entropy", "find_secrets", "redact"]

_MAX_LENGTH = 4096
"""Longer strings (embedded files, certificates in PEM are shorter) are searched only for their first part."""
_PLACEHOLDER = re.compile(r"[A-Za-z_. -]+|[@$].*|\$\{.*\}")
"""A meta-data value that is words (``your_app_secret``), a resource reference or a build variable: no key."""
_SHOWN = 4
"""Characters of a value shown in reports: enough to find it in the code, too few to use it."""


def entropy(text: str) -> float:
    """Shannon entropy of ``text`` in bits per character."""
    if not text:
        return 0.0
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def redact(value: str) -> str:
    """``LTAI5tQ...`` -> ``LTAI… (24 characters)``: never the whole secret in a report."""
    return f"{value[:_SHOWN]}… ({len(value)} characters)"


class _Text:
    """Strings joined by NUL (which no pattern matches across) into one text, with where each owner's part starts:
    a pattern's literals are looked for once in the whole text at C speed, and the pattern itself is run only on
    the strings holding one, instead of on each of the hundreds of thousands of constants of a large app."""

    def __init__(self, parts: Iterable[tuple[str, Iterable[str]]]) -> None:
        chunks: list[str] = []
        self.starts: list[int] = []
        self.owners: list[str] = []
        size = 0
        for owner, strings in parts:
            text = "\0".join(t[:_MAX_LENGTH] for t in strings) + "\0"
            self.starts.append(size)
            self.owners.append(owner)
            chunks.append(text)
            size += len(text)
        self.text = "".join(chunks)

    def owner_at(self, offset: int) -> str:
        return self.owners[bisect.bisect_right(self.starts, offset) - 1]

    def matches(self, patterns: Iterable[SecretPattern]) -> Iterator[tuple[SecretPattern, str, str]]:
        """(pattern, matched text, owner of the string) for each match reaching its pattern's entropy."""
        text = self.text
        for pattern in patterns:
            if pattern.value is None:
                continue
            spans = _spans(text, pattern.literals) if pattern.literals else [(0, len(text))]
            for lo, hi in spans:
                for match in pattern.value.finditer(text, lo, hi):
                    found = match.group(0)
                    if pattern.min_entropy is None or entropy(found) >= pattern.min_entropy:
                        yield pattern, found, self.owner_at(match.start())


def _spans(text: str, literals: Iterable[str]) -> list[tuple[int, int]]:
    """The NUL-delimited strings of ``text`` that hold one of ``literals``, as (start, end), in order."""
    spans: set[tuple[int, int]] = set()
    for literal in literals:
        at = text.find(literal)
        while at != -1:
            lo = text.rfind("\0", 0, at) + 1
            hi = text.find("\0", at)
            spans.add((lo, hi))
            at = text.find(literal, hi)
    return sorted(spans)


def find_secrets(facts: ApkFacts, patterns: Iterable[SecretPattern], attribution: Attribution
                 ) -> tuple[SecretHit, ...]:
    """Every credential and public identifier found, secrets first, one hit per (pattern, value, location)."""
    patterns = tuple(patterns)
    keyed = [p for p in patterns if p.key is not None and p.value is None]
    found: dict[tuple[str, str, str], SecretHit] = {}

    def add(pattern: SecretPattern, value: str, location: str, owner_kind: str, owner: str | None) -> None:
        key = (pattern.id, value, location)
        if key not in found:
            found[key] = SecretHit(pattern.id, pattern.kind, pattern.name, redact(value), location, owner_kind, owner)

    for meta in facts.manifest.meta_data:
        value = meta.value or ""
        named = next((p for p in keyed if p.key is not None and p.key.search(meta.name)
                      and (p.min_entropy is None or entropy(value) >= p.min_entropy)), None)
        if named is not None and value and not _PLACEHOLDER.fullmatch(value):
            add(named, value, f"meta-data:{meta.name}", "app", None)
    app_texts = _Text([*((f"meta-data:{m.name}", (m.value or "",)) for m in facts.manifest.meta_data),
                       ("string resource", facts.resources.strings)])
    for pattern, hit, location in app_texts.matches(patterns):
        add(pattern, hit, location, "app", None)
    code = _Text(facts.code.strings.items())
    for pattern, hit, method in code.matches(patterns):
        owner = attribution.owner(method)
        add(pattern, hit, method, owner.kind, owner.id)
    return tuple(sorted(found.values(), key=lambda h: (h.kind != "secret", h.pattern, h.location, h.value)))
