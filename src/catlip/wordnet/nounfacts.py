"""Facts about WordNet 3.0's nouns, computed ahead of time: ``data/wordnet_noun_facts.txt.gz``.

A new caption word's first analysis asks two questions that otherwise read ``data.noun`` or
search the sorted noun lemmas: is this synset a named individual (an instance: the first sense of
``ford`` is John Ford), and does any multiword noun start with this word (``fire_hydrant``). Two
sets answer them: the 7,730 instance synsets' offsets and the 18,460 words that start a
multiword noun, shipped as package data (``tools/wordnet_noun_facts.py`` writes it) and loaded
with the database in a few milliseconds; :meth:`~catlip.wordnet.db.WordNetDB.noun_facts` computes
them from the database files (the tests check that the shipped file is exactly that).

Example:
    >>> facts = load_noun_facts()
    >>> 10975304 in facts.instances, "fire" in facts.compound_starts  # John Ford; fire_hydrant
    (True, True)
"""

from __future__ import annotations

import importlib.resources
import os
import zlib
from typing import NamedTuple

from catlip.errors import MissingResourceError

__all__ = ["FACTS_FILE", "NounFacts", "load_noun_facts", "write_noun_facts"]

FACTS_FILE = "wordnet_noun_facts.txt.gz"
"""The file's name in ``catlip/data``."""

_HEADER = "# catlip: WordNet 3.0 instance noun synsets (offsets); first words of multiword nouns"


class NounFacts(NamedTuple):
    """Named individuals among the noun synsets, and the words that start a multiword noun."""

    instances: frozenset[int]
    compound_starts: frozenset[str]


def load_noun_facts() -> NounFacts:
    """Read the shipped facts (a few milliseconds).

    Raises:
        MissingResourceError: The file is missing or corrupt (a damaged installation).
    """
    try:
        data = importlib.resources.files("catlip") / "data" / FACTS_FILE
        # zlib reads the gzip format (wbits 31) and is imported already: gzip's module is not.
        text = zlib.decompress(data.read_bytes(), wbits=31).decode()
        header, instances, starts = text.split("\n")
        if header != _HEADER:
            raise ValueError("unexpected header")
        return NounFacts(frozenset(map(int, instances.split())), frozenset(starts.split()))
    except (OSError, zlib.error, ValueError) as exc:
        raise MissingResourceError(
            f"catlip's WordNet noun facts ({FACTS_FILE}) are missing or corrupt ({exc}): "
            "reinstall catlip."
        ) from None


def write_noun_facts(facts: NounFacts, path: str | os.PathLike[str]) -> None:
    """Write ``facts`` (:meth:`~catlip.wordnet.db.WordNetDB.noun_facts`) as the package data.

    Example:
        >>> from catlip.wordnet.db import wordnet_db
        >>> write_noun_facts(wordnet_db().noun_facts(), "/tmp/facts.txt.gz")  # doctest: +SKIP
    """
    lines = [
        _HEADER,
        " ".join(map(str, sorted(facts.instances))),
        " ".join(sorted(facts.compound_starts)),
    ]
    import gzip  # only here: loading needs zlib alone

    from catlip.vocab._io import atomic_write  # the vocabulary layer's writer, only here

    payload = gzip.compress("\n".join(lines).encode(), 9, mtime=0)
    with atomic_write(path, binary=True) as out:  # never a half-written package file
        out.write(payload)
