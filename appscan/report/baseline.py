"""Baselines: the stable ids of the findings a team has accepted, so that only new findings fail a build.

Finding ids hash the rule and the finding's subject, never code positions, so a baseline survives rebuilds and
refactorings that do not change what is found. The file is JSON, sorted, and lists each finding's rule and title
so that a reviewer can read what was accepted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from appscan import __version__
from appscan.errors import AppscanError
from appscan.model import ScanResult

__all__ = ["BASELINE_VERSION", "BaselineError", "baseline_document", "load_baseline"]

BASELINE_VERSION = "1"


class BaselineError(AppscanError):
    """The baseline file cannot be read or is not an appscan baseline (exit code 2)."""


def baseline_document(result: ScanResult) -> dict[str, Any]:
    """The baseline of one scan: every current finding's id, rule, severity and English title."""
    return {
        "baseline_version": BASELINE_VERSION, "tool_version": __version__, "source": result.facts.source,
        "package": result.facts.app.package,
        "findings": sorted(({"id": f.id, "rule": f.rule, "severity": f.severity, "title": f.title.en}
                            for f in result.findings), key=lambda d: (d["rule"], d["id"])),
    }


def load_baseline(path: Path) -> set[str]:
    """The accepted finding ids of a baseline file (a bare JSON list of ids is accepted too)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: not a JSON baseline: {exc}") from exc
    items = data.get("findings") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise BaselineError(f"{path}: expected 'findings' (a list) in the baseline")
    ids = {item.get("id") if isinstance(item, dict) else item for item in items}
    if not all(isinstance(i, str) and i for i in ids):
        raise BaselineError(f"{path}: every baseline finding needs a string 'id'")
    return ids  # type: ignore[return-value]
