"""Process-parallel labelling for :meth:`SynsetExtractor.batch`: plain processes, few messages.

With fork (Linux), children inherit the captions and the extractor's tables: nothing is pickled
on the way out and no table is rebuilt. The captions are cut into slices that this process and
its children take from a shared counter, so a process that gets less CPU (a busy machine) simply
takes fewer slices. Each child sends back one newline-joined string per slice, which pickles far
faster than a list of lists. With spawn (macOS, Windows), each child gets one contiguous chunk
and the extractor's settings, and builds its own tables (a few seconds).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import Any

from catlip._workers import exit_with_parent, worker_died
from catlip.errors import WorkerError

__all__ = ["run_workers"]

Labeller = Callable[[str], list[str]]
_SLICE = 1000  # captions per slice: big enough to amortize a lock, small enough to balance
_shared: tuple[Labeller, list[str], Any] | None = None


def run_workers(extractor: Labeller, items: list[str], workers: int) -> list[list[str]]:
    """Label ``items`` with ``workers`` processes (this one included), order preserved.

    Raises:
        WorkerError: A child died or failed (its error is in the message).
    """
    if "fork" in multiprocessing.get_all_start_methods():
        return _run_forked(extractor, items, workers)
    return _run_spawned(extractor, items, workers)


def _run_forked(extractor: Labeller, items: list[str], workers: int) -> list[list[str]]:
    global _shared
    context: Any = multiprocessing.get_context("fork")
    counter = context.Value("l", 0)
    _shared = (extractor, items, counter)
    children = []
    try:
        for _ in range(workers - 1):
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(target=_forked_worker, args=(sender,), daemon=True)
            process.start()
            sender.close()
            children.append((process, receiver))
        slices: dict[int, list[list[str]]] = {
            start: [extractor(caption) for caption in items[start : start + _SLICE]]
            for start in _take_slices(counter, len(items))
        }
        for process, receiver in children:
            for start, text in _receive(process, receiver):
                slices[start] = [line.split() for line in text.split("\n")]
        return [labels for start in sorted(slices) for labels in slices[start]]
    finally:
        _shared = None
        _reap(children)


def _take_slices(counter: Any, total: int) -> Any:
    while True:
        with counter.get_lock():
            start = counter.value
            counter.value = start + _SLICE
        if start >= total:
            return
        yield start


def _forked_worker(sender: Any) -> None:
    exit_with_parent()
    try:
        if _shared is None:
            raise RuntimeError("forked worker has no shared captions")
        extractor, items, counter = _shared
        done = [
            (start, "\n".join(" ".join(extractor(c)) for c in items[start : start + _SLICE]))
            for start in _take_slices(counter, len(items))
        ]
        sender.send(("ok", done))
    except BaseException as exc:  # report, never leave the parent waiting
        sender.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        sender.close()


def _run_spawned(extractor: Labeller, items: list[str], workers: int) -> list[list[str]]:
    context: Any = multiprocessing.get_context("spawn")
    size = -(-len(items) // workers)
    starts = list(range(0, len(items), size))
    children = []
    try:
        for start in starts[1:]:
            receiver, sender = context.Pipe(duplex=False)
            chunk = items[start : start + size]
            process = context.Process(
                target=_spawned_worker, args=(sender, extractor, start, chunk), daemon=True
            )
            process.start()
            sender.close()
            children.append((process, receiver))
        results = [extractor(caption) for caption in items[:size]]
        for process, receiver in children:
            for _, text in _receive(process, receiver):
                results.extend(line.split() for line in text.split("\n"))
        return results
    finally:
        _reap(children)


def _spawned_worker(sender: Any, extractor: Labeller, start: int, chunk: list[str]) -> None:
    exit_with_parent()
    try:
        sender.send(("ok", [(start, "\n".join(" ".join(extractor(c)) for c in chunk))]))
    except BaseException as exc:
        sender.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        sender.close()


def _receive(process: Any, receiver: Any) -> list[tuple[int, str]]:
    try:
        status, payload = receiver.recv()
    except EOFError:
        process.join()
        raise worker_died(
            "a batch worker",
            process.exitcode,
            "call batch() with fewer num_workers, or with more memory free",
        ) from None
    if status != "ok":
        raise WorkerError(f"a batch worker failed: {payload}")
    result: list[tuple[int, str]] = payload
    return result


def _reap(children: list[tuple[Any, Any]]) -> None:
    for process, receiver in children:
        receiver.close()
        process.join(timeout=5)
        if process.is_alive():
            process.terminate()
            process.join()
