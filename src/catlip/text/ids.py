"""Moved to :mod:`catlip.wordnet` (this name is kept for catlip 0.1's imports)."""

from catlip.wordnet.ids import (
    WNID_PATTERN,
    format_wnid,
    is_wnid,
    synset,
    synset_of_id,
    unknown_wnids,
    wnid,
)

__all__ = [
    "WNID_PATTERN",
    "format_wnid",
    "is_wnid",
    "synset",
    "synset_of_id",
    "unknown_wnids",
    "wnid",
]
