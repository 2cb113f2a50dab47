"""What changed between two scan documents: permissions, SDKs (and their versions), data-collection calls and
what they collect, findings, and what the privacy policies say.

Works on the JSON documents, so it compares two fresh APK scans, two stored scans, or one of each the same way.
Items are matched on what identifies them across versions: permission name, SDK id, (API rule, callee, caller,
data type) for a call, and the stable finding id for a finding. The policy sections compare the union of a
version's policies (a version with a policy and an SDK list page declares what either of them declares): policy
files by sha256, declared and denied data types by id (with the first sentence that says it), named SDKs by
catalogue id or, when the name resolves to none, by name, and required sections by name and value (present when
true; ``updated`` by its date, so a new date is one added and one removed item).

Call sites are named by their caller, which an obfuscator renames from one build to the next, so ``api_calls``
alone is noise to a reviewer; the summary sections compare what is collected and by whom instead: data types
newly collected or no longer collected (by anyone), and collectors (app, SDK, library, unidentified code) that
started or stopped collecting a type, each with its count of call sites. An SDK in both versions whose detected
version changed is one removed and one added item of ``sdk_versions``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from appscan.model import COLLECTING_EFFECTS

__all__ = ["DIFF_SECTIONS", "POLICY_DIFF_SECTIONS", "SUMMARY_DIFF_SECTIONS", "diff_documents"]

Key = Callable[[Mapping[str, Any]], Any]
Items = Callable[[Mapping[str, Any]], Iterable[Mapping[str, Any]]]

DIFF_SECTIONS: dict[str, tuple[Key, tuple[str, ...]]] = {
    "permissions": (lambda p: p["name"], ("name", "protection_level")),
    "sdks": (lambda s: s["id"], ("id", "name", "vendor", "category", "version")),
    "api_calls": (lambda c: (c["api_id"], c["api"], c["caller"], c["data_type"]),
                  ("data_type", "api_id", "api", "caller", "sdk")),
    "findings": (lambda f: f["id"], ("id", "rule", "severity", "title")),
}
"""Per compared section: the identity of an item, and the fields the diff reports for it."""


def _policies(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The document's policies (a document written before policies were read has none)."""
    return list(document.get("policies") or ())


def _statements(document: Mapping[str, Any], kind: str) -> Iterable[Mapping[str, Any]]:
    """Every ``declared`` or ``denied`` entry of the document's policies, with the policy it comes from."""
    return ({**entry, "source": p["source"]} for p in _policies(document) for entry in p[kind])


POLICY_DIFF_SECTIONS: dict[str, tuple[Items, Key, tuple[str, ...]]] = {
    "policies": (_policies, lambda p: p["sha256"], ("source", "sha256", "language", "format")),
    "policy_data_types": (lambda doc: _statements(doc, "declared"), lambda d: d["data_type"],
                          ("data_type", "sentence", "source")),
    "policy_denied": (lambda doc: _statements(doc, "denied"), lambda d: d["data_type"],
                      ("data_type", "sentence", "source")),
    "policy_sdks": (lambda doc: ({**s, "source": p["source"]} for p in _policies(doc) for s in p["sdks"]),
                    lambda s: s["sdk"] or s["name"].casefold(), ("name", "sdk", "company", "source")),
    "policy_sections": (lambda doc: ({"section": name, "value": value} for p in _policies(doc)
                                     for name, value in p["sections"].items() if value),
                        lambda s: (s["section"], str(s["value"])), ("section", "value")),
}
"""Per policy section of the diff: how to list its items from a document, their identity, the fields reported.
Sections are derived from ``policies[]`` (docs/json-schema.md)."""


