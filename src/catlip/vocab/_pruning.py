"""Pruning synset counts into a vocabulary's classes, and the provenance that records how.

The paper prunes synsets seen fewer than ``V`` times (``min_count``); the released DataComp
vocabulary keeps the most frequent 24,320 (``max_size``). The order is deterministic: count
descending, then wnid ascending.

Example:
    >>> wnids, counts, provenance = prune_counts(
    ...     {"n02084071": 5, "n02121808": 2, "n01503061": 5}, min_count=3, max_size=None,
    ...     extractor_settings=None)
    >>> wnids, counts, provenance.min_count
    (['n01503061', 'n02084071'], [5, 5], 3)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from catlip.vocab.provenance import Provenance
from catlip.wordnet import WORDNET_VERSION

__all__ = ["prune_counts"]


def prune_counts(
    counts: Mapping[str, int],
    *,
    min_count: int,
    max_size: int | None,
    extractor_settings: Mapping[str, Any] | None,
) -> tuple[list[str], list[int], Provenance]:
    """The wnids and counts a vocabulary keeps, in class order, and its provenance.

    The arguments are those of :meth:`Vocabulary.from_counts
    <catlip.vocab.Vocabulary.from_counts>`.

    Raises:
        ValueError: ``min_count`` or ``max_size`` is not an integer >= 1.
    """
    if not isinstance(min_count, int) or isinstance(min_count, bool) or min_count < 1:
        raise ValueError(f"min_count must be an integer >= 1, got {min_count!r}")
    if max_size is not None and (
        not isinstance(max_size, int) or isinstance(max_size, bool) or max_size < 1
    ):
        raise ValueError(f"max_size must be None or an integer >= 1, got {max_size!r}")
    settings = extractor_settings
    if settings is None:
        settings = getattr(counts, "extractor_settings", None)
    provenance = Provenance(
        extractor_settings=settings,
        wordnet_version=getattr(counts, "wordnet_version", WORDNET_VERSION),
        num_captions=getattr(counts, "num_captions", None),
        min_count=min_count,
        max_size=max_size,
    )
    kept = [(w, int(c)) for w, c in counts.items() if c >= min_count]
    kept.sort(key=lambda item: (-item[1], item[0]))
    if max_size is not None:
        kept = kept[:max_size]
    return [w for w, _ in kept], [c for _, c in kept], provenance
