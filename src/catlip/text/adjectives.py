"""Two words that spell a WordNet adjective: "Brand New", "HEAVY DUTY", "Medium Sized".

Title-case listings write WordNet's two-word adjectives (``brand-new``, ``heavy-duty``,
``medium-sized``, ``king-size``) as two capitalized words, and a word-by-word labeller reads
their nouns as labels: a trade name, a tax, a means of communication. Only capitalized words
(or a shouted caption's) count: lower-case text is left as it was, where finding the pairs
would cost more than they are worth. :func:`drop_adjective_nouns` finds the pairs in the words
that :func:`catlip.text.web.web_tokens` scanned and puts a barrier in place of their nouns.
Which words may begin or end such an adjective are per-word facts
(:data:`~catlip.text.webwords.HALF_ADJECTIVE`, :data:`~catlip.text.webwords.ADJECTIVE_END`,
from :meth:`WordNetDB.two_word_adjectives
<catlip.wordnet.db.WordNetDB.two_word_adjectives>`), so most captions pay nothing.

Example:
    >>> from catlip.text import SynsetExtractor, synset
    >>> [synset(w).name() for w in SynsetExtractor()("Laptop Backpack! Brand New.")]
    ['laptop.n.01', 'backpack.n.01']
"""

from __future__ import annotations

from functools import reduce
from itertools import compress, count, islice, repeat
from operator import and_, itemgetter, lshift, or_
from typing import TYPE_CHECKING

from catlip.text.function_words import DETERMINERS
from catlip.text.lexicon import BARRIER, Kind
from catlip.text.webwords import ADJECTIVE_END, may_pair
from catlip.wordnet.db import wordnet_db
from catlip.wordnet.senseindex import get_sense_index

if TYPE_CHECKING:
    from catlip.text.lexicon import Lexicon

__all__ = ["adjective_starts", "drop_adjective_nouns"]

_FLAGS = itemgetter(1)

# Before a pair that no noun follows, these make it a noun phrase ('at high speed').
_NOUN_PHRASE_STARTS = frozenset(["a", "an", "the", "at", "in", "on", "of", "with", "by", "from"])
_NOUNS = (Kind.NOUN, Kind.VERBLIKE)
_NOUN_CONTEXT = (Kind.NOUN, Kind.ADJECTIVE)


def adjective_starts(scanned: list[tuple[str | None, int]]) -> list[int]:
    """Where a word that may begin a two-word adjective precedes one that may end one.

    Found in C (``ADJECTIVE_END`` is ``HALF_ADJECTIVE << 1``), so a long caption's words are
    not walked in Python. A caption's first word is capitalized anyway ("Two dogs ..."): it
    counts only before a capitalized second word, and most captions are done at once.

    Args:
        scanned: ``(token, flags)`` of each scanned word, as
            :func:`catlip.text.web.web_tokens` reads them.

    Returns:
        The positions of the first words of the pairs, often ``[]``.
    """
    if len(scanned) < 2:
        return []
    if not scanned[1][1] & ADJECTIVE_END and not may_pair(
        reduce(or_, map(_FLAGS, islice(scanned, 1, None)), 0)
    ):
        return []
    flags = list(map(_FLAGS, scanned))
    shifted = map(lshift, flags, repeat(1))
    meets = map(and_, map(and_, shifted, islice(flags, 1, None)), repeat(ADJECTIVE_END))
    return list(compress(count(), meets))


def drop_adjective_nouns(
    scanned: list[tuple[str | None, int]], starts: list[int], lexicon: Lexicon
) -> list[tuple[str | None, int]]:
    """Drop the nouns of two words that spell a WordNet adjective: 'Brand New', 'HEAVY DUTY'.

    "brand-new", "heavy-duty" and "medium-sized" are adjectives: their nouns (brand, duty,
    medium) are no labels. A number or determiner first ("two-lane", "one-woman") makes an
    adjective only before a noun or adjective, and not with a person: "Two Lane Road", not
    "Two Men and One Woman". No pair begins with a colour ("Blue Collar") or a function word
    ("For Sale"), or ends in a material participle ("Snow Covered": the snow is shown). The
    words' flags say which may pair (capitalized words only).

    Args:
        scanned: ``(token, flags)`` of each scanned word, ``(None, 0)`` for punctuation, as
            :func:`catlip.text.web.web_tokens` reads them.
        starts: The positions where a word that may begin such an adjective
            (:data:`~catlip.text.webwords.HALF_ADJECTIVE`) precedes one that may end one
            (:data:`~catlip.text.webwords.ADJECTIVE_END`).
        lexicon: The tables of the extractor.

    Returns:
        ``scanned`` itself when no word goes (most captions), else a changed copy.
    """
    out = scanned
    pairs = wordnet_db().two_word_adjectives()
    last = len(scanned) - 1
    for k in starts:
        first = scanned[k][0]
        second = scanned[k + 1][0]
        if first is None or second is None or second not in pairs.get(first, ()):
            continue
        after = scanned[k + 2][0] if k < last - 1 else None
        noun_after = after is not None and lexicon.analyze(after).kind in _NOUN_CONTEXT
        if first in DETERMINERS and (not noun_after or _is_person(second, lexicon)):
            continue  # 'one woman and two men', 'one man points'
        if not noun_after and k and scanned[k - 1][0] in _NOUN_PHRASE_STARTS:
            continue  # 'at high speed': a noun phrase
        for j, token in ((k, first), (k + 1, second)):
            if j > k and after is not None and f"{token}_{after}" in lexicon.compound_pairs:
                continue  # 'full face mask': the face mask stays
            if lexicon.analyze(token).kind in _NOUNS:
                out = out if out is not scanned else list(scanned)
                out[j] = (BARRIER, scanned[j][1])
    return out


def _is_person(token: str, lexicon: Lexicon) -> bool:
    """Whether ``token``'s noun sense is a person ('man', 'woman')."""
    info = lexicon.analyze(token)
    if info.wnid is None or info.lemma is None:
        return False
    offset = int(info.wnid[1:])
    senses = get_sense_index().noun_senses(info.lemma)
    return any(s.offset == offset and s.lexname in ("noun.person", "noun.Tops") for s in senses)
