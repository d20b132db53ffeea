"""Read captions from files: plain text, CSV/TSV, JSON lines and webdataset ``.tar`` shards.

Everything streams (one record in memory at a time) and gzip is read transparently (detected
from the file's first bytes). Each record has a *key* naming its sample: ``FILE:LINE`` for text
lines, the ``key`` column / field for CSV/TSV and JSON lines (else ``FILE:LINE``), and the member
key (path without extensions) for tar shards; the formats are described in the guide
(:doc:`/vocab`). Bad records (undecodable bytes, a missing column or field, broken JSON, a tar
sample without a caption, a record over the size cap, damaged gzip data, a stray CSV quote) are
never silently dropped: they are counted in a :class:`ReadReport` with file and line, or raise
:class:`~catlip.errors.InputFormatError` when ``strict``.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import IO, Literal, NamedTuple

from catlip.errors import InputFormatError
from catlip.vocab._lines import (
    DEFAULT_MAX_RECORD_BYTES,
    GZIP_ERRORS,
    check_max_record_bytes,
    decode_line,
    finish_line,
    open_input,
)
from catlip.vocab._table import read_table
from catlip.vocab._tar import read_tar

__all__ = [
    "DEFAULT_MAX_RECORD_BYTES",
    "FORMATS",
    "BadRecord",
    "ReadReport",
    "Record",
    "detect_format",
    "read_records",
]

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
    num_multiline: int = 0
    """CSV/TSV records whose quoted fields spanned several lines (rows and records disagree)."""

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

    def multiline_note(self) -> str | None:
        """A note when CSV/TSV records spanned several lines, for the command line (else None)."""
        if not self.num_multiline:
            return None
        return (
            f"note: {self.num_multiline:,} CSV/TSV record(s) span several lines (line breaks "
            "inside quoted fields), so the files have more lines than records"
        )


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
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
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
        max_record_bytes: Longest record in bytes (a line; a CSV/TSV record with its quoted line
            breaks; a tar caption member); a longer one is a bad record, skipped without
            being held in memory (default 1 MiB, ``DEFAULT_MAX_RECORD_BYTES``).

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
    check_max_record_bytes(max_record_bytes)
    files = [Path(p) for p in ([paths] if isinstance(paths, (str, os.PathLike)) else paths)]
    selector = _Shard(shard, shard_by)
    # Check every input now, not hours into a run.
    kinds = [format or detect_format(path) for path in files]
    for path in files:
        if not path.is_file():
            raise InputFormatError(f"input {path} does not exist or is not a file")
    options = (column, field, key, header, strict, max_record_bytes)
    return _records(files, kinds, selector, report, *options)


def _records(
    files: list[Path],
    kinds: list[Format],
    selector: _Shard,
    report: ReadReport | None,
    column: str | int | None,
    field: str | None,
    key: str | int | None,
    header: bool | None,
    strict: bool,
    max_record_bytes: int,
) -> Iterator[Record]:
    report = report if report is not None else ReadReport()
    for number, (path, kind) in enumerate(zip(files, kinds, strict=True)):
        if not selector.by_record and number % selector.count != selector.index:
            continue
        reader = FileReader(path, selector, strict, report, max_record_bytes)
        if kind == "text":
            yield from reader.text()
        elif kind in ("csv", "tsv"):
            yield from read_table(reader, kind, column, key, header)
        elif kind == "jsonl":
            yield from reader.jsonl(field or "caption", key)
        else:
            yield from read_tar(reader, field or "caption")


class FileReader:
    """Reads one file; reports bad records with the file's name."""

    def __init__(
        self,
        path: Path,
        selector: _Shard,
        strict: bool,
        report: ReadReport,
        max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    ) -> None:
        self.path, self.selector, self.strict, self.report = path, selector, strict, report
        self.name = str(path)
        self.max_record_bytes = max_record_bytes

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

    def too_long(self, location: str, size: int) -> None:
        """Report a record over the size cap."""
        self.bad(
            location,
            f"record of {size:,} bytes is over the {self.max_record_bytes:,}-byte limit "
            "(raise --max-record-bytes if such records are meant)",
        )

    def lines(self, f: IO[bytes]) -> Iterator[tuple[int, bytes]]:
        """The numbered lines of ``f``; too long lines and damaged gzip data are reported.

        Each too long line counts as a record (for sharding) and is skipped without being held;
        damaged gzip data ends the file and counts as one more record, so exactly one shard
        reports it.
        """
        number, cap, selector = 0, self.max_record_bytes, self.selector
        try:
            for line in iter(functools.partial(f.readline, cap + 2), b""):
                number += 1
                if len(line) > cap:  # too long, unless it is only the line end
                    line, size = finish_line(f, line, cap)
                    if size:
                        if selector.take():
                            self.too_long(f"{number}", size)
                        continue
                yield number, line
        except GZIP_ERRORS as exc:
            if selector.take():
                self.bad(
                    f"{number + 1}",
                    f"truncated or corrupt gzip data after {number:,} line(s) ({exc}); the "
                    "lines before it were read",
                )

    def text(self) -> Iterator[Record]:
        name, report, selector = self.name, self.report, self.selector
        sharded = selector.by_record and selector.count > 1
        with open_input(self.path) as f:
            for number, line in self.lines(f):
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
            for number, line in self.lines(f):
                if not line.strip():
                    continue
                if not self.selector.take():
                    continue
                try:
                    obj = json.loads(line)
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    self.bad(f"{number}", f"not valid JSON ({exc})")
                    continue
                except RecursionError:
                    self.bad(f"{number}", "JSON nested too deeply to read")
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
