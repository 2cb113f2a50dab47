"""Read a policy: which data types it declares and denies, in which sentence, for what purpose, on what condition.

Facts only: what the text says, never whether the app does it. A sentence declares a data type when it names it
(a synonym on whole tokens) and says it is collected: a collection word in the sentence, or the sentence is an item
of a list whose lead-in does ("我们会收集以下信息：" then "1. 设备信息：IMEI..."), or a table row. A sentence that
only defines terms (个人敏感信息是指...) or speaks of third parties' own practices declares nothing. A negation
(不会收集, do not collect) makes the data types of its clause denied instead.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from appscan.policy.document import Declaration, Denial, PolicyDocument, Sections
from appscan.policy.extract import Block, Cell, Table, extract
from appscan.policy.sdks import column_roles, find_sdks
from appscan.policy.segment import Vocabulary, sentences, vocabulary
from appscan.policy.terms import PolicyTerms

__all__ = ["analyse_policy"]

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_CLAUSE = re.compile(r"[，,]|(?=但是|但|然而|而是|however|but\b)", re.IGNORECASE)
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•·●○■□◆◇▪]|\d{1,3}[.、)）]|[（(]\d{1,3}[)）]|[a-zA-Z][.)]\s|"
                        r"[一二三四五六七八九十]{1,3}[、.]|[①-⑳])")
_LEAD_IN = re.compile(r"[:：]\s*$")
_HEADING = re.compile(r"^\s*(?:第[一二三四五六七八九十\d]+[条章节部分]|[一二三四五六七八九十]{1,3}[、.])")
_PURPOSE_END = re.compile(r"[。；;.!?！？]+$")
_DATES = (
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"),
    re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})"),
)
_MONTHS = {m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                       "september", "october", "november", "december"), start=1)}
_EN_DATE = re.compile(r"\b(?:(\d{1,2})\s+)?(" + "|".join(_MONTHS) + r"|[A-Z][a-z]{2}\.?)\s+(?:(\d{1,2}),?\s+)?(\d{4})",
                      re.IGNORECASE)
_DATE_WINDOW = 60
"""How far after an 更新日期 / Last updated cue its date may be (characters)."""


@dataclass(frozen=True, slots=True)
class _Unit:
    """A sentence, or a table row read as one, with the context that decides whether it declares."""

    text: str
    in_list: bool
    """An item of a list whose lead-in has a collection word, or a table row: collection is implied."""
    data: str | None = None
    """Where to look for data types when not the whole text: a table row's data column."""
    purpose: str | None = None
    """A table row's purpose column."""


def analyse_policy(data: bytes, source: str, terms: PolicyTerms) -> PolicyDocument:
    """The declarations, denials, named SDKs and sections of one policy file (``InputError`` if unreadable)."""
    fmt, blocks = extract(data, source)
    vocab = vocabulary(terms)
    units = list(_units(blocks, vocab))
    declared, denied = _declarations(units, vocab)
    text = "\n".join(u.text for u in units)
    return PolicyDocument(
        source=source, sha256=hashlib.sha256(data).hexdigest(), language=_language(text), format=fmt,
        declared=tuple(declared), denied=tuple(denied), sdks=tuple(find_sdks(blocks, vocab, terms)),
        sections=_sections(units, vocab),
    )


def _units(blocks: list[Block], vocab: Vocabulary) -> Iterator[_Unit]:
    """Sentences and table rows in document order, each knowing whether a collecting lead-in governs it."""
    lead_in = False
    for block in blocks:
        if isinstance(block, Table):
            roles = column_roles(block.rows[0], vocab) if len(block.rows) > 1 else {}
            data = [i for i, role in roles.items() if role == "sdk_data"]
            purpose = [i for i, role in roles.items() if role == "sdk_purpose"]
            for row in block.rows[1:] if roles else block.rows:
                yield _Unit(" | ".join(c.text for c in row if c.text), in_list=True,
                            data=_cells(row, data), purpose=_cells(row, purpose))
            continue
        if _HEADING.match(block) and not _LEAD_IN.search(block):
            lead_in = False
        item = bool(_LIST_ITEM.match(block))
        if not item and not _LEAD_IN.search(block):
            lead_in = False
        for sentence in sentences(block):
            yield _Unit(sentence, in_list=lead_in and (item or not _LEAD_IN.search(sentence)))
        if _LEAD_IN.search(block):
            lead_in = vocab.has("collect", block) and not vocab.has("negation", block)


