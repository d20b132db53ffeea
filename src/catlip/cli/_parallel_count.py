"""``-j N`` for the counting commands: N processes, each reading and counting its own records.

Sending captions from one reader process to N counting processes costs the reader as much CPU as a
counting process spends on a fast extractor, so on N cores the counting processes starve. Here every
process (this one included) reads its own share of the inputs: uncompressed plain text in byte
blocks claimed from a shared counter (:mod:`catlip.vocab._blocks`); remote files, and any input with
``--shard-by file``, every N-th file when there are at least N (so that each file is fetched once);
anything else every N-th record, skipping the others' records before decoding them. The parent sums
the N counters, merges the bad-record reports in input order and shows progress. Counting is a sum,
so the result is identical to a single-process run, byte for byte once saved. ``-j1`` is the same
code with one process.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from catlip._workers import exit_with_parent, worker_died, worker_signals
from catlip.cli._common import expand_inputs, open_records
from catlip.vocab import _blocks
from catlip.vocab._blocks import block_captions, splittable_inputs
from catlip.vocab._parallel import process_context
from catlip.vocab._progress import Progress
from catlip.vocab._remote import is_url
from catlip.vocab.counts import SynsetCounts, count_synsets
from catlip.vocab.readers import BadRecord, ReadReport


def _ticking(
    captions: Iterable[str], done: Any, on_batch: Callable[[], None] | None = None
) -> Iterator[str]:
    """Pass ``captions`` through, adding to the shared counter ``done`` every 2,048."""
    pending = 0
    for caption in captions:
        yield caption
        pending += 1
        if pending == 2048:
            with done.get_lock():
                done.value += pending
            pending = 0
            if on_batch is not None:
                on_batch()
    with done.get_lock():
        done.value += pending


class _PartReport(ReadReport):
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


@dataclass
class _Shared:
    """What the counting processes share: progress, and the plain-text blocks to claim."""

    done: Any  # multiprocessing.Value: captions counted so far
    next_block: Any  # multiprocessing.Value: the next unclaimed block
    files: list[Path] | None  # inputs split in byte blocks; None: split records by number
    block_size: int  # the parent's choice, so that every process cuts the same blocks
    file_numbers: dict[str, int] | None = None  # inputs split by file: name -> input number

    def claim(self) -> int:
        with self.next_block.get_lock():
            block = int(self.next_block.value)
            self.next_block.value = block + 1
        return block


def _count_records(
    args: argparse.Namespace,
    extractor: Any,
    part: int,
    parts: int,
    shared: _Shared,
    on_batch: Callable[[], None] | None = None,
) -> tuple[dict[str, int], int, _PartReport]:
    """Count part ``part`` of ``parts``: (counts, captions, report)."""
    report = _PartReport(part, parts)
    captions: Iterator[str]
    if shared.files is not None:
        report.note_places = False
        captions = block_captions(
            shared.files,
            shared.claim,
            report,
            strict=args.strict,
            places=report.places,
            block_size=shared.block_size,
            max_record_bytes=args.max_record_bytes,
        )
    elif shared.file_numbers is not None:
        # File f of this command's shard (i, n) is file i + n*f of the input (--shard-by file);
        # part k takes f = k mod parts: the input's shard (i + n*k, n*parts) by file.
        index, count = args.shard or (0, 1)
        mine = argparse.Namespace(**vars(args))
        mine.shard, mine.shard_by = (index + count * part, count * parts), "file"
        report.file_numbers = shared.file_numbers
        captions = (record.caption for record in open_records(mine, report))
    elif args.shard_by == "record":
        # Record r of this command's shard (i, n) is record i + n*r of the input; part k takes
        # r = k mod parts, so it reads the input as shard (i + n*k, n*parts) and skips the
        # others' records before decoding them.
        index, count = args.shard or (0, 1)
        mine = argparse.Namespace(**vars(args))
        mine.shard = (index + count * part, count * parts)
        captions = (record.caption for record in open_records(mine, report))
    else:
        records = open_records(args, report)
        captions = (r.caption for i, r in enumerate(records) if i % parts == part)
        if part != 0:  # every part reads every record: only part 0 reports the bad ones
            report = _PartReport(part, parts)
    ticking = _ticking(captions, shared.done, on_batch)
    counts = count_synsets(ticking, extractor=extractor, num_workers=0)
    return dict(counts), counts.num_captions, report


def _count_part(
    args: argparse.Namespace, extractor: Any, part: int, parts: int, shared: _Shared, results: Any
) -> None:
    """A worker process: count one part and send the result (or the error) to the parent."""
    worker_signals()
    exit_with_parent()
    try:
        results.send(_count_records(args, extractor, part, parts, shared))
    except BaseException as exc:  # sent to the parent, which raises it
        results.send(exc)
    finally:
        results.close()


def _merge_reports(reports: list[_PartReport], report: ReadReport) -> None:
    """Add the parts' reports to ``report``, bad-record examples in input order."""
    examples = sorted(
        (place, bad)
        for part in reports
        for place, bad in zip(part.places, part.examples, strict=True)
    )
    kept = examples[: max(report.max_examples - len(report.examples), 0)]
    for _, bad in kept:
        report.add_bad(bad)
    report.num_bad += sum(part.num_bad for part in reports) - len(kept)
    report.num_records += sum(part.num_records for part in reports)
    report.num_multiline += sum(part.num_multiline for part in reports)
    for part in reports:
        for status, rows in part.skipped.items():
            report.skipped[status] = report.skipped.get(status, 0) + rows


