"""Moved to :mod:`catlip.wordnet.db` (this name is kept for catlip 0.1's imports)."""

from catlip.wordnet.db import WordNetDB, wordnet_db

__all__ = ["WordNetDB", "wordnet_db"]
