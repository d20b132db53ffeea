"""WordNet statistics that sense choice needs, shipped with catlip: specificity and frequency.

- **Specificity.** Sense choice compares senses by the most specific ancestor they share with
  other labels. Depth is a poor measure (``plant`` is deeper than ``food`` but far more general),
  so catlip uses the intrinsic information content of Seco et al. (2004),
  ``IC(s) = log(N / (1 + descendants(s)))`` over WordNet 3.0's N = 82,115 noun synsets.
- **Frequency.** How often WordNet's tagged corpus uses a synset (the sum of its lemmas'
  ``Lemma.count()``).

Both need a pass over the whole noun hierarchy and NLTK's sense index (about a minute), so they
ship as package data (``catlip/data/wordnet_noun_stats.txt.gz``, made by :func:`write_stats_table`)
and load in a few milliseconds.

Example:
    >>> from catlip.wordnet import reader
    >>> from catlip.wordnet.stats import information_content
    >>> wn = reader()
    >>> information_content(wn.synset("food.n.02")) > information_content(wn.synset("plant.n.02"))
    True
"""

from __future__ import annotations

import gzip
import importlib.resources
import math
import os
import threading
from typing import Any

from catlip.errors import MissingResourceError
from catlip.wordnet._nltk import reader

__all__ = [
    "NOUN_SYNSETS",
    "descendant_counts",
    "information_content",
    "tagged_count",
    "write_stats_table",
]

NOUN_SYNSETS = 82115
"""The number of noun synsets in WordNet 3.0."""

_TABLE = "wordnet_noun_stats.txt.gz"
_HEADER = "# catlip: WordNet 3.0 noun synset offset, distinct descendants, tagged-corpus count"
_lock = threading.Lock()
_table: tuple[dict[int, int], dict[int, int]] | None = None


def _load() -> tuple[dict[int, int], dict[int, int]]:
    global _table
    table = _table
    if table is not None:
        return table
    with _lock:
        if _table is None:
            try:
                data = importlib.resources.files("catlip") / "data" / _TABLE
                text = gzip.decompress(data.read_bytes()).decode("ascii")
            except (OSError, EOFError) as exc:
                raise MissingResourceError(
                    f"catlip's WordNet statistics table ({_TABLE}) is missing or corrupt "
                    f"({exc}): reinstall catlip."
                ) from exc
            below: dict[int, int] = {}
            counts: dict[int, int] = {}
            for line in text.splitlines():
                if line and not line.startswith("#"):
                    offset, descendants, count = (int(v) for v in line.split())
                    if descendants:
                        below[offset] = descendants
                    if count:
                        counts[offset] = count
            _table = (below, counts)
        return _table


def descendant_counts() -> dict[int, int]:
    """Return ``{offset: number of distinct hyponyms below it}`` for every non-leaf noun synset.

    Raises:
        MissingResourceError: The table is missing from the installed package.

    Example:
        >>> from catlip.wordnet.stats import descendant_counts
        >>> descendant_counts()[1740]  # entity.n.01: every other noun synset
        82114
    """
    return _load()[0]


def information_content(synset: Any) -> float:
    """Return the intrinsic information content of a noun synset (0 for ``entity``, ~11.3 leaves).

    Example:
        >>> from catlip.wordnet import reader
        >>> from catlip.wordnet.stats import information_content
        >>> round(information_content(reader().synset("entity.n.01")), 3)
        0.0
    """
    return math.log(NOUN_SYNSETS / (1 + _load()[0].get(synset.offset(), 0)))


def tagged_count(synset: Any) -> int:
    """Return how often WordNet's tagged corpus uses a noun synset (summed over its lemmas).

    Example:
        >>> from catlip.wordnet import reader
        >>> from catlip.wordnet.stats import tagged_count
        >>> tagged_count(reader().synset("dog.n.01")) > tagged_count(reader().synset("pawl.n.01"))
        True
    """
    return _load()[1].get(synset.offset(), 0)


def write_stats_table(path: str | os.PathLike[str]) -> int:
    """Compute the statistics from the installed WordNet and write the table (about a minute).

    Only needed to regenerate the shipped table. Rows are written for synsets with descendants or
    a non-zero count.

    Args:
        path: Where to write the gzip file (written atomically).

    Returns:
        The number of rows written.

    Example:
        >>> from catlip.wordnet.stats import write_stats_table
        >>> write_stats_table("/tmp/table.txt.gz")  # doctest: +SKIP
        24011
    """
    children: dict[int, list[int]] = {}
    counts: dict[int, int] = {}
    for synset in reader().all_synsets("n"):
        for parent in synset.hypernyms() + synset.instance_hypernyms():
            children.setdefault(parent.offset(), []).append(synset.offset())
        count = sum(lemma.count() for lemma in synset.lemmas())
        if count:
            counts[synset.offset()] = count
    below: dict[int, frozenset[int]] = {}

    def descendants(offset: int) -> frozenset[int]:
        # Iterative post-order walk: the hierarchy is a DAG (a few synsets have two parents).
        stack = [(offset, False)]
        while stack:
            node, expanded = stack.pop()
            if node in below:
                continue
            kids = children.get(node, [])
            if expanded:
                found: set[int] = set(kids)
                for kid in kids:
                    found |= below[kid]
                below[node] = frozenset(found)
            else:
                stack.append((node, True))
                stack.extend((kid, False) for kid in kids if kid not in below)
        return below[offset]

    lines = [_HEADER]
    for offset in sorted(set(children) | set(counts)):
        size = len(descendants(offset)) if offset in children else 0
        lines.append(f"{offset:08d} {size} {counts.get(offset, 0)}")
    from catlip.vocab._io import atomic_write  # the vocabulary layer's writer, only here

    payload = gzip.compress(("\n".join(lines) + "\n").encode("ascii"), compresslevel=9, mtime=0)
    with atomic_write(path, binary=True) as handle:
        handle.write(payload)
    return len(lines) - 1
