"""Sentences, words and term matching: where a policy's text meets the vocabulary.

Chinese has no spaces, so a synonym found as a substring may sit inside another word (位置 in 安装位置, 短信 in
短信验证码). Synonyms of data types therefore match only on whole segmenter tokens: jieba, with every synonym and
every ``not_within`` word added to its dictionary, cuts the text, and a match must start and end on a cut wherever
it meets Chinese on that side. Latin terms match whole words, case-insensitively. Cue words are matched as plain
substrings (on word boundaries for Latin ones): a cue inside a longer word still signals the same thing.

jieba builds its prefix dictionary once per process (about a second; a marshal cache in the user's cache folder
makes later processes faster). It is never pointed at the shared temporary folder: a cache there could be
planted by another user, and a read-only cache folder only means no cache.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from appscan.cache import user_cache_dir
from appscan.policy.terms import CUES, PolicyTerms

if TYPE_CHECKING:
    import jieba

__all__ = ["Match", "Matcher", "Vocabulary", "sentences", "vocabulary"]

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_JIEBA_WORD = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+")
"""What jieba can hold as one dictionary word (its ``re_han_default``): terms with spaces it never cuts out."""

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|(?<=[a-z0-9)\]]\.)(?=\s+[A-Z(\"“])|(?<=\.)(?=\s*$)")
"""After CJK or Latin end punctuation; a Latin full stop only before a capital (not in ``e.g. the`` or ``1.2``)."""


def sentences(paragraph: str) -> list[str]:
    """A paragraph cut into sentences at 。！？；; and English . ! ?, stripped, empty ones dropped."""
    return [s.strip() for s in _SENTENCE_END.split(paragraph) if s and s.strip()]


def _lower(text: str) -> str:
    """ASCII lower case only: the same length as ``text``, so offsets stay valid (str.lower may not)."""
    return text.translate(_ASCII_LOWER)


def _word_char(c: str) -> bool:
    return c.isascii() and c.isalnum()


@dataclass(frozen=True, slots=True)
class Match:
    """One term found in a text: ``[start, end)`` and the key it stands for (a data type id or a cue class)."""

    start: int
    end: int
    key: str


class Matcher:
    """Finds the terms of many keys in a text, leftmost-longest and without overlaps.

    A first-character index keeps this linear in the text for hundreds of terms (a regular expression with
    hundreds of alternatives is not). ``tokens`` turns on the whole-token rule for Chinese (module docstring).
    """

    def __init__(self, terms: Iterable[tuple[str, str]], masks: Iterable[str] = (), tokens: bool = False) -> None:
        self._by_first: dict[str, list[tuple[str, str]]] = {}
        for term, key in sorted({(_lower(t), k) for t, k in terms}, key=lambda tk: (-len(tk[0]), tk)):
            self._by_first.setdefault(term[0], []).append((term, key))
        self._masks = tuple(sorted({_lower(m) for m in masks}, key=len, reverse=True))
        self._tokens = tokens

    def find(self, text: str, cuts: frozenset[int] | None = None) -> list[Match]:
        """Every match in ``text``; ``cuts`` are the segmenter's token boundaries (needed when ``tokens``)."""
        low = _lower(text)
        masks = self._mask_spans(low)
        found: list[Match] = []
        i = 0
        while i < len(low):
            match = self._at(text, low, i, masks, cuts)
            if match is None:
                i += 1
            else:
                found.append(match)
                i = match.end
        return found

    def keys(self, text: str, cuts: frozenset[int] | None = None) -> set[str]:
        """The keys found in ``text``."""
        return {m.key for m in self.find(text, cuts)}

    def _at(self, text: str, low: str, i: int, masks: list[tuple[int, int]],
            cuts: frozenset[int] | None) -> Match | None:
        for term, key in self._by_first.get(low[i], ()):
            end = i + len(term)
            if low.startswith(term, i) and self._boundary(text, i, cuts) and self._boundary(text, end, cuts) \
                    and not any(s <= i and end <= e and e - s > end - i for s, e in masks):
                return Match(i, end, key)
        return None

    def _boundary(self, text: str, pos: int, cuts: frozenset[int] | None) -> bool:
        """Whether a term may start or end at ``pos``: not inside a Latin word, and on a token cut between two
        Chinese characters when whole tokens are required."""
        if pos <= 0 or pos >= len(text):
            return True
        before, after = text[pos - 1], text[pos]
        if _word_char(before) and _word_char(after):
            return False
        if self._tokens and cuts is not None and _HAN.match(before) and _HAN.match(after):
            return pos in cuts
        return True

    def _mask_spans(self, low: str) -> list[tuple[int, int]]:
        """Where the ``not_within`` words occur: a shorter term inside one of them is no match."""
        spans: list[tuple[int, int]] = []
        for mask in self._masks:
            start = low.find(mask)
            while start >= 0:
                spans.append((start, start + len(mask)))
                start = low.find(mask, start + 1)
        return spans


