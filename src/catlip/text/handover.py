"""Word analyses handed between the processes of one run, so each word is analysed about once.

Every process of a counting run meets most of the corpus's words, and a word's first analysis
(base forms, senses, multiword nouns, facts as written) costs about 40 us against well under 1 us
for a memo hit: alone, each of N processes would analyse every word. So each process hands on what
it analysed since the last time (:func:`learned`) and takes the others' (:func:`adopt`), through
:meth:`catlip._part.Part.share`. Every memo handed on is a pure function of its key, so an
adopted analysis is the one the process would have made itself: labels do not change.

Example:
    >>> from catlip.text.lexicon import Lexicon, LexiconOptions
    >>> here, there = Lexicon(LexiconOptions()), Lexicon(LexiconOptions())
    >>> _ = here.analyze("cookies")
    >>> adopt(there, learned(here))
    >>> there.memo["cookies"] == here.memo["cookies"]
    True
"""

from __future__ import annotations

from itertools import islice
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from catlip.text.lexicon import Lexicon

__all__ = ["Learned", "adopt", "learned"]

Learned = list[list[tuple[Any, Any]]]
"""New ``(key, value)`` entries, one list per memo of :meth:`Lexicon.handover_memos`."""


def learned(lexicon: Lexicon) -> Learned:
    """What ``lexicon`` analysed since the last call (or ever), for another process to adopt.

    Memos keep insertion order, so what is new is what follows the point reached the time before;
    it is read from the end, at the cost of the new entries alone.
    """
    marks = lexicon.handed_on
    news = []
    for k, memo in enumerate(lexicon.handover_memos()):
        new = len(memo) - marks[k] if marks[k] <= len(memo) else len(memo)  # cleared: all of it
        entries = list(islice(reversed(memo.items()), new))
        entries.reverse()
        news.append(entries)
        marks[k] = len(memo)
    return news


def adopt(lexicon: Lexicon, analyses: Learned) -> None:
    """Add another process's :func:`learned` analyses to ``lexicon``'s memos.

    Entries ``lexicon`` already has are kept, and adopted ones are not handed on again by
    :func:`learned`. Nothing is adopted where a memo would pass half of ``max_memo`` (the other
    half is left to the words met here: a full memo is cleared).
    """
    memos = lexicon.handover_memos()
    limit = lexicon.options.max_memo // 2
    if any(len(m) + len(e) >= limit for m, e in zip(memos, analyses, strict=True)):
        return
    marks = lexicon.handed_on
    for k, (memo, entries) in enumerate(zip(memos, analyses, strict=True)):
        caught_up = marks[k] == len(memo)
        fresh = [(key, value) for key, value in entries if key not in memo]
        memo.update(fresh)
        if k == 0 and lexicon.options.compounds:  # what Lexicon.analyze adds beside its memo
            for token, _ in fresh:
                lexicon.add_compounds(token)
        if caught_up:
            marks[k] = len(memo)
