"""A policy file as text blocks: paragraphs and tables, whatever it was written in (HTML, Markdown, plain text, PDF).

Tables stay tables (rows of cells, with each cell's first link) because the third-party SDK lists are tables, and
their columns only mean something together with their header. Everything else is a sequence of paragraphs in
document order. Input is bounded: files over ``MAX_BYTES`` are refused, PDFs are read to ``MAX_PDF_PAGES`` pages.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass

import lxml.etree
import lxml.html

from appscan.errors import InputError, extra_needed

__all__ = ["MAX_BYTES", "Block", "Cell", "Table", "decode", "extract", "sniff"]

MAX_BYTES = 5 * 1024 * 1024
"""Largest policy file read: real policies are tens of kilobytes, a children's policy and SDK list included."""
MAX_PDF_PAGES = 300

_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "ul", "br", "tr", "td", "th", "html",
})
_DROPPED_TAGS = ("script", "style", "noscript", "template", "head", "svg", "iframe", "object")
_SPACE = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|div|p|table|h[1-6])\b",
                         re.IGNORECASE | re.DOTALL)
_MD_TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_MD_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)[^)]*\)")
_MD_MARKS = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?)|\*\*|__|`")
_URL = re.compile(r"https?://[^\s)）\]】,，;；<>\"']+")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•·●○■□◆◇▪]|\d{1,3}[.、)）]|[（(]\d{1,3}[)）]|[一二三四五六七八九十]{1,3}[、.]|"
                        r"第[一二三四五六七八九十\d]+[条章节部分])")
_SENTENCE_FINAL = re.compile(r"[。！？；：!?;:.]\s*$")


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell: its text, and the first web link in it (an SDK list's policy-link column)."""

    text: str
    link: str | None = None


@dataclass(frozen=True, slots=True)
class Table:
    """A table as rows of cells, header row first as written."""

    rows: tuple[tuple[Cell, ...], ...]


Block = str | Table
"""A paragraph, or a table."""


def sniff(data: bytes, source: str) -> str:
    """The format of a policy file: ``pdf``, ``html``, ``markdown`` or ``text`` (content first, then the name)."""
    name = source.lower()
    if data.lstrip()[:5] == b"%PDF-":
        return "pdf"
    if name.endswith((".html", ".htm", ".xhtml")) or _HTML_START.match(_bom_stripped(data)[:4096]):
        return "html"
    if name.endswith((".md", ".markdown")):
        return "markdown"
    return "text"


def _bom_stripped(data: bytes) -> bytes:
    """The bytes an ASCII-compatible sniff can read (UTF-16 is decoded for it)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace").encode("utf-8")
    return data.removeprefix(codecs.BOM_UTF8)


def decode(data: bytes, source: str, html: bool = False) -> str:
    """The text of a policy file: a BOM's encoding, else UTF-8, else an HTML page's declared charset, else GB18030;
    bytes that are none of these, or that decode to control characters, are not a policy."""
    text = None
    if data.startswith(codecs.BOM_UTF8):
        text = _try(data[3:], "utf-8")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _try(data, "utf-16")
    else:
        candidates = ["utf-8"]
        declared = _META_CHARSET.search(data[:4096]) if html else None
        if declared is not None:
            candidates.append(declared.group(1).decode("ascii").lower())
        candidates.append("gb18030")
        for encoding in candidates:
            text = _try(data, encoding)
            if text is not None:
                break
    if text is None or _looks_binary(text):
        raise InputError(f"{source}: not a text, HTML, Markdown or PDF document (unreadable as UTF-8, UTF-16 or "
                         "GB18030)")
    return text


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _looks_binary(text: str) -> bool:
    """NULs, or more than 1% control characters other than whitespace: bytes that happened to decode."""
    sample = text[:65536]
    controls = sum(1 for c in sample if (c < " " and c not in "\t\n\r\f") or "\x7f" <= c < "\xa0")
    return "\x00" in sample or controls > len(sample) / 100


def extract(data: bytes, source: str) -> tuple[str, list[Block]]:
    """The format and the blocks of a policy file (``InputError`` when it is too large or unreadable)."""
    if len(data) > MAX_BYTES:
        raise InputError(f"{source}: {len(data)} bytes: larger than the {MAX_BYTES // (1024 * 1024)} MB a policy "
                         "document may have")
    fmt = sniff(data, source)
    if fmt == "pdf":
        blocks: list[Block] = list(_paragraphs(_pdf_text(data, source).splitlines(), wrapped=True))
    elif fmt == "html":
        blocks = _html_blocks(decode(data, source, html=True))
    elif fmt == "markdown":
        blocks = _markdown_blocks(decode(data, source))
    else:
        blocks = list(_paragraphs(decode(data, source).splitlines(), wrapped=False))
    return fmt, blocks


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _paragraphs(lines: list[str], wrapped: bool) -> Iterator[str]:
    """Lines as paragraphs. A line continues the previous one when that one has no final punctuation and this one
    is no list item, and either starts in lower case (a wrapped English line) or comes from a PDF (``wrapped``),
    whose lines are layout, not structure."""
    current = ""
    for raw in lines:
        line = _clean(raw)
        if not line:
            if current:
                yield current
            current = ""
            continue
        joins = (current and not _SENTENCE_FINAL.search(current) and not _LIST_ITEM.match(line)
                 and (wrapped or line[0].islower()))
        if joins:
            latin = current[-1].isascii() and line[0].isascii()
            current += (" " if latin else "") + line
        else:
            if current:
                yield current
            current = line
    if current:
        yield current


def _pdf_text(data: bytes, source: str) -> str:
    """The text of a PDF through pdfminer.six (the ``policy-pdf`` extra)."""
    with extra_needed("policy-pdf", "reading a PDF policy"):
        from pdfminer.high_level import extract_text
        from pdfminer.pdfparser import PDFSyntaxError
        from pdfminer.psexceptions import PSException
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        return str(extract_text(io.BytesIO(data), maxpages=MAX_PDF_PAGES))
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise InputError(f"{source}: unreadable PDF ({type(exc).__name__}: {exc})") from exc


def _html_blocks(text: str) -> list[Block]:
    """Paragraphs at block-element boundaries, tables as tables; scripts, styles and comments dropped."""
    try:
        root = lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise InputError(f"unreadable HTML ({exc})") from exc
    lxml.etree.strip_elements(root, *_DROPPED_TAGS, lxml.etree.Comment, lxml.etree.ProcessingInstruction,
                              with_tail=False)
    blocks: list[Block] = []
    buffer: list[str] = []

    def flush() -> None:
        paragraph = _clean("".join(buffer))
        if paragraph:
            blocks.append(paragraph)
        buffer.clear()

    def walk(element: lxml.html.HtmlElement) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag == "table":
            flush()
            blocks.append(_html_table(element))
        else:
            if tag in _BLOCK_TAGS:
                flush()
            buffer.append(element.text or "")
            for child in element:
                walk(child)
            if tag in _BLOCK_TAGS:
                flush()
        buffer.append(element.tail or "")

    walk(root)
    flush()
    return blocks


def _html_table(table: lxml.html.HtmlElement) -> Table:
    """A table's rows (nested tables read as their cell's text)."""
    rows = []
    for tr in table.iter("tr"):
        if tr.getparent() is not None and _owning_table(tr) is not table:
            continue
        cells = tuple(Cell(_clean(" ".join(cell.itertext())), _first_link(cell))
                      for cell in tr if isinstance(cell.tag, str) and cell.tag in ("td", "th"))
        if any(c.text for c in cells):
            rows.append(cells)
    return Table(tuple(rows))


def _owning_table(element: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    parent = element.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def _first_link(cell: lxml.html.HtmlElement) -> str | None:
    for anchor in cell.iter("a"):
        href = (anchor.get("href") or "").strip()
        if href.startswith(("http://", "https://")):
            return href
    found = _URL.search(" ".join(cell.itertext()))
    return found.group(0) if found else None


def _markdown_blocks(text: str) -> list[Block]:
    """Markdown: ``| a | b |`` runs as tables, other lines as paragraphs without their markup."""
    blocks: list[Block] = []
    lines: list[str] = []
    rows: list[tuple[Cell, ...]] = []
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.startswith("|"):
            if lines:
                blocks.extend(_paragraphs(lines, wrapped=False))
                lines = []
            if not _MD_TABLE_RULE.match(stripped):
                rows.append(tuple(_md_cell(c) for c in re.split(r"(?<!\\)\|", stripped.strip("|"))))
            continue
        if rows:
            blocks.append(Table(tuple(rows)))
            rows = []
        lines.append(_md_inline(raw))
    if rows:
        blocks.append(Table(tuple(rows)))
    blocks.extend(_paragraphs(lines, wrapped=False))
    return blocks


def _md_inline(text: str) -> str:
    return _MD_MARKS.sub("", _MD_LINK.sub(lambda m: m.group(1), text))


def _md_cell(text: str) -> Cell:
    link, bare = _MD_LINK.search(text), _URL.search(text)
    url = link.group(2) if link else (bare.group(0) if bare else None)
    return Cell(_clean(_md_inline(text.replace("\\|", "|"))), url if url and url.startswith("http") else None)
