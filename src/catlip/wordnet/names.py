"""Synset names (``dog.n.01``): the one place catlip names noun synsets, and reads names back.

A name is NLTK's: the synset's first word (lowercase), ``n``, and the synset's position among that
word's noun senses. :func:`synset_name` computes it from the bundled files without NLTK, and
gives exactly ``Synset.name()`` for every noun synset of WordNet 3.0 (a test checks all 82,115).

Example:
    >>> from catlip.wordnet import synset_name, synset_offset
    >>> synset_name(2084071), synset_offset("kite.n.03")
    ('dog.n.01', 3621473)
"""

from __future__ import annotations

from collections.abc import Iterable

from catlip.wordnet.db import wordnet_db
from catlip.wordnet.senseindex import get_sense_index

__all__ = ["synset_name", "synset_names", "synset_offset"]


def synset_name(offset: int) -> str:
    """Return the name of noun synset ``offset`` (NLTK's ``Synset.name()``).

    Args:
        offset: A WordNet 3.0 noun offset (``Synset.offset()``, a wnid's digits).

    Raises:
        KeyError: No noun synset starts at ``offset``.

    Example:
        >>> from catlip.wordnet import synset_name
        >>> synset_name(2084071)
        'dog.n.01'
    """
    first = wordnet_db().noun_words(offset)[0].lower()
    offsets = [sense.offset for sense in get_sense_index().noun_senses(first)]
    if offset not in offsets:
        raise KeyError(offset)
    return f"{first}.n.{offsets.index(offset) + 1:02d}"


def synset_offset(name: str) -> int:
    """Return the offset of noun synset ``name`` (``"kite.n.03"``), read as NLTK reads names.

    Raises:
        KeyError: ``name`` is not the name of a WordNet 3.0 noun synset.

    Example:
        >>> from catlip.wordnet import synset_offset
        >>> synset_offset("kite.n.03")
        3621473
    """
    if name.count(".") < 2:
        raise KeyError(name)
    lemma, pos, number = name.lower().rsplit(".", 2)
    senses = get_sense_index().noun_senses(lemma) if pos == "n" else ()
    if not number.isdigit() or not 1 <= int(number) <= len(senses):
        raise KeyError(name)
    return senses[int(number) - 1].offset


def synset_names(wnids: Iterable[str]) -> tuple[str, ...]:
    """Return the name of each wnid, ``"?"`` for ids that are not WordNet 3.0 noun synsets.

    Example:
        >>> from catlip.wordnet import synset_names
        >>> synset_names(["n02084071", "n00000001"])
        ('dog.n.01', '?')
    """
    names: list[str] = []
    for wnid in wnids:
        try:
            names.append(synset_name(int(wnid[1:])))
        except (KeyError, ValueError):
            names.append("?")
    return tuple(names)
