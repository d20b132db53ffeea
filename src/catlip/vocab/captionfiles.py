"""Caption files as an input that parallel counting can split: :class:`CaptionFiles`.

A generator of captions can only be read by the process that holds it, which then spends as much
CPU sending captions to N counting processes as one of them spends counting. Files can be split
instead, each process reading its own share (:func:`catlip.vocab.count_synsets` with
``num_workers``): uncompressed local plain text in byte blocks claimed from a shared counter
(:mod:`catlip.vocab._blocks`); remote files, and any input sharded with ``shard_by="file"``,
every N-th file when there are at least N (so that each file is fetched once); anything else
every N-th record, skipping the others' records before decoding them. The parts' bad-record
reports are merged in input order, so the report is the same for any number of processes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from itertools import count
from pathlib import Path
from typing import Literal

from catlip.vocab import _blocks
from catlip.vocab._blocks import block_captions, splittable_inputs
from catlip.vocab._lines import DEFAULT_MAX_RECORD_BYTES
from catlip.vocab._remote import is_url
from catlip.vocab.readers import BadRecord, ReadReport, read_records

__all__ = ["CaptionFiles"]


class CaptionFiles:
    r"""Caption files and how to read them: an iterable of captions that processes can split.

    Iterating gives the captions in file order, as ``(r.caption for r in read_records(...))``
    does, so a ``CaptionFiles`` goes wherever captions do. Given to
    :func:`~catlip.vocab.count_synsets` with ``num_workers=N``, the ``N`` processes each read
    their own share of the files (the fast path ``catlip vocab count -j N`` takes).

    Args:
        paths: Input files, as for :func:`~catlip.vocab.read_records`.
        format: One of :data:`~catlip.vocab.FORMATS` for every file (default: from the name).
        column: CSV/TSV or parquet caption column.
        field: JSON caption field.
        header: Whether CSV/TSV files start with a header row.
        shard: ``(i, n)``: only part ``i`` of ``n`` of the input.
        shard_by: ``"record"`` or ``"file"`` (see :func:`~catlip.vocab.read_records`).
        strict: Raise on the first bad record instead of counting it.
        report: Collects record counts and bad records; the ``report`` attribute (default: new).
        max_record_bytes: Longest record in bytes.
        status: Parquet ``status`` value to keep (``None``: every row).

    Raises:
        InputFormatError: A file does not exist or its format is unknown (checked now).

    Example:
        >>> from pathlib import Path
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "captions.txt"
        >>> _ = path.write_text("a dog\na cat\n")
        >>> files = CaptionFiles([path])
        >>> list(files), files.report.num_records
        (['a dog', 'a cat'], 2)
    """

    def __init__(
        self,
        paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
        *,
        format: str | None = None,
        column: str | int | None = None,
        field: str | None = None,
        header: bool | None = None,
        shard: tuple[int, int] | None = None,
        shard_by: Literal["record", "file"] = "record",
        strict: bool = False,
        report: ReadReport | None = None,
        max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
        status: str | None = "success",
    ) -> None:
        given = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
        self.paths: list[str] = [os.fspath(p) for p in given]
        self.format, self.shard, self.shard_by = format, shard, shard_by
        self.strict, self.max_record_bytes = strict, max_record_bytes
        self.report = report if report is not None else ReadReport()
        self._block_size = _blocks.BLOCK_SIZE  # read here: every process must cut the same blocks
        self._options = {
            "format": format,
            "column": column,
            "field": field,
            "header": header,
            "strict": strict,
            "max_record_bytes": max_record_bytes,
            "status": status,
        }
        self._read(shard, shard_by, ReadReport())  # checks every input now, reads nothing

    def __repr__(self) -> str:
        return f"CaptionFiles({len(self.paths)} files)"

    def __iter__(self) -> Iterator[str]:
        return self._part(0, 1, count().__next__, self.report)

    def _read(
        self, shard: tuple[int, int] | None, shard_by: str, report: ReadReport
    ) -> Iterator[str]:
        records = read_records(
            self.paths,
            shard=shard,
            shard_by=shard_by,  # type: ignore[arg-type]
            report=report,
            **self._options,  # type: ignore[arg-type]
        )
        return (record.caption for record in records)

    def _part(
        self, index: int, parts: int, claim: Callable[[], int], report: ReadReport
    ) -> Iterator[str]:
        """The captions of part ``index`` of ``parts``; the parts together are all of them.

        Args:
            index: Which part.
            parts: How many parts (processes).
            claim: Returns the next unclaimed block number, shared by all parts.
            report: Receives this part's records; a :class:`PartReport` when ``parts > 1``
                (:func:`merge_reports` then puts the parts' bad records back in input order).
        """
        places = report.places if isinstance(report, PartReport) else None
        files = splittable_inputs(self.paths, format=self.format, shard=self.shard)
        if files is not None:
            if isinstance(report, PartReport):
                report.note_places = False  # the block reader notes them
            return block_captions(
                files,
                claim,
                report,
                strict=self.strict,
                places=places,
                block_size=self._block_size,
                max_record_bytes=self.max_record_bytes,
            )
        if parts == 1:
            return self._read(self.shard, self.shard_by, report)
        first, step = self.shard or (0, 1)
        numbers = file_numbers(self.paths, shard=self.shard, shard_by=self.shard_by, parts=parts)
        if numbers is not None and isinstance(report, PartReport):
            # File f of this input's shard (i, n) is file i + n*f; part k takes f = k mod parts:
            # the shard (i + n*k, n*parts) by file.
            report.file_numbers = numbers
            return self._read((first + step * index, step * parts), "file", report)
        if self.shard_by == "record":
            # Record r of this input's shard (i, n) is record i + n*r; part k takes r = k mod
            # parts: the shard (i + n*k, n*parts), skipping the others' records undecoded.
            return self._read((first + step * index, step * parts), "record", report)
        # A file shard with fewer files than parts: every part reads it all, keeps its records
        # and reports nothing (part 0 reports the bad records).
        captions = self._read(self.shard, self.shard_by, report if index == 0 else ReadReport())
        return (caption for number, caption in enumerate(captions) if number % parts == index)


class PartReport(ReadReport):
    """A part's report that also notes where in the input each kept bad record is (a sort key)."""

    def __init__(self, part: int = 0, parts: int = 1) -> None:
        super().__init__()
        self.part, self.parts = part, parts
        self.places: list[tuple[int, int]] = []
        self.note_places = True  # False: the block reader notes them
        self.file_numbers: dict[str, int] | None = None  # split by file: input file numbers

    def add_bad(self, bad: BadRecord) -> None:
        if self.note_places and len(self.examples) < self.max_examples:
            if self.file_numbers is not None:
                # Split by file, a part reads whole files in input order.
                self.places.append((self.file_numbers[bad.path], len(self.places)))
            else:
                # Split by number, the t-th record of part k is record k + parts*t.
                taken = self.num_records + self.num_bad + self.num_skipped
                self.places.append((0, self.part + self.parts * taken))
        super().add_bad(bad)


def file_numbers(
    paths: list[str], *, shard: tuple[int, int] | None, shard_by: str, parts: int
) -> dict[str, int] | None:
    """Input number by file name when ``parts`` processes split the input by file, else ``None``.

    By file when the input is sharded by file anyway, or is all remote and unsharded (split by
    record, every process would fetch every file), and this shard has at least ``parts`` files,
    all different.
    """
    names = [path if is_url(path) else str(Path(path)) for path in paths]
    first, step = shard or (0, 1)
    remote = shard is None and all(is_url(path) for path in paths)
    if not (shard_by == "file" or remote) or len(set(names)) < len(names):
        return None
    if len(range(first, len(names), step)) < parts:
        return None
    return {name: number for number, name in enumerate(names)}


def merge_reports(parts: list[PartReport], report: ReadReport) -> None:
    """Add the parts' reports to ``report``, bad-record examples in input order."""
    examples = sorted(
        (place, bad)
        for part in parts
        for place, bad in zip(part.places, part.examples, strict=True)
    )
    kept = examples[: max(report.max_examples - len(report.examples), 0)]
    for _, bad in kept:
        report.add_bad(bad)
    report.num_bad += sum(part.num_bad for part in parts) - len(kept)
    report.num_records += sum(part.num_records for part in parts)
    report.num_multiline += sum(part.num_multiline for part in parts)
    for part in parts:
        for status, rows in part.skipped.items():
            report.skipped[status] = report.skipped.get(status, 0) + rows
        # Every part that reads a file sees that it is keyed: name each file once.
        report.keyed_files += [f for f in part.keyed_files if f not in report.keyed_files]
