"""Plain-text caption files read in byte-range blocks, so that N processes split one file.

A block is a fixed byte range of a file; it holds the lines that *start* inside it. Processes
claim blocks from a shared counter, so a busy process simply claims fewer, and each reads only the
bytes of its own blocks. The lines are read exactly as :func:`catlip.vocab.readers.read_records`
reads plain text (UTF-8, byte-order mark, CRLF line ends, the record size cap), and a bad line is
reported with its line number, counted on from the last bad line's (never from the file's start).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from catlip.vocab._lines import (
    DEFAULT_MAX_RECORD_BYTES,
    content_length,
    decode_line,
    is_gzip,
    read_line,
    skip_line,
)
from catlip.vocab._remote import is_url
from catlip.vocab.readers import FileReader, ReadReport, _Shard, detect_format

__all__ = ["BLOCK_SIZE", "block_captions", "splittable_inputs"]

BLOCK_SIZE = 1 << 18
"""Bytes per block (256 KiB: a few thousand captions)."""


def splittable_inputs(
    paths: Sequence[str], *, format: str | None, shard: tuple[int, int] | None
) -> list[Path] | None:
    """The input files when they can be read in blocks: local, uncompressed text, no ``--shard``.

    ``None`` otherwise (records are then split by number; see ``catlip vocab count -j``). Remote
    files are never read in blocks: each process would open its own ranged reads of them.
    """
    if shard is not None or any(is_url(p) for p in paths):
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
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
) -> Iterator[str]:
    """Yield the captions of the blocks that ``claim()`` hands out, until it runs past the end.

    Args:
        files: Uncompressed plain-text files (see :func:`splittable_inputs`).
        claim: Returns the next unclaimed block number (shared by all processes).
        report: Receives good-record counts and bad lines.
        strict: Raise on the first bad line.
        places: Receives ``(file number, byte offset)`` of each bad line the report keeps, to
            put the reports of several processes back in input order.
        block_size: Bytes per block (default :data:`BLOCK_SIZE`; an eighth of it near the
            end, see :func:`_blocks`); every process must use the same.
        max_record_bytes: Longest line; a longer one is a bad line (as in ``read_records``).
    """
    cap = max_record_bytes
    blocks = _blocks(files, block_size or BLOCK_SIZE)
    readers = [FileReader(path, _Shard(None, "record"), strict, report, cap) for path in files]
    numbers = [_LineNumbers(path) for path in files]
    while (block := claim()) < len(blocks):
        number, start, size = blocks[block]
        position, data, tail = _read_block(files[number], start, size, cap)
        if not tail and len(data) <= cap:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                yield from _split(text, position, report)
                continue
        # A line is not UTF-8, or may be too long: go line by line, to report exactly those.
        bad = _BadLines(readers[number], numbers[number], number, places)
        yield from _lines_one_by_one(data, position, tail, bad)


def _blocks(files: Sequence[Path], size: int) -> list[tuple[int, int, int]]:
    """The input's blocks as (file number, start, size).

    ``size`` bytes each, but an eighth of that over the input's last eighth, so that the
    processes run out of work at about the same time.
    """
    lengths = [os.path.getsize(path) for path in files]
    tail = sum(lengths) - sum(lengths) // 8  # where the small blocks start, over all files
    small = max(size // 8, 1)
    blocks: list[tuple[int, int, int]] = []
    offset = 0  # of this file's first byte in the whole input
    for number, length in enumerate(lengths):
        start = 0
        while start < length:
            step = size if offset + start < tail else small
            blocks.append((number, start, step))
            start += step
        offset += length
    return blocks


def _split(text: str, position: int, report: ReadReport) -> list[str]:
    """The lines of a block's text (the block starts at byte ``position`` of its file)."""
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
    return lines


def _read_block(path: Path, start: int, size: int, cap: int) -> tuple[int, bytes, int]:
    """The lines that start in ``[start, start + size)``.

    Returns where they start, their bytes, and the size of the last one if it is over ``cap``
    (that line is then left out of the bytes, and not read).
    """
    with open(path, "rb") as f:
        if start:
            f.seek(start - 1)
            skip_line(f, start + size)  # the rest of a line that started in an earlier block
        position = f.tell()
        if position >= start + size:
            return position, b"", 0
        data = f.read(start + size - position)
        if data and not data.endswith(b"\n"):
            # The last line starts in this block: read all of it, unless it is too long.
            head = data.rfind(b"\n") + 1
            rest, too_long = read_line(f, max(cap - (len(data) - head), 0))
            if too_long:
                return position, data[:head], len(data) - head + too_long
            data += rest
    return position, data, 0


class _LineNumbers:
    """The line numbers of byte offsets in one file, counted on from the last one asked for.

    Blocks are claimed in increasing order, so one process reads each file at most once to
    number its bad lines, however many there are.
    """

    def __init__(self, path: Path) -> None:
        self.path, self.offset, self.line = path, 0, 1

    def at(self, offset: int) -> int:
        """The 1-based number of the line that starts at byte ``offset``."""
        if offset < self.offset:
            self.offset, self.line = 0, 1
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            while self.offset < offset:
                chunk = f.read(min(offset - self.offset, 1 << 20))
                if not chunk:
                    break
                self.line += chunk.count(b"\n")
                self.offset += len(chunk)
        return self.line


class _BadLines:
    """Reports the bad lines of one block, numbering them from the block's first line."""

    def __init__(
        self,
        reader: FileReader,
        numbers: _LineNumbers,
        file_number: int,
        places: list[tuple[int, int]] | None,
    ) -> None:
        self.reader, self.numbers, self.file_number, self.places = (
            reader,
            numbers,
            file_number,
            places,
        )
        self.known: tuple[int, int] | None = None  # (offset, line number) last reported

    def line_at(self, data: bytes, position: int, begin: int) -> int:
        """The number of the line at ``data[begin:]`` (``data`` starts at byte ``position``)."""
        if self.known is None:
            self.known = (0, self.numbers.at(position))
        last, line = self.known
        line += data.count(b"\n", last, begin)
        self.known = (begin, line)
        return line

    def note(self, offset: int) -> None:
        report = self.reader.report
        if self.places is not None and len(report.examples) < report.max_examples:
            self.places.append((self.file_number, offset))


def _lines_one_by_one(data: bytes, position: int, tail: int, bad: _BadLines) -> Iterator[str]:
    """The lines of ``data`` (starting at byte ``position``), reporting the bad ones.

    ``tail`` is the size of a too long line that follows ``data`` (0: none).
    """
    reader = bad.reader
    report, cap = reader.report, reader.max_record_bytes
    begin = 0
    while begin < len(data):
        cut = data.find(b"\n", begin)
        stop = len(data) if cut < 0 else cut + 1
        line = data[begin:stop]
        offset = position + begin
        size = content_length(line)
        if size > cap:
            bad.note(offset)
            reader.too_long(f"{bad.line_at(data, position, begin)}", size)
        else:
            try:
                text = decode_line(line, first=offset == 0)
            except UnicodeDecodeError as exc:
                bad.note(offset)
                reader.not_utf8(f"{bad.line_at(data, position, begin)}", exc)
            else:
                report.num_records += 1
                yield text
        begin = stop
    if tail:
        bad.note(position + len(data))
        reader.too_long(f"{bad.line_at(data, position, len(data))}", tail)
