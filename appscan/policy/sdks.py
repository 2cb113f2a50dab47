"""The third-party SDKs a policy names: its SDK tables, and its SDK lists written as prose or bullets.

A table is an SDK table when a header cell names the SDK-name column and another names a company, purpose, data
or link column (each header cell takes the role whose cue word is longest in it: 公司名称 is a company column,
not a name one), and it is about SDKs (a header or caption cue such as SDK / 第三方). A table written sideways
(one ``label | value`` pair per row) and prose such as ``SDK名称：友盟统计SDK；公司：…；收集信息：…`` are read as
the same label/value fields; a record without a name label takes its name from the line before it.
Names resolve to catalogue ids through ``PolicyTerms.sdk_names``: the whole normalised name, else the longest
known name inside it (a Latin name only as whole words: ``mob`` is no name inside ``CNZZ mobile statistics``), else
the company when only one SDK has it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from appscan.policy.document import SdkMention
from appscan.policy.extract import Block, Cell, Table
from appscan.policy.segment import Matcher, Vocabulary, sentences
from appscan.policy.terms import PolicyTerms, normalise_sdk_name

__all__ = ["column_roles", "find_sdks", "resolve_sdk"]

_ROLES = ("sdk_name", "sdk_company", "sdk_purpose", "sdk_data", "sdk_link")
_BULLET = re.compile(r"^\s*(?:[-*+•·●○■□◆◇▪]|\d{1,3}[.、)）]|[（(]\d{1,3}[)）]|[①-⑳])\s*")
_FIELD_END = re.compile(r"[；;。]\s*$|^\s*[；;]\s*")
_MAX_NAME = 60
"""Longer text before a field list is a sentence, not an SDK name."""
_MAX_LABEL = 14
_COMPANY = re.compile(r"(?:公司|集团|研究院|Co\.,?\s*Ltd\.?|Inc\.?|LLC|Limited|Corporation|GmbH|Pte\.?\s*Ltd\.?)\s*$",
                      re.IGNORECASE)
_INLINE = re.compile(r"^\s*(?:[-*+•·●○■□◆◇▪]|\d{1,3}[.、)）]|[（(]\d{1,3}[)）])?\s*(?P<name>[^：:（(；;。，,]{2,40}?)\s*"
                     r"(?:[（(](?P<company>[^（）()]{2,60}(?:[（(][^（）()]*[）)][^（）()]*)?)[）)])?\s*[：:](?P<rest>.*)$")
_LABEL = re.compile(r"[^：:；;。，,\s|]{1,14}\s*[：:]")
_SDK_WORD = re.compile(r"sdk|插件|组件|plugin|kit", re.IGNORECASE)
_SDK_SUFFIX = re.compile(r"([A-Za-z0-9\u4e00-\u9fff+·]{2,24}?)\s?SDK", re.IGNORECASE)
_FUNCTION_WORDS = re.compile(r"[的由和及与、]|通过|使用|接入|集成|提供")
_NO_SDK = re.compile(r"不接入|未接入|没有接入|未集成|不集成|not (?:use|integrate|include)", re.IGNORECASE)
_NOT_NAME = re.compile(r"我们|如下|以下|下列|下表|包括|附录|the following|\bwe\b", re.IGNORECASE)
"""Words of a sentence introducing a list, never of an SDK's name."""
_PERMISSION_HEADER = re.compile(r"权限|permission", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9+&]+|[^\x00-\x7f]+")
"""A name's words for matching Latin names: runs of Latin letters and digits, and runs of other scripts (Chinese
has no spaces, so a Chinese run is one word and Chinese names match inside it)."""
_MAX_WORDS = 6


@dataclass
class _Record:
    """An SDK being read: fields by role, as written."""

    name: str
    fields: dict[str, str] = field(default_factory=dict)
    link: str | None = None


def find_sdks(blocks: list[Block], vocab: Vocabulary, terms: PolicyTerms) -> list[SdkMention]:
    """The SDKs named in ``blocks``, in document order, one per catalogue id (or per name when unresolved):
    structured records first, then catalogue SDKs named in the prose about SDKs."""
    mentions: dict[str, SdkMention] = {}
    found = [_mention(record, vocab, terms) for record in _records(blocks, vocab, terms)]
    for mention in [*found, *_prose_mentions(blocks, vocab, terms)]:
        key = mention.sdk or normalise_sdk_name(mention.name)
        if not key:
            continue
        first = mentions.get(key)
        if first is None:
            mentions[key] = mention
        elif not set(mention.data_types) <= set(first.data_types):
            mentions[key] = SdkMention(first.name, first.sdk, first.company,
                                       tuple(sorted({*first.data_types, *mention.data_types})),
                                       first.purpose, first.link)
    return list(mentions.values())


