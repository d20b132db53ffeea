"""WordNet's sense index in memory: a lemma's senses, lexicographer files and tagged counts.

WordNet's ``index.sense`` lists every sense key (``dog%1:05:00::``) with its synset offset, sense
number and tagged (SemCor) count, sorted by key; the key names the part of speech and the
lexicographer file. The file is read once (a few milliseconds) and searched by bisection, so the
extractor can pick senses and filter parts of speech for a new word without loading synsets.

Example:
    >>> from catlip.wordnet.senseindex import get_sense_index
    >>> index = get_sense_index()
    >>> index.noun_senses("kite")[2]  # kite.n.03, the toy
    NounSense(offset=3621473, lexname='noun.artifact', tagged=0)
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Callable
from operator import itemgetter
from typing import NamedTuple

from catlip.wordnet import _bundle
from catlip.wordnet.db import wordnet_db

__all__ = ["NounSense", "SenseIndex", "get_sense_index"]


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
_FIRST, _SECOND, _TAGGED = itemgetter(0), itemgetter(1), itemgetter(2)


class SenseIndex:
    """Noun senses per lemma (in WordNet sense order) and verb / adjective+adverb counts.

    Args:
        text: The contents of WordNet's ``index.sense``.
        lexnames: WordNet's lexicographer file names, by number.
        known: Whether a lemma is in ``text`` at all (a set look-up that spares the search
            for the many words WordNet does not have); ``None``: always search.
    """

    def __init__(
        self, text: str, lexnames: list[str], *, known: Callable[[str], bool] | None = None
    ) -> None:
        lines = text.splitlines()
        if any(lines[k] > lines[k + 1] for k in range(0, len(lines) - 1, 997)):
            lines.sort()  # bisection needs key order; the Princeton file already has it
        self._lines = tuple(lines)  # the garbage collector soon skips a tuple
        self._lexnames = {f"{number:02d}": name for number, name in enumerate(lexnames)}
        self._known = known
        # One entry per lemma looked up (at most WordNet's lemmas, when ``known`` is given).
        self._memo: dict[str, _Entry] = {}

    def _entry(self, lemma: str) -> _Entry:
        entry = self._memo.get(lemma)
        if entry is not None:
            return entry
        known = self._known
        if known is not None and not known(lemma):
            return _EMPTY  # most unknown words: no search, and nothing kept
        prefix = lemma + "%"
        cut = len(prefix)
        lines = self._lines
        position = bisect_left(lines, prefix)
        nouns: list[tuple[int, NounSense]] = []
        verb = modifier = 0
        end = len(lines)
        while position < end and lines[position].startswith(prefix):
            fields = lines[position].split(" ")
            position += 1
            if len(fields) != 4:
                continue
            key = fields[0]
            kind = key[cut]
            if kind == "1":
                lexname = self._lexnames[key[cut + 2 : cut + 4]]
                sense = NounSense(int(fields[1]), lexname, int(fields[3]))
                nouns.append((int(fields[2]), sense))
            elif kind == "2":
                verb += int(fields[3])
            else:
                modifier += int(fields[3])
        if len(nouns) > 1:
            nouns.sort(key=_FIRST)
        senses = tuple(map(_SECOND, nouns))
        entry = (
            _Entry(senses, sum(map(_TAGGED, senses)), verb, modifier)
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
        MissingResourceError: The bundled WordNet is missing or corrupt.
    """
    global _index
    if _index is None:
        with _lock:
            if _index is None:
                _bundle.prefetch("index.sense")  # inflates while WordNet's other files load
                db = wordnet_db()
                _index = SenseIndex(
                    _bundle.read("index.sense").decode("utf-8"),
                    list(db.lexnames),
                    known=db.is_lemma,
                )
    return _index
