"""The JSON document of a scan: versioned, documented (docs/json-schema.md), deterministic.

The same APK gives byte-identical JSON apart from ``scan.duration_ms``: every list is sorted by the extractor,
keys are sorted, and no absolute path or wall-clock time is written.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from appscan import __version__
from appscan.model import ApiCall, ApkFacts, Component, ScanResult

__all__ = ["SCHEMA_VERSION", "to_document", "render_json"]

SCHEMA_VERSION = "1"


def _plain(value: Any) -> Any:
    """Dataclasses, named tuples and tuples -> JSON-ready dicts and lists."""
    if isinstance(value, Component):
        d = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        d["actions"] = list(value.actions)
        d["categories"] = list(value.categories)
        return d
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return {k: _plain(v) for k, v in zip(value._fields, value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _code(facts: ApkFacts, full: bool) -> dict[str, Any]:
    """Counts always; every class, call site and string constant with ``full``."""
    code = facts.code
    out: dict[str, Any] = {
        "dex": _plain(code.dex),
        # From the per-dex counts, which a result read back from the store keeps (it has no class or call lists).
        "class_count": sum(d.classes for d in code.dex),
        "method_count": sum(d.methods for d in code.dex),
        "call_site_count": sum(d.call_sites for d in code.dex),
    }
    if full:
        out["classes"] = sorted(c.name for c in code.classes)
        out["call_sites"] = [{"caller": s.caller, "callee": s.callee, "kind": s.kind}
                             for s in sorted(code.call_sites)]
        out["strings"] = {k: list(v) for k, v in code.strings.items()}
        out["reflection"] = list(code.reflection)
        out["field_reads"] = [{"caller": s.caller, "field": s.callee} for s in sorted(code.field_reads)]
        out["const_classes"] = {k: list(v) for k, v in code.const_classes.items()}
    return out


def _api_call(call: ApiCall) -> dict[str, Any]:
    """One data-collection call site; reachability fields are null when no call graph was built."""
    reach = call.reach
    return {
        "api_id": call.api_id, "api": call.api, "data_type": call.data_type, "caller": call.caller,
        "sdk": call.sdk, "permission": call.permission, "effect": call.effect, "effect_reason": call.effect_reason,
        "owner_kind": call.owner_kind, "owner": call.owner, "runtime_loaded": call.runtime_loaded,
        "startup_reachable": reach.startup_reachable if reach else None,
        "consent_gated": reach.consent_gated if reach else None,
        "background": reach.background if reach else None,
        "entry": reach.entry if reach else None,
        "entry_kind": reach.entry_kind if reach else None,
        "path": list(reach.path) if reach else [],
        "path_steps": [{"method": s.method, "via": s.via, "detail": s.detail} for s in reach.steps] if reach else [],
        "evidence": reach.evidence if reach and reach.path else None,
    }


def to_document(result: ScanResult, full: bool = False) -> dict[str, Any]:
    """The JSON document (as Python objects) of one scan."""
    facts = result.facts
    res = facts.resources
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "scan": {"tool": "appscan", "tool_version": __version__, "source": facts.source,
                 "duration_ms": round(result.duration_s * 1000), "reused": result.reused},
        "files": _plain(facts.files),
        "app": _plain(facts.app),
        "signing": _plain(facts.signing),
        "permissions": _plain(facts.manifest.permissions),
        "defined_permissions": _plain(facts.manifest.defined_permissions),
        "components": [{**_plain(c), "alias_of": c.target_activity} for c in facts.manifest.components],
        "meta_data": _plain(facts.manifest.meta_data),
        "queries": _plain(facts.manifest.queries),
        "native_libs": _plain(facts.native_libs),
        "code": _code(facts, full),
        "resources": {
            "assets": list(res.assets), "raw": list(res.raw), "nested": _plain(res.nested),
            "locales": list(res.locales), "urls": list(res.urls),
            "string_count": len(res.strings) if res.string_count is None else res.string_count,
            "domains": list(res.domains), "ips": list(res.ips),
        },
        "incomplete": _plain(facts.incomplete),
        "anomalies": _plain(facts.anomalies),
        "ruleset": _plain(result.ruleset),
        "app_type": result.app_type,
        "sdks": _plain(result.sdks),
        "api_calls": [_api_call(c) for c in result.api_calls],
        "findings": _plain(result.findings),
        "verdict": _plain(result.verdict),
        "app_namespaces": _plain(result.app_namespaces),
        "libraries": _plain(result.libraries),
        "unidentified_code": _plain(result.unidentified),
        "secrets": _plain(result.secrets),
        "endpoints": _plain(result.endpoints),
        "policies": [p.to_json() for p in result.policies],
        "policy_urls": list(result.policy_urls),
    }
    if full:
        doc["resources"]["strings"] = list(res.strings)
        doc["resources"]["layout_texts"] = list(res.layout_texts)
    return doc


def render_json(result: ScanResult, full: bool = False) -> str:
    """Serialise one scan deterministically (sorted keys, UTF-8 text, two-space indent)."""
    return json.dumps(to_document(result, full), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
