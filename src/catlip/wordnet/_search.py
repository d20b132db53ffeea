"""Searching a long sorted tuple of strings: a compact sample first, then one short stretch.

A plain bisection of WordNet's 207k ``index.sense`` lines (or 117k noun lemmas) compares the key
with strings scattered over megabytes of memory, most of them out of the CPU's caches when a new
word is looked up between captions. :class:`SortedStrings` first searches copies of every 64th
string, made one after the other so that they lie together in a few hundred kilobytes that stay
cached, and then the 64 strings between two of them.

Example:
    >>> names = SortedStrings(("cat", "dog", "dog_collar", "dogwood"))
    >>> names.find("dog_"), names.find("zebra")
    (2, 4)
"""

from __future__ import annotations

from bisect import bisect_left

__all__ = ["SortedStrings"]

_STEP = 64


class SortedStrings:
    """A sorted tuple of strings, searched by :meth:`find` as :func:`bisect.bisect_left` would.

    Args:
        items: Strings in ascending order (not checked).
    """

    __slots__ = ("_last", "_sample", "items")

    def __init__(self, items: tuple[str, ...]) -> None:
        self.items = items
        # Copies (encode-decode makes new objects), so that the sample is compact in memory.
        self._sample = tuple([item.encode().decode() for item in items[::_STEP]])
        self._last = len(self._sample)

    def find(self, key: str) -> int:
        """The first position whose string is not less than ``key``."""
        k = bisect_left(self._sample, key)  # sample[k - 1] < key <= sample[k]
        if k == 0:
            return 0
        end = k * _STEP if k < self._last else len(self.items)
        return bisect_left(self.items, key, (k - 1) * _STEP + 1, end)
