"""Moved to :mod:`catlip.wordnet` (this name is kept for catlip 0.1's imports)."""

from catlip.wordnet import ids as _moved
from catlip.wordnet.ids import *  # noqa: F403

__all__ = list(_moved.__all__)
