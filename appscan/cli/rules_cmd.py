"""``appscan rules``: list, show and validate ruleset entries (SDKs, APIs, permissions, clauses, app types...).

Errors are raised, never turned into exits here: the main group maps ``RuleLoadError`` to exit code 4 and other
``AppscanError``s to 2. Register with ``main.add_command(rules)``.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import click
import yaml

from appscan.errors import AppscanError
from appscan.model import Text
from appscan.rules.catalog import (
    KINDS,
    Clause,
    Entry,
    FindingRule,
    HostRegion,
    PermissionRule,
    Ruleset,
    SensitiveApi,
)
from appscan.rules.loader import bundled_dir, load_layers, load_rulesets

__all__ = ["rules"]

_RULES_DIR = click.option("--rules-dir", "rules_dirs", multiple=True, type=click.Path(path_type=Path),
                          help="Extra ruleset directory layered over the bundled one (repeatable).")
_FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)


def _plain(value: Any) -> Any:
    """Dataclasses, tuples and read-only mappings as JSON-ready dicts and lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, re.Pattern):  # a secret pattern's regular expression, as written in the ruleset
        return value.pattern
    return value


def _record(kind: str, entry: Entry) -> dict[str, Any]:
    """An entry as a plain JSON-ready mapping: ``id`` and ``kind`` first, then its fields.

    An entry's own ``kind`` field (a permission's protection class, an API's method/field) is renamed
    ``<kind>_kind`` (``permission_kind``, ``api_kind``) so that ``kind`` always names the entry kind.
    """
    fields = _plain(entry)
    fields.pop("id", None)
    if "kind" in fields:
        fields[f"{kind}_kind"] = fields.pop("kind")
    return {"id": entry.id, "kind": kind, **fields}


def _label(entry: Entry) -> str:
    """A short human name for the text listing."""
    label: str | Text
    if isinstance(entry, PermissionRule):
        label = entry.description
    elif isinstance(entry, SensitiveApi):
        label = entry.callee
    elif isinstance(entry, (Clause, FindingRule)):
        label = entry.title
    elif isinstance(entry, HostRegion):
        label = f"{entry.operator}: {', '.join(entry.domains[:4])}{' ...' if len(entry.domains) > 4 else ''}"
    else:
        label = entry.name
    return label if isinstance(label, str) else f"{label.zh} / {label.en}"


def _dump_json(records: Iterable[dict[str, Any]]) -> str:
    return json.dumps(list(records), ensure_ascii=False, indent=2)


@click.group()
def rules() -> None:
    """Inspect and validate rulesets: SDKs, sensitive APIs, permissions, clauses, app types, data types."""


@rules.command("list")
@click.option("--kind", type=click.Choice(list(KINDS)), help="Only entries of this kind.")
@_FORMAT
@_RULES_DIR
def list_entries(kind: str | None, fmt: str, rules_dirs: tuple[Path, ...]) -> None:
    """List entries, all kinds or one."""
    ruleset = load_rulesets(rules_dirs)
    selected = [(k, e) for k, e in ruleset.entries() if kind is None or k == kind]
    if fmt == "json":
        click.echo(_dump_json(_record(k, e) for k, e in selected))
        return
    for k, entry in selected:
        click.echo(f"{k:<10} {entry.id:<45} {_label(entry)}")


@rules.command("show")
@click.argument("entry_id")
@click.option("--kind", type=click.Choice(list(KINDS)), help="Where an id exists in several kinds (NEC-01 is an "
                                                              "app type and a clause).")
@_FORMAT
@_RULES_DIR
def show(entry_id: str, kind: str | None, fmt: str, rules_dirs: tuple[Path, ...]) -> None:
    """Show every entry with this id (JSON: a list of objects)."""
    ruleset = load_rulesets(rules_dirs)
    found = _find(ruleset, entry_id, kind)
    if fmt == "json":
        click.echo(_dump_json(found))
        return
    for record in found:
        click.echo(f"[{record['kind']}] {record['id']}")
        body = {k: v for k, v in record.items() if k not in ("id", "kind")}
        click.echo(yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=110).rstrip())


def _find(ruleset: Ruleset, entry_id: str, kind: str | None) -> list[dict[str, Any]]:
    """Records of every entry with ``entry_id``; an unknown id is a user error."""
    kinds = [kind] if kind else list(KINDS)
    found = [_record(k, ruleset.of_kind(k)[entry_id]) for k in kinds if entry_id in ruleset.of_kind(k)]
    if not found:
        raise AppscanError(f"no ruleset entry with id '{entry_id}'" + (f" of kind {kind}" if kind else ""))
    return found


@rules.command("validate")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--standalone", is_flag=True,
              help="PATH is a complete ruleset with its own manifest; do not layer it over the bundled one.")
def validate(path: Path, standalone: bool) -> None:
    """Validate a ruleset directory or one file, layered over the bundled ruleset so references resolve.

    Prints "OK: N entries" (the entries in PATH) or raises the first problem as one line (exit code 4).
    """
    bundled = bundled_dir()
    alone = standalone or path.resolve() == bundled.resolve()
    ruleset = load_layers([path] if alone else [bundled, path])
    click.echo(f"OK: {ruleset.layer_sizes[-1]} entries")
