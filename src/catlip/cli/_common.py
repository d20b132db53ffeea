"""Helpers shared by the data commands: input options, jobs, shards, signals, reports."""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import signal
import sys
from collections.abc import Iterator
from types import FrameType
from typing import Any

from catlip.vocab._io import check_output as check_output_path
from catlip.vocab._remote import glob_urls, is_url
from catlip.vocab.readers import (
    DEFAULT_MAX_RECORD_BYTES,
    FORMATS,
    ReadReport,
    Record,
    read_records,
)

__all__ = [
    "INPUT_HELP",
    "add_input_arguments",
    "add_jobs_argument",
    "check_output",
    "expand_inputs",
    "num_processes",
    "open_records",
    "parse_shard",
    "read_options",
    "report_bad_records",
    "terminate_cleanly",
]

INPUT_HELP = """inputs (gzip is read transparently; format from the file name unless --format):
  text     one caption per line                       key FILE:LINE
  csv      --column NAME|INDEX (default caption)      key --key column, else FILE:LINE
  tsv      like csv, tab-separated
  jsonl    --field NAME (default caption)             key --key field, else FILE:LINE
  tar      webdataset/img2dataset shards: KEY.txt, else --field of KEY.json    key KEY
  parquet  --column, else text, TEXT or caption       key --key, else key or uid, else FILE:ROW
           (pip install "catlip[parquet]"); with a status column (img2dataset) only rows with
           status "success" count, unless --all-status
remote inputs: s3://, gs://, hf://, https:// ... URLs and URL globs, through fsspec
  (pip install "catlip[remote]" and the protocol's package, such as s3fs)
"""


def add_input_arguments(
    parser: argparse.ArgumentParser, *, keys: bool = False, optional: bool = False
) -> None:
    """Add ``INPUT...`` and the options that say how to read captions from it."""
    parser.add_argument(
        "inputs", nargs="*" if optional else "+", metavar="INPUT", help="caption files (see below)"
    )
    group = parser.add_argument_group("reading captions")
    group.add_argument("--format", choices=FORMATS, default=None, help="format of every INPUT")
    group.add_argument(
        "--column", default=None, help="CSV/TSV/parquet caption column: name or 0-based index"
    )
    group.add_argument("--field", default=None, help="JSON caption field (jsonl, tar .json)")
    if keys:
        group.add_argument(
            "--key",
            default=None,
            help="CSV/TSV/parquet column or JSON field holding the sample key",
        )
    header = group.add_mutually_exclusive_group()
    header.add_argument(
        "--header", dest="header", action="store_true", default=None, help="CSV/TSV has a header"
    )
    header.add_argument(
        "--no-header", dest="header", action="store_false", help="CSV/TSV has no header row"
    )
    group.add_argument(
        "--all-status",
        action="store_true",
        help="parquet: count every row, whatever its img2dataset status (default: success only)",
    )
    group.add_argument(
        "--strict", action="store_true", help="fail (exit 1) on the first bad record"
    )
    group.add_argument(
        "--max-record-bytes",
        type=_positive_int,
        default=DEFAULT_MAX_RECORD_BYTES,
        metavar="B",
        help=f"longest record; longer ones are bad records (default {DEFAULT_MAX_RECORD_BYTES:,})",
    )
    group.add_argument(
        "--shard",
        type=parse_shard,
        default=None,
        metavar="I/N",
        help="process only part I of N (0 <= I < N) of the input; the N parts add up to all",
    )
    group.add_argument(
        "--shard-by",
        choices=("record", "file"),
        default="record",
        help="split by record number mod N (default) or by INPUT file number mod N",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")


def add_jobs_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``-j/--jobs``."""
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="processes extracting synsets, this one included (default 1: this process only)",
    )


def num_processes(args: argparse.Namespace) -> int:
    """``-j N``, checked: the number of processes, this one included (``num_workers``)."""
    if args.jobs < 1:
        raise SystemExit(f"catlip {args.command}: error: -j must be >= 1, got {args.jobs}")
    return int(args.jobs)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def parse_shard(text: str) -> tuple[int, int]:
    """Parse ``I/N`` (argparse ``type``)."""
    try:
        index_text, count_text = text.split("/")
        index, count = int(index_text), int(count_text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected I/N such as 0/4, got {text!r}") from None
    if count < 1 or not 0 <= index < count:
        raise argparse.ArgumentTypeError(f"need 0 <= I < N, got {text!r}")
    return index, count


def read_options(args: argparse.Namespace) -> dict[str, Any]:
    """The input options as keyword arguments of ``read_records`` and ``CaptionFiles``."""
    return {
        "format": args.format,
        "column": args.column,
        "field": args.field,
        "header": args.header,
        "shard": args.shard,
        "shard_by": args.shard_by,
        "strict": args.strict,
        "max_record_bytes": args.max_record_bytes,
        "status": None if getattr(args, "all_status", False) else "success",
    }


def open_records(args: argparse.Namespace, report: ReadReport) -> Iterator[Record]:
    """The records the input options select."""
    return read_records(
        expand_inputs(args.inputs),
        key=getattr(args, "key", None),
        report=report,
        **read_options(args),
    )


def check_output(args: argparse.Namespace, *, inputs: list[str], suffixes: tuple[str, ...]) -> None:
    """Refuse, before any work, an ``--output`` that would destroy an input or cannot be written.

    See :func:`catlip.vocab._io.check_output`: the output is none of ``inputs``, not a folder,
    in a folder that exists, and named with one of ``suffixes``.
    """
    check_output_path(args.output, inputs=inputs, suffixes=suffixes)


def expand_inputs(inputs: list[str]) -> list[str]:
    """Expand quoted glob patterns (``'shards/*.tar'``, sorted), for lists too long for a shell.

    An argument that names an existing file is kept as is, even if it contains ``*`` or ``?``.
    A remote pattern (``'s3://bucket/shards/*.parquet'``) is expanded by listing the bucket.
    """
    paths: list[str] = []
    for item in inputs:
        if is_url(item) and any(c in item for c in "*?["):
            matches = glob_urls(item)
            if not matches:
                raise SystemExit(f"catlip: error: no file matches {item!r}")
            paths.extend(matches)
        elif not is_url(item) and not os.path.exists(item) and any(c in item for c in "*?["):
            matches = sorted(glob.glob(item))
            if not matches:
                raise SystemExit(f"catlip: error: no file matches {item!r}")
            paths.extend(matches)
        else:
            paths.append(item)
    return paths


def report_bad_records(args: argparse.Namespace, report: ReadReport) -> None:
    """Print the bad-record summary on stderr (nothing when all records were good)."""
    if report.num_bad:
        print(f"catlip {args.command}: {report.summary()}", file=sys.stderr)
    for note in (report.keyed_note(), report.skipped_note(), report.multiline_note()):
        if note is not None:
            print(f"catlip {args.command}: {note}", file=sys.stderr)
    if report.num_records == 0:
        print(
            f"catlip {args.command}: warning: no caption records were read (for this shard): "
            "check the files, --format and --shard",
            file=sys.stderr,
        )


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def terminate_cleanly() -> Iterator[None]:
    """Turn SIGTERM (and SIGHUP) into ``KeyboardInterrupt`` so ``finally`` blocks run.

    Batch schedulers stop jobs with SIGTERM; by default it ends Python at once, skipping the
    clean-up that deletes temporary output files.
    """
    previous: dict[int, Any] = {}
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            previous[number] = signal.signal(number, _raise_interrupt)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
