"""Policy files given by the user (``appscan policy FILE``, ``scan --policy FILE``), read within the size bound."""

from __future__ import annotations

from pathlib import Path

from appscan.errors import InputError
from appscan.policy.analyse import analyse_policy
from appscan.policy.document import PolicyDocument
from appscan.policy.extract import MAX_BYTES
from appscan.policy.terms import PolicyTerms
from appscan.text import printable

__all__ = ["analyse_file"]


def analyse_file(path: Path, terms: PolicyTerms) -> PolicyDocument:
    """The analysis of one policy file, its ``source`` the file name (the same file gives the same document from
    any folder). A file over ``MAX_BYTES``, unreadable, binary or not text is one ``InputError`` line."""
    name = printable(path.name)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"{name}: {size} bytes: larger than the {MAX_BYTES // (1024 * 1024)} MB a policy "
                             "document may have")
        with path.open("rb") as stream:
            data = stream.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(f"{name}: cannot read: {exc.strerror or exc}") from exc
    if len(data) > MAX_BYTES:
        raise InputError(f"{name}: grew past {MAX_BYTES} bytes while it was read")
    return analyse_policy(data, name, terms)