def _collecting(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The document's calls that count as collection (``ApiCall.collects``; a document written before effects
    existed counts every call), each with its owner (derived from ``sdk`` before owners existed)."""
    return [{**c, "owner_kind": c.get("owner_kind") or ("sdk" if c["sdk"] else "app"),
             "owner": c.get("owner") if c.get("owner_kind") else c["sdk"]}
            for c in document.get("api_calls") or () if c.get("effect", "collection") in COLLECTING_EFFECTS]


def _collectors(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One item per (data type, owner kind, owner) that collects, with its number of call sites, sorted."""
    counts = Counter((c["data_type"], c["owner_kind"], c["owner"]) for c in _collecting(document))
    return [{"data_type": t, "owner_kind": k, "owner": o, "calls": n}
            for (t, k, o), n in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or ""))]


def _data_types(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One item per collected data type, with its collectors (``_collectors`` items without the type) and total
    call sites."""
    out: dict[str, dict[str, Any]] = {}
    for item in _collectors(document):
        entry = out.setdefault(item["data_type"], {"data_type": item["data_type"], "calls": 0, "collectors": []})
        entry["calls"] += item["calls"]
        entry["collectors"].append({k: item[k] for k in ("owner_kind", "owner", "calls")})
    return list(out.values())


def _versioned_sdks(document: Mapping[str, Any], other: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The document's SDKs that the other document has too: their version changes are not SDKs added or removed."""
    both = {s["id"] for s in other.get("sdks") or ()}
    return [s for s in document.get("sdks") or () if s["id"] in both]


SUMMARY_DIFF_SECTIONS: dict[str, tuple[Callable[[Mapping[str, Any], Mapping[str, Any]], Iterable[Mapping[str, Any]]],
                                       Key, tuple[str, ...]]] = {
    "sdk_versions": (_versioned_sdks, lambda s: (s["id"], s.get("version") or ""), ("id", "name", "version")),
    "data_types": (lambda doc, _: _data_types(doc), lambda d: d["data_type"], ("data_type", "calls", "collectors")),
    "collectors": (lambda doc, _: _collectors(doc), lambda c: (c["data_type"], c["owner_kind"], c["owner"] or ""),
                   ("data_type", "owner_kind", "owner", "calls")),
}
"""Per summary section: its items in a document (given the other document), their identity, the fields reported.
Derived from ``sdks`` and ``api_calls``, so reviewers see changes by SDK and data type rather than by call site."""


def _index(items: Iterable[Mapping[str, Any]], key: Key) -> dict[Any, Mapping[str, Any]]:
    """Items by identity; the first item of each identity stands for it (a type's first declaring sentence)."""
    out: dict[Any, Mapping[str, Any]] = {}
    for item in items:
        out.setdefault(key(item), item)
    return out


def _changes(old: Iterable[Mapping[str, Any]], new: Iterable[Mapping[str, Any]], key: Key,
             fields: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
    """``{"added": [...], "removed": [...]}`` between two item lists, each sorted by identity."""
    before, after = _index(old, key), _index(new, key)
    return {"added": [{f: after[k].get(f) for f in fields} for k in sorted(after.keys() - before.keys())],
            "removed": [{f: before[k].get(f) for f in fields} for k in sorted(before.keys() - after.keys())]}


def diff_documents(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """``{"old": {...}, "new": {...}, section: {"added": [...], "removed": [...]}}`` for the sections of
    ``DIFF_SECTIONS``, ``POLICY_DIFF_SECTIONS`` and ``SUMMARY_DIFF_SECTIONS``, lists sorted by identity."""
    out: dict[str, Any] = {side: {"package": doc["app"]["package"], "version_code": doc["app"]["version_code"],
                                  "version_name": doc["app"]["version_name"], "sha256": doc["app"]["sha256"]}
                           for side, doc in (("old", old), ("new", new))}
    for section, (key, fields) in DIFF_SECTIONS.items():
        out[section] = _changes(old.get(section) or (), new.get(section) or (), key, fields)
    for section, (items, key, fields) in POLICY_DIFF_SECTIONS.items():
        out[section] = _changes(items(old), items(new), key, fields)
    for section, (pairs, key, fields) in SUMMARY_DIFF_SECTIONS.items():
        out[section] = _changes(pairs(old, new), pairs(new, old), key, fields)
    return out
