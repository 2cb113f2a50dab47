"""Fingerprint matching: finding an SDK whose packages were renamed, from what renaming keeps.

Release builds shrink and rename code (R8/ProGuard): ``com.umeng.analytics.MobclickAgent`` becomes ``a.b.c`` or
lands in the app's root package, and package prefixes then match nothing. Renaming cannot touch what the Android
runtime must still resolve or what the code says at run time, so a fingerprint (``rulesets/fingerprints/``, learned
from unobfuscated copies of the SDK by ``tools/gen_fingerprints.py``) is made of four signals (``SIGNALS``):

- ``strings``: distinctive string constants of the SDK's code (API hosts, keys, log texts);
- ``descriptors``: method descriptors with at least two framework types, every other type masked to ``L;``;
- ``methods``: digests of a method's masked descriptor with the framework APIs it calls (in the spirit of
  LibID's method signatures: the calls to the platform cannot be renamed);
- ``classes``: digests of a class's shape: its framework superclass or interfaces and its methods' masked
  descriptors (LibScout/LibPecker-style class profiles, reduced to what survives renaming).

Matching looks only at code that no package prefix attributes to an SDK or library (the app's own namespaces and
unidentified code, where a renamed SDK ends up), groups it by package and counts each signal's features found
there. An SDK is reported when the share of its features found (``score``) reaches ``MIN_SCORE`` with at least
``MIN_FEATURES`` features and two signals agreeing: a fingerprint's features were chosen to occur in no other code of
the corpus, and requiring several of them, from independent signals, keeps one shared string from naming an SDK.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from appscan.model import ApkFacts, ClassDef, Evidence, SdkDetection
from appscan.rules.catalog import Fingerprint, Sdk

if TYPE_CHECKING:
    from appscan.rules.sdk_match import Attribution

__all__ = ["CLAIM_FEATURES", "MIN_FEATURES", "MIN_SCORE", "SIGNALS", "FingerprintMatch", "class_features",
           "mask_descriptor", "match_fingerprints", "usable_string", "with_fingerprints"]

SIGNALS = ("strings", "descriptors", "methods", "classes")
"""The four signals of a fingerprint, in the order evidence lists them."""

MIN_SCORE = 0.2
"""Share of a fingerprint's features that must be found. A renamed copy of the same SDK version scores near 1;
another version of it keeps fewer (0.24-0.27 for the Huawei push and Google location and maps copies of the
corpus, whose fingerprints come from other versions). In leave-one-out runs over the corpus and its renamed
variants (docs/rulesets.md#fingerprints) no code without the SDK scores above 0.16 (GCM's InstanceID code against
Firebase IID, its successor); every value from 0.17 to 0.23 gives the same detections, 0.2 lies in the middle."""
MIN_FEATURES = 6
"""Fewest features that must be found, whatever the share: a fingerprint of a tiny SDK cannot fire on a couple
of coincidences."""
CLAIM_FEATURES = 2
"""Features of a reported SDK's fingerprint a class must hold to be that SDK's code. An app's own class may hold
one (a key or host it passes to the SDK); the features were chosen to occur in no other code of the corpus, so two
in one class are the SDK's."""
MIN_SIGNALS = 2
"""Signals that must each find at least one feature: a string table copied into other code is not the SDK."""

_FRAMEWORK = ("Landroid/", "Ljava/", "Ljavax/", "Ldalvik/", "Lorg/json/", "Lorg/w3c/dom/", "Lorg/xml/sax/",
              "Lorg/xmlpull/v1/")
"""Packages of the Android boot class path. A type under one of them that the APK does not define itself (the
support library, bundled under ``android/support``, is defined and renamed like any other code) is resolved by the
runtime by name, so no shrinker can rename it."""
_MASK = "L;"
_MIN_CALLS = 3
"""Distinct framework calls a method needs for a ``methods`` feature: fewer are shared by too many methods."""
_MIN_TYPED = 2
"""Framework reference types a descriptor needs to be a ``descriptors`` feature."""
_DIGEST = 12
"""Hex digits kept of a feature digest: 48 bits, no collisions among the few hundred thousand features of an app."""


def usable_string(value: str) -> bool:
    """A string constant that could tell one SDK from others: long enough to be specific, short enough to be a
    literal rather than a blob, with some letters in it."""
    return 6 <= len(value) <= 120 and sum(c.isalpha() for c in value) >= 4 and not value.isspace()


def _split_types(params: str) -> list[str]:
    """``ILjava/lang/String;[B`` -> ``["I", "Ljava/lang/String;", "[B"]``."""
    types, i = [], 0
    while i < len(params):
        j = i
        while params[j] == "[":
            j += 1
        end = params.index(";", j) + 1 if params[j] == "L" else j + 1
        types.append(params[i:end])
        i = end
    return types


