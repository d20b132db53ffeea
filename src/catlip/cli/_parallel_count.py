"""``-j N`` for the counting commands: N processes, each reading and counting its own records.

Sending captions from one reader process to N counting processes costs the reader as much CPU as
a counting process spends on a fast extractor, so on N cores the counting processes starve. Here
every process reads the (cheap to parse) inputs itself and counts every N-th record; the parent
only sums the N counters and shows progress. Counting is a sum, so the result is identical to a
single-process run, byte for byte once saved.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterable, Iterator
from multiprocessing.connection import wait
from typing import Any

from catlip.cli._common import open_records
from catlip.vocab._parallel import process_context, worker_signals
from catlip.vocab._progress import Progress
from catlip.vocab.counts import SynsetCounts, count_synsets
from catlip.vocab.readers import ReadReport

_done: Any = None  # the shared caption counter, set in each worker


def _init_worker(counter: Any) -> None:
    global _done
    _done = counter
    worker_signals()


def _ticking(captions: Iterable[str], every: int = 2048) -> Iterator[str]:
    pending = 0
    for caption in captions:
        yield caption
        pending += 1
        if pending == every:
            with _done.get_lock():
                _done.value += pending
            pending = 0
    with _done.get_lock():
        _done.value += pending


def _count_part(
    args: argparse.Namespace, extractor: Any, part: int, parts: int, done: Any, results: Any
) -> None:
    _init_worker(done)
    try:
        report = ReadReport()
        records = open_records(args, report)
        mine = (record.caption for i, record in enumerate(records) if i % parts == part)
        counts = count_synsets(_ticking(mine), extractor=extractor, num_workers=0)
        # Every process reads every record, so only one of them reports the bad ones.
        results.send((dict(counts), counts.num_captions, report if part == 0 else None))
    except BaseException as exc:  # sent to the parent, which raises it
        results.send(exc)
    finally:
        results.close()


def count_in_parallel(
    args: argparse.Namespace, extractor: Any, *, jobs: int, report: ReadReport, progress: bool
) -> SynsetCounts:
    """Count the records the input options select with ``jobs`` processes.

    Args:
        args: The parsed input options (as for :func:`catlip.cli._common.open_records`).
        extractor: The ``SynsetExtractor``, already loaded (forked workers inherit it).
        jobs: The number of counting processes.
        report: Receives the bad records.
        progress: Show progress on stderr.

    Returns:
        The counts, identical to a single-process run.

    Raises:
        RuntimeError: A worker process died (killed, or out of memory).
    """
    context: Any = process_context()
    done = context.Value("q", 0)
    pipes = [context.Pipe(duplex=False) for _ in range(jobs)]
    workers = [
        context.Process(target=_count_part, args=(args, extractor, k, jobs, done, pipes[k][1]))
        for k in range(jobs)
    ]
    parts: dict[int, Any] = {}
    try:
        for worker, (_, sender) in zip(workers, pipes, strict=True):
            worker.start()
            sender.close()  # the worker holds the sending end now
        with Progress(enabled=progress, unit="captions", desc="counting") as bar:
            while len(parts) < jobs:
                waiting = {pipes[k][0]: k for k in range(jobs) if k not in parts}
                ready = wait([*waiting, *(workers[k].sentinel for k in waiting.values())], 0.5)
                bar.update(done.value - bar.count)
                for connection in ready:
                    if connection in waiting:
                        try:
                            payload = connection.recv()  # type: ignore[union-attr,call-arg]
                        except EOFError:
                            continue  # died before sending: its sentinel reports it
                        if isinstance(payload, BaseException):
                            raise payload
                        parts[waiting[connection]] = payload
                for k in waiting.values():
                    if k not in parts and workers[k].exitcode not in (None, 0):
                        raise RuntimeError(
                            f"a counting process died (exit code {workers[k].exitcode}: killed, "
                            "or out of memory): run again with fewer jobs (-j)"
                        )
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()
    total: Counter[str] = Counter()
    num_captions = 0
    for part in range(jobs):
        part_counts, part_captions, part_report = parts[part]
        total.update(part_counts)
        num_captions += part_captions
        if part_report is not None:
            for bad in part_report.examples:
                report.add_bad(bad)
            report.num_bad += part_report.num_bad - len(part_report.examples)
            report.num_records += part_report.num_records
    return SynsetCounts(total, num_captions=num_captions, extractor_settings=extractor.settings)
