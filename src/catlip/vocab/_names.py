"""Human-readable names of synsets (``n02084071`` -> ``dog.n.01``), from WordNet."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["synset_names"]


def synset_names(wnids: Iterable[str]) -> tuple[str, ...]:
    """Return the WordNet name of each wnid, ``"?"`` for ids that are not WordNet 3.0 nouns."""
    from catlip.text.senseindex import noun_synset_name

    names: list[str] = []
    for wnid in wnids:
        try:
            names.append(noun_synset_name(int(wnid[1:])))
        except (KeyError, ValueError):
            names.append("?")
    return tuple(names)
