"""Worker processes end within seconds of losing their parent (a SIGKILL, as the OOM killer sends).

Each test starts a parent process that runs catlip's parallel engine (counting files, labelling a
stream, ``SynsetExtractor.batch``), waits until its workers run, kills the parent with SIGKILL (no
clean-up runs) and checks that every worker is gone soon after. Processes are found through
``/proc``, so these tests run on Linux; the mechanism itself (:mod:`catlip._engine`) is portable.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from catlip._engine import map_chunks, map_list
from catlip.errors import WorkerError, worker_died

needs_proc = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="finds processes in /proc"
)

_GONE_WITHIN = 3.0  # seconds; the watchdog polls every quarter of a second


def _parent_pid(stat: Path) -> int | None:
    try:
        return int(stat.read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _children(pid: int) -> list[int]:
    return sorted(
        int(stat.parent.name)
        for stat in Path("/proc").glob("[0-9]*/stat")
        if _parent_pid(stat) == pid
    )


def _running(pid: int) -> bool:
    """``pid`` exists and is not a zombie (an exited child that nobody reaped yet)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _kill_parent_and_check_workers(
    proc: subprocess.Popen[bytes], workers: int, *, ready: Callable[[], bool] | None = None
) -> None:
    """Wait for ``workers`` children of ``proc``, SIGKILL ``proc``, assert its children exit.

    ``ready``: wait until it returns true too (the workers are at work).
    """
    deadline = time.monotonic() + 60
    while len(children := _children(proc.pid)) < workers or (ready and not ready()):
        assert proc.poll() is None, "the parent ended before its workers were at work"
        assert time.monotonic() < deadline, f"{workers} workers never started"
        time.sleep(0.05)
    time.sleep(1.0)  # the workers are at work (or waiting for it)
    assert proc.poll() is None, "the parent finished before it could be killed"
    assert len(children) == workers
    proc.kill()
    proc.wait()
    killed = time.monotonic()
    try:
        while any(_running(pid) for pid in children) and time.monotonic() - killed < _GONE_WITHIN:
            time.sleep(0.05)
        left = [pid for pid in children if _running(pid)]
        assert not left, f"workers {left} still run {_GONE_WITHIN} s after their parent died"
    finally:
        for pid in children:  # never leave runaways behind, even when the test fails
            if _running(pid):
                os.kill(pid, signal.SIGKILL)


def _write_captions(path: Path, captions: list[str], repeat: int) -> Path:
    path.write_text("\n".join(captions * repeat) + "\n", encoding="utf-8")
    return path


def _catlip(*argv: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "catlip", *argv], stdout=subprocess.DEVNULL)


@pytest.mark.slow
@needs_proc
def test_vocab_build_workers_exit_with_their_parent(
    tmp_path: Path, flickr_captions: list[str]
) -> None:
    source = _write_captions(tmp_path / "big.txt", flickr_captions, 10)
    proc = _catlip("vocab", "build", str(source), "-j", "2", "-o", str(tmp_path / "v.json"))
    _kill_parent_and_check_workers(proc, workers=1)  # -j 2: the parent and one worker count


@pytest.mark.slow
@needs_proc
def test_label_workers_exit_with_their_parent(tmp_path: Path, flickr_captions: list[str]) -> None:
    vocab = _small_vocab(tmp_path, flickr_captions)
    source = _write_captions(tmp_path / "big.txt", flickr_captions, 10)
    proc = _catlip(
        "label", "--vocab", str(vocab), str(source), "-j", "2", "-o", str(tmp_path / "l.npz")
    )
    _kill_parent_and_check_workers(proc, workers=1)  # -j 2: the parent and one worker label


