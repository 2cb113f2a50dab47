"""The scan's JSON document split between the normalised tables and ``scan.facts_json``, and joined back.

A section of the document (``permissions``, ``sdks``, ``api_calls``...) is left out of ``facts_json`` only when
the tables can rebuild it exactly: at save time the section is compared with the JSON this module makes from the
``ScanResult`` values that go into the tables. When the report format renders a section differently, the section
simply stays in ``facts_json``, so ``appscan db show`` always prints the document ``appscan scan`` printed.

The converters are written out per type rather than generic because saving 100k call sites must stay fast.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from appscan.model import (
    ApiCall,
    Evidence,
    Finding,
    Incomplete,
    Permission,
    RulesetInfo,
    ScanResult,
    SdkDetection,
)

__all__ = ["SECTIONS", "evidence_json", "finding_json", "api_call_json", "sdk_json", "permission_json",
           "incomplete_json", "ruleset_json", "StoredRest", "pack_rest", "unpack_rest", "join_document",
           "section_values"]


def evidence_json(e: Evidence) -> dict[str, Any]:
    """One evidence item."""
    return {"kind": e.kind, "value": e.value, "location": e.location}


def permission_json(p: Permission) -> dict[str, Any]:
    """One ``uses-permission``."""
    return {"name": p.name, "protection_level": p.protection_level, "tag": p.tag,
            "max_sdk_version": p.max_sdk_version}


def incomplete_json(i: Incomplete) -> dict[str, Any]:
    """One part that could not be analysed."""
    return {"item": i.item, "reason": i.reason}


def sdk_json(d: SdkDetection) -> dict[str, Any]:
    """One SDK detection."""
    return {"id": d.id, "name": d.name, "vendor": d.vendor, "category": d.category, "region": d.region,
            "evidence": [evidence_json(e) for e in d.evidence], "version": d.version,
            "evidence_level": d.evidence_level}


def api_call_json(c: ApiCall) -> dict[str, Any]:
    """One data-collection call site, its reach flattened in (all null, path empty, when none was computed)."""
    r = c.reach
    return {"api_id": c.api_id, "api": c.api, "data_type": c.data_type, "caller": c.caller, "sdk": c.sdk,
            "owner_kind": c.owner_kind, "owner": c.owner, "runtime_loaded": c.runtime_loaded,
            "permission": c.permission, "effect": c.effect,
            "effect_reason": c.effect_reason, "startup_reachable": r and r.startup_reachable,
            "consent_gated": r and r.consent_gated, "background": r and r.background, "entry": r and r.entry,
            "entry_kind": r and r.entry_kind, "path": list(r.path) if r else [],
            "path_steps": [{"method": s.method, "via": s.via, "detail": s.detail} for s in r.steps] if r else [],
            "evidence": r.evidence if r and r.path else None}


def finding_json(f: Finding) -> dict[str, Any]:
    """One finding."""
    return {"id": f.id, "rule": f.rule, "clauses": list(f.clauses), "severity": f.severity,
            "evidence_level": f.evidence_level, "title": {"zh": f.title.zh, "en": f.title.en},
            "evidence": [evidence_json(e) for e in f.evidence],
            "advice": {"zh": f.advice.zh, "en": f.advice.en}, "sdk": f.sdk, "data_types": list(f.data_types),
            "manual_check": f.manual_check}


def ruleset_json(r: RulesetInfo | None) -> dict[str, Any] | None:
    """Which rules produced the findings."""
    return None if r is None else {"name": r.name, "version": r.version, "sha256": r.sha256}


SectionValues = Mapping[str, Any]
"""Per section name, the model values the tables hold for it (the same shape ``section_values`` returns)."""

SECTIONS: dict[str, Callable[[Any], Any]] = {
    "permissions": lambda values: [permission_json(p) for p in values],
    "incomplete": lambda values: [incomplete_json(i) for i in values],
    "sdks": lambda values: [sdk_json(d) for d in values],
    "api_calls": lambda values: [api_call_json(c) for c in values],
    "findings": lambda values: [finding_json(f) for f in values],
    "ruleset": ruleset_json,
    "app_type": lambda value: value,
    "policies": lambda values: [p.to_json() for p in values],
}
"""Document sections the tables can rebuild, with the converter from their model values to JSON."""


def section_values(result: ScanResult) -> dict[str, Any]:
    """The model values behind each rebuildable section."""
    return {"permissions": result.facts.manifest.permissions, "incomplete": result.facts.incomplete,
            "sdks": result.sdks, "api_calls": result.api_calls, "findings": result.findings,
            "ruleset": result.ruleset, "app_type": result.app_type, "policies": result.policies}


def pack_rest(document: Mapping[str, Any], values: SectionValues) -> bytes:
    """The document minus the sections the tables rebuild exactly, as compressed JSON."""
    from_tables = sorted(name for name, convert in SECTIONS.items()
                         if name in document and document[name] == convert(values[name]))
    rest = {k: v for k, v in document.items() if k not in from_tables}
    payload = json.dumps({"document": rest, "from_tables": from_tables}, ensure_ascii=False, sort_keys=True)
    return zlib.compress(payload.encode("utf-8"), 6)


@dataclass(frozen=True)
class StoredRest:
    """What ``scan.facts_json`` holds: the document's other sections, and which sections the tables hold."""

    document: dict[str, Any]
    from_tables: tuple[str, ...]


def unpack_rest(blob: bytes) -> StoredRest:
    """Decode ``scan.facts_json``."""
    payload = json.loads(zlib.decompress(blob).decode("utf-8"))
    return StoredRest(payload["document"], tuple(payload["from_tables"]))


def join_document(rest: StoredRest, values: SectionValues) -> dict[str, Any]:
    """The full document: the stored rest plus the sections rebuilt from the tables' model values."""
    document = dict(rest.document)
    for name in rest.from_tables:
        document[name] = SECTIONS[name](values[name])
    return document
