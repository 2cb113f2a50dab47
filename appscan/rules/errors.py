"""How a ruleset problem is reported: one line naming the file, the entry and what is wrong.

``RuleLoadError`` itself belongs to the project-wide hierarchy in ``appscan.errors`` (it carries exit code 4);
it is re-exported here so rule code imports everything about rule errors from one place.
"""

from __future__ import annotations

from pathlib import Path

from appscan.errors import RuleLoadError

__all__ = ["RuleLoadError", "display_path", "entry_error", "file_error"]


def display_path(path: Path) -> str:
    """The path relative to the working directory when it lies below it (``rulesets/apis.yaml``), else absolute."""
    absolute = path.resolve()
    try:
        return absolute.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return absolute.as_posix()


def file_error(path: Path, problem: str) -> RuleLoadError:
    """An error about a whole file: ``rulesets/apis.yaml: <problem>``."""
    return RuleLoadError(f"{display_path(path)}: {problem}")


def entry_error(path: Path, index: int, entry_id: object, problem: str) -> RuleLoadError:
    """An error about one entry: ``rulesets/apis.yaml: entry 'imei-getdeviceid' (#3): <problem>``.

    ``index`` is 1-based, counting entries in the file's ``entries`` list; an entry without a usable id is named by
    its index alone.
    """
    name = f"entry '{entry_id}' (#{index})" if isinstance(entry_id, str) and entry_id else f"entry #{index}"
    return RuleLoadError(f"{display_path(path)}: {name}: {problem}")
