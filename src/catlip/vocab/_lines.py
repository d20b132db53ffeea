"""The physical lines of caption files: gzip detection, size-capped reads, damage reporting.

A line longer than the record cap is skipped in chunks without ever being held whole, so one
giant line costs its reading time but not its size in memory. A damaged gzip stream (truncated,
or corrupt data) raises one of :data:`GZIP_ERRORS`, which the readers report as a bad record.
"""

from __future__ import annotations

import gzip
import os
import re
import zlib
from typing import IO, cast

from catlip.vocab._remote import is_url, open_url, read_head

__all__ = [
    "DEFAULT_MAX_RECORD_BYTES",
    "GZIP_ERRORS",
    "check_max_record_bytes",
    "decode_line",
    "finish_line",
    "is_gzip",
    "looks_keyed",
    "open_input",
    "open_raw",
    "read_line",
    "skip_line",
]

DEFAULT_MAX_RECORD_BYTES = 1 << 20
"""Longest record read by default: 1 MiB (a caption is rarely over a few hundred bytes)."""

GZIP_ERRORS: tuple[type[BaseException], ...] = (EOFError, zlib.error, gzip.BadGzipFile)
"""What reading a truncated or corrupt gzip stream raises."""

_CHUNK = 1 << 16
_UNREADABLE: tuple[type[BaseException], ...] = (OSError, *GZIP_ERRORS)
_SNIFF_BYTES = 1 << 16
_SNIFF_LINES = 32
# A sample key or file name: no spaces, and a digit or a character of paths and ids in it
# ('1000268201_693b08cb0e.jpg#0', 'img/000042', 'COCO_val2014_42'), not a word ('Sunset').
_KEY = re.compile(r"(?=\S*[\d.#/_])\S{1,256}")


def check_max_record_bytes(value: object) -> int:
    """Return ``value`` if it is a valid record cap (an int >= 1), else raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"max_record_bytes must be an int >= 1, got {value!r}")
    return value


def is_gzip(path: str | os.PathLike[str]) -> bool:
    """Whether a file is gzip-compressed (by its first bytes, not its name)."""
    if is_url(path):
        return read_head(str(path), 2) == b"\x1f\x8b"
    with open(path, "rb") as probe:
        return probe.read(2) == b"\x1f\x8b"


def open_raw(path: str | os.PathLike[str]) -> IO[bytes]:
    """Open a local file, or a remote one (a URL, through fsspec), for reading bytes as stored."""
    if is_url(path):
        return open_url(str(path))
    return open(path, "rb")


def open_input(path: str | os.PathLike[str]) -> IO[bytes]:
    """Open a file for reading bytes, decompressing it if it is gzip (by its first bytes).

    ``path`` may be a URL (``s3://...``; see :mod:`catlip.vocab._remote`).
    """
    packed = is_gzip(path)
    if is_url(path):
        return open_url(str(path), gzip=packed)
    return cast(IO[bytes], gzip.open(path, "rb")) if packed else open(path, "rb")


def decode_line(line: bytes, *, first: bool) -> str:
    """One line of a plain-text file as a caption: UTF-8 text without its line end.

    A newline, or a carriage return and newline, is dropped; so is a byte-order mark when the
    line is the file's ``first``.

    Raises:
        UnicodeDecodeError: The line is not UTF-8.
    """
    text = line.decode("utf-8")
    if text.endswith("\n"):
        text = text[:-2] if text.endswith("\r\n") else text[:-1]
    return text.removeprefix("\ufeff") if first else text


def content_length(line: bytes) -> int:
    """Bytes of ``line`` without its line end (a newline, or a carriage return and newline)."""
    if line.endswith(b"\r\n"):
        return len(line) - 2
    return len(line) - 1 if line.endswith(b"\n") else len(line)


def read_line(f: IO[bytes], max_bytes: int) -> tuple[bytes, int]:
    """Read the next line, holding at most ``max_bytes`` (plus its line end) in memory.

    Returns:
        ``(line, 0)`` for a line of at most ``max_bytes`` bytes without its line end (``b""`` at
        the end of the file); ``(b"", n)`` for a longer line of ``n`` bytes, skipped.
    """
    return finish_line(f, f.readline(max_bytes + 2), max_bytes)


def finish_line(f: IO[bytes], line: bytes, max_bytes: int) -> tuple[bytes, int]:
    """:func:`read_line` for a ``line`` just read with ``f.readline(max_bytes + 2)``."""
    if len(line) < max_bytes + 2 or line.endswith(b"\n"):
        size = content_length(line)
        return (line, 0) if size <= max_bytes else (b"", size)
    size, tail = len(line), line[-1:]
    while line and not line.endswith(b"\n"):
        line = f.readline(_CHUNK)
        size, tail = size + len(line), tail + line
        tail = tail[-2:]
    return b"", size - (len(tail) - content_length(tail) if tail.endswith(b"\n") else 0)


def skip_line(f: IO[bytes], stop: int) -> None:
    """Read past the end of the current line in chunks, or up to position ``stop`` if sooner."""
    while (position := f.tell()) < stop:
        chunk = f.readline(min(_CHUNK, stop - position))
        if not chunk or chunk.endswith(b"\n"):
            return


def looks_keyed(path: str | os.PathLike[str]) -> bool:
    r"""Whether a local text file's lines are ``KEY<TAB>CAPTION`` (Flickr8k's ``*.token.txt``).

    It is when its first lines (up to 32, within the first 64 KiB; gzip looked through) each
    have exactly one tab, after a first field that looks like a sample key or file name (no
    spaces; a digit, ``.``, ``#``, ``/`` or ``_`` in it). A file of plain captions with a tab
    inside some of them does not qualify: every sampled line must have one, after a key.
    Unreadable or non-UTF-8 files, and URLs (no request is made for a guess), are not keyed.

    Example:
        >>> from pathlib import Path
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "captions.txt"
        >>> _ = path.write_text("1000268201_693b08cb0e.jpg#0\tA child in a pink dress .\n")
        >>> looks_keyed(path)
        True
        >>> _ = path.write_text("a dog\tin a park\n")
        >>> looks_keyed(path)
        False
    """
    if is_url(path):
        return False
    try:
        with open_input(path) as f:
            head = f.read(_SNIFF_BYTES)
    except _UNREADABLE:
        return False
    lines = head.split(b"\n")
    if lines[-1] == b"" or len(head) == _SNIFF_BYTES:
        lines.pop()  # the end of the file, or a line the sample cut off
    lines = lines[:_SNIFF_LINES]
    if not lines:
        return False
    try:
        texts = [decode_line(line, first=k == 0) for k, line in enumerate(lines)]
    except UnicodeDecodeError:
        return False
    for text in texts:
        key, tab, rest = text.removesuffix("\r").partition("\t")
        if not tab or "\t" in rest or _KEY.fullmatch(key) is None:
            return False
    return True