class _Masker:
    """Masks the types renaming changes: every reference type other than an undefined framework class."""

    def __init__(self, defined: frozenset[str]) -> None:
        self._defined = defined
        self._cache: dict[str, tuple[str, int]] = {}

    def framework(self, class_type: str) -> bool:
        """True for a framework class the APK does not define (``Landroid/app/Activity;``)."""
        return class_type.startswith(_FRAMEWORK) and class_type not in self._defined

    def type(self, t: str) -> str:
        """One type, masked unless primitive or framework (array brackets kept)."""
        element = t.lstrip("[")
        if element[0] != "L" or self.framework(element):
            return t
        return t[:len(t) - len(element)] + _MASK

    def descriptor(self, descriptor: str) -> tuple[str, int]:
        """``(params)ret`` masked, and how many framework reference types it names."""
        hit = self._cache.get(descriptor)
        if hit is None:
            params, _, ret = descriptor[1:].partition(")")
            types = [*_split_types(params), ret]
            masked = [self.type(t) for t in types]
            typed = sum(1 for t, m in zip(types, masked) if "L" in t and m == t)
            hit = self._cache[descriptor] = ("(" + "".join(masked[:-1]) + ")" + masked[-1], typed)
        return hit


def mask_descriptor(descriptor: str, defined: frozenset[str] = frozenset()) -> str:
    """A method descriptor with every non-framework type masked: ``(Landroid/content/Context;Lcom/x/Y;)V`` ->
    ``(Landroid/content/Context;L;)V``. ``defined`` are the classes the APK defines (never framework)."""
    return _Masker(defined).descriptor(descriptor)[0]


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:_DIGEST]


def _descriptor_of(method: str) -> str:
    """``Lcls;->name(args)ret`` -> ``(args)ret``."""
    return method[method.index("(", method.index(";->")):]


def class_features(facts: ApkFacts, keep: Callable[[ClassDef], bool] = lambda _: True
                   ) -> Iterator[tuple[ClassDef, dict[str, set[str]]]]:
    """Every kept class with its features per signal (strings raw, the other signals as masked text or digests).

    The generator (``tools/gen_fingerprints.py``) and the matcher read code through this one function, so a
    fingerprint is always compared with features computed the same way.
    """
    code = facts.code
    masker = _Masker(frozenset(c.name for c in code.classes))
    classes = [c for c in code.classes if keep(c)]
    wanted = {m for c in classes for m in c.methods}
    calls: dict[str, set[str]] = defaultdict(set)
    for site in code.call_sites:
        if site.caller in wanted:
            owner, _, member = site.callee.partition(";->")
            if masker.framework(owner + ";"):
                calls[site.caller].add(site.callee)
    for cls in classes:
        features: dict[str, set[str]] = {s: set() for s in SIGNALS}
        shape = []
        for method in cls.methods:
            masked, typed = masker.descriptor(_descriptor_of(method))
            shape.append(masked)
            if typed >= _MIN_TYPED:
                features["descriptors"].add(masked)
            called = calls.get(method)
            if called is not None and len(called) >= _MIN_CALLS:
                features["methods"].add(_digest(masked + "|" + "|".join(sorted(called))))
            features["strings"].update(s for s in code.strings.get(method, ()) if usable_string(s))
        parents = [masker.type(cls.superclass or "Ljava/lang/Object;"), *sorted(map(masker.type, cls.interfaces))]
        if len(shape) >= 2 and any(p not in (_MASK, "Ljava/lang/Object;") for p in parents):
            features["classes"].add(_digest(" ".join(parents) + "|" + "|".join(sorted(shape))))
        yield cls, features


@dataclass(frozen=True, slots=True)
class FingerprintMatch:
    """How well one SDK's fingerprint matched an app's unattributed code."""

    sdk: str
    found: Mapping[str, int]
    """Signal -> how many of the fingerprint's features of that signal were found."""
    total: Mapping[str, int]
    """Signal -> how many features of that signal the fingerprint has."""
    packages: tuple[str, ...]
    """Packages holding found features, most features first (``(default)`` for the unnamed package)."""
    classes: tuple[str, ...] = ()
    """Classes holding at least ``CLAIM_FEATURES`` of the fingerprint's features: the renamed SDK code itself."""

    @property
    def score(self) -> float:
        """Share of the fingerprint's features found, all signals together."""
        total = sum(self.total.values())
        return sum(self.found.values()) / total if total else 0.0

    @property
    def fires(self) -> bool:
        """True when the match is strong enough to report the SDK (``MIN_SCORE``, ``MIN_FEATURES``,
        ``MIN_SIGNALS``)."""
        return (self.score >= MIN_SCORE and sum(self.found.values()) >= MIN_FEATURES
                and sum(1 for n in self.found.values() if n) >= MIN_SIGNALS)

    def evidence(self) -> Evidence:
        """``fingerprint`` evidence: the score and each signal's count in ``value``, the packages in ``location``."""
        counts = " ".join(f"{s}={self.found.get(s, 0)}/{self.total[s]}" for s in SIGNALS if self.total.get(s))
        shown = self.packages[:5]
        more = f" (+{len(self.packages) - len(shown)} more)" if len(self.packages) > len(shown) else ""
        return Evidence("fingerprint", f"score={self.score:.2f} {counts}", " ".join(shown) + more)


