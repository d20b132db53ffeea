"""Plain-text caption files read in byte-range blocks, so that N processes split one file.

A block is a fixed byte range of a file; it holds the lines that *start* inside it. Processes
claim blocks from a shared counter, so a busy process simply claims fewer, and each reads only the
bytes of its own blocks. The lines are read exactly as :func:`catlip.vocab.readers.read_records`
reads plain text (UTF-8, byte-order mark, CRLF line ends), and a bad line is reported with its line
number, counted only when there is one to report.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from catlip.vocab.readers import (
    FileReader,
    ReadReport,
    _Shard,
    decode_line,
    detect_format,
    is_gzip,
)

__all__ = ["BLOCK_SIZE", "block_captions", "splittable_inputs"]

BLOCK_SIZE = 1 << 18
"""Bytes per block (256 KiB: a few thousand captions)."""


def splittable_inputs(
    paths: Sequence[str], *, format: str | None, shard: tuple[int, int] | None
) -> list[Path] | None:
    """The input files when they can be read in blocks: uncompressed plain text, no ``--shard``.

    ``None`` otherwise (records are then split by number; see ``catlip vocab count -j``).
    """
    if shard is not None:
        return None
    files = [Path(p) for p in paths]
    for path in files:
        if (format or detect_format(path)) != "text" or is_gzip(path):
            return None
    return files


def block_captions(
    files: Sequence[Path],
    claim: Callable[[], int],
    report: ReadReport,
    *,
    strict: bool = False,
    places: list[tuple[int, int]] | None = None,
    block_size: int | None = None,
) -> Iterator[str]:
    """Yield the captions of the blocks that ``claim()`` hands out, until it runs past the end.

    Args:
        files: Uncompressed plain-text files (see :func:`splittable_inputs`).
        claim: Returns the next unclaimed block number (shared by all processes).
        report: Receives good-record counts and bad lines.
        strict: Raise on the first bad line.
        places: Receives ``(file number, byte offset)`` of each bad line the report keeps, to
            put the reports of several processes back in input order.
        block_size: Bytes per block (default :data:`BLOCK_SIZE`); every process must use the
            same.
    """
    size = block_size or BLOCK_SIZE
    blocks = [
        (number, start)
        for number, path in enumerate(files)
        for start in range(0, os.path.getsize(path), size)
    ]
    readers = [FileReader(path, _Shard(None, "record"), strict, report) for path in files]
    while (block := claim()) < len(blocks):
        number, start = blocks[block]
        position, data = _read_block(files[number], start, size)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            # Some line is not UTF-8: go line by line, to report exactly those.
            yield from _lines_one_by_one(data, position, readers[number], number, places)
            continue
        lines = text.split("\n")
        # The last piece is "" when the block ends with a newline; otherwise it is the file's
        # last line, which has none (so it keeps a final "\r", as read_records keeps it).
        unterminated = lines.pop()
        lines = [line[:-1] if line.endswith("\r") else line for line in lines]
        if unterminated:
            lines.append(unterminated)
        if position == 0 and lines:
            lines[0] = lines[0].removeprefix("\ufeff")
        report.num_records += len(lines)
        yield from lines


def _read_block(path: Path, start: int, size: int) -> tuple[int, bytes]:
    """The bytes of the lines that start in ``[start, start + size)``, and where they start."""
    with open(path, "rb") as f:
        if start:
            f.seek(start - 1)
            f.readline()  # the rest of a line that started in an earlier block
        position = f.tell()
        if position >= start + size:
            return position, b""
        data = f.read(start + size - position)
        if data and not data.endswith(b"\n"):
            data += f.readline()  # the last line starts in this block: read all of it
    return position, data


def _lines_one_by_one(
    data: bytes,
    position: int,
    reader: FileReader,
    number: int,
    places: list[tuple[int, int]] | None,
) -> Iterator[str]:
    """The lines of ``data`` (starting at byte ``position``), reporting those not in UTF-8."""
    report = reader.report
    begin = 0
    while begin < len(data):
        cut = data.find(b"\n", begin)
        stop = len(data) if cut < 0 else cut + 1
        line = data[begin:stop]
        offset, begin = position + begin, stop
        try:
            text = decode_line(line, first=offset == 0)
        except UnicodeDecodeError as exc:
            if places is not None and len(report.examples) < report.max_examples:
                places.append((number, offset))
            reader.not_utf8(f"{_line_number(reader.path, offset)}", exc)
            continue
        report.num_records += 1
        yield text


def _line_number(path: Path, position: int) -> int:
    """The 1-based number of the line starting at byte ``position`` (for bad-line reports)."""
    newlines = 0
    with open(path, "rb") as f:
        while position > 0:
            chunk = f.read(min(position, 1 << 20))
            if not chunk:
                break
            newlines += chunk.count(b"\n")
            position -= len(chunk)
    return newlines + 1
