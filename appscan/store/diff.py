"""What changed between two scan documents: permissions, SDKs, data-collection calls and findings.

Works on the JSON documents, so it compares two fresh APK scans, two stored scans, or one of each the same way.
Items are matched on what identifies them across versions: permission name, SDK id, (API rule, callee, caller,
data type) for a call, and the stable finding id for a finding.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["DIFF_SECTIONS", "diff_documents"]

Key = Callable[[Mapping[str, Any]], Any]

DIFF_SECTIONS: dict[str, tuple[Key, tuple[str, ...]]] = {
    "permissions": (lambda p: p["name"], ("name", "protection_level")),
    "sdks": (lambda s: s["id"], ("id", "name", "vendor", "category")),
    "api_calls": (lambda c: (c["api_id"], c["api"], c["caller"], c["data_type"]),
                  ("data_type", "api_id", "api", "caller", "sdk")),
    "findings": (lambda f: f["id"], ("id", "rule", "severity", "title")),
}
"""Per compared section: the identity of an item, and the fields the diff reports for it."""


def _index(document: Mapping[str, Any], section: str, key: Key) -> dict[Any, Mapping[str, Any]]:
    """The section's items by identity (a document written before the section existed has none)."""
    return {key(item): item for item in document.get(section) or ()}


def diff_documents(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """``{"old": {...}, "new": {...}, section: {"added": [...], "removed": [...]}}``, lists sorted by identity."""
    out: dict[str, Any] = {side: {"package": doc["app"]["package"], "version_code": doc["app"]["version_code"],
                                  "version_name": doc["app"]["version_name"], "sha256": doc["app"]["sha256"]}
                           for side, doc in (("old", old), ("new", new))}
    for section, (key, fields) in DIFF_SECTIONS.items():
        before, after = _index(old, section, key), _index(new, section, key)
        out[section] = {
            "added": [{f: after[k].get(f) for f in fields} for k in sorted(after.keys() - before.keys())],
            "removed": [{f: before[k].get(f) for f in fields} for k in sorted(before.keys() - after.keys())],
        }
    return out
