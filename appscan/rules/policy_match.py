"""How what a policy says is matched with what the code does: one definition for the findings and the reports.

The POL-0xx checks (``appscan.rules.checks.policy_gap``) and the reports' side-by-side table and pre-filled MIIT
lists (``appscan.report.views``) both ask whether a declaration covers a collected type and whether a policy's SDK
row names an embedded SDK; answering both from here keeps a row's status and its finding from disagreeing.
"""

from __future__ import annotations

from collections.abc import Iterable

from appscan.model import SdkDetection
from appscan.policy.document import SdkMention
from appscan.policy.terms import PolicyTerms
from appscan.rules.catalog import DataType, Ruleset, Sdk
from appscan.rules.severity import tier_of

__all__ = ["compared", "coverage", "covering", "listable", "naming"]


def compared(data_type: DataType) -> bool:
    """True for the data types a policy must list item by item: personal and above the low tier (network state
    and crash logs are not items a policy lists)."""
    return tier_of(data_type) not in (None, "low")


def coverage(terms: PolicyTerms, data_type: str, declared: Iterable[str]) -> str:
    """full | generic | none: how the declared types cover a collected one (``covers`` and ``covers_generically``
    of rulesets/policy_terms.yaml)."""
    words = frozenset(declared)
    if data_type in words or any(data_type in terms.covers.get(word, ()) for word in words):
        return "full"
    if any(data_type in terms.covers_generically.get(word, ()) for word in words):
        return "generic"
    return "none"


def covering(terms: PolicyTerms, data_type: str, declared: Iterable[str]) -> tuple[list[str], list[str]]:
    """(full, generic): the declared words that cover ``data_type`` fully (itself included) and only generically,
    so a reader sees which of the policy's sentences the coverage rests on."""
    words = sorted(set(declared))
    full = [w for w in words if w == data_type or data_type in terms.covers.get(w, ())]
    generic = [w for w in words if data_type in terms.covers_generically.get(w, ())]
    return full, generic


def naming(ruleset: Ruleset, sdk_id: str, mentions: Iterable[SdkMention]) -> list[SdkMention]:
    """The mentions that name this SDK: by its id, a product built on it (naming MobPush names the MobTech core),
    or an SDK it ships inside (``Sdk.component_of``: naming JPush names JCore). Naming a core names no product,
    and a vendor's other SDKs are other SDKs."""
    catalogue = ruleset.of_kind("sdk")  # a stored scan may name SDKs an older or newer catalogue lacks
    parts_of = set(catalogue[sdk_id].component_of) if sdk_id in catalogue else set()
    return [m for m in mentions if m.sdk is not None
            and (m.sdk == sdk_id or m.sdk in parts_of
                 or (m.sdk in catalogue and catalogue[m.sdk].within == sdk_id))]


def listable(sdk: SdkDetection, entry: Sdk | None, collects: bool) -> bool:
    """True for an SDK a policy's SDK list must name: its code is in the APK and it processes personal data (its
    code was seen collecting some, or its catalogue ``entry`` documents what it collects). Packers and SDKs seen
    only in the manifest are not listed."""
    if sdk.category == "packer" or sdk.evidence_level == "declared":
        return False
    return collects or bool(entry and entry.data_collected)
