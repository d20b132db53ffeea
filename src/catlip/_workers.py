"""Worker processes: what each does first, and how the parent reports one that died.

catlip runs work in child processes in three places: :meth:`catlip.text.SynsetExtractor.batch`,
:func:`catlip.vocab._parallel.map_chunks` (``catlip label -j``, ``count_synsets``) and the
``catlip vocab build -j`` counter. Every worker calls :func:`exit_with_parent` first, so that none
outlives a parent killed without clean-up (SIGKILL, the out-of-memory killer's signal), and the
parents report a dead worker with :func:`worker_died`.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time

from catlip.errors import WorkerError

__all__ = ["exit_with_parent", "worker_died", "worker_signals"]

_ORPHANED = 1
"""Exit status of a worker whose parent died (nobody is left to read it)."""


def worker_signals() -> None:
    """Signal handling for a worker process: the parent owns interruption and clean-up.

    A terminal's Ctrl-C reaches the whole process group; workers dying of it mid-task would only
    add noise, so they ignore SIGINT. SIGTERM gets its default action back (a forked worker
    inherits the parent's handler, which may turn it into an exception), so the parent can stop
    workers at once.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def exit_with_parent(*, interval: float = 0.25) -> None:
    """End this process within ``interval`` seconds of its parent's death, however it dies.

    A parent killed with SIGKILL runs no clean-up: its workers would wait for work that never
    comes, or go on counting their share of the input alone. A daemon thread watches the parent
    and ends this process with :func:`os._exit` once it is gone. It waits on the parent's
    sentinel from :mod:`multiprocessing` (a pipe whose write end the parent holds; a process
    handle on Windows), and on POSIX also sees the parent process id change (an orphan is
    adopted), which does not depend on which processes inherited that pipe. Unlike Linux's
    ``prctl(PR_SET_PDEATHSIG)``, this works wherever :mod:`multiprocessing` does.

    Args:
        interval: Seconds between checks of the parent process id.

    Example:
        >>> from catlip._workers import exit_with_parent
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


def worker_died(what: str, exitcode: int | None, fix: str) -> WorkerError:
    """The error for a worker process that died: what died, how, and ``fix``.

    Args:
        what: The worker, e.g. ``"a counting process (pid 123)"``.
        exitcode: Its :attr:`multiprocessing.Process.exitcode` (negative: killed by that signal).
        fix: What to do about it, e.g. ``"run again with fewer jobs (-j)"``.

    Example:
        >>> from catlip._workers import worker_died
        >>> print(worker_died("a worker", -9, "use fewer workers"))
        a worker died (killed by SIGKILL, as the out-of-memory killer does): use fewer workers
    """
    if exitcode is None:
        how = "exit status unknown"
    elif exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        how = f"killed by {name}"
        if exitcode == -getattr(signal, "SIGKILL", 9):
            how += ", as the out-of-memory killer does"
    else:
        how = f"exit code {exitcode}"
    return WorkerError(f"{what} died ({how}): {fix}")
