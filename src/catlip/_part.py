"""One process's share of a :func:`catlip._engine.run_parts` run: what it claims, does, shares.

A :class:`Part` claims items (file blocks, slices) from a counter all parts share, reports work
done, and tells the other parts what it learns through a :class:`Board`: each part appends its
messages to its own journal file, in a directory the run makes and removes, and reads the other
parts' journals from where it stopped the time before. No process waits for another or feeds
another, and a message is read whole or not yet: each is written with its length in front, and
a reader keeps a message's first bytes until the rest has arrived.

Example:
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as directory:
    ...     first, second = Board(directory, 0, 2), Board(directory, 1, 2)
    ...     first.post(b"cookies")
    ...     second.read(), second.read(), first.read()
    ([b'cookies'], [], [])
"""

from __future__ import annotations

import contextlib
import os
import struct
from collections.abc import Callable
from typing import Any, BinaryIO

__all__ = ["Board", "Part"]

_LENGTH = struct.Struct("<Q")


class Board:
    """One part's view of a run's journals: post to its own, read the others'.

    Args:
        directory: The run's journal directory (the same for every part).
        index: This part's number.
        count: How many parts the run has.
    """

    def __init__(self, directory: str, index: int, count: int) -> None:
        self.directory, self.index, self.count = directory, index, count
        self._out: int | None = None
        self._in: dict[int, BinaryIO] = {}
        self._pending: dict[int, bytes] = {}  # the start of a message still being written

    def _path(self, index: int) -> str:
        return os.path.join(self.directory, f"part-{index}.journal")

    def post(self, message: bytes) -> None:
        """Append ``message`` to this part's journal, for the other parts to read."""
        if self._out is None:
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)  # Windows
            self._out = os.open(self._path(self.index), flags)
        data = memoryview(_LENGTH.pack(len(message)) + message)
        while data:
            data = data[os.write(self._out, data) :]

    def read(self) -> list[bytes]:
        """The messages the other parts posted since the last call, each part's in order."""
        messages: list[bytes] = []
        for other in range(self.count):
            if other == self.index:
                continue
            journal = self._in.get(other)
            if journal is None:
                try:
                    journal = self._in[other] = open(self._path(other), "rb")  # noqa: SIM115
                except FileNotFoundError:
                    continue  # it has posted nothing yet
            data = self._pending.pop(other, b"") + journal.read()
            start = 0
            while len(data) - start >= _LENGTH.size:
                (size,) = _LENGTH.unpack_from(data, start)
                end = start + _LENGTH.size + size
                if end > len(data):
                    break
                messages.append(data[start + _LENGTH.size : end])
                start = end
            if start < len(data):
                self._pending[other] = data[start:]
        return messages

    def close(self) -> None:
        """Close this part's journal files (the run removes the directory)."""
        if self._out is not None:
            os.close(self._out)
            self._out = None
        for journal in self._in.values():
            journal.close()
        self._in.clear()

    def __getstate__(self) -> dict[str, Any]:
        # Sent to a spawned worker before any file is open: only where the journals are.
        return {"directory": self.directory, "index": self.index, "count": self.count}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["directory"], state["index"], state["count"])  # type: ignore[misc]


class Part:
    """One process's share of a :func:`~catlip._engine.run_parts` run: part ``index`` of ``count``.

    Part 0 runs in the process that called :func:`~catlip._engine.run_parts`.
    """

    def __init__(
        self, index: int, count: int, claimed: Any, done: Any, board: Board | None = None
    ) -> None:
        self.index, self.count = index, count
        self._claimed, self._done, self._board = claimed, done, board
        self._poll: Callable[[], None] | None = None  # set in the parent only

    def share(self, message: bytes) -> None:
        """Tell the other parts ``message`` (they get it from :meth:`shared`); alone, nothing.

        Sharing only saves work, so a journal that cannot be written (a full disk) ends this
        part's sharing, not its run.
        """
        if self._board is not None:
            try:
                self._board.post(message)
            except OSError:
                self._board = None

    def shared(self) -> list[bytes]:
        """What the other parts shared since the last call, each part's messages in order."""
        if self._board is not None:
            try:
                return self._board.read()
            except OSError:
                self._board = None
        return []

    def claim(self) -> int:
        """The next unclaimed item (0, 1, 2, ...), counted over all parts: a block, a slice."""
        with self._claimed.get_lock():
            number = int(self._claimed.value)
            self._claimed.value = number + 1
        return number

    def tick(self, items: int) -> None:
        """Add ``items`` to the work done; in part 0, also show progress and check the workers."""
        with self._done.get_lock():
            self._done.value += items
        if self._poll is not None:
            self._poll()


class _Local:
    """A counter for a run in this process alone: a ``value`` and a ``get_lock()``, as shared."""

    def __init__(self) -> None:
        self.value = 0

    def get_lock(self) -> contextlib.nullcontext[None]:
        return contextlib.nullcontext()
