"""The labelled privacy-policy set is consistent with itself and with the rulesets it names.

The labels in ``labels.yaml`` are ground truth for the policy analysis (issue 14); a label that points at text the
fixture does not contain, or at an id the rulesets do not know, would silently lower or inflate the measured
precision and recall. So each label is checked here: the sentence is an exact substring of the fixture's text (HTML
tags removed, whitespace collapsed), data-type ids and SDK ids exist, an SDK's data types are among the policy's
declared ones, nothing is both declared and denied, and corpus references point at real APK members.
"""

from __future__ import annotations

import datetime
import re
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import lxml.html
import pytest
import yaml

from tests.conftest import corpus_path

HERE = Path(__file__).parent
DATA = HERE / "data"
RULESETS = HERE.parent.parent / "rulesets"
# Ids the contract adds for types only a policy names; the analysis side adds them to data_types.yaml.
POLICY_ONLY_IDS = frozenset({"real-name", "email", "password", "transaction-record"})
SECTION_FLAGS = ("account_deletion", "complaint_channel", "minors", "cross_border")
CORPUS_PREFIX = "corpus:"


@cache
def labels() -> list[dict[str, Any]]:
    """The parsed label file (a list of one mapping per policy)."""
    loaded = yaml.safe_load((HERE / "labels.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, list)
    return loaded


@cache
def data_type_ids() -> frozenset[str]:
    """Every data-type id a label may use."""
    entries = yaml.safe_load((RULESETS / "data_types.yaml").read_text(encoding="utf-8"))["entries"]
    return frozenset(e["id"] for e in entries) | POLICY_ONLY_IDS


@cache
def sdk_ids() -> frozenset[str]:
    """Every SDK id of the catalogue."""
    ids: set[str] = set()
    for path in (RULESETS / "sdks").glob("*.yaml"):
        ids.update(e["id"] for e in yaml.safe_load(path.read_text(encoding="utf-8"))["entries"])
    return frozenset(ids)


def collapse(text: str) -> str:
    """Whitespace runs become one space, so that line wrapping in a fixture does not matter."""
    return re.sub(r"\s+", " ", text).strip()


def visible_text(name: str, raw: bytes) -> str:
    """The text a reader sees: HTML without tags, scripts and styles; other formats as they are."""
    text = raw.decode("utf-8")
    if name.endswith((".html", ".htm")):
        root = lxml.html.document_fromstring(text)
        for node in root.xpath("//script|//style"):
            node.drop_tree()
        text = "".join(root.itertext())
    return collapse(text)


def entry_id(entry: dict[str, Any]) -> str:
    return str(entry["file"])


def local_entries() -> list[dict[str, Any]]:
    return [e for e in labels() if not str(e["file"]).startswith(CORPUS_PREFIX)]


def corpus_entries() -> list[dict[str, Any]]:
    return [e for e in labels() if str(e["file"]).startswith(CORPUS_PREFIX)]


def check_entry(entry: dict[str, Any], text: str) -> None:
    """Every sentence is in ``text``, every id is known, SDK types are declared, nothing is declared and denied."""
    assert entry["language"] in ("zh", "en")
    assert "rewritten" in entry["provenance"] or "excerpt" in entry["provenance"] or "shipped" in entry["provenance"]
    known = data_type_ids()
    for key in ("declared", "denied"):
        for item in entry[key]:
            assert item["data_type"] in known, f"{key}: unknown data type {item['data_type']}"
            assert collapse(item["sentence"]) in text, f"{key} {item['data_type']}: sentence not in the text"
    declared = {d["data_type"] for d in entry["declared"]}
    denied = {d["data_type"] for d in entry["denied"]}
    assert not declared & denied, f"both declared and denied: {sorted(declared & denied)}"
    for sdk in entry["sdks"]:
        assert sdk["sdk"] is None or sdk["sdk"] in sdk_ids(), f"unknown SDK id {sdk['sdk']}"
        assert sdk["name"] and sdk["name"] in text, f"SDK name {sdk['name']!r} not in the text"
        assert sdk["company"] is None or sdk["company"] in text, f"company {sdk['company']!r} not in the text"
        assert set(sdk["data_types"]) <= declared, f"{sdk['name']}: types not declared by the policy"
    sections = entry["sections"]
    assert set(sections) == {*SECTION_FLAGS, "updated"}
    assert all(isinstance(sections[flag], bool) for flag in SECTION_FLAGS)
    if sections["updated"] is not None:
        datetime.date.fromisoformat(sections["updated"])


def test_every_fixture_has_exactly_one_label() -> None:
    named = [e["file"] for e in local_entries()]
    assert len(named) == len(set(named))
    assert sorted(named) == sorted(p.name for p in DATA.iterdir())


@pytest.mark.parametrize("entry", local_entries(), ids=entry_id)
def test_fixture_labels(entry: dict[str, Any]) -> None:
    path = DATA / entry["file"]
    check_entry(entry, visible_text(path.name, path.read_bytes()))


@pytest.mark.parametrize("entry", [e for e in labels() if e.get("corpus_apk")], ids=entry_id)
def test_paired_apk_exists(entry: dict[str, Any]) -> None:
    assert (corpus_path() / entry["corpus_apk"]).is_file()


@pytest.mark.parametrize("entry", corpus_entries(), ids=entry_id)
def test_corpus_policy_labels(entry: dict[str, Any]) -> None:
    apk_name, _, member = str(entry["file"])[len(CORPUS_PREFIX):].partition("#")
    assert entry["corpus_apk"] == apk_name
    with zipfile.ZipFile(corpus_path() / apk_name) as apk:
        raw = apk.read(member)
    check_entry(entry, visible_text(member, raw))


def test_set_is_varied() -> None:
    """The set covers what the analysis must handle: both languages, three formats, tables and no SDK list."""
    entries = local_entries()
    langs = [e["language"] for e in entries]
    assert langs.count("zh") >= 16 and langs.count("en") >= 4
    assert {Path(e["file"]).suffix for e in entries} >= {".html", ".txt", ".md"}
    assert any(not e["sdks"] for e in entries) and sum(bool(e["denied"]) for e in entries) >= 4
