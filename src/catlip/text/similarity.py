"""Deprecated: match a label to candidate wnids; use :func:`catlip.transfer.resolve_labels`.

catlip had two label matchers; :mod:`catlip.transfer` is now the only one. :func:`match_synset`
and :func:`resolve_label` remain as thin wrappers of it, for one release, and warn
(``DeprecationWarning``) naming the replacement.

Example:
    >>> from catlip.transfer import resolve_labels
    >>> from catlip.vocab import Vocabulary
    >>> match = resolve_labels(["puppy"], Vocabulary(["n02084071", "n02121808"]))[0]
    >>> match.wnids, match.similarity  # was: match_synset("puppy", ["n02084071", "n02121808"])
    (('n02084071',), 0.5)
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

from catlip.wordnet import format_wnid, is_wnid

__all__ = ["match_synset", "resolve_label"]

# The loosest threshold catlip.transfer's search accepts in place of 0 ("any distance"); the
# search is bounded by the nodes it visits, not by this.
_ANY_DISTANCE = 1e-6


def resolve_label(label: str) -> Any | None:
    """Return the noun synset a free-text label names, or ``None`` (deprecated).

    .. deprecated:: 0.2
        Use :func:`catlip.transfer.resolve_labels` (``LabelMatch.wnids`` and ``.names``), which
        resolves labels against a vocabulary with the whole label set as context; for a wnid,
        :func:`catlip.text.synset`. This wrapper uses its sense rule on the label alone.

    Example:
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", DeprecationWarning)
        ...     resolve_label("Traffic lights").name()
        'traffic_light.n.01'
    """
    warnings.warn(
        "catlip.text.resolve_label is deprecated and will be removed: resolve labels with "
        "catlip.transfer.resolve_labels(labels, vocab) (LabelMatch.wnids / .names), and a wnid "
        "with catlip.text.synset",
        DeprecationWarning,
        stacklevel=2,
    )
    if not isinstance(label, str):
        raise TypeError(f"label must be a str, got {type(label).__name__}")
    if not label.strip():
        return None
    from catlip.transfer.resolve import label_synset

    return label_synset(label)


def match_synset(
    query: str | Any, candidates: Iterable[str], *, threshold: float = 0.2
) -> tuple[str | None, float]:
    """Return the candidate wnid that matches ``query`` best, and its similarity (deprecated).

    .. deprecated:: 0.2
        Use ``catlip.transfer.resolve_labels([query], Vocabulary(candidates),
        similarity_threshold=threshold)``: this wrapper calls it, so both find the same synset
        (``"jay"`` among a jay-bird and a dog is the bird, exactly).

    Args:
        query: A free-text label (``"puppy"``), a wnid, or an NLTK noun ``Synset``.
        candidates: Candidate wnids (for example a vocabulary).
        threshold: Smallest similarity that counts as a match, in ``[0, 1]`` (0: any distance).
            An exact match scores 1; ``path_similarity`` is ``1 / (1 + path length)``.

    Returns:
        ``(wnid, similarity)`` of the match (a label matched from its parts, such as
        ``"restaurant kitchen"``: its last part's wnid and the parts' mean similarity), or
        ``(None, best_similarity)`` when no candidate reaches ``threshold``, 0.0 when the query
        names no noun synset.

    Raises:
        TypeError: ``query`` is neither a str nor a Synset.
        ValueError: ``threshold`` is outside ``[0, 1]`` or a candidate is not a wnid.

    Example:
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", DeprecationWarning)
        ...     match_synset("jay", ["n01580077", "n02084071"])  # the bird, not John Jay
        ('n01580077', 1.0)
    """
    warnings.warn(
        "catlip.text.match_synset is deprecated and will be removed: use "
        "catlip.transfer.resolve_labels([query], Vocabulary(candidates), "
        "similarity_threshold=threshold), the one label matcher",
        DeprecationWarning,
        stacklevel=2,
    )
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise TypeError(f"threshold must be a number, got {threshold!r}")
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be in [0, 1], got {threshold}")
    if isinstance(query, str):
        label = query
    elif callable(getattr(query, "offset", None)) and callable(getattr(query, "pos", None)):
        if query.pos() != "n":
            return None, 0.0  # no path between a noun and another part of speech
        label = format_wnid(query.offset())
    else:
        raise TypeError(f"query must be a str or an nltk Synset, got {type(query).__name__}")
    pool = list(dict.fromkeys(candidates))
    for candidate in pool:
        if not is_wnid(candidate):
            raise ValueError(f"candidates must be wnids such as 'n01440764', got {candidate!r}")
    if not pool or not label.strip():
        return None, 0.0
    from catlip.transfer import resolve_labels
    from catlip.vocab import Vocabulary

    vocab = Vocabulary(pool)
    match = resolve_labels([label], vocab, similarity_threshold=max(threshold, _ANY_DISTANCE))[0]
    if match.method != "unmatched":
        return match.wnids[-1], match.similarity
    if threshold > _ANY_DISTANCE:  # the best similarity below the threshold, as before
        loose = resolve_labels([label], vocab, similarity_threshold=_ANY_DISTANCE)[0]
        return None, loose.similarity
    return None, 0.0