@dataclass(frozen=True)
class Vocabulary:
    """A ``PolicyTerms`` compiled: the segmenter with the terms in its dictionary, and one matcher per use."""

    tokenizer: jieba.Tokenizer
    data_types: Matcher
    cues: dict[str, Matcher]

    def cuts(self, text: str) -> frozenset[int]:
        """Token boundaries of ``text`` (offsets where jieba cuts)."""
        bounds: set[int] = set()
        for _, start, end in self.tokenizer.tokenize(text, HMM=False):
            bounds.add(start)
            bounds.add(end)
        return frozenset(bounds)

    def data_type_matches(self, text: str) -> list[Match]:
        """Data-type synonyms in ``text``, each on whole tokens."""
        return self.data_types.find(text, self.cuts(text) if _HAN.search(text) else None)

    def has(self, cue: str, text: str) -> bool:
        """Whether ``text`` holds a word of cue class ``cue``."""
        return bool(self.cues[cue].find(text))

    def first(self, cue: str, text: str) -> Match | None:
        """The first word of cue class ``cue`` in ``text``."""
        found = self.cues[cue].find(text)
        return found[0] if found else None

    def longest(self, text: str, classes: Iterable[str]) -> str | None:
        """Of ``classes``, the one whose longest word found in ``text`` is longest (ties: the first class given);
        how a table header is given its column role (公司名称 is a company, not a name, column)."""
        best: tuple[int, str] | None = None
        for cue in classes:
            length = max((m.end - m.start for m in self.cues[cue].find(text)), default=0)
            if length and (best is None or length > best[0]):
                best = (length, cue)
        return None if best is None else best[1]


def _segmenter_words(terms: PolicyTerms) -> Iterator[str]:
    """Synonyms and masks jieba can hold as words (Chinese ones: Latin words are whole already)."""
    for word in (*[t for ts in terms.data_types.values() for t in ts], *terms.not_within):
        if _HAN.search(word) and _JIEBA_WORD.fullmatch(word):
            yield word


@functools.lru_cache(maxsize=4)
def vocabulary(terms: PolicyTerms) -> Vocabulary:
    """The compiled vocabulary of ``terms``, built once per process and vocabulary (jieba's dictionary load).

    jieba is imported here, not at module level: its import alone costs a fifth of a second that a scan without a
    policy should not pay."""
    import jieba

    logging.getLogger("jieba").setLevel(logging.CRITICAL)  # its progress lines and cache-dump tracebacks are not ours

    tokenizer = jieba.Tokenizer()
    cache = user_cache_dir("jieba")
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass  # read-only or absent home: jieba then rebuilds its dictionary each process, and says nothing
    tokenizer.tmp_dir = str(cache)
    tokenizer.initialize()
    for word in sorted(set(_segmenter_words(terms))):
        tokenizer.add_word(word)
    data_types = Matcher(((t, key) for key, ts in terms.data_types.items() for t in ts), terms.not_within,
                         tokens=True)
    cues = {cue: Matcher((t, cue) for t in terms.cue(cue)) for cue in CUES}
    return Vocabulary(tokenizer, data_types, cues)