def _cells(row: tuple[Cell, ...], columns: list[int]) -> str | None:
    """The text of some columns of a row; None when the table has none of them."""
    return " ".join(row[i].text for i in columns if i < len(row)) if columns else None


def _declarations(units: list[_Unit], vocab: Vocabulary) -> tuple[list[Declaration], list[Denial]]:
    declared: list[Declaration] = []
    denied: list[Denial] = []
    seen: set[tuple[str, str]] = set()
    for unit in units:
        where = unit.text if unit.data is None else unit.data
        matches = vocab.data_type_matches(where)
        if not matches or vocab.has("definition", where) or vocab.has("third-party", where):
            continue
        negated = _negated_spans(where, vocab)
        collects = unit.in_list or vocab.has("collect", unit.text)
        purpose = unit.purpose or _purpose(unit.text, matches[0].start if unit.data is None else 0, vocab)
        conditional = vocab.has("conditional", unit.text)
        for match in matches:
            key = (match.key, unit.text)
            if key in seen:
                continue
            if any(start <= match.start < end for start, end in negated):
                seen.add(key)
                denied.append(Denial(match.key, unit.text))
            elif collects:
                seen.add(key)
                declared.append(Declaration(match.key, unit.text, purpose, conditional))
    return declared, denied


def _negated_spans(text: str, vocab: Vocabulary) -> list[tuple[int, int]]:
    """The clauses (between commas and contrast words) that hold a negation cue."""
    spans = []
    start = 0
    for cut in [*(m.start() for m in _CLAUSE.finditer(text)), len(text)]:
        if cut > start and vocab.has("negation", text[start:cut]):
            spans.append((start, cut))
        start = cut
    return spans


def _purpose(text: str, after: int, vocab: Vocabulary) -> str | None:
    """The purpose a sentence states: from the first purpose cue after the data (``after``) to the sentence end;
    failing that, a leading purpose clause (为了保障账号安全，我们会收集...) up to its comma."""
    cues = vocab.cues["purpose"].find(text)
    if not cues:
        return None
    later = [c for c in cues if c.start >= after]
    if later:
        purpose = text[later[0].start:]
    else:
        purpose = _CLAUSE.split(text[cues[0].start:], maxsplit=1)[0]
    return _PURPOSE_END.sub("", purpose).strip() or None


def _language(text: str) -> str:
    """zh when Chinese characters are at least 30% of letters (Chinese policies quote IMEI, SDK and URLs)."""
    han = len(_HAN.findall(text))
    latin = len(_LATIN.findall(text))
    return "zh" if han and han >= 0.3 * (han + latin) else "en"


def _sections(units: list[_Unit], vocab: Vocabulary) -> Sections:
    text = "\n".join(u.text for u in units)
    return Sections(
        account_deletion=vocab.has("account_deletion", text), complaint_channel=vocab.has("complaint_channel", text),
        minors=vocab.has("minors", text), cross_border=vocab.has("cross_border", text),
        updated=_updated(units, vocab),
    )


def _updated(units: list[_Unit], vocab: Vocabulary) -> str | None:
    """The first date stated right after an update / effective date cue, as YYYY-MM-DD."""
    for unit in units:
        for cue in vocab.cues["updated"].find(unit.text):
            date = _date(unit.text[cue.end:cue.end + _DATE_WINDOW])
            if date is not None:
                return date
    return None


def _date(text: str) -> str | None:
    for pattern in _DATES:
        found = pattern.search(text)
        if found is not None:
            return _iso(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    found = _EN_DATE.search(text)
    if found is not None:
        month = _MONTHS.get(found.group(2).lower()) or next(
            (n for m, n in _MONTHS.items() if m.startswith(found.group(2).lower().rstrip("."))), None)
        day = found.group(1) or found.group(3)
        if month is not None and day is not None:
            return _iso(int(found.group(4)), month, int(day))
    return None


def _iso(year: int, month: int, day: int) -> str | None:
    if 1990 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31:
        return f"{year:04d}-{month:02d}-{day:02d}"
    return None