def _records(blocks: list[Block], vocab: Vocabulary, terms: PolicyTerms) -> Iterator[_Record]:
    previous = ""
    current: _Record | None = None
    for block in blocks:
        if isinstance(block, Table):
            if current is not None:
                yield current
                current = None
            yield from _table_records(block, previous, vocab)
            previous = ""
            continue
        inline = _inline(block, vocab, terms)
        if inline is not None:
            if current is not None:
                yield current
            current = inline
            previous = ""
            continue
        fields = _fields(block, vocab)
        if not fields:
            if current is not None:
                yield current
                current = None
            previous = block
            continue
        for role, value in fields:
            if role == "sdk_name" and _COMPANY.search(value) and current is None and _plausible_name(previous):
                current, role = _Record(_name(previous)), "sdk_company"  # 第三方名称：<a company>, name above
            if role == "sdk_name":
                if current is not None:
                    yield current
                current = _Record(_name(value))
            elif current is None and _plausible_name(previous):
                current = _Record(_name(previous))
            if current is not None and role != "sdk_name":
                current.fields.setdefault(role, value)
        previous = ""
    if current is not None:
        yield current


def _inline(paragraph: str, vocab: Vocabulary, terms: PolicyTerms) -> _Record | None:
    """A one-line entry ``穿山甲广告SDK（北京巨量引擎网络技术有限公司）：广告投放；收集的信息：…``: a name that is
    an SDK's (resolves, or says SDK), its company in brackets, a purpose after the colon, then labelled fields."""
    found = _INLINE.match(paragraph)
    if found is None:
        return None
    name, company, rest = _name(found.group("name")), found.group("company"), found.group("rest")
    sdk_like = bool(_SDK_WORD.search(name)) or resolve_sdk(name, None, terms) is not None
    if not rest.strip() or _NOT_NAME.search(name) or _label_role(name, vocab) is not None or not sdk_like:
        return None
    fields = _fields(rest, vocab)
    record = _Record(name, dict(fields[::-1]))
    first_label = _LABEL.search(rest)
    purpose = _FIELD_END.sub("", rest[:first_label.start()] if first_label and fields else rest).strip()
    if purpose:
        record.fields.setdefault("sdk_purpose", purpose)
    if company:
        record.fields["sdk_company"] = company
    return record


def _prose_mentions(blocks: list[Block], vocab: Vocabulary, terms: PolicyTerms) -> Iterator[SdkMention]:
    """Catalogue SDKs named in running text: ``…SDK`` words anywhere, and known names in paragraphs about SDKs
    (a sentence that denies, such as 本产品不接入任何广告SDK, names nothing)."""
    for block in blocks:
        if isinstance(block, Table):
            continue
        about_sdks = vocab.has("sdk_table", block)
        for sentence in sentences(block):
            if vocab.has("negation", sentence) or _NO_SDK.search(sentence):
                continue
            names = [_FUNCTION_WORDS.split(m.group(1))[-1] for m in _SDK_SUFFIX.finditer(sentence)]
            resolved = [(name, sdk) for name in names if (sdk := resolve_sdk(name, None, terms)) is not None]
            ids = {sdk for _, sdk in resolved}
            for name, sdk in resolved:
                yield SdkMention(name + "SDK", sdk)
            if about_sdks:
                for match in _known_names(terms).find(normalise_sdk_name(sentence)):
                    if terms.sdk_names[match.key] not in ids and len(match.key) >= 3:
                        yield SdkMention(match.key, terms.sdk_names[match.key])


def _fields(paragraph: str, vocab: Vocabulary) -> list[tuple[str, str]]:
    """``label：value`` fields of a paragraph whose labels are SDK-table header words, in order."""
    labels = []
    for found in re.finditer(r"([^：:；;。，,\s|]{1,%d})\s*[：:]" % _MAX_LABEL, paragraph):
        start = found.start(1)
        role = _label_role(found.group(1), vocab)
        if role is not None:
            labels.append((start, found.end(), role))
    fields = []
    for index, (_, end, role) in enumerate(labels):
        stop = labels[index + 1][0] if index + 1 < len(labels) else len(paragraph)
        value = _FIELD_END.sub("", paragraph[end:stop]).strip()
        if value:
            fields.append((role, value))
    return fields


def _label_role(label: str, vocab: Vocabulary) -> str | None:
    """The role of a field label: the label must be essentially a header word (no more than two extra chars)."""
    role = vocab.longest(label, _ROLES)
    if role is None:
        return None
    longest = max(m.end - m.start for m in vocab.cues[role].find(label))
    return role if len(label) - longest <= 2 else None


