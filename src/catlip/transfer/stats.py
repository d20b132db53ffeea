"""Moved to :mod:`catlip.wordnet.stats` (this name is kept for catlip 0.1's imports)."""

from catlip.wordnet import stats as _moved
from catlip.wordnet.stats import *  # noqa: F403

__all__ = list(_moved.__all__)
