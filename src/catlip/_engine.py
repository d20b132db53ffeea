"""The parallel engine: every process catlip starts, it starts here.

``num_workers`` (and the commands' ``-j``) means the same everywhere: the processes that do the
work, this one included (``0`` or ``1``: this process alone). :func:`run_parts` runs one part in
each, every part reading its own share of the input (file blocks, slices of a list) claimed from a
shared counter, so that no process feeds another; :func:`map_chunks` maps a stream only this
process can read, in order, sending chunks to the workers and mapping one itself when all are
busy. Workers are forked on Linux (they inherit the loaded tables) and spawned elsewhere; each
ignores Ctrl-C, dies with its parent (:func:`exit_with_parent`), and a dead one stops the run
with a one-line :class:`~catlip.errors.WorkerError` (``catlip.errors.worker_died``).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from multiprocessing.connection import wait
from typing import TYPE_CHECKING, Any, TypeVar

from catlip._part import Board, Part, _Local
from catlip.errors import WorkerError, worker_died

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = [
    "Part",
    "exit_with_parent",
    "map_chunks",
    "map_list",
    "num_processes",
    "process_context",
    "run_parts",
]

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")

_ORPHANED = 1  # the exit status of a worker whose parent died


def num_processes(num_workers: int) -> int:
    """The number of processes ``num_workers`` asks for (``0`` and ``1``: this one alone).

    Raises:
        TypeError: ``num_workers`` is not an int.
        ValueError: ``num_workers`` is negative.

    Example:
        >>> num_processes(0), num_processes(1), num_processes(4)
        (1, 1, 4)
    """
    if isinstance(num_workers, bool) or not isinstance(num_workers, int):
        raise TypeError(f"num_workers must be an int, got {type(num_workers).__name__}")
    if num_workers < 0:
        raise ValueError(
            f"num_workers must be >= 0 (0 or 1: this process alone), got {num_workers}"
        )
    return max(num_workers, 1)


def process_context() -> Any:
    """Fork on Linux (workers inherit WordNet already loaded); spawn elsewhere."""
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _worker_start() -> None:
    """What every worker does first: leave signals to the parent, and die with it."""
    # Ctrl-C reaches the whole process group: the parent stops the workers itself. SIGTERM gets
    # its default action back (a forked worker inherits the parent's handler), so the parent
    # can stop a worker at once.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    exit_with_parent()
    # A forked worker's garbage collector then never walks (and copies) the inherited tables.
    gc.freeze()


def exit_with_parent(*, interval: float = 0.25) -> None:
    """End this process within ``interval`` seconds of its parent's death, however it dies.

    A parent killed with SIGKILL (the out-of-memory killer's signal) runs no clean-up. A daemon
    thread waits on the parent's sentinel and, on POSIX, also sees the parent process id change
    (an orphan is adopted), then ends this process with :func:`os._exit`. Unlike Linux's
    ``prctl(PR_SET_PDEATHSIG)``, this works with every start method, on every platform.

    Args:
        interval: Seconds between checks of the parent process id.

    Example:
        >>> exit_with_parent()  # doctest: +SKIP
    """
    parent = multiprocessing.parent_process()
    # The pid the parent had when it started this process: a parent that died before this line
    # is seen too.
    parent_pid = parent.pid if parent is not None and parent.pid else os.getppid()

    def gone() -> bool:
        if parent is not None and not parent.is_alive():
            return True
        return os.name == "posix" and os.getppid() != parent_pid

    def watch() -> None:
        while not gone():
            if parent is not None:
                parent.join(interval)  # returns at once when the parent dies
            else:
                time.sleep(interval)
        os._exit(_ORPHANED)

    threading.Thread(target=watch, name="catlip-exit-with-parent", daemon=True).start()


def run_parts(
    task: Callable[[S, Part], R],
    state: S,
    *,
    num_workers: int,
    what: str,
    on_progress: Callable[[int], None] | None = None,
) -> list[R]:
    """Run ``task(state, part)`` in ``num_workers`` processes, this one running part 0.

    Each part reads its own share of the input (through :meth:`Part.claim`, or its index) and
    returns a picklable result. Parts may tell each other what they learn as they go
    (:meth:`Part.share`, :meth:`Part.shared`): the counting parts share word analyses, so that
    each word is analysed about once instead of once per process.

    Args:
        task: A module-level function (spawned workers import it by name).
        state: What every part needs; inherited when forked, pickled once per worker when
            spawned.
        num_workers: Processes, this one included (``0`` or ``1``: this process alone).
        what: A worker, for error messages (``"a counting process"``).
        on_progress: Called in this process with the total of :meth:`Part.tick` so far.

    Returns:
        The parts' results, in part order.

    Raises:
        WorkerError: A worker died. An exception raised by ``task`` in a worker is raised here.

    Example:
        >>> parts = run_parts(count_part, (files, extractor), num_workers=4,
        ...                   what="a counting process")  # doctest: +SKIP
    """
    count = num_processes(num_workers)
    context = process_context()
    # Alone, this process needs no shared memory (some sandboxes have none).
    claimed, done = (
        (context.Value("q", 0), context.Value("q", 0)) if count > 1 else (_Local(), _Local())
    )
    # The parts' journals (what they share, see catlip._part): made here, removed at the end.
    # Sharing only saves work: without a place for them, the parts share nothing.
    try:
        journals = tempfile.mkdtemp(prefix="catlip-run-") if count > 1 else None
    except OSError:
        journals = None
    boards = [Board(journals, k, count) if journals else None for k in range(count)]
    parts = [Part(k, count, claimed, done, boards[k]) for k in range(count)]
    pipes = {k: context.Pipe(duplex=False) for k in range(1, count)}
    workers = {
        k: context.Process(
            target=_part_main, args=(task, state, parts[k], pipes[k][1]), daemon=True
        )
        for k in range(1, count)
    }
    results: dict[int, Any] = {}

    def collect(timeout: float) -> None:
        """Take the results that are ready; raise a worker's error, or its death, at once."""
        waiting = {pipes[k][0]: k for k in workers if k not in results}
        ready = set(wait([*waiting, *(workers[k].sentinel for k in waiting.values())], timeout))
        for receiver, k in waiting.items():
            if receiver in ready:
                try:
                    status, payload = receiver.recv()
                except EOFError:
                    continue  # died before sending: its exit code says how
                if status != "ok":
                    raise payload
                results[k] = payload
        for k in waiting.values():
            if k not in results and workers[k].exitcode not in (None, 0):
                raise worker_died(what, workers[k].exitcode)

    def poll() -> None:
        if workers:
            collect(0)
        if on_progress is not None:
            on_progress(int(done.value))

    parts[0]._poll = poll
    # Keep the garbage collector off the loaded tables while the parts run (and, once forked,
    # off the workers' shared pages); objects frozen before this call stay frozen.
    thawed = gc.get_freeze_count() == 0
    gc.freeze()
    try:
        for k, worker in workers.items():
            worker.start()
            pipes[k][1].close()  # the worker holds the sending end now
        results[0] = task(state, parts[0])
        while len(results) < count:
            collect(0.5)
            if on_progress is not None:
                on_progress(int(done.value))
    finally:
        for worker in workers.values():
            if worker.is_alive():
                worker.terminate()
            worker.join()
        for receiver, _ in pipes.values():
            receiver.close()
        if journals is not None:
            boards[0].close()  # type: ignore[union-attr]
            shutil.rmtree(journals, ignore_errors=True)
        if thawed:
            gc.unfreeze()
    return [results[k] for k in range(count)]


def _part_main(task: Callable[[Any, Part], Any], state: Any, part: Part, sender: Any) -> None:
    """A worker of :func:`run_parts`: run its part, send the result (or the error) home."""
    _worker_start()
    try:
        message: tuple[str, Any] = ("ok", task(state, part))
    except BaseException as exc:  # sent to the parent, which raises it
        message = ("error", exc)
    try:
        sender.send(message)
    except Exception as exc:  # the result or the error does not pickle
        sender.send(("error", WorkerError(f"a worker failed: {exc}: {message[1]!r}"[:2000])))
    finally:
        sender.close()


def map_list(
    func: Callable[[T], R],
    items: list[T],
    *,
    num_workers: int,
    what: str,
    slice_size: int = 1000,
) -> list[R]:
    """``[func(item) for item in items]`` in ``num_workers`` processes (:func:`run_parts`).

    The processes take ``slice_size``-item slices from a shared counter, so a busy core takes
    fewer. Forked workers inherit ``items`` and ``func``; spawned ones get them pickled.

    Example:
        >>> map_list(abs, [-1, 2, -3], num_workers=1, what="a worker")
        [1, 2, 3]
    """
    if num_processes(num_workers) == 1:
        return [func(item) for item in items]
    parts = run_parts(_map_slices, (func, items, slice_size), num_workers=num_workers, what=what)
    slices = sorted(done for part in parts for done in part)
    return [result for _, results in slices for result in results]


def _map_slices(
    state: tuple[Callable[[T], R], list[T], int], part: Part
) -> list[tuple[int, list[R]]]:
    func, items, size = state
    done = []
    while (start := part.claim() * size) < len(items):
        done.append((start, [func(item) for item in items[start : start + size]]))
        part.tick(size)  # in this process: a dead worker is seen now, not at the end
    return done


def chunked(items: Iterable[T], size: int, *, first: int | None = None) -> Iterator[list[T]]:
    """Yield lists of up to ``size`` consecutive items.

    ``first``: the first list's size, doubling up to ``size`` (default: ``size``).
    """
    iterator = iter(items)
    length = size if first is None else first
    while chunk := list(islice(iterator, length)):
        yield chunk
        length = min(length * 2, size)


_state: Any = None  # a map_chunks worker's state


def _init_worker(state: Any) -> None:
    global _state
    _state = state
    _worker_start()


def _run(func: Callable[[Any, list[Any]], Any], chunk: list[Any]) -> Any:
    return func(_state, chunk)


def map_chunks(
    func: Callable[[Any, list[T]], R],
    items: Iterable[T],
    *,
    state: Any,
    num_workers: int,
    chunk_size: int,
) -> Iterator[tuple[int, R]]:
    """Yield ``(len(chunk), func(state, chunk))`` for consecutive chunks of ``items``, in order.

    At most ``4 * (num_workers - 1)`` chunks are in flight, so memory stays bounded however
    long the stream is. This process reads the stream and sends chunks to the workers; when
    they are all busy it maps a chunk itself.

    Args:
        func: A module-level function (picklable by reference) taking the state and a chunk.
        items: The stream.
        state: Passed to every call; sent to each worker once (inherited when forked).
        num_workers: Processes, this one included (``0`` or ``1``: this process alone).
        chunk_size: Items per task.

    Raises:
        WorkerError: A worker process died (killed, or out of memory).

    Example:
        >>> for size, counts in map_chunks(count, captions, state=extractor, num_workers=4,
        ...                                chunk_size=2048):  # doctest: +SKIP
        ...     total.update(counts)
    """
    count = num_processes(num_workers)
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    chunks = chunked(items, chunk_size)
    if count == 1:
        for chunk in chunks:
            yield len(chunk), func(state, chunk)
        return
    from concurrent.futures import Future, ProcessPoolExecutor  # here: 1/12 s to import
    from concurrent.futures.process import BrokenProcessPool

    workers = count - 1
    pending: deque[tuple[int, Future[R]]] = deque()
    executor = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=process_context(),
        initializer=_init_worker,
        initargs=(state,),
    )
    try:
        for chunk in chunks:
            if len(pending) >= 2 * workers and not pending[0][1].done():
                future: Future[R] = Future()  # the workers are all busy: map this chunk here
                future.set_result(func(state, chunk))
            else:
                future = executor.submit(_run, func, chunk)
            pending.append((len(chunk), future))
            while pending and (pending[0][1].done() or len(pending) >= 4 * workers):
                size, oldest = pending.popleft()
                yield size, oldest.result()
        while pending:
            size, oldest = pending.popleft()
            yield size, oldest.result()
    except BrokenProcessPool:
        # The pool's processes (until shutdown forgets them): their exit codes say which died how.
        processes = list((getattr(executor, "_processes", None) or {}).values())
        executor.shutdown(wait=True, cancel_futures=True)
        codes = [p.exitcode for p in processes if p.exitcode not in (0, -signal.SIGTERM)]
        raise worker_died("a worker process", codes[0] if codes else None) from None
    finally:
        for _, waiting in pending:
            waiting.cancel()
        executor.shutdown(wait=True, cancel_futures=True)
