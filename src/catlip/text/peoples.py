"""Peoples and nationalities inside capitalized text: "Great Sioux War", "Yuan Tai".

WordNet writes the person nouns that name a people, a nationality or a member of a named group
capitalized ("Finn", "Sioux", "Thai", "Yankee"). In web alt-text such a word next to another
capitalized word is part of a name or a title ("Huckleberry Finn", "Maya Gold") or an adjective
("Indian Cinema", "Czech Moravia"), not a person in the picture. The per-word fact is
:data:`~catlip.text.webwords.PEOPLE`; :func:`drop_peoples` reads the neighbours.

Example:
    >>> from catlip.text import SynsetExtractor, synset
    >>> [synset(w).name() for w in SynsetExtractor()("Great Sioux War orders of battle")]
    ['war.n.01', 'order.n.01', 'battle.n.01']
"""

from __future__ import annotations

from itertools import compress, count, repeat
from operator import and_, itemgetter
from typing import TYPE_CHECKING

from catlip.text.function_words import DETERMINERS, FUNCTION_WORDS
from catlip.text.lexicon import BARRIER
from catlip.text.webwords import CAPITAL, PEOPLE

if TYPE_CHECKING:
    from catlip.text.lexicon import Lexicon

__all__ = ["drop_peoples"]

_FLAGS = itemgetter(1)


def drop_peoples(
    scanned: list[tuple[str | None, int]], lexicon: Lexicon
) -> list[tuple[str | None, int]]:
    """Drop a people or nationality inside capitalized words: 'Great Sioux War', 'Yuan Tai'.

    Next to another capitalized word it is part of a name or a title ("Huckleberry Finn",
    "Maya Gold") or an adjective ("Indian Cinema"); not inside a WordNet multiword noun
    ("German Shepherd").

    Args:
        scanned: ``(token, flags)`` of each scanned word, ``(None, 0)`` for punctuation, as
            :func:`catlip.text.web.web_tokens` reads them.
        lexicon: The tables of the extractor.

    Returns:
        ``scanned`` itself when no word goes, else a changed copy.
    """
    out = scanned
    pairs = lexicon.compound_pairs
    last = len(scanned) - 1
    flagged = map(and_, map(_FLAGS, scanned), repeat(PEOPLE))  # in C: long captions
    for k in compress(count(), flagged):
        token, flag = scanned[k]
        if token is None:
            continue
        before = scanned[k - 1] if k else (None, 0)
        after = scanned[k + 1] if k < last else (None, 0)
        if (_capitalized_word(before) or _capitalized_word(after)) and not (
            f"{before[0]}_{token}" in pairs or f"{token}_{after[0]}" in pairs
        ):
            out = out if out is not scanned else list(scanned)
            out[k] = (BARRIER, flag)
    return out


def _capitalized_word(scanned_word: tuple[str | None, int]) -> bool:
    """Whether a scanned word is capitalized and no function word ('Cinema', not 'A')."""
    token, flag = scanned_word
    return bool(flag & CAPITAL) and token not in FUNCTION_WORDS and token not in DETERMINERS
