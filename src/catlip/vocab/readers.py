"""Read captions from files: plain text, CSV/TSV, JSON lines, webdataset ``.tar`` shards, parquet.

Everything streams (one record, or one parquet record batch, in memory at a time) and gzip is read
transparently (detected from the file's first bytes). Files may be local or remote (URLs such as
``s3://bucket/x.parquet``, read through fsspec). Each record has a *key* naming its sample:
``FILE:LINE`` for text lines, the text before the tab for ``KEY<TAB>CAPTION`` lines (Flickr8k's
``Flickr8k.token.txt``, told from a ``.txt`` file's first lines), the ``key`` column / field for
CSV/TSV and JSON lines (else ``FILE:LINE``), the member key (path without extensions) for tar
shards, and the ``key`` or ``uid`` column for parquet (else ``FILE:ROW``); the formats are
described in the guide (:doc:`/vocab`). Parquet rows whose img2dataset ``status`` is not
``"success"`` are skipped and counted (``ReadReport.skipped``). Bad records (undecodable bytes, a
missing column or field, broken JSON, a tar sample without a caption, a record over the size cap,
damaged gzip data, a stray CSV quote, a null parquet caption) are never silently dropped: they are
counted in a :class:`ReadReport` with file and line, or raise
:class:`~catlip.errors.InputFormatError` when ``strict``.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Literal

from catlip.errors import InputFormatError
from catlip.vocab._jsonl import read_jsonl
from catlip.vocab._lines import (
    DEFAULT_MAX_RECORD_BYTES,
    GZIP_ERRORS,
    check_max_record_bytes,
    decode_line,
    finish_line,
    looks_keyed,
    open_input,
)
from catlip.vocab._parquet import pyarrow_modules, read_parquet
from catlip.vocab._remote import check_url, is_url
from catlip.vocab._report import BadRecord, ReadReport, Record
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

Format = Literal["text", "keyed", "csv", "tsv", "jsonl", "tar", "parquet"]
FORMATS: tuple[str, ...] = ("text", "keyed", "csv", "tsv", "jsonl", "tar", "parquet")
"""The input formats :func:`read_records` reads (``keyed``: ``KEY<TAB>CAPTION`` text lines)."""

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
    ".parquet": "parquet",
}


def detect_format(path: str | os.PathLike[str]) -> Format:
    """Guess a file's format from its name (``.gz`` is looked through).

    A local ``.txt`` / ``.text`` file whose first lines are all ``KEY<TAB>CAPTION`` (one tab,
    after a sample key or file name: Flickr8k's ``Flickr8k.token.txt``) is ``"keyed"``: its
    first lines are read to tell.

    Raises:
        InputFormatError: The suffix is not one catlip knows.

    Example:
        >>> detect_format("captions.tsv.gz"), detect_format("00000.tar")
        ('tsv', 'tar')
        >>> detect_format("s3://bucket/part-00000.parquet")
        'parquet'
    """
    name = Path(path).name.lower()
    if is_url(path):
        name = name.partition("?")[0].partition("#")[0]  # https://host/x.parquet?download=1
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
    if found == "text" and os.path.isfile(path) and looks_keyed(path):
        return "keyed"
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

    def take_many(self, number: int) -> range:
        """Take the next ``number`` records at once: the offsets (0-based) of those kept."""
        start = self.position + 1
        self.position += number
        if not self.by_record:
            return range(number)
        return range((self.index - start) % self.count, number, self.count)


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
    status: str | None = "success",
) -> Iterator[Record]:
    r"""Stream the caption records of files, in file order.

    Args:
        paths: Input files (``.gz`` compressed or not): local paths, or URLs (strings such as
            ``"s3://bucket/x.parquet"``, read through fsspec: ``pip install "catlip[remote]"``).
        format: One of :data:`FORMATS` for every file (``None``: from each file's name).
        column: CSV/TSV or parquet caption column: a name, or a 0-based index (default
            ``"caption"`` for CSV/TSV; for parquet the first of ``text``, ``TEXT``, ``caption``).
        field: JSON field holding the caption, in JSON lines and in a tar's ``.json`` members
            (default ``"caption"``).
        key: CSV/TSV or parquet column, or JSON field, holding the sample key (default:
            ``FILE:LINE``; for parquet the first of ``key``, ``uid``, else ``FILE:ROW``).
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
        status: Parquet files with a ``status`` column (img2dataset) yield only the rows whose
            status equals this; the others are counted in ``report.skipped``. ``None``: every
            row, whatever its status.

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
    if status is not None and not isinstance(status, str):
        raise TypeError(f"status must be a str or None, got {type(status).__name__}")
    given = [paths] if isinstance(paths, (str, os.PathLike)) else paths
    files: list[str | Path] = [p if isinstance(p, str) and is_url(p) else Path(p) for p in given]
    selector = _Shard(shard, shard_by)
    # Check every input now, not hours into a run. A remote file is checked when it is opened
    # (one request per file up front would cost minutes for thousands of objects); its
    # protocol, now.
    kinds = [format or detect_format(path) for path in files]
    for path in files:
        if isinstance(path, str):
            check_url(path)
        elif not path.is_file():
            raise InputFormatError(f"input {path} does not exist or is not a file")
    if "parquet" in kinds:
        pyarrow_modules()
    if report is not None and format is None:
        report.keyed_files += [
            str(path) for path, kind in zip(files, kinds, strict=True) if kind == "keyed"
        ]
    options = (column, field, key, header, strict, max_record_bytes, status)
    return _records(files, kinds, selector, report, *options)


def _records(
    files: list[str | Path],
    kinds: list[Format],
    selector: _Shard,
    report: ReadReport | None,
    column: str | int | None,
    field: str | None,
    key: str | int | None,
    header: bool | None,
    strict: bool,
    max_record_bytes: int,
    status: str | None,
) -> Iterator[Record]:
    report = report if report is not None else ReadReport()
    for number, (path, kind) in enumerate(zip(files, kinds, strict=True)):
        if not selector.by_record and number % selector.count != selector.index:
            continue
        reader = FileReader(path, selector, strict, report, max_record_bytes)
        if kind in ("text", "keyed"):
            yield from reader.text(keyed=kind == "keyed")
        elif kind in ("csv", "tsv"):
            yield from read_table(reader, kind, column, key, header)
        elif kind == "jsonl":
            yield from read_jsonl(reader, field or "caption", key)
        elif kind == "parquet":
            yield from read_parquet(reader, column, key, status)
        else:
            yield from read_tar(reader, field or "caption")


class FileReader:
    """Reads one file; reports bad records with the file's name."""

    def __init__(
        self,
        path: str | Path,
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

    def text(self, *, keyed: bool = False) -> Iterator[Record]:
        """The records of a text file: its lines, or with ``keyed`` its ``KEY<TAB>CAPTION``."""
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
                if keyed:
                    key, tab, text = text.partition("\t")
                    if not tab or not key:
                        self.bad(
                            f"{number}", "no KEY<TAB>CAPTION (--format text reads lines whole)"
                        )
                        continue
                    report.num_records += 1
                    yield Record(key, text)
                    continue
                report.num_records += 1
                yield Record(f"{name}:{number}", text)
