"""WordNet's sense index in memory: a lemma's senses, lexicographer files and tagged counts.

WordNet's ``index.sense`` lists every sense key (``dog%1:05:00::``) with its synset offset, sense
number and tagged (SemCor) count, sorted by key; the key names the part of speech and the
lexicographer file. The file is read once (a few milliseconds) and searched by bisection, so the
extractor can pick senses and filter parts of speech for a new word without loading synsets.

Example:
    >>> index = get_sense_index()
    >>> index.noun_senses("kite")[2]  # kite.n.03, the toy
    NounSense(offset=3621473, lexname='noun.artifact', tagged=0)
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left
from typing import NamedTuple

from catlip.errors import MissingResourceError
from catlip.resources import wordnet

__all__ = ["NounSense", "SenseIndex", "capitalized_lemmas", "get_sense_index"]


class NounSense(NamedTuple):
    """One noun sense of a lemma: synset offset, lexicographer file name, tagged (SemCor) count."""

    offset: int
    lexname: str
    tagged: int


class _Entry(NamedTuple):
    nouns: tuple[NounSense, ...]
    noun_count: int
    verb_count: int
    modifier_count: int


_EMPTY = _Entry((), 0, 0, 0)


class SenseIndex:
    """Noun senses per lemma (in WordNet sense order) and verb / adjective+adverb counts.

    Args:
        text: The contents of WordNet's ``index.sense``.
        lexnames: WordNet's lexicographer file names, by number.
    """

    def __init__(self, text: str, lexnames: list[str]) -> None:
        lines = text.splitlines()
        if any(lines[k] > lines[k + 1] for k in range(0, len(lines) - 1, 997)):
            lines.sort()  # bisection needs key order; the Princeton file already has it
        self._lines = lines
        self._lexnames = lexnames
        self._memo: dict[str, _Entry] = {}

    def _entry(self, lemma: str) -> _Entry:
        entry = self._memo.get(lemma)
        if entry is not None:
            return entry
        prefix = lemma + "%"
        lines = self._lines
        position = bisect_left(lines, prefix)
        nouns: list[tuple[int, NounSense]] = []
        verb = modifier = 0
        while position < len(lines) and lines[position].startswith(prefix):
            fields = lines[position].split(" ")
            position += 1
            if len(fields) != 4:
                continue
            key, offset, number, count = fields
            kind = key[len(prefix)]
            if kind == "1":
                lexname = self._lexnames[int(key[len(prefix) + 2 : len(prefix) + 4])]
                nouns.append((int(number), NounSense(int(offset), lexname, int(count))))
            elif kind == "2":
                verb += int(count)
            else:
                modifier += int(count)
        nouns.sort(key=lambda pair: pair[0])
        senses = tuple(sense for _, sense in nouns)
        entry = (
            _Entry(senses, sum(s.tagged for s in senses), verb, modifier)
            if (senses or verb or modifier)
            else _EMPTY
        )
        self._memo[lemma] = entry
        return entry

    def noun_senses(self, lemma: str) -> tuple[NounSense, ...]:
        """Noun senses of ``lemma`` (lowercase, ``_`` between words), most frequent first."""
        return self._entry(lemma).nouns

    def noun_count(self, lemma: str) -> int:
        """Tagged count of ``lemma`` over all its noun senses."""
        return self._entry(lemma).noun_count

    def verb_count(self, lemma: str) -> int:
        """Tagged count of ``lemma`` as a verb."""
        return self._entry(lemma).verb_count

    def modifier_count(self, lemma: str) -> int:
        """Tagged count of ``lemma`` as an adjective or adverb."""
        return self._entry(lemma).modifier_count


_index: SenseIndex | None = None
_lock = threading.Lock()


def get_sense_index() -> SenseIndex:
    """Return the process-wide :class:`SenseIndex`, reading WordNet's ``index.sense`` once.

    Raises:
        MissingResourceError: The WordNet installation has no readable ``index.sense``.
    """
    global _index
    if _index is None:
        with _lock:
            if _index is None:
                reader = wordnet()
                try:
                    with reader.open("index.sense") as handle:
                        text = handle.read()
                except OSError as exc:
                    raise MissingResourceError(
                        f"WordNet's index.sense is missing or unreadable ({exc}): reinstall "
                        "WordNet with `catlip download` or `python -m nltk.downloader wordnet`."
                    ) from None
                if isinstance(text, bytes):
                    text = text.decode("utf-8")
                _index = SenseIndex(text, list(reader._lexnames))
    return _index


# A word field of a data.noun line: the word (here: one with a capital), then its 1-hex-digit
# lex_id. Glosses can match too; that only costs a synset read later, never a wrong answer.
_CAPITALIZED_WORD = re.compile(r"(?<= )([^ |]*[A-Z][^ |]*)(?= [0-9a-f] )")
_capitalized: frozenset[str] | None = None


def capitalized_lemmas() -> frozenset[str]:
    """Lowercased noun lemmas that WordNet spells with a capital in some synset (``white``).

    Only these words can have proper-noun senses, so only their synsets need reading to apply
    the common-nouns rule. Built once per process from ``data.noun`` (about 0.2 s).
    """
    global _capitalized
    if _capitalized is None:
        with _lock:
            if _capitalized is None:
                with wordnet().open("data.noun") as handle:
                    text = handle.read()
                if isinstance(text, bytes):
                    text = text.decode("utf-8")
                words = _CAPITALIZED_WORD.findall(text)
                _capitalized = frozenset(word.lower() for word in words)
    return _capitalized
