"""Map a function over chunks of a stream in worker processes, in order, with bounded memory.

``multiprocessing.Pool.imap`` reads its whole input ahead of the workers; here at most
``2 * num_workers`` chunks are in flight, so memory stays bounded however long the stream is.
Workers are forked where that is safe (Linux) so they inherit WordNet already loaded in the
parent; elsewhere they are spawned and load it on first use.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeVar

from catlip._workers import exit_with_parent, worker_died, worker_signals

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = ["chunked", "map_chunks", "process_context"]

T = TypeVar("T")
R = TypeVar("R")

_state: Any = None


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Yield lists of up to ``size`` consecutive items."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _init_worker(state: Any) -> None:
    global _state
    _state = state
    worker_signals()
    exit_with_parent()


def _run(func: Callable[[Any, list[Any]], Any], chunk: list[Any]) -> Any:
    return func(_state, chunk)


def process_context() -> multiprocessing.context.BaseContext:
    """Fork on Linux (workers inherit WordNet already loaded); spawn elsewhere."""
    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and "fork" in methods:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def map_chunks(
    func: Callable[[Any, list[T]], R],
    items: Iterable[T],
    *,
    state: Any,
    num_workers: int,
    chunk_size: int,
) -> Iterator[tuple[int, R]]:
    """Yield ``(len(chunk), func(state, chunk))`` for consecutive chunks of ``items``, in order.

    Args:
        func: A module-level function (picklable by reference) taking the state and a chunk.
        items: The stream.
        state: Passed to every call; sent to each worker once (inherited when forked).
        num_workers: ``0`` runs in this process; ``N > 0`` uses ``N`` worker processes.
        chunk_size: Items per task.

    Raises:
        WorkerError: A worker process died (killed, or out of memory).
    """
    if num_workers < 0:
        raise ValueError(f"num_workers must be >= 0, got {num_workers}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    chunks = chunked(items, chunk_size)
    if num_workers == 0:
        for chunk in chunks:
            yield len(chunk), func(state, chunk)
        return
    from concurrent.futures import ProcessPoolExecutor  # here: a twelfth of a second to import
    from concurrent.futures.process import BrokenProcessPool

    pending: deque[tuple[int, Future[R]]] = deque()
    executor = ProcessPoolExecutor(
        max_workers=num_workers,
        mp_context=process_context(),
        initializer=_init_worker,
        initargs=(state,),
    )
    try:
        for chunk in chunks:
            pending.append((len(chunk), executor.submit(_run, func, chunk)))
            if len(pending) >= 2 * num_workers:
                size, future = pending.popleft()
                yield size, future.result()
        while pending:
            size, future = pending.popleft()
            yield size, future.result()
    except BrokenProcessPool:
        # The pool's processes (until shutdown forgets them): their exit codes say which died how.
        processes = list((getattr(executor, "_processes", None) or {}).values())
        executor.shutdown(wait=True, cancel_futures=True)
        raise _dead_worker(processes) from None
    finally:
        for _, future in pending:
            future.cancel()
        executor.shutdown(wait=True, cancel_futures=True)


def _dead_worker(processes: list[Any]) -> Exception:
    """The error for a broken pool: the first worker that died other than by the pool's SIGTERM."""
    codes = [p.exitcode for p in processes if p.exitcode not in (0, -signal.SIGTERM)]
    return worker_died(
        "a worker process",
        codes[0] if codes else None,
        "run again with fewer workers (-j, num_workers), or with more memory free",
    )
