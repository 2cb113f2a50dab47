"""A ``ScanResult`` rebuilt from the scan JSON document, so stored scans render like fresh ones.

``appscan report SCAN_ID`` reads the document the store kept (docs/json-schema.md) and every renderer takes a
``ScanResult``. The document of a scan without ``--full`` has code counts only, so the rebuilt facts carry the
per-dex counts and no class, call-site or string lists; no report reads those.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
import types
from collections.abc import Mapping
from typing import Any, Union, get_args, get_origin

from appscan.errors import ReportError
from appscan.model import (
    ApiCall,
    ApkFacts,
    AppNamespace,
    Endpoint,
    Finding,
    LibraryUse,
    PathStep,
    Reach,
    RulesetInfo,
    ScanResult,
    SdkDetection,
    SecretHit,
    UnidentifiedCode,
    Verdict,
)
from appscan.policy import PolicyDocument

__all__ = ["result_from_document"]


def _build(tp: Any, data: Any) -> Any:
    """``data`` (plain JSON values) as an instance of the annotated type ``tp`` (dataclasses, tuples, unions)."""
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        if data is None:
            return None
        return _build(next(a for a in get_args(tp) if a is not type(None)), data)
    if origin is tuple:
        return tuple(_build(get_args(tp)[0], item) for item in data or ())
    if dataclasses.is_dataclass(tp):
        return tp(**{f.name: _build(_field_type(tp, f.name), data[f.name]) for f in dataclasses.fields(tp)
                     if f.init and f.name in data})
    return data


@functools.cache
def _field_type(tp: type, name: str) -> Any:
    """The resolved annotation of one field. Fields are resolved one by one because some annotations name types
    only imported for type checking (``CodeFacts.flows``), which no document holds and ``get_type_hints``
    cannot resolve."""
    annotation = next(f.type for f in dataclasses.fields(tp) if f.name == name)
    if isinstance(annotation, str):
        annotation = eval(annotation, vars(sys.modules[tp.__module__]))  # noqa: S307 - our own model's source
    return annotation


def _api_call(d: Mapping[str, Any]) -> ApiCall:
    """The flattened reachability fields of the document back into a ``Reach`` (None when not computed)."""
    reach = None if d.get("startup_reachable") is None else Reach(
        d["startup_reachable"], bool(d["consent_gated"]), bool(d["background"]), d.get("entry"), d.get("entry_kind"),
        tuple(d.get("path") or ()),
        tuple(PathStep(s["method"], s["via"], s["detail"]) for s in d.get("path_steps") or ()),
        d.get("evidence") or "definite")
    return ApiCall(d["api_id"], d["api"], d["data_type"], d["caller"], d.get("sdk"), d.get("permission"), reach,
                   effect=d.get("effect", "collection"), effect_reason=d.get("effect_reason"),
                   owner_kind=d.get("owner_kind", ""), owner=d.get("owner"), runtime_loaded=d.get("runtime_loaded"))


def _facts(doc: Mapping[str, Any]) -> ApkFacts:
    """The facts part; lists the document leaves out without ``--full`` come back empty."""
    code = doc["code"]
    return _build(ApkFacts, {
        "source": doc["scan"]["source"], "files": doc["files"], "app": doc["app"], "signing": doc["signing"],
        "manifest": {k: doc[k] for k in ("permissions", "defined_permissions", "components", "meta_data",
                                         "queries")},
        "native_libs": doc["native_libs"],
        "code": {"dex": code["dex"], "classes": [], "call_sites": [], "strings": {},
                 "reflection": code.get("reflection", [])},
        "resources": {"strings": [], "layout_texts": [], **doc["resources"]},
        "incomplete": doc["incomplete"], "anomalies": doc.get("anomalies", []),
    })


def result_from_document(doc: Mapping[str, Any]) -> ScanResult:
    """The ``ScanResult`` a scan document describes; a document of another schema version is refused."""
    if doc.get("schema_version") != "1":
        raise ReportError(f"cannot render a scan document of schema version {doc.get('schema_version')!r}")
    try:
        return ScanResult(
            facts=_facts(doc), duration_s=doc["scan"]["duration_ms"] / 1000,
            sdks=tuple(_build(SdkDetection, s) for s in doc.get("sdks") or ()),
            api_calls=tuple(_api_call(c) for c in doc.get("api_calls") or ()),
            findings=tuple(_build(Finding, f) for f in doc.get("findings") or ()),
            ruleset=_build(RulesetInfo | None, doc.get("ruleset")), app_type=doc.get("app_type"),
            verdict=_build(Verdict | None, doc.get("verdict")),
            app_namespaces=tuple(_build(AppNamespace, n) for n in doc.get("app_namespaces") or ()),
            libraries=tuple(_build(LibraryUse, lib) for lib in doc.get("libraries") or ()),
            unidentified=tuple(_build(UnidentifiedCode, u) for u in doc.get("unidentified_code") or ()),
            secrets=tuple(_build(SecretHit, h) for h in doc.get("secrets") or ()),
            endpoints=tuple(_build(Endpoint, e) for e in doc.get("endpoints") or ()),
            policies=tuple(_build(PolicyDocument, p) for p in doc.get("policies") or ()),
            policy_urls=tuple(doc.get("policy_urls") or ()))
    except (KeyError, TypeError) as exc:
        raise ReportError(f"the stored scan document is incomplete ({type(exc).__name__}: {exc})") from exc
