"""Match a free-text label or synset to candidate wnids by WordNet path similarity.

This is the paper's label <-> vocabulary matching: a downstream class name (``"tabby cat"``) is
resolved to a synset, then to the most path-similar candidate wnid in the pretraining vocabulary.

Example:
    >>> match_synset("puppy", ["n02084071", "n02121808"])
    ('n02084071', 0.5)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from catlip.wordnet import format_wnid, is_wnid, synset
from catlip.wordnet import reader as wordnet

__all__ = ["match_synset", "resolve_label"]


def resolve_label(label: str) -> Any | None:
    """Return the noun synset a free-text label names, or ``None``.

    The label is lowercased and its words joined with ``_`` (``"Traffic light"`` ->
    ``traffic_light``); WordNet's morphology then finds the base form. A wnid string is accepted
    too. The first noun sense wins.

    Example:
        >>> resolve_label("Traffic lights").name()
        'traffic_light.n.01'
    """
    if not isinstance(label, str):
        raise TypeError(f"label must be a str, got {type(label).__name__}")
    text = label.strip()
    if is_wnid(text):
        return synset(text)
    key = "_".join(text.lower().replace("-", " ").split())
    if not key:
        return None
    found = wordnet().synsets(key, "n")
    if not found and "_" in key:
        found = wordnet().synsets(key.rsplit("_", 1)[-1], "n")
    return found[0] if found else None


def match_synset(
    query: str | Any, candidates: Iterable[str], *, threshold: float = 0.2
) -> tuple[str | None, float]:
    """Return the candidate wnid most path-similar to ``query``, and that similarity.

    Args:
        query: A free-text label (``"puppy"``), a wnid, or an NLTK noun ``Synset``.
        candidates: Candidate wnids (for example a vocabulary).
        threshold: Smallest similarity that counts as a match, in ``[0, 1]``. An exact match
            scores 1; ``path_similarity`` is ``1 / (1 + shortest hypernym-path length)``.

    Returns:
        ``(wnid, similarity)`` of the best candidate (ties: the first in ``candidates``), or
        ``(None, best_similarity)`` when no candidate reaches ``threshold`` or the query names no
        noun synset (then the similarity is 0.0).

    Raises:
        TypeError: ``query`` is neither a str nor a Synset.
        ValueError: ``threshold`` is outside ``[0, 1]`` or a candidate is not a wnid.

    Example:
        >>> match_synset("kitten", ["n02084071", "n02121808"], threshold=0.9)[0] is None
        True
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be in [0, 1], got {threshold}")
    if isinstance(query, str):
        target = resolve_label(query)
    elif callable(getattr(query, "path_similarity", None)):
        target = query
    else:
        raise TypeError(f"query must be a str or an nltk Synset, got {type(query).__name__}")
    pool = list(candidates)
    for candidate in pool:
        if not is_wnid(candidate):
            raise ValueError(f"candidates must be wnids such as 'n01440764', got {candidate!r}")
    if target is None or not pool:
        return None, 0.0
    if target.pos() == "n":
        own = format_wnid(target.offset())
        if own in pool:
            return own, 1.0
    best, score = None, 0.0
    for candidate in pool:
        similarity = target.path_similarity(synset(candidate)) or 0.0
        if similarity > score:
            best, score = candidate, similarity
    if score < threshold:
        return None, score
    return best, score
