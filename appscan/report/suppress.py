"""Suppressions: accepted findings, each with a reason and an optional expiry date.

A suppression file is YAML or JSON: a list of entries (or ``{"suppressions": [...]}``), each with exactly one
of ``finding`` (a stable finding id), ``rule`` (PI-001), ``sdk`` (an SDK id) or ``clause`` (C191-3.1), a
non-empty ``reason`` and optionally ``expires: YYYY-MM-DD``. From the expiry day on, an entry no longer
suppresses anything and the CLI warns about it, so that exceptions are revisited rather than forgotten.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from appscan.errors import AppscanError
from appscan.model import Finding

__all__ = ["KINDS", "Suppression", "SuppressionError", "expired", "from_record", "load_suppressions", "matching"]

KINDS = ("finding", "rule", "sdk", "clause")


class SuppressionError(AppscanError):
    """The suppression file cannot be read or an entry is invalid (exit code 2)."""


@dataclass(frozen=True, slots=True)
class Suppression:
    """One accepted finding (or family of findings)."""

    kind: str
    """finding | rule | sdk | clause"""
    value: str
    reason: str
    expires: dt.date | None = None
    """First day on which the suppression no longer applies; None for never."""

    def applies(self, finding: Finding) -> bool:
        """True when this entry covers ``finding`` (expiry is checked separately)."""
        if self.kind == "finding":
            return finding.id == self.value
        if self.kind == "rule":
            return finding.rule == self.value
        if self.kind == "sdk":
            return finding.sdk == self.value
        return self.value in finding.clauses

    def expired(self, today: dt.date) -> bool:
        """True from the expiry day on."""
        return self.expires is not None and today >= self.expires

    def describe(self) -> str:
        """``rule PI-001 (reason)`` for warnings and reports."""
        return f"{self.kind} {self.value} ({self.reason})"


def _entry(raw: Any, where: str) -> Suppression:
    """Validate one entry; every problem is one line naming the file and the entry's position."""
    if not isinstance(raw, dict):
        raise SuppressionError(f"{where}: must be a mapping, not {type(raw).__name__}")
    unknown = set(raw) - {*KINDS, "reason", "expires"}
    if unknown:
        raise SuppressionError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    kinds = [k for k in KINDS if k in raw]
    if len(kinds) != 1:
        raise SuppressionError(f"{where}: needs exactly one of {', '.join(KINDS)}")
    value, reason = raw[kinds[0]], raw.get("reason")
    if not isinstance(value, str) or not value.strip():
        raise SuppressionError(f"{where}: {kinds[0]} must be a non-empty string")
    if not isinstance(reason, str) or not reason.strip():
        raise SuppressionError(f"{where}: a non-empty 'reason' is required")
    expires = raw.get("expires")
    if isinstance(expires, str):
        try:
            expires = dt.date.fromisoformat(expires)
        except ValueError:
            raise SuppressionError(f"{where}: expires must be a date YYYY-MM-DD, not {expires!r}") from None
    if expires is not None and (not isinstance(expires, dt.date) or isinstance(expires, dt.datetime)):
        raise SuppressionError(f"{where}: expires must be a date YYYY-MM-DD")
    return Suppression(kinds[0], value.strip(), reason.strip(), expires)


def load_suppressions(path: Path) -> tuple[Suppression, ...]:
    """Read and validate a suppression file (YAML or JSON; JSON is YAML). Any problem raises one line."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SuppressionError(f"cannot read suppression file {path}: {exc.strerror or exc}") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SuppressionError(f"{path}: not valid YAML or JSON: {str(exc).splitlines()[0]}") from exc
    if isinstance(data, dict) and set(data) == {"suppressions"}:
        data = data["suppressions"]
    if data is None:
        return ()
    if not isinstance(data, list):
        raise SuppressionError(f"{path}: expected a list of suppressions (or a 'suppressions' key)")
    return tuple(_entry(raw, f"{path}: entry {i + 1}") for i, raw in enumerate(data))


def check_known(suppressions: Iterable[Suppression], known: Mapping[str, Collection[str]], where: str) -> None:
    """Raise ``SuppressionError`` for the first entry naming a rule, SDK or clause that ``known`` (ids by kind, from
    the ruleset) does not have: a typo would otherwise suppress nothing, silently. Finding ids are not checked (a
    finding of a later version may not exist yet)."""
    for s in suppressions:
        ids = known.get(s.kind)
        if ids is not None and s.value not in ids:
            near = difflib.get_close_matches(s.value, list(ids), n=3)
            hint = f" (did you mean {', '.join(near)}?)" if near else f" (see: appscan rules list --kind {s.kind})"
            raise SuppressionError(f"{where}: unknown {s.kind} {s.value!r}{hint}")


def from_record(kind: str, value: str, reason: str, expires_at: dt.datetime | None) -> Suppression:
    """A suppression stored in the database (``appscan.store`` records carry a timestamp, not a date)."""
    return Suppression(kind, value, reason, expires_at.date() if expires_at else None)


def expired(suppressions: Iterable[Suppression], today: dt.date) -> list[Suppression]:
    """The entries that have expired by ``today`` (the CLI warns about each)."""
    return [s for s in suppressions if s.expired(today)]


def matching(finding: Finding, suppressions: Sequence[Suppression], today: dt.date) -> Suppression | None:
    """The first unexpired entry that covers ``finding``, or None."""
    return next((s for s in suppressions if not s.expired(today) and s.applies(finding)), None)
