"""CSV/TSV caption files, where one stray quote cannot swallow the rows after it.

Rows are parsed the strict way (a closing quote must end its field): a quoted field that opens on
one line and is never properly closed makes a parse error, or a record over the size cap, instead
of silently eating the following lines into one caption. Such a record is reported by its first
line as a bad record and reading resumes on the next line, so a stray quote costs one record.
A quote problem confined to one line (``"A dog" runs``) is read leniently, as Python's ``csv``
does by default. A well-formed quoted field may still hold line breaks, over at most
:data:`MAX_RECORD_LINES` lines; records that do are counted (``ReadReport.num_multiline``), so a
file whose rows and records disagree says so.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING

from catlip.errors import InputFormatError
from catlip.vocab._lines import open_input

if TYPE_CHECKING:
    from catlip.vocab.readers import FileReader, Record

__all__ = ["MAX_RECORD_LINES", "read_table"]


MAX_RECORD_LINES = 32
"""Lines one CSV/TSV record may span (quoted line breaks): a caption longer than that is a quote
that was never closed, not a caption."""


class _RecordTooLong(Exception):
    """A record grew past the size or line cap while its lines were being read."""


class _Lines:
    """Decoded lines for ``csv.reader``: remembers those of the current record, takes some back."""

    def __init__(self, numbered: Iterator[tuple[int, bytes]], reader: FileReader) -> None:
        self.numbered, self.reader = numbered, reader
        self.returned: deque[tuple[int, str, int]] = deque()
        self.record: list[tuple[int, str, int]] = []  # (number, text, bytes) of this record
        self.size = 0  # bytes of this record so far
        self.cap = reader.max_record_bytes

    def start_record(self) -> None:
        self.record, self.size = [], 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = self.returned.popleft() if self.returned else self._next_line()
        if self.record and self.size + line[2] > self.cap:
            self.returned.appendleft(line)  # not part of this record after all
            raise _RecordTooLong(f"over the {self.cap:,}-byte record limit")
        if len(self.record) >= MAX_RECORD_LINES:
            self.returned.appendleft(line)
            raise _RecordTooLong(f"over {MAX_RECORD_LINES} lines")
        self.record.append(line)
        self.size += line[2]
        return line[1]

    def _next_line(self) -> tuple[int, str, int]:
        while True:
            number, line = next(self.numbered)
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                if self.reader.selector.take():
                    self.reader.bad(f"{number}", f"not UTF-8 ({exc.reason})")
                continue
            if number == 1:
                text = text.removeprefix("\ufeff")
            return number, text, len(line)

    def give_back_all_but_first(self) -> None:
        """Read the lines after the record's first again, as new records."""
        self.returned.extendleft(reversed(self.record[1:]))


def read_table(
    reader: FileReader,
    kind: str,
    column: str | int | None,
    key: str | int | None,
    header: bool | None,
) -> Iterator[Record]:
    """Stream the caption records of a CSV (``kind="csv"``) or TSV file."""
    column = "caption" if column is None else column
    names = [c for c in (column, key) if c is not None and not _is_index(c)]
    has_header = bool(names) if header is None else header
    if names and not has_header:
        raise InputFormatError(
            f"column names ({', '.join(map(str, names))}) need a header row: pass indices, "
            "or drop --no-header"
        )
    delimiter = "\t" if kind == "tsv" else ","
    with open_input(reader.path) as f:
        lines = _Lines(reader.lines(f), reader)
        rows = csv.reader(lines, delimiter=delimiter, strict=True)
        positions: dict[str, int] = {}
        if has_header:
            try:
                head = next(rows, None)
            except (csv.Error, _RecordTooLong) as exc:
                raise InputFormatError(
                    f"the header row of {reader.path} is not valid CSV ({exc or 'too long'}): "
                    "fix it, or pass column indices with --no-header"
                ) from None
            if head is None:
                return
            positions = {name: i for i, name in enumerate(head)}
            missing = [n for n in names if n not in positions]
            if missing:
                raise InputFormatError(
                    f"{reader.path} has no column {missing[0]!r} (columns: {', '.join(head)}): "
                    "pass --column/--key with one of these names or a 0-based index"
                )
        text_col = int(column) if _is_index(column) else positions[str(column)]
        key_col: int | None = None
        if key is not None:
            key_col = int(key) if _is_index(key) else positions[str(key)]
        width = max(text_col, key_col or 0) + 1
        while True:
            lines.start_record()
            try:
                row = next(rows)
            except StopIteration:
                break
            except csv.Error as exc:
                salvaged = _one_line(lines, delimiter, reader, str(exc))
                if salvaged is None:
                    continue
                row = salvaged
            except _RecordTooLong as exc:
                _stray_quote(lines, reader, str(exc), cut=True)
                continue
            if not row or not reader.selector.take():
                continue
            start = lines.record[0][0]
            if len(lines.record) > 1:  # rows and records disagree: said in the report
                reader.report.num_multiline += 1
            if len(row) < width:
                reader.bad(f"{start}", f"{len(row)} column(s), the caption/key needs {width}")
                continue
            sample = f"{reader.name}:{start}" if key_col is None else row[key_col]
            yield reader.good(sample, row[text_col])


def _one_line(lines: _Lines, delimiter: str, reader: FileReader, reason: str) -> list[str] | None:
    """The row of a record that failed to parse, if it is confined to one line (else report it)."""
    if len(lines.record) == 1:
        text = lines.record[0][1]
        return next(csv.reader([text], delimiter=delimiter), [])
    _stray_quote(lines, reader, reason)
    return None


def _stray_quote(lines: _Lines, reader: FileReader, reason: str, *, cut: bool = False) -> None:
    """Report a record's first line as bad and read its other lines again."""
    first, last = lines.record[0][0], lines.record[-1][0]
    if cut:  # the size cap stopped it before the line given back last
        last = lines.returned[0][0]
    lines.give_back_all_but_first()
    if reader.selector.take():
        reader.bad(
            f"{first}",
            f"a quoted field runs from line {first} to {last} ({reason}): a stray quote? "
            "(the lines after it are read again)",
        )


def _is_index(value: str | int) -> bool:
    return isinstance(value, int) or value.isdigit()
