"""Moved to :mod:`catlip.wordnet.stats` (this name is kept for catlip 0.1's imports)."""

from catlip.wordnet.stats import (
    NOUN_SYNSETS,
    descendant_counts,
    information_content,
    tagged_count,
    write_stats_table,
)

__all__ = [
    "NOUN_SYNSETS",
    "descendant_counts",
    "information_content",
    "tagged_count",
    "write_stats_table",
]
