"""Human-readable names of synsets (``n02084071`` -> ``dog.n.01``), from WordNet."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["synset_names"]


def synset_names(wnids: Iterable[str]) -> tuple[str, ...]:
    """Return the WordNet name of each wnid, ``"?"`` for ids that are not WordNet 3.0 nouns."""
    from nltk.corpus.reader.wordnet import WordNetError

    from catlip.resources import wordnet

    reader = wordnet()
    names: list[str] = []
    for wnid in wnids:
        try:
            names.append(str(reader.synset_from_pos_and_offset("n", int(wnid[1:])).name()))
        except (WordNetError, ValueError, AttributeError):
            names.append("?")
    return tuple(names)
