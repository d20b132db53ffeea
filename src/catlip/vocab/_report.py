"""What reading captions yields: records, bad records, and the report of a read.

:func:`~catlip.vocab.read_records` yields :class:`Record` objects and counts what it could not read
in a :class:`ReadReport`; the command line prints the report's summary and notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import NamedTuple

__all__ = ["BadRecord", "ReadReport", "Record"]


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
    """What :func:`~catlip.vocab.read_records` read: counts and a few bad records as examples.

    Example:
        >>> report = ReadReport()
        >>> report.add_bad(BadRecord("caps.txt", "7", "not UTF-8"))
        >>> report.num_bad, str(report.examples[0])
        (1, 'caps.txt:7: not UTF-8')
    """

    num_records: int = 0
    num_bad: int = 0
    examples: list[BadRecord] = dataclass_field(default_factory=list)
    max_examples: int = 20
    num_multiline: int = 0
    """CSV/TSV records whose quoted fields spanned several lines (rows and records disagree)."""
    skipped: dict[str, int] = dataclass_field(default_factory=dict)
    """Parquet rows left out on purpose, by img2dataset status (``{"failed_to_download": 3}``):
    samples without an image. Not bad records."""
    keyed_files: list[str] = dataclass_field(default_factory=list)
    """The ``.txt`` files read as ``KEY<TAB>CAPTION`` lines (the ``keyed`` format) because their
    lines looked so, not because ``format`` said so."""

    @property
    def num_skipped(self) -> int:
        """Rows left out on purpose (see :attr:`skipped`)."""
        return sum(self.skipped.values())

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

    def skipped_note(self) -> str | None:
        """A note when parquet rows were skipped by status, for the command line (else None)."""
        if not self.skipped:
            return None
        ranked = sorted(self.skipped.items(), key=lambda item: (-item[1], item[0]))
        statuses = ", ".join(f"{status}: {rows:,}" for status, rows in ranked)
        return (
            f"skipped {self.num_skipped:,} parquet row(s) whose status is not success "
            f"({statuses}): images that were not downloaded (--all-status counts them)"
        )

    def keyed_note(self) -> str | None:
        """A note when ``.txt`` files were read as ``KEY<TAB>CAPTION`` lines (else None)."""
        if not self.keyed_files:
            return None
        names = ", ".join(self.keyed_files[:3])
        if len(self.keyed_files) > 3:
            names += f" and {len(self.keyed_files) - 3:,} more"
        return (
            f"note: {names}: lines read as KEY<TAB>CAPTION, as in Flickr8k's token file (its "
            "first lines all are): the caption is the text after the tab, the key the text "
            "before it (--format text reads whole lines)"
        )

    def multiline_note(self) -> str | None:
        """A note when CSV/TSV records spanned several lines, for the command line (else None)."""
        if not self.num_multiline:
            return None
        return (
            f"note: {self.num_multiline:,} CSV/TSV record(s) span several lines (line breaks "
            "inside quoted fields), so the files have more lines than records"
        )
