"""Load the bundled ruleset plus an organisation's own rule directories, validated, all or nothing.

Each YAML file says what it holds (``kind: sdks``, ``kind: apis``...) and lists ``entries``. Loading goes file by
file: YAML syntax, the file envelope, then every entry against the JSON schema of its kind; then ids must be unique
within a directory and every reference (data type, clause, API, permission, SDK) must resolve in the merged
result. The first problem raises ``RuleLoadError`` naming the file, the entry and the problem in one line, and
nothing is returned, so a broken ruleset is never half-loaded.

Layers: the bundled directory comes first; each extra directory (or single file) is a later layer whose entries
add to it, and an entry whose id already exists replaces the earlier one whole. The result is cached per process
and per list of directories, since scans of many APKs share one ruleset.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jsonschema
import yaml
from jsonschema.exceptions import ValidationError, best_match

import appscan
from appscan.cache import user_cache_dir
from appscan.model import Text
from appscan.policy.terms import PolicyTerms, normalise_sdk_name
from appscan.rules.catalog import (
    AppType,
    Clause,
    DataType,
    DormantCode,
    Fingerprint,
    FindingRule,
    HostRegion,
    Library,
    PermissionRule,
    PolicyTerm,
    ReflectionHint,
    Ruleset,
    Sdk,
    SdkSignals,
    SecretPattern,
    SensitiveApi,
    VersionHint,
)
from appscan.rules.errors import RuleLoadError, display_path, entry_error, file_error

__all__ = ["bundled_dir", "load_layers", "load_rulesets"]

_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SCHEMA_DIR = Path(__file__).parent / "schema"
_ENTRY_SCHEMAS = {
    "sdks": "sdk.json", "apis": "api.json", "permissions": "permission.json", "clauses": "clause.json",
    "app_types": "app_type.json", "data_types": "data_type.json", "rules": "rule.json", "libraries": "library.json",
    "fingerprints": "fingerprint.json", "secrets": "secret.json", "regions": "region.json",
    "policy_terms": "policy_term.json",
}
_MANIFEST = "ruleset"
_LABELS = {
    "sdks": "SDK", "apis": "API", "permissions": "permission", "clauses": "clause", "app_types": "app type",
    "data_types": "data type", "rules": "finding rule", "libraries": "library", "fingerprints": "fingerprint",
    "secrets": "secret pattern", "regions": "host region", "policy_terms": "policy term",
}
_REFERENCES: dict[str, tuple[tuple[str, str], ...]] = {
    "sdks": (("data_collected", "data_types"), ("within", "sdks"), ("component_of", "sdks")),
    "apis": (("data_type", "data_types"), ("clauses", "clauses")),
    "permissions": (("data_types", "data_types"), ("apis", "apis"), ("clauses", "clauses")),
    "app_types": (("necessary_data", "data_types"), ("necessary_permissions", "permissions")),
    "rules": (("clauses", "clauses"),),
    "fingerprints": (("id", "sdks"),),
    "libraries": (("carved_from", "sdks"),),
    "policy_terms": (("data_type", "data_types"), ("sdk", "sdks"), ("covers", "data_types"),
                     ("covers_generically", "data_types")),
}
"""kind -> (field, kind its values must be ids of)."""


@dataclass(frozen=True, slots=True)
class _Raw:
    """One validated entry as read, with where it came from (for error messages)."""

    key: str
    data: dict[str, Any]
    path: Path
    index: int


def bundled_dir() -> Path:
    """The ruleset shipped with appscan: ``rulesets/`` next to the package, or the copy a wheel installs."""
    candidates = (Path(appscan.__file__).resolve().parent.parent / "rulesets",
                  Path(sys.prefix) / "share" / "appscan" / "rulesets")
    for candidate in candidates:
        if (candidate / "ruleset.yaml").is_file():
            return candidate
    raise RuleLoadError("bundled ruleset not found in " + " or ".join(str(c) for c in candidates))


def load_rulesets(extra_dirs: Iterable[Path] = ()) -> Ruleset:
    """The bundled ruleset with ``extra_dirs`` layered on top, loaded once per process for each list of dirs."""
    return _load_cached(tuple(Path(d).resolve() for d in extra_dirs))


@functools.lru_cache(maxsize=16)
def _load_cached(extra_dirs: tuple[Path, ...]) -> Ruleset:
    return load_layers((bundled_dir(), *extra_dirs))


def load_layers(layers: Sequence[Path]) -> Ruleset:
    """Load ``layers`` (directories or single files) in order, uncached; the first must hold the manifest."""
    digest = hashlib.sha256()
    merged: dict[str, dict[str, _Raw]] = {kind: {} for kind in _ENTRY_SCHEMAS}
    manifests: list[dict[str, Any]] = []
    sizes: list[int] = []
    for position, layer in enumerate(layers):
        layer_entries: dict[str, dict[str, _Raw]] = {kind: {} for kind in _ENTRY_SCHEMAS}
        layer_manifest = None
        for path in _layer_files(layer):
            data = path.read_bytes()
            digest.update(f"{position}:{_relative(path, layer)}\0".encode() + data + b"\0")
            document = _cache_get(data)
            fresh = document is None
            if document is None:
                document = _parse(path, data)
            folder = path.parent.name if path.parent != layer else None
            if folder in _ENTRY_SCHEMAS and document["kind"] != folder:
                raise file_error(path, f"kind '{document['kind']}' in the {folder}/ directory")
            if document["kind"] == _MANIFEST:
                if layer_manifest is not None:
                    raise file_error(path, f"second manifest in {display_path(layer)} "
                                           f"(first: {display_path(layer_manifest[1])})")
                layer_manifest = (document, path)
                continue
            _add_entries(document, path, layer_entries[document["kind"]], validate=fresh)
            if fresh:
                _cache_put(data, document)
        if layer_manifest is None and position == 0:
            raise file_error(layer, "no manifest (a file with 'kind: ruleset', normally ruleset.yaml)")
        if layer_manifest is not None:
            manifests.append(layer_manifest[0])
        for kind, entries in layer_entries.items():
            merged[kind].update(entries)
        sizes.append(sum(len(entries) for entries in layer_entries.values()))
    _check_references(merged)
    personal = _personal_types(merged)
    _check_api_roles(merged, personal)
    _check_rule_summaries(merged)
    _check_secret_patterns(merged)
    builders = {**_BUILDERS, "apis": functools.partial(_api, personal=personal)}
    base = manifests[0]
    kinds = {kind: tuple(builders[kind](raw.data)
                         for _, raw in (entries.items() if kind == "rules" else sorted(entries.items())))
             for kind, entries in merged.items()}
    return Ruleset(
        name=base["name"], version=base["version"], sha256=digest.hexdigest(),
        layers=tuple(display_path(layer) for layer in layers), layer_sizes=tuple(sizes),
        policy=_policy_vocabulary(kinds["policy_terms"], kinds["sdks"]), **kinds,
    )


def _layer_files(layer: Path) -> list[Path]:
    """The YAML files of a layer, sorted so that loading (and the hash) does not depend on the file system.

    A directory contributes its top-level files and those of subdirectories named after a kind (``sdks/``...);
    other subdirectories (``platform/``, read by ``appscan.platform``) are not rules and are left alone.
    """
    if layer.is_file():
        return [layer]
    if not layer.is_dir():
        raise file_error(layer, "no such file or directory")
    files = sorted(p for p in layer.iterdir() if _is_yaml(p))
    for kind in sorted(_ENTRY_SCHEMAS):
        if (layer / kind).is_dir():
            files.extend(sorted(p for p in (layer / kind).rglob("*") if _is_yaml(p)))
    if not files:
        raise file_error(layer, "no .yaml files in this directory")
    return files


def _is_yaml(path: Path) -> bool:
    return path.suffix in (".yaml", ".yml") and path.is_file()


def _relative(path: Path, layer: Path) -> str:
    return path.name if path == layer else path.relative_to(layer).as_posix()


def _parse(path: Path, data: bytes) -> dict[str, Any]:
    """One file's document, syntax and envelope checked (the manifest is checked whole here too)."""
    try:
        document = yaml.load(data, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise file_error(path, f"{where}invalid YAML: {problem}") from exc
    error = _first_error("file.json", document)
    if error is None and document["kind"] == _MANIFEST:
        error = _first_error("manifest.json", document)
    if error is not None:
        raise file_error(path, error)
    return document  # type: ignore[no-any-return]


def _cache_dir() -> Path:
    """Where validated ruleset files are cached (``$XDG_CACHE_HOME/appscan/rules``)."""
    return user_cache_dir("rules")


@functools.cache
def _schemas_digest() -> str:
    """Hash of the JSON schemas: a cached file is only trusted under the schemas that validated it."""
    digest = hashlib.sha256()
    for schema in sorted(_SCHEMA_DIR.glob("*.json")):
        digest.update(schema.name.encode() + b"\0" + schema.read_bytes())
    return digest.hexdigest()[:16]


def _cache_key(data: bytes) -> Path:
    return _cache_dir() / f"{_schemas_digest()}-{hashlib.sha256(data).hexdigest()}.json"


def _cache_get(data: bytes) -> dict[str, Any] | None:
    """A ruleset file already parsed and validated by an earlier process (YAML parsing and schema validation
    of the whole bundle cost most of a second, paid by every scan process otherwise); None on a miss."""
    try:
        return json.loads(_cache_key(data).read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    except (OSError, ValueError):
        return None


def _cache_put(data: bytes, document: dict[str, Any]) -> None:
    """Remember a file whose every entry validated (best effort: a read-only home just means no cache)."""
    target = _cache_key(data)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(document, ensure_ascii=False, default=str), encoding="utf-8")
        tmp.replace(target)
    except (OSError, TypeError, ValueError):
        return


def _add_entries(document: dict[str, Any], path: Path, into: dict[str, _Raw], validate: bool = True) -> None:
    """Validate each entry of a file and add it to its layer, refusing an id already used in the same layer.

    ``validate`` is False only for a file whose exact bytes were validated before (see ``_cache_get``).
    """
    schema = _ENTRY_SCHEMAS[document["kind"]]
    for index, entry in enumerate(document["entries"], start=1):
        key = _entry_key(entry)
        error = _first_error(schema, entry) if validate else None
        if error is not None:
            raise entry_error(path, index, key, error)
        assert key is not None  # the schema requires the id
        if key in into:
            first = into[key]
            raise entry_error(path, index, key, f"duplicate id (first defined in {display_path(first.path)} "
                                                f"entry #{first.index})")
        into[key] = _Raw(key, entry, path, index)


def _entry_key(entry: object) -> str | None:
    """An entry's id (``name`` for permissions), or None when it has none usable."""
    if isinstance(entry, dict):
        key = entry["id"] if "id" in entry else entry.get("name")
        return key if isinstance(key, str) else None
    return None


def _check_references(merged: dict[str, dict[str, _Raw]]) -> None:
    """Every id an entry refers to must exist in the merged ruleset."""
    for kind, fields in _REFERENCES.items():
        for raw in merged[kind].values():
            for field_name, target in fields:
                value = raw.data.get(field_name)
                for ref in ([value] if isinstance(value, str) else value or ()):
                    if ref not in merged[target] or (target == kind and ref == raw.key):
                        raise entry_error(raw.path, raw.index, raw.key,
                                          f"{field_name} '{ref}' is not a known {_LABELS[target]}")


def _personal_types(merged: dict[str, dict[str, _Raw]]) -> dict[str, bool]:
    """Data type id -> whether it is personal data (the default role of the APIs that name it)."""
    return {key: bool(raw.data.get("personal", True)) for key, raw in merged["data_types"].items()}


_API_CONDITIONS = ("permission_any", "package_argument", "intent_argument", "selection_argument", "own_process",
                   "one_entry", "read_by_any", "proxy_apns", "throws_without_permission")
"""Conditions that decide what a collection call yields; on a behaviour they would mean nothing."""


def _check_secret_patterns(merged: dict[str, dict[str, _Raw]]) -> None:
    """Every regular expression of a secret pattern compiles (the schema can only say it is a string)."""
    for raw in merged["secrets"].values():
        for key in ("value", "key"):
            if key in raw.data:
                try:
                    re.compile(raw.data[key])
                except re.error as exc:
                    raise entry_error(raw.path, raw.index, raw.key,
                                      f"{key} is not a valid regular expression ({exc})") from exc


def _check_rule_summaries(merged: dict[str, dict[str, _Raw]]) -> None:
    """A rule whose title has placeholders carries a ``summary`` without them: SARIF and rule lists describe the
    rule as a whole, where no single finding's subject fills them."""
    for raw in merged["rules"].values():
        title = raw.data["title"]
        if any("{" in text for text in title.values()) and "summary" not in raw.data:
            raise entry_error(raw.path, raw.index, raw.key, "a title with {placeholders} needs a 'summary' without them")
        summary = raw.data.get("summary") or {}
        if any("{" in text for text in summary.values()):
            raise entry_error(raw.path, raw.index, raw.key, "'summary' must have no {placeholders}")


def _check_api_roles(merged: dict[str, dict[str, _Raw]], personal: dict[str, bool]) -> None:
    """The collection / behaviour split holds: only a personal data type can be collected, every collection API
    cites a 191号 clause (it is counted under them), and effect conditions sit on collection APIs only."""
    for raw in merged["apis"].values():
        data_type = raw.data["data_type"]
        role = raw.data.get("role") or ("collection" if personal[data_type] else "behaviour")
        conditions = raw.data.get("conditions") or {}
        problem = None
        if role == "collection" and not personal[data_type]:
            problem = f"role 'collection' needs a personal data type ('{data_type}' is not personal data)"
        elif role == "collection" and not any(c.startswith("C191-") for c in raw.data["clauses"]):
            problem = "a collection API must cite at least one 191号 clause (C191-...)"
        elif role == "behaviour" and any(k in conditions for k in _API_CONDITIONS):
            names = ", ".join(k for k in _API_CONDITIONS if k in conditions)
            problem = f"conditions.{names} only apply to role 'collection'"
        if problem is not None:
            raise entry_error(raw.path, raw.index, raw.key, problem)


@functools.cache
def _validator(schema_name: str) -> jsonschema.Draft202012Validator:
    """The compiled validator of one schema file (built once per process: there are thousands of entries)."""
    schema = json.loads((_SCHEMA_DIR / schema_name).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _first_error(schema_name: str, instance: object) -> str | None:
    """The most relevant schema violation as ``where: what``, or None when the instance is valid."""
    validator = _validator(schema_name)
    if validator.is_valid(instance):
        return None
    error: ValidationError | None = best_match(validator.iter_errors(instance))
    if error is None:
        return None
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
    return f"{where}: {error.message}" if where else error.message


def _text(value: dict[str, str]) -> Text:
    return Text(value["zh"], value["en"])


def _tuple(data: dict[str, Any], key: str) -> tuple[Any, ...]:
    return tuple(data.get(key) or ())


def _regex(data: dict[str, Any], key: str) -> re.Pattern[str] | None:
    """The entry's regular expression under ``key`` compiled (``key`` patterns case-insensitive), None without;
    ``_check_secret_patterns`` has made sure it compiles."""
    text = data.get(key)
    return None if text is None else re.compile(text, re.IGNORECASE if key == "key" else 0)


def _sdk(d: dict[str, Any]) -> Sdk:
    signals = d["signals"]
    return Sdk(
        id=d["id"], name=d["name"], vendor=d["vendor"], region=d["region"], category=d["category"],
        signals=SdkSignals(*(_tuple(signals, k) for k in ("packages", "components", "native_libs", "assets",
                                                          "meta_data"))),
        data_collected=_tuple(d, "data_collected"), sources=_tuple(d, "sources"), name_zh=d.get("name_zh"),
        within=d.get("within"), component_of=_tuple(d, "component_of"), version=tuple(VersionHint(v["kind"], v["name"]) for v in d.get("version", ())),
        consent_apis=_tuple(d, "consent_apis"), init_apis=_tuple(d, "init_apis"),
        company=_text(d["company"]) if "company" in d else None,
        purpose=_text(d["purpose"]) if "purpose" in d else None, privacy_policy=d.get("privacy_policy"),
    )


def _api(d: dict[str, Any], personal: dict[str, bool]) -> SensitiveApi:
    conditions = d.get("conditions") or {}
    return SensitiveApi(
        id=d["id"], callee=d["callee"], data_type=d["data_type"], permission=d["permission"],
        clauses=_tuple(d, "clauses"), sources=_tuple(d, "sources"), kind=d.get("kind", "method"),
        string_any=_tuple(conditions, "string_any"),
        reflection=tuple(ReflectionHint(r["class"], r["member"], _tuple(r, "string_any"))
                         for r in d.get("reflection", ())),
        note=d.get("note", ""),
        role=d.get("role") or ("collection" if personal[d["data_type"]] else "behaviour"),
        calls_any=_tuple(conditions, "calls_any"), permission_any=_tuple(conditions, "permission_any"),
        package_argument=conditions.get("package_argument"), intent_argument=conditions.get("intent_argument"),
        selection_argument=conditions.get("selection_argument"),
        own_process=bool(conditions.get("own_process")), one_entry=bool(conditions.get("one_entry")),
        read_by_any=_tuple(conditions, "read_by_any"), proxy_apns=_tuple(conditions, "proxy_apns"),
        throws_without_permission=bool(conditions.get("throws_without_permission")),
    )


def _policy_vocabulary(entries: tuple[PolicyTerm, ...], sdks: tuple[Sdk, ...]) -> PolicyTerms:
    """The policy vocabulary: synonyms and cues as listed, and the SDK name map.

    Names come from the catalogue (each SDK's names, the parts of a name such as ``Tencent Ads (GDT / YLH)``, its
    company) and from the ``sdk`` aliases; a catalogue name that several SDKs share (a company with many SDKs, a
    part such as "retired") names none of them, and an alias always wins.
    """
    synonyms: dict[str, list[str]] = {}
    cues: dict[str, list[str]] = {}
    aliases: dict[str, str] = {}
    for entry in entries:
        if entry.data_type is not None:
            synonyms.setdefault(entry.data_type, []).extend(entry.terms)
        elif entry.cue is not None:
            cues.setdefault(entry.cue, []).extend(entry.terms)
        elif entry.sdk is not None:
            aliases.update((normalise_sdk_name(term), entry.sdk) for term in entry.terms)
    owners: dict[str, set[str]] = {}
    for sdk in sdks:
        names = [sdk.name, sdk.name_zh or ""]
        parts = [part for name in names for part in re.split(r"\s*[/()（）]\s*", name)]
        companies = [sdk.company.zh, sdk.company.en] if sdk.company else []
        for name in {normalise_sdk_name(n) for n in (*names, *parts, *companies)} - {""}:
            owners.setdefault(name, set()).add(sdk.id)
    catalogue = {name: next(iter(ids)) for name, ids in owners.items() if len(ids) == 1 and len(name) >= 2}
    return PolicyTerms(data_types={k: tuple(v) for k, v in synonyms.items()},
                       not_within=tuple(sorted({m for e in entries for m in e.not_within})),
                       cues={k: tuple(v) for k, v in cues.items()}, sdk_names={**catalogue, **aliases},
                       covers={e.data_type: e.covers for e in entries if e.data_type and e.covers},
                       covers_generically={e.data_type: e.covers_generically for e in entries
                                           if e.data_type and e.covers_generically})


_BUILDERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "sdks": _sdk,
    "libraries": lambda d: Library(d["id"], d["name"], d["origin"], d["category"], d["maintainer"],
                                   _tuple(d, "packages"), _tuple(d, "sources"), d.get("name_zh"), d.get("license"),
                                   d.get("note", ""), d.get("carved_from"),
                                   tuple(DormantCode(_tuple(x, "callers"), _tuple(x, "unless_called"), x["reason"])
                                         for x in d.get("dormant", ()))),
    "permissions": lambda d: PermissionRule(d["name"], d["kind"], _tuple(d, "data_types"), _tuple(d, "apis"),
                                            _tuple(d, "clauses"), _text(d["description"])),
    "clauses": lambda d: Clause(d["id"], _text(d["source"]), _text(d["title"]), _text(d["advice"]), d["severity"]),
    "app_types": lambda d: AppType(d["id"], _text(d["name"]), d["basic_function"], _tuple(d, "necessary_data"),
                                   _tuple(d, "necessary_permissions"), d.get("note", "")),
    "rules": lambda d: FindingRule(d["id"], d["check"], d["severity"], d["evidence_level"], _tuple(d, "clauses"),
                                   _text(d["title"]), _text(d["advice"]),
                                   MappingProxyType(dict(d.get("params") or {})),
                                   _text(d["summary"]) if "summary" in d else None),
    "secrets": lambda d: SecretPattern(d["id"], d["name"], d["kind"], _regex(d, "value"), _regex(d, "key"),
                                       d.get("min_entropy"), _tuple(d, "sources"), _tuple(d, "literals")),
    "policy_terms": lambda d: PolicyTerm(d["id"], _tuple(d, "terms"), d.get("data_type"), d.get("cue"), d.get("sdk"),
                                         _tuple(d, "not_within"), _tuple(d, "covers"),
                                         _tuple(d, "covers_generically")),
    "regions": lambda d: HostRegion(d["id"], d["operator"], d["region"], _tuple(d, "domains"), _tuple(d, "sources")),
    "fingerprints": lambda d: Fingerprint(d["id"], _tuple(d, "learned_from"),
                                          MappingProxyType({k: tuple(v) for k, v in d["features"].items()})),
    "data_types": lambda d: DataType(d["id"], _text(d["name"]), d["group"], d["sensitive"], d.get("personal", True),
                                     d.get("description", "")),
}