def match_fingerprints(facts: ApkFacts, fingerprints: Iterable[Fingerprint], attribution: Attribution,
                       skip: Iterable[str] = ()) -> tuple[FingerprintMatch, ...]:
    """Every fingerprint (bar the SDKs in ``skip``) scored against the code no SDK or library prefix owns, sorted
    by SDK id; fingerprints with nothing found are left out. Whether a match is reported is ``fires``."""
    skipped = set(skip)
    prints = [f for f in fingerprints if f.id not in skipped]
    if not prints:
        return ()
    wanted: dict[str, dict[str, list[str]]] = {s: defaultdict(list) for s in SIGNALS}
    for fp in prints:
        for signal in SIGNALS:
            for feature in fp.features.get(signal, ()):
                wanted[signal][feature].append(fp.id)

    def unattributed(cls: ClassDef) -> bool:
        return attribution.owner(cls.name).kind in ("app", "unidentified")

    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: {s: set() for s in SIGNALS})
    where: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    holders: dict[str, list[str]] = defaultdict(list)
    for cls, features in class_features(facts, unattributed):
        package = cls.name[1:-1].rpartition("/")[0].replace("/", ".") or "(default)"
        held: dict[str, int] = defaultdict(int)
        for signal in SIGNALS:
            index = wanted[signal]
            for feature in features[signal]:
                for sdk_id in index.get(feature, ()):
                    held[sdk_id] += 1
                    if feature not in found[sdk_id][signal]:
                        found[sdk_id][signal].add(feature)
                        where[sdk_id][package] += 1
        for sdk_id, n in held.items():
            if n >= CLAIM_FEATURES:
                holders[sdk_id].append(cls.name)
    out = []
    for fp in sorted(prints, key=lambda f: f.id):
        if fp.id not in found:
            continue
        packages = sorted(where[fp.id], key=lambda p: (-where[fp.id][p], p))
        out.append(FingerprintMatch(fp.id, {s: len(found[fp.id][s]) for s in SIGNALS},
                                    {s: len(fp.features.get(s, ())) for s in SIGNALS}, tuple(packages),
                                    tuple(sorted(holders[fp.id]))))
    return tuple(out)


def with_fingerprints(detections: Iterable[SdkDetection], facts: ApkFacts, sdks: Iterable[Sdk],
                      fingerprints: Iterable[Fingerprint], attribution: Attribution) -> tuple[SdkDetection, ...]:
    """The prefix-based detections plus those the fingerprints find, sorted by id.

    An SDK whose package prefixes already matched code is not fingerprinted again (its code is attributed). One
    found only from the manifest (``declared``) that a fingerprint finds in renamed code becomes ``present``, with
    the fingerprint evidence added to its own. The classes holding the reported SDK's features are claimed for it
    in ``attribution`` (``Attribution.claim``), so that their calls are the SDK's, never the app's. A class two
    reported SDKs' fingerprints both claim stays where its package puts it.
    """
    by_id = {d.id: d for d in detections}
    catalogue = {s.id: s for s in sdks}
    have_code = {d.id for d in by_id.values() if any(e.kind == "package" for e in d.evidence)}
    fingerprints = [f for f in fingerprints if f.id in catalogue]
    claims: dict[str, set[str]] = defaultdict(set)
    for match in match_fingerprints(facts, fingerprints, attribution, have_code):
        if not match.fires:
            continue
        for cls in match.classes:
            claims[cls].add(match.sdk)
        evidence = match.evidence()
        known = by_id.get(match.sdk)
        if known is not None:
            by_id[match.sdk] = replace(known, evidence=(*known.evidence, evidence), evidence_level="present")
        else:
            sdk = catalogue[match.sdk]
            by_id[match.sdk] = SdkDetection(sdk.id, sdk.name, sdk.vendor, sdk.category, sdk.region, (evidence,),
                                            None, "present")
    attribution.claim({cls: sdk_ids.pop() for cls, sdk_ids in claims.items() if len(sdk_ids) == 1})
    return tuple(sorted(by_id.values(), key=lambda d: d.id))