@pytest.mark.slow
@needs_proc
@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_batch_workers_exit_with_their_parent(
    tmp_path: Path, flickr_captions: list[str], method: str
) -> None:
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method here")
    source = _write_captions(tmp_path / "captions.txt", flickr_captions[:6000], 1)
    script, working = tmp_path / "label.py", tmp_path / "working"
    working.mkdir()
    script.write_text(
        textwrap.dedent(
            f"""
            import multiprocessing
            import os
            import time
            from pathlib import Path

            from catlip import _engine
            from catlip.text import SynsetExtractor


            class Slow:  # 10 s per 2,000 captions: the parent is killed long before the end
                def __init__(self):
                    self.extractor = SynsetExtractor()

                def __call__(self, caption):
                    Path({str(working)!r}, str(os.getpid())).touch()  # "I am at work"
                    time.sleep(0.005)
                    return self.extractor(caption)


            if __name__ == "__main__":
                captions = Path({str(source)!r}).read_text(encoding="utf-8").splitlines()
                method = {method!r}
                _engine.process_context = lambda: multiprocessing.get_context(method)
                _engine.map_list(Slow(), captions, num_workers=3, what="a batch worker")
            """
        )
    )
    proc = subprocess.Popen([sys.executable, str(script)], stderr=subprocess.DEVNULL)
    # Wait until all three processes label (spawned workers start a fresh interpreter and read
    # their captions from the parent first); the third child with spawn is the resource tracker.
    _kill_parent_and_check_workers(
        proc,
        workers=2 if method == "fork" else 3,
        ready=lambda: len(list(working.iterdir())) == 3,
    )


@pytest.mark.slow
@needs_proc
@pytest.mark.parametrize("command", ["vocab build", "label"])
def test_a_killed_worker_is_a_one_line_error(
    tmp_path: Path, flickr_captions: list[str], command: str
) -> None:
    source = _write_captions(tmp_path / "big.txt", flickr_captions, 10)
    if command == "label":
        vocab = _small_vocab(tmp_path, flickr_captions)
        argv = ["label", "--vocab", str(vocab), str(source), "-o", str(tmp_path / "l.npz")]
    else:
        argv = ["vocab", "build", str(source), "-o", str(tmp_path / "v.json")]
    proc = subprocess.Popen(
        [sys.executable, "-m", "catlip", *argv, "-j", "2", "-q"], stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while not (children := _children(proc.pid)):
        assert proc.poll() is None and time.monotonic() < deadline, "no worker started"
        time.sleep(0.05)
    time.sleep(0.5)
    os.kill(children[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err.decode()
    assert b"Traceback" not in err, err.decode()
    (line,) = err.decode().splitlines()
    assert line.startswith(f"catlip {command.split()[0]}: error: a ")
    assert (
        "died (killed by SIGKILL, as the out-of-memory killer does): run again with fewer" in line
    )


def _small_vocab(tmp_path: Path, flickr_captions: list[str]) -> Path:
    """A vocabulary built from 2,000 Flickr8k captions."""
    source = _write_captions(tmp_path / "small.txt", flickr_captions[:2000], 1)
    out = tmp_path / "small-vocab.json"
    argv = ["vocab", "build", "-q", "--min-count", "5", str(source), "-o", str(out)]
    subprocess.run([sys.executable, "-m", "catlip", *argv], check=True)
    return out


def _die_in_a_worker(parent: int, chunk: list[str]) -> list[str]:
    if os.getpid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)
    return chunk


def test_map_chunks_reports_a_dead_worker() -> None:
    with pytest.raises(WorkerError, match=r"^a worker process died \(killed by SIGKILL"):
        list(
            map_chunks(_die_in_a_worker, range(10), state=os.getpid(), num_workers=2, chunk_size=2)
        )


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork")
def test_batch_reports_a_dead_worker() -> None:
    parent = os.getpid()

    def label(caption: str) -> list[str]:
        time.sleep(0.0002)  # leave the worker slices to take: this process is fast alone
        return _die_in_a_worker(parent, [caption])

    with pytest.raises(WorkerError, match=r"^a batch worker died \(killed by SIGKILL"):
        map_list(label, [str(i) for i in range(5000)], num_workers=2, what="a batch worker")


def test_worker_died_says_how() -> None:
    assert str(worker_died("w", 3, "fix it")) == "w died (exit code 3): fix it"
    assert str(worker_died("w", -15, "fix it")) == "w died (killed by SIGTERM): fix it"
    assert "exit status unknown" in str(worker_died("w", None, "fix it"))
    assert isinstance(worker_died("w", 1, "f"), RuntimeError)  # what these raised before
