"""Web alt-text rules for nouns used as verbs: "Order your pair ...", "The Walking Dead".

WordNet's tagged corpus tells the lexicon (:mod:`catlip.text.lexicon`) how often a word is a
noun, but not how this caption uses it. Three caption passes of :func:`catlip.text.web.web_tokens`
read the syntax around a word that is as much a verb, each run only when the words' memoized
flags (:mod:`catlip.text.webwords`) call for it, and put a barrier in place of the verb:

1. **Commands.** A capitalized noun that is as much a verb (flag ``COMMAND``), first in the
   caption or after punctuation, right before a word that starts an object or complement
   (:data:`~catlip.text.webwords.OBJECT_WORDS`: ``your``, ``the``, ``it``, ``to``): "Order
   your pair of trendy safety shoes", "Villa 33 - Walk to beautiful Choeng Mon Beach".
2. **After a subject.** A verb's base form (flag ``VERB``) right after a subject pronoun or an
   auxiliary (:data:`~catlip.text.webwords.SUBJECT_WORDS`): "Before you shop", "the points
   don't matter".
3. **Verb-only '-ing' forms.** A capitalized '-ing' form that WordNet nearly always tags as a
   verb (flag ``GERUND``) after a determiner or adjective, where the lexicon would read it as a
   noun, unless it starts a WordNet multiword noun: "The Walking Dead".

The capitalized-only rules leave lower-case text alone: there nearly every caption has such a
word ("a dog running"), and the passes would cost more than they find.

Each pass takes the caption's words (``found``, "" for punctuation) and their ``(token, flags)``
and returns the list itself when no word goes, else a changed copy.

Example:
    >>> from catlip.text import SynsetExtractor, synset
    >>> [synset(w).name() for w in SynsetExtractor()("Order your pair of safety shoes")]
    ['safety.n.01', 'shoe.n.01']
"""

from __future__ import annotations

from itertools import compress, count, repeat
from operator import and_, itemgetter, not_
from typing import TYPE_CHECKING, cast

from catlip.text.lexicon import BARRIER
from catlip.text.webwords import COMMAND, CONTEXT, GERUND, OBJECT, SUBJECT, VERB

if TYPE_CHECKING:
    from collections.abc import Callable

    from catlip.text.lexicon import Lexicon

__all__ = ["after_subjects", "commands", "gerunds"]

_FLAGS: Callable[[tuple[str | None, int]], int] = itemgetter(1)


def commands(
    found: list[str], scanned: list[tuple[str | None, int]]
) -> list[tuple[str | None, int]]:
    """Drop a command's verb: 'Order your pair of ...', '- Walk to the beach' are no order, walk.

    A word flagged ``COMMAND`` that begins the caption or a phrase
    (after punctuation) and comes right before a word that starts an object or complement
    (``your``, ``to``: :data:`~catlip.text.webwords.OBJECT_WORDS`) is a verb. Returns
    ``scanned`` itself when no word goes, else a changed copy.
    """
    out = scanned
    last = len(found) - 1
    # The first word and each word after punctuation ("" in found).
    for k in (0, *compress(count(1), map(not_, found))):
        if k < last and scanned[k][1] & COMMAND and scanned[k + 1][1] & OBJECT:
            out = out if out is not scanned else list(scanned)
            out[k] = (BARRIER, scanned[k][1])
    return out


def after_subjects(scanned: list[tuple[str | None, int]]) -> list[tuple[str | None, int]]:
    """Drop a verb after its subject or auxiliary: 'Before you shop', "the points don't matter".

    A word flagged ``VERB`` right after one of
    :data:`~catlip.text.webwords.SUBJECT_WORDS` is that verb. Returns ``scanned`` itself when no
    word goes, else a changed copy.
    """
    out = scanned
    last = len(scanned) - 1
    for k in compress(count(1), map(and_, map(_FLAGS, scanned), repeat(SUBJECT))):
        if k <= last and scanned[k][1] & VERB:
            out = out if out is not scanned else list(scanned)
            out[k] = (BARRIER, scanned[k][1])
    return out


def gerunds(
    scanned: list[tuple[str | None, int]], lexicon: Lexicon
) -> list[tuple[str | None, int]]:
    """Drop '-ing' forms that are verbs where a noun would be read: 'The Walking Dead'.

    A word flagged ``GERUND`` is read as a noun only after a determiner
    or adjective (:mod:`catlip.text.lexicon`); it goes there, unless it starts a WordNet
    multiword noun with the next word ('the walking stick', 'a swimming pool'). Returns
    ``scanned`` itself when no word goes, else a changed copy.
    """
    out = scanned
    # The flagged words, found without a Python loop over the caption.
    for k in compress(count(), map(and_, map(_FLAGS, scanned), repeat(GERUND))):
        j = k - 1
        while j >= 0 and scanned[j][0] is None:  # punctuation: the word before it
            j -= 1
        if j < 0 or not scanned[j][1] & CONTEXT:
            continue
        token = cast("str", scanned[k][0])
        after = next((t for t, _ in scanned[k + 1 :] if t is not None), None)
        if after is None or token + "_" + after not in lexicon.compound_pairs:
            out = out if out is not scanned else list(scanned)
            out[k] = (BARRIER, scanned[k][1])
    return out
