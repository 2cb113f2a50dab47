"""What a reviewer reads of a diff between two versions: changes by SDK and by data type, in both languages.

``appscan.store.diff_documents`` compares documents item by item; its call sites are named by callers that an
obfuscator renames between builds, and its SDKs, data types and collectors by id. This view names them as the
reports do (the ruleset's Chinese names, "第三方 SDK「…」" collectors, finding titles) and groups the calls by data
type and collector with their counts, so ``appscan diff`` and the web UI show the same lines. Every line is a
``Text`` pair; the renderer picks the language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from appscan.model import Text
from appscan.report.i18n import label, pick, t
from appscan.report.views import SEVERITIES, data_name, owner_name, sdk_name
from appscan.rules.catalog import Ruleset

_POLICY_SECTIONS = ("policies", "policy_data_types", "policy_denied", "policy_sdks", "policy_sections")
"""The policy sections of the diff JSON (docs/storage.md, "Diff JSON"): a renderer reads the public document, never
the store's code that makes it."""

__all__ = ["DiffSection", "DiffView", "build_diff_view", "render_diff_text"]

Item = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class DiffSection:
    """One group of changes: a heading with its counts, and one line per item added, removed or changed."""

    key: str
    heading: Text
    added: tuple[Text, ...] = ()
    removed: tuple[Text, ...] = ()
    changed: tuple[Text, ...] = ()


@dataclass(frozen=True, slots=True)
class DiffView:
    """The two versions compared and the sections of changes, in display order."""

    old: Text
    new: Text
    sections: tuple[DiffSection, ...]


def _both(line: Callable[[str], str]) -> Text:
    """A line built once per language."""
    return Text(line("zh"), line("en"))


def _version(side: Item) -> str:
    return f"{side['package']} {side['version_name'] or ''} ({side['version_code']})"


class _Names:
    """Display names of the diff's SDKs, data types and collectors, from the ruleset (ids where it has none)."""

    def __init__(self, diff: Mapping[str, Any], ruleset: Ruleset | None) -> None:
        self.ruleset = ruleset
        sdks = [s for section in ("sdks", "sdk_versions") for side in ("added", "removed") for s in diff[section][side]]
        self.sdks = {s["id"]: sdk_name(s["id"], s["name"], ruleset) for s in sdks}
        """Names of the SDKs added, removed or with a new version, as detected; others come from the ruleset."""

    def data(self, data_type: str) -> Text:
        return data_name(data_type, self.ruleset)

    def sdk(self, sdk_id: str) -> Text:
        if sdk_id in self.sdks:
            return self.sdks[sdk_id]
        entry = self.ruleset.of_kind("sdk").get(sdk_id) if self.ruleset else None
        return sdk_name(sdk_id, entry.name if entry else sdk_id, self.ruleset)

    def collector(self, item: Item) -> Text:
        """"第三方 SDK「…」 (3 call sites)" for one collector item."""
        kind, owner = item["owner_kind"], item["owner"]
        name = owner_name(kind, owner, self.ruleset, {owner: self.sdk(owner)} if kind == "sdk" and owner else {})
        key = "diff.calls.one" if item["calls"] == 1 else "diff.calls"
        return _both(lambda lang: t(lang, key, name=pick(name, lang), calls=item["calls"]))


def _section(key: str, added: Sequence[Text], removed: Sequence[Text], versions: Sequence[Text] = (), /,
             **counts: int) -> DiffSection:
    """A section whose heading (``diff.<key>``) counts its items; ``counts`` adds or overrides counts."""
    values = {"added": len(added), "removed": len(removed), **counts}
    return DiffSection(key, _both(lambda lang: t(lang, f"diff.{key}", **values)), tuple(added), tuple(removed),
                       tuple(versions))


def _sdk_sections(diff: Mapping[str, Any], names: _Names) -> DiffSection:
    """SDKs added and removed with vendor and version, and SDKs of both versions whose version changed."""
    def line(s: Item) -> Text:
        version = f" {s['version']}" if s.get("version") else ""
        vendor = f" — {s['vendor']}" if s.get("vendor") else ""
        name = names.sdk(s["id"])
        return _both(lambda lang: f"{pick(name, lang)}{version}{vendor}")

    versions = diff["sdk_versions"]
    old = {s["id"]: s.get("version") for s in versions["removed"]}
    new = {s["id"]: s.get("version") for s in versions["added"]}
    changed = [_both(lambda lang, i=i: f"{pick(names.sdk(i), lang)}: {old.get(i) or t(lang, 'diff.version_unknown')}"
                     f" -> {new.get(i) or t(lang, 'diff.version_unknown')}") for i in sorted(old.keys() | new.keys())]
    return _section("sdks", [line(s) for s in diff["sdks"]["added"]], [line(s) for s in diff["sdks"]["removed"]],
                    changed, changed=len(changed))


