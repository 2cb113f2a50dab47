"""What a policy says, as values: the declarations, denials, named SDKs and sections of one policy document.

``PolicyDocument.to_json()`` is the public shape (``appscan policy --format json`` and ``policies[]`` of a scan);
fields are added over time, never renamed. Lists are in document order: ``declared`` and ``denied`` hold one
entry per (data type, sentence) pair, so a type the policy names in three sentences appears three times, each with
its own sentence and purpose (``declared_types`` gives the set).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Declaration", "Denial", "PolicyDocument", "Sections", "SdkMention"]


@dataclass(frozen=True, slots=True)
class Declaration:
    """A sentence (or table row) saying the app or one of its SDKs collects a data type."""

    data_type: str
    sentence: str
    purpose: str | None = None
    """The clause after a purpose cue (用于, 以便, in order to...), or an SDK table's purpose column."""
    conditional: bool = False
    """Collection only when a feature is used or a permission granted (当您使用...时, 如果您..., if you...)."""

    def to_json(self) -> dict[str, Any]:
        return {"data_type": self.data_type, "sentence": self.sentence, "purpose": self.purpose,
                "conditional": self.conditional}


@dataclass(frozen=True, slots=True)
class Denial:
    """A sentence saying a data type is not collected."""

    data_type: str
    sentence: str

    def to_json(self) -> dict[str, Any]:
        return {"data_type": self.data_type, "sentence": self.sentence}


@dataclass(frozen=True, slots=True)
class SdkMention:
    """A third-party SDK the policy names, from an SDK table or list."""

    name: str
    """As written (bullets and numbering dropped)."""
    sdk: str | None
    """The catalogue id the name (or, failing that, the company) resolves to, None when it does not."""
    company: str | None = None
    data_types: tuple[str, ...] = ()
    purpose: str | None = None
    link: str | None = None
    """The SDK's own privacy-policy link as the list gives it."""

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "sdk": self.sdk, "company": self.company, "data_types": list(self.data_types),
                "purpose": self.purpose, "link": self.link}


@dataclass(frozen=True, slots=True)
class Sections:
    """Whether the required sections are there, and the update or effective date the policy states."""

    account_deletion: bool = False
    complaint_channel: bool = False
    minors: bool = False
    cross_border: bool = False
    updated: str | None = None
    """ISO date (YYYY-MM-DD) from an 更新日期 / 生效日期 / Last updated line, None when none is stated."""

    def to_json(self) -> dict[str, Any]:
        return {"account_deletion": self.account_deletion, "complaint_channel": self.complaint_channel,
                "minors": self.minors, "cross_border": self.cross_border, "updated": self.updated}

    def missing(self) -> list[str]:
        """Names of the required sections not found (the update date included)."""
        present = self.to_json()
        return [name for name, value in present.items() if not value]


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    """One analysed policy file."""

    source: str
    sha256: str
    language: str
    """zh | en, by the share of Chinese characters among letters."""
    format: str
    """pdf | html | markdown | text, as the content (or the name) says."""
    declared: tuple[Declaration, ...]
    denied: tuple[Denial, ...]
    sdks: tuple[SdkMention, ...]
    sections: Sections

    @property
    def declared_types(self) -> frozenset[str]:
        """The data types declared somewhere in the policy."""
        return frozenset(d.data_type for d in self.declared)

    @property
    def denied_types(self) -> frozenset[str]:
        """The data types the policy says it does not collect."""
        return frozenset(d.data_type for d in self.denied)

    def to_json(self) -> dict[str, Any]:
        """The public JSON object (module docstring)."""
        return {"source": self.source, "sha256": self.sha256, "language": self.language, "format": self.format,
                "declared": [d.to_json() for d in self.declared], "denied": [d.to_json() for d in self.denied],
                "sdks": [s.to_json() for s in self.sdks], "sections": self.sections.to_json()}