def column_roles(header: tuple[Cell, ...], vocab: Vocabulary) -> dict[int, str]:
    """Column index -> role (``sdk_name``, ``sdk_company``, ``sdk_purpose``, ``sdk_data``, ``sdk_link``) of the
    header cells that have one."""
    roles = {index: vocab.longest(cell.text, _ROLES) for index, cell in enumerate(header)}
    return {index: role for index, role in roles.items() if role is not None}


def _table_records(table: Table, caption: str, vocab: Vocabulary) -> Iterator[_Record]:
    if not table.rows:
        return
    header = table.rows[0]
    roles = column_roles(header, vocab)
    named = [i for i, role in roles.items() if role == "sdk_name"]
    about_sdks = vocab.has("sdk_table", " ".join(c.text for c in header) + " " + caption)
    if named and len(set(roles.values())) >= 2 and about_sdks \
            and not _PERMISSION_HEADER.search(header[named[0]].text):
        for row in table.rows[1:]:
            record = _row_record(row, roles, named[0])
            if record is not None:
                yield record
        return
    yield from _sideways_records(table, vocab)


def _row_record(row: tuple[Cell, ...], roles: dict[int, str], name_column: int) -> _Record | None:
    if name_column >= len(row) or not row[name_column].text:
        return None
    record = _Record(_name(row[name_column].text))
    for index, cell in enumerate(row):
        role = roles.get(index)
        if role and role != "sdk_name" and cell.text:
            record.fields.setdefault(role, cell.text)
        if role == "sdk_link" and cell.link:
            record.link = cell.link
    return record


def _sideways_records(table: Table, vocab: Vocabulary) -> Iterator[_Record]:
    """A table of ``label | value`` rows: one SDK per run of rows starting at a name label."""
    current: _Record | None = None
    for row in table.rows:
        if len(row) < 2:
            continue
        role = _label_role(row[0].text, vocab)
        if role == "sdk_name":
            if current is not None:
                yield current
            current = _Record(_name(row[1].text))
        elif role is not None and current is not None:
            current.fields.setdefault(role, row[1].text)
            if role == "sdk_link" and row[1].link:
                current.link = row[1].link
    if current is not None:
        yield current


def _name(text: str) -> str:
    return _BULLET.sub("", text).strip(" ：:；;。")


def _plausible_name(text: str) -> bool:
    """Whether the line before a field list can be the SDK's name (a short line naming an SDK-like thing)."""
    name = _name(text)
    return 0 < len(name) <= _MAX_NAME and not re.search(r"[。；;：:]", name) and not _NOT_NAME.search(name)


def _mention(record: _Record, vocab: Vocabulary, terms: PolicyTerms) -> SdkMention:
    company = record.fields.get("sdk_company")
    data = record.fields.get("sdk_data", "")
    link = record.link or _link(record.fields.get("sdk_link"))
    data_types = sorted({m.key for m in vocab.data_type_matches(data)})
    return SdkMention(name=record.name, sdk=resolve_sdk(record.name, company, terms), company=company,
                      data_types=tuple(data_types), purpose=record.fields.get("sdk_purpose"), link=link)


def _link(text: str | None) -> str | None:
    found = re.search(r"https?://\S+", text or "")
    return found.group(0).rstrip("）)。；;，,") if found else None


@functools.lru_cache(maxsize=4)
def _known_names(terms: PolicyTerms) -> Matcher:
    """A matcher of every normalised SDK name, for running text normalised the same way."""
    return Matcher((name, name) for name in terms.sdk_names)


def _word_runs(name: str) -> frozenset[str]:
    """The normalised runs of consecutive whole words of ``name`` (``U-App`` gives ``u``, ``app`` and ``uapp``), the
    only places a Latin catalogue name may sit: as a bare substring, short names (``mob``, ``max``, ``top``,
    ``update``) would be found inside ordinary words (mobile, maximum, desktop, updated)."""
    found = _WORD.findall(unicodedata.normalize("NFKC", name).lower())
    words = [w for w in map(normalise_sdk_name, found) if w]
    return frozenset("".join(words[i:j]) for i in range(len(words))
                     for j in range(i + 1, min(len(words), i + _MAX_WORDS) + 1))


def resolve_sdk(name: str, company: str | None, terms: PolicyTerms) -> str | None:
    """The catalogue id of an SDK named ``name`` (by ``company``), or None."""
    key = normalise_sdk_name(name)
    if key in terms.sdk_names:
        return terms.sdk_names[key]
    runs = _word_runs(name)
    inside = [k for k in terms.sdk_names if len(k) >= 2 and (k in runs if k.isascii() else k in key)]
    if inside:
        return terms.sdk_names[max(inside, key=lambda k: (len(k), k))]
    if company:
        return terms.sdk_names.get(normalise_sdk_name(company))
    return None