def _collected(names: _Names, data_type: str, collectors: Sequence[Item]) -> Text:
    """"Location: Baidu Location SDK (2 call sites), The app's own code (1 call site)"."""
    data, who = names.data(data_type), [names.collector(c) for c in collectors]
    return _both(lambda lang: t(lang, "diff.item", name=pick(data, lang),
                                detail=t(lang, "diff.separator").join(pick(w, lang) for w in who)))


def _data_sections(diff: Mapping[str, Any], names: _Names) -> list[DiffSection]:
    """Data types newly and no longer collected with their collectors; then, for types both versions collect,
    the collectors that started or stopped (a type newly collected is not repeated there)."""
    types = diff["data_types"]
    moved = {d["data_type"] for side in ("added", "removed") for d in types[side]}

    def by_type(items: Sequence[Item]) -> list[Text]:
        grouped: dict[str, list[Item]] = {}
        for item in items:
            if item["data_type"] not in moved:
                grouped.setdefault(item["data_type"], []).append(item)
        return [_collected(names, data_type, collectors) for data_type, collectors in grouped.items()]

    return [_section("data_types", *([_collected(names, d["data_type"], d["collectors"]) for d in types[side]]
                                     for side in ("added", "removed"))),
            _section("collectors", by_type(diff["collectors"]["added"]), by_type(diff["collectors"]["removed"]))]


def _finding_lines(items: Sequence[Item]) -> list[Text]:
    """"[高危] PI-003 title (AS-…)", most severe first."""
    ordered = sorted(items, key=lambda f: (SEVERITIES.index(f["severity"]) if f["severity"] in SEVERITIES
                                           else len(SEVERITIES), f["rule"], f["id"]))
    return [_both(lambda lang, f=f: f"[{label(lang, 'severity', f['severity'])}] {f['rule']} "
                  f"{f['title'][lang] if isinstance(f['title'], Mapping) else f['title']} ({f['id']})")
            for f in ordered]


def _policy_line(section: str, item: Item, names: _Names) -> Text:
    """One policy change: a file by source, a data type by name with its sentence, an SDK by name, a section."""
    if section == "policies":
        return _both(lambda lang: f"{item['source']} ({item['language']}, {item['format']})")
    if section in ("policy_data_types", "policy_denied"):
        data = names.data(item["data_type"])
        return _both(lambda lang: t(lang, "diff.item", name=pick(data, lang),
                                    detail=f"“{item['sentence']}” ({item['source']})"))
    if section == "policy_sdks":
        company = f" — {item['company']}" if item.get("company") else ""
        return _both(lambda lang: f"{item['name']}{company} ({item['source']})")
    if item["value"] is True:
        return _both(lambda lang: label(lang, "section_name", item["section"]))
    return _both(lambda lang: t(lang, "diff.item", name=label(lang, "section_name", item["section"]),
                                detail=item["value"]))


def build_diff_view(diff: Mapping[str, Any], ruleset: Ruleset | None) -> DiffView:
    """The reviewer's view of a ``diff_documents`` result. The policy sections are included only when a policy
    changed (most diffs compare versions without policies: five empty headings would be noise)."""
    names = _Names(diff, ruleset)
    permissions = [[Text(f"{p['name']} [{p['protection_level']}]", f"{p['name']} [{p['protection_level']}]")
                    for p in diff["permissions"][side]] for side in ("added", "removed")]
    sections = [_section("permissions", *permissions), _sdk_sections(diff, names), *_data_sections(diff, names),
                _section("findings", *(_finding_lines(diff["findings"][side]) for side in ("added", "removed"))),
                _section("call_sites", [], [], added=len(diff["api_calls"]["added"]),
                         removed=len(diff["api_calls"]["removed"]))]
    if any(diff[s]["added"] or diff[s]["removed"] for s in _POLICY_SECTIONS):
        sections += [_section(s, *([_policy_line(s, item, names) for item in diff[s][side]]
                                   for side in ("added", "removed"))) for s in _POLICY_SECTIONS]
    old, new = _version(diff["old"]), _version(diff["new"])
    return DiffView(Text(old, old), Text(new, new), tuple(sections))


def render_diff_text(view: DiffView, lang: str) -> str:
    """The view as text lines: a heading per section, then ``+`` added, ``-`` removed and ``~`` changed items."""
    lines = [f"{pick(view.old, lang)} -> {pick(view.new, lang)}"]
    for section in view.sections:
        lines.append(pick(section.heading, lang))
        for sign, items in (("+", section.added), ("-", section.removed), ("~", section.changed)):
            lines.extend(f"  {sign} {pick(item, lang)}" for item in items)
    return "\n".join(lines) + "\n"
