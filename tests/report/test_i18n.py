"""Both languages have the same messages with the same placeholders; unknown keys fail loudly."""

from __future__ import annotations

import string

import pytest

from appscan.errors import ReportError
from appscan.report.i18n import LANGS, MESSAGES, t


def _fields(message: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(message) if name}


def test_every_key_exists_in_every_language() -> None:
    keys = [set(MESSAGES[lang]) for lang in LANGS]
    assert all(k == keys[0] for k in keys)


def test_placeholders_agree_between_languages() -> None:
    for key in MESSAGES["zh"]:
        assert _fields(MESSAGES["zh"][key]) == _fields(MESSAGES["en"][key]), key


def test_unknown_key_raises() -> None:
    with pytest.raises(ReportError):
        t("zh", "no.such.key")
    assert t("en", "filter.shown", shown=1, total=3) == "Showing 1 of 3"