def _file_numbers(args: argparse.Namespace, inputs: list[str], jobs: int) -> dict[str, int] | None:
    """Input number by file name when the processes split the inputs by file, else ``None``.

    By file when the inputs are split by file anyway (``--shard-by file``), or are all remote
    and unsharded (split by record, every process would fetch every file), and this command's
    part has at least ``jobs`` files, all different.
    """
    names = [path if is_url(path) else str(Path(path)) for path in inputs]
    index, count = args.shard or (0, 1)
    remote = args.shard is None and all(is_url(path) for path in inputs)
    if not (args.shard_by == "file" or remote) or len(set(names)) < len(names):
        return None
    if len(range(index, len(names), count)) < jobs:
        return None
    return {name: number for number, name in enumerate(names)}


def count_in_parallel(
    args: argparse.Namespace, extractor: Any, *, jobs: int, report: ReadReport, progress: bool
) -> SynsetCounts:
    """Count the records the input options select with ``jobs`` processes.

    Args:
        args: The parsed input options (as for :func:`catlip.cli._common.open_records`).
        extractor: The ``SynsetExtractor``, already loaded (forked workers inherit it).
        jobs: The number of counting processes, this one included.
        report: Receives the bad records.
        progress: Show progress on stderr.

    Returns:
        The counts, identical to a single-process run.

    Raises:
        WorkerError: A worker process died (killed, or out of memory).
    """
    context: Any = process_context()
    inputs = expand_inputs(args.inputs)
    files = splittable_inputs(inputs, format=args.format, shard=args.shard)
    shared = _Shared(context.Value("q", 0), context.Value("q", 0), files, _blocks.BLOCK_SIZE)
    if files is None:
        shared.file_numbers = _file_numbers(args, inputs, jobs)
    pipes = {k: context.Pipe(duplex=False) for k in range(1, jobs)}
    workers = {
        k: context.Process(target=_count_part, args=(args, extractor, k, jobs, shared, pipes[k][1]))
        for k in range(1, jobs)
    }
    parts: dict[int, Any] = {}

    def collect(timeout: float) -> None:
        """Take the parts that are ready; raise a part's error, or a worker's death, at once."""
        waiting = {pipes[k][0]: k for k in workers if k not in parts}
        ready = wait([*waiting, *(workers[k].sentinel for k in waiting.values())], timeout)
        for connection in ready:
            if connection in waiting:
                try:
                    payload = connection.recv()  # type: ignore[union-attr,call-arg]
                except EOFError:
                    continue  # died before sending: its exit code reports it
                if isinstance(payload, BaseException):
                    raise payload
                parts[waiting[connection]] = payload
        for k in waiting.values():
            if k not in parts and workers[k].exitcode not in (None, 0):
                raise worker_died(
                    "a counting process",
                    workers[k].exitcode,
                    "run again with fewer jobs (-j), or with more memory free",
                )

    try:
        for k, worker in workers.items():
            worker.start()
            pipes[k][1].close()  # the worker holds the sending end now
        with Progress(enabled=progress, unit="captions", desc="counting") as bar:

            def on_batch() -> None:
                bar.update(shared.done.value - bar.count)
                if workers:  # -j1 has no one to hear from
                    collect(0)

            # This process counts part 0 itself: its tables are warm and its pages its own.
            parts[0] = _count_records(args, extractor, 0, jobs, shared, on_batch)
            while len(parts) < jobs:
                collect(0.5)
                bar.update(shared.done.value - bar.count)
    finally:
        for worker in workers.values():
            if worker.is_alive():
                worker.terminate()
            worker.join()
    total: Counter[str] = Counter()
    for part in range(jobs):
        total.update(parts[part][0])
    _merge_reports([parts[part][2] for part in range(jobs)], report)
    num_captions = sum(parts[part][1] for part in range(jobs))
    return SynsetCounts(total, num_captions=num_captions, extractor_settings=extractor.settings)
