"""The vocabulary policy analysis reads with, as one frozen value.

The ruleset loader builds it from ``rulesets/policy_terms.yaml`` and the SDK catalogue; it is defined here, not in
``appscan.rules``, so that reading a policy depends on no rule machinery (the policy package is facts level).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["CUES", "PolicyTerms", "normalise_sdk_name"]

CUES = ("title", "collect", "negation", "conditional", "purpose", "definition", "third-party",
        "account_deletion", "complaint_channel", "minors", "cross_border", "updated",
        "sdk_table", "sdk_name", "sdk_company", "sdk_purpose", "sdk_data", "sdk_link")
"""Cue classes (the ``cue`` values of policy_terms.yaml): what a word signals in a sentence or a table header."""

_SDK_NOISE = re.compile(r"sdk|[\s()（）\[\]【】<>《》「」'\"“”‘’·•.,，:：;；/\\|_\-–—]+", re.IGNORECASE)


def normalise_sdk_name(name: str) -> str:
    """A name as policies and the catalogue both reduce to it: NFKC (full-width letters), lower case, without
    "SDK", spaces, brackets and punctuation. ``友盟+ U-App 统计SDK`` -> ``友盟+uapp统计``."""
    return _SDK_NOISE.sub("", unicodedata.normalize("NFKC", name).lower())


def _frozen(mapping: Mapping[str, tuple[str, ...]] | Mapping[str, str]) -> Mapping[str, object]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class PolicyTerms:
    """Synonyms per data type, cue words per cue class, and the SDK name map.

    ``sdk_names`` maps a normalised name (``normalise_sdk_name``) to one catalogue SDK id: the catalogue's names
    and unambiguous company names plus the aliases of policy_terms.yaml, an alias winning over a catalogue name.
    """

    data_types: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    """Data type id -> the words that name it."""
    not_within: tuple[str, ...] = ()
    """Longer words containing a synonym that mean something else; a synonym inside one is no match."""
    cues: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    """Cue class (``CUES``) -> its words."""
    sdk_names: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Normalised SDK name -> catalogue SDK id."""
    covers: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    """Data type -> the other types a policy declares by declaring it (location -> cell)."""
    covers_generically: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    """Data type -> the types it names only in general terms (device-info -> imei, android-id...)."""

    def __post_init__(self) -> None:
        for name in ("data_types", "cues", "sdk_names", "covers", "covers_generically"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        object.__setattr__(self, "_hash", hash((
            tuple(sorted(self.data_types.items())), self.not_within, tuple(sorted(self.cues.items())),
            tuple(sorted(self.sdk_names.items())), tuple(sorted(self.covers.items())),
            tuple(sorted(self.covers_generically.items())))))

    def cue(self, name: str) -> tuple[str, ...]:
        """The words of one cue class (empty when the ruleset has none)."""
        return self.cues.get(name, ())

    def __hash__(self) -> int:
        """Hashable by content (computed once), so the compiled matchers are cached per vocabulary."""
        return self._hash  # type: ignore[attr-defined, no-any-return]
