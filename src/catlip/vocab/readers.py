"""Read captions from files: plain text, CSV/TSV, JSON lines and webdataset ``.tar`` shards.

Everything streams (one record in memory at a time) and gzip is read transparently (detected
from the file's first bytes). Each record has a *key* naming its sample: ``FILE:LINE`` for text
lines, the ``key`` column / field for CSV/TSV and JSON lines (else ``FILE:LINE``), and the member
key (path without extensions) for tar shards; the formats are described in the guide
(:doc:`/vocab`). Bad records (undecodable bytes, a missing column or field, broken JSON, a tar
sample without a caption) are never silently dropped: they are counted in a :class:`ReadReport`
with file and line, or raise :class:`~catlip.errors.InputFormatError` when ``strict``.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import IO, Literal, NamedTuple, cast

from catlip.errors import InputFormatError
from catlip.vocab._tar import read_tar

__all__ = ["FORMATS", "BadRecord", "ReadReport", "Record", "detect_format", "read_records"]

Format = Literal["text", "csv", "tsv", "jsonl", "tar"]
FORMATS: tuple[str, ...] = ("text", "csv", "tsv", "jsonl", "tar")
"""The input formats :func:`read_records` reads."""

_SUFFIXES = {
    ".txt": "text",
    ".text": "text",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".tar": "tar",
    ".tgz": "tar",
}


class Record(NamedTuple):
    """One caption and the key of its sample."""

    key: str
    caption: str


@dataclass(frozen=True)
class BadRecord:
    """A record that could not be read: where, and why."""

    path: str
    location: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.location}: {self.reason}"


@dataclass
class ReadReport:
    """What :func:`read_records` read: good records, bad records (the first ``max_examples``).

    Example:
        >>> report = ReadReport()
        >>> records = list(read_records([], report=report))
        >>> report.num_records, report.num_bad
        (0, 0)
    """

    num_records: int = 0
    num_bad: int = 0
    examples: list[BadRecord] = dataclass_field(default_factory=list)
    max_examples: int = 20

    def add_bad(self, bad: BadRecord) -> None:
        """Count a bad record (and keep it as an example while there is room)."""
        self.num_bad += 1
        if len(self.examples) < self.max_examples:
            self.examples.append(bad)

    def summary(self) -> str:
        """One line per example, for the command line."""
        lines = [f"{self.num_bad:,} bad record(s) skipped:"]
        lines += [f"  {bad}" for bad in self.examples]
        if self.num_bad > len(self.examples):
            lines.append(f"  ... and {self.num_bad - len(self.examples):,} more")
        return "\n".join(lines)


def detect_format(path: str | os.PathLike[str]) -> Format:
    """Guess a file's format from its name (``.gz`` is looked through).

    Raises:
        InputFormatError: The suffix is not one catlip knows.

    Example:
        >>> detect_format("captions.tsv.gz"), detect_format("00000.tar")
        ('tsv', 'tar')
    """
    name = Path(path).name.lower()
    if name.endswith(".tar.gz"):
        return "tar"
    if name.endswith(".gz"):
        name = name[:-3]
    found = _SUFFIXES.get(Path(name).suffix)
    if found is None:
        raise InputFormatError(
            f"cannot tell the format of {path} from its name: pass the format explicitly "
            f"(--format {'|'.join(FORMATS)})"
        )
    return found  # type: ignore[return-value]


class _Shard:
    """Keeps records whose running index (over all files) is ``index`` mod ``count``."""

    def __init__(self, shard: tuple[int, int] | None, by: str) -> None:
        index, count = shard if shard is not None else (0, 1)
        if not (isinstance(count, int) and count >= 1 and isinstance(index, int)):
            raise ValueError(f"shard must be (index, count) with count >= 1, got {shard!r}")
        if not 0 <= index < count:
            raise ValueError(f"shard index must be in [0, {count}), got {index}")
        if by not in ("record", "file"):
            raise ValueError(f"shard_by must be 'record' or 'file', got {by!r}")
        self.index, self.count, self.by_record = index, count, by == "record"
        self.position = -1

    def take(self) -> bool:
        self.position += 1
        return not self.by_record or self.position % self.count == self.index


def read_records(
    paths: Iterable[str | os.PathLike[str]],
    *,
    format: Format | None = None,
    column: str | int | None = None,
    field: str | None = None,
    key: str | int | None = None,
    header: bool | None = None,
    shard: tuple[int, int] | None = None,
    shard_by: Literal["record", "file"] = "record",
    strict: bool = False,
    report: ReadReport | None = None,
) -> Iterator[Record]:
    r"""Stream the caption records of files, in file order.

    Args:
        paths: Input files (``.gz`` compressed or not).
        format: One of :data:`FORMATS` for every file (``None``: from each file's name).
        column: CSV/TSV caption column: a header name, or a 0-based index (default ``"caption"``).
        field: JSON field holding the caption, in JSON lines and in a tar's ``.json`` members
            (default ``"caption"``).
        key: CSV/TSV column or JSON field holding the sample key (default: ``FILE:LINE``).
        header: Whether CSV/TSV files start with a header row (default: yes when ``column`` or
            ``key`` is a name, no when both are indices).
        shard: ``(i, n)``: keep only part ``i`` of ``n`` disjoint parts; the ``n`` parts together
            are exactly the whole input.
        shard_by: ``"record"``: record number ``r`` (counted over all files, bad records included)
            goes to part ``r mod n``; ``"file"``: file number ``f`` goes to part ``f mod n``
            (each job then reads only its own files).
        strict: Raise on the first bad record instead of counting it.
        report: Collects record counts and bad records.

    Yields:
        The records of this shard.

    Raises:
        InputFormatError: A file's format is unknown, a CSV header lacks the column, or (with
            ``strict``) a record is bad.

    Example:
        >>> from pathlib import Path
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "captions.txt"
        >>> _ = path.write_text("a dog\na cat\n")
        >>> [r.caption for r in read_records([path])]
        ['a dog', 'a cat']
    """
    if format is not None and format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    files = [Path(p) for p in ([paths] if isinstance(paths, (str, os.PathLike)) else paths)]
    selector = _Shard(shard, shard_by)
    # Check every input now, not hours into a run.
    kinds = [format or detect_format(path) for path in files]
    for path in files:
        if not path.is_file():
            raise InputFormatError(f"input {path} does not exist or is not a file")
    return _records(files, kinds, selector, column, field, key, header, strict, report)


def _records(
    files: list[Path],
    kinds: list[Format],
    selector: _Shard,
    column: str | int | None,
    field: str | None,
    key: str | int | None,
    header: bool | None,
    strict: bool,
    report: ReadReport | None,
) -> Iterator[Record]:
    report = report if report is not None else ReadReport()
    for number, (path, kind) in enumerate(zip(files, kinds, strict=True)):
        if not selector.by_record and number % selector.count != selector.index:
            continue
        reader = FileReader(path, selector, strict, report)
        if kind == "text":
            yield from reader.text()
        elif kind in ("csv", "tsv"):
            yield from reader.table(kind, column, key, header)
        elif kind == "jsonl":
            yield from reader.jsonl(field or "caption", key)
        else:
            yield from read_tar(reader, field or "caption")


def is_gzip(path: str | os.PathLike[str]) -> bool:
    """Whether a file is gzip-compressed (by its first bytes, not its name)."""
    with open(path, "rb") as probe:
        return probe.read(2) == b"\x1f\x8b"


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


def open_input(path: Path) -> IO[bytes]:
    """Open a file for reading bytes, decompressing it if it is gzip (by its first bytes)."""
    if is_gzip(path):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return open(path, "rb")


class FileReader:
    """Reads one file; reports bad records with the file's name."""

    def __init__(self, path: Path, selector: _Shard, strict: bool, report: ReadReport) -> None:
        self.path, self.selector, self.strict, self.report = path, selector, strict, report
        self.name = str(path)

    def good(self, key: str, caption: str) -> Record:
        self.report.num_records += 1
        return Record(key, caption)

    def bad(self, location: str, reason: str) -> None:
        bad = BadRecord(self.name, location, reason)
        if self.strict:
            raise InputFormatError(f"{bad} (fix the input, or drop --strict to skip bad records)")
        self.report.add_bad(bad)

    def not_utf8(self, location: str, exc: UnicodeDecodeError) -> None:
        """Report a line of a text file that is not UTF-8."""
        self.bad(location, f"not UTF-8 ({exc.reason} at byte {exc.start})")

    def text(self) -> Iterator[Record]:
        name, report, selector = self.name, self.report, self.selector
        sharded = selector.by_record and selector.count > 1
        with open_input(self.path) as f:
            for number, line in enumerate(f, start=1):
                if sharded and not selector.take():
                    continue
                try:
                    text = decode_line(line, first=number == 1)
                except UnicodeDecodeError as exc:
                    self.not_utf8(f"{number}", exc)
                    continue
                report.num_records += 1
                yield Record(f"{name}:{number}", text)

    def jsonl(self, field: str, key: str | int | None) -> Iterator[Record]:
        key_field = None if key is None else str(key)
        with open_input(self.path) as f:
            for number, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                if not self.selector.take():
                    continue
                try:
                    obj = json.loads(line)
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    self.bad(f"{number}", f"not valid JSON ({exc})")
                    continue
                if not isinstance(obj, dict):
                    self.bad(f"{number}", f"not a JSON object but {type(obj).__name__}")
                    continue
                caption = obj.get(field)
                if not isinstance(caption, str):
                    self.bad(f"{number}", f"no string field {field!r}")
                    continue
                sample = f"{self.name}:{number}"
                if key_field is not None:
                    value = obj.get(key_field)
                    if value is None or isinstance(value, (dict, list)):
                        self.bad(f"{number}", f"no key field {key_field!r}")
                        continue
                    sample = str(value)
                yield self.good(sample, caption)

    def table(
        self, kind: str, column: str | int | None, key: str | int | None, header: bool | None
    ) -> Iterator[Record]:
        column = "caption" if column is None else column
        names = [c for c in (column, key) if c is not None and not _is_index(c)]
        has_header = bool(names) if header is None else header
        if names and not has_header:
            raise InputFormatError(
                f"column names ({', '.join(map(str, names))}) need a header row: pass indices, "
                "or drop --no-header"
            )
        with open_input(self.path) as f:
            lines = _LineCounter(f, self)
            rows = csv.reader(lines, delimiter="\t" if kind == "tsv" else ",")
            positions: dict[str, int] = {}
            if has_header:
                head = next(rows, None)
                if head is None:
                    return
                positions = {name: i for i, name in enumerate(head)}
                missing = [n for n in names if n not in positions]
                if missing:
                    raise InputFormatError(
                        f"{self.path} has no column {missing[0]!r} (columns: {', '.join(head)}): "
                        "pass --column/--key with one of these names or a 0-based index"
                    )
            text_col = int(column) if _is_index(column) else positions[str(column)]
            key_col: int | None = None
            if key is not None:
                key_col = int(key) if _is_index(key) else positions[str(key)]
            width = max(text_col, key_col or 0) + 1
            while True:
                start = lines.number + 1
                try:
                    row = next(rows)
                except StopIteration:
                    break
                except csv.Error as exc:
                    if self.selector.take():
                        self.bad(f"{start}", f"bad CSV ({exc})")
                    continue
                if not row or not self.selector.take():
                    continue
                if len(row) < width:
                    self.bad(f"{start}", f"{len(row)} column(s), the caption/key needs {width}")
                    continue
                sample = f"{self.name}:{start}" if key_col is None else row[key_col]
                yield self.good(sample, row[text_col])


class _LineCounter:
    """Decodes a binary file's lines for ``csv.reader``, counting them and reporting bad bytes."""

    def __init__(self, f: IO[bytes], reader: FileReader) -> None:
        self.f, self.reader, self.number = f, reader, 0

    def __iter__(self) -> Iterator[str]:
        for line in self.f:
            self.number += 1
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                if self.reader.selector.take():
                    self.reader.bad(f"{self.number}", f"not UTF-8 ({exc.reason})")
                continue
            yield text.removeprefix("\ufeff") if self.number == 1 else text


def _is_index(value: str | int) -> bool:
    return isinstance(value, int) or value.isdigit()
