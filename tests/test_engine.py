"""The parallel engine: one meaning of num_workers, and results that never depend on it."""

from __future__ import annotations

import gzip
import itertools
import multiprocessing
import os
import pickle
import struct
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catlip import _engine
from catlip._part import Board
from catlip.errors import InputFormatError
from catlip.text import SynsetExtractor
from catlip.text.lexicon import Lexicon
from catlip.vocab import (
    CaptionFiles,
    ReadReport,
    Record,
    Vocabulary,
    count_synsets,
    label_records,
    read_records,
)


def _pid(state: None, part: _engine.Part) -> tuple[int, int, int]:
    return part.index, part.count, os.getpid()


@pytest.mark.parametrize("num_workers", [0, 1, 2, 3])
def test_num_workers_counts_the_processes_this_one_included(num_workers: int) -> None:
    parts = _engine.run_parts(_pid, None, num_workers=num_workers, what="a test worker")
    processes = max(num_workers, 1)
    assert [(index, count) for index, count, _ in parts] == [
        (k, processes) for k in range(processes)
    ]
    assert parts[0][2] == os.getpid()  # part 0 runs here
    assert len({pid for _, _, pid in parts}) == processes  # the others in as many workers


def test_num_workers_is_checked_the_same_everywhere(tmp_path: Path) -> None:
    vocab = Vocabulary(["n02084071"])
    calls = [
        lambda n: count_synsets(["a dog"], num_workers=n),
        lambda n: SynsetExtractor().batch(["a dog"], num_workers=n),
        lambda n: list(label_records([Record("k", "a dog")], vocab, num_workers=n)),
        lambda n: _engine.run_parts(_pid, None, num_workers=n, what="a test worker"),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="num_workers must be >= 0"):
            call(-1)
        with pytest.raises(TypeError, match="num_workers must be an int"):
            call(1.5)


def _corpus(tmp_path: Path, captions: list[str]) -> list[Path]:
    """Plain text (read in blocks), gzip and TSV (split by record), each with bad lines."""
    bad = b"\xff\xfe not utf-8\n"
    text = tmp_path / "a.txt"
    text.write_bytes(("\n".join(captions[:2500]) + "\n").encode() + bad)
    packed = tmp_path / "b.txt.gz"
    packed.write_bytes(gzip.compress(bad + ("\n".join(captions[2500:4000]) + "\n").encode()))
    table = tmp_path / "c.tsv"
    rows = [f"{i}\t{c}" for i, c in enumerate(captions[4000:5000])]
    table.write_bytes(("\n".join(rows) + "\n").encode() + bad)
    return [text, packed, table]


@pytest.mark.slow
def test_library_counts_files_in_parallel_with_the_single_process_result(
    tmp_path: Path, flickr_captions: list[str]
) -> None:
    extractor = SynsetExtractor()
    text, packed, table = _corpus(tmp_path, flickr_captions)
    for paths, options in (
        ([text], {}),  # byte blocks
        ([text, packed], {}),  # a gzip file: split by record
        ([table], {"format": "tsv", "column": 1}),  # split by record
        ([text, packed], {"shard": (1, 2), "shard_by": "file"}),  # a file shard
    ):
        reports, results = [], []
        for num_workers in (0, 2, 3):
            report = ReadReport()
            files = CaptionFiles(paths, report=report, **options)  # type: ignore[arg-type]
            results.append(count_synsets(files, extractor=extractor, num_workers=num_workers))
            reports.append((report.num_records, report.num_bad, [str(b) for b in report.examples]))
        assert results[0] == results[1] == results[2], options
        assert reports[0] == reports[1] == reports[2], options
        assert reports[0][1] >= 1  # the bad lines were seen, once
        read = [r.caption for r in read_records(paths, **options)]  # type: ignore[arg-type]
        assert results[0] == count_synsets(read, extractor=extractor), options


@pytest.mark.slow
def test_spawned_counting_processes_give_the_single_process_result(
    tmp_path: Path, flickr_captions: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from catlip.vocab import _blocks

    text, _, _ = _corpus(tmp_path, flickr_captions)
    extractor = SynsetExtractor()
    alone = count_synsets(CaptionFiles([text]), extractor=extractor)
    monkeypatch.setattr(_engine, "process_context", lambda: multiprocessing.get_context("spawn"))
    monkeypatch.setattr(_blocks, "BLOCK_SIZE", 4096)  # many blocks: the workers take some
    assert count_synsets(CaptionFiles([text]), extractor=extractor, num_workers=2) == alone


def test_caption_files_iterate_like_read_records_and_check_inputs_at_once(
    tmp_path: Path,
) -> None:
    path = tmp_path / "captions.txt"
    path.write_text("\ufeffa dog\r\na cat\n\nlast line", encoding="utf-8")
    files = CaptionFiles(path)
    assert list(files) == [r.caption for r in read_records([path])]
    assert files.report.num_records == 4
    with pytest.raises(InputFormatError, match="does not exist"):
        CaptionFiles([tmp_path / "missing.txt"])


def test_map_chunks_maps_here_too_when_the_workers_are_busy() -> None:
    pids = [
        pid
        for _, chunk in _engine.map_chunks(
            _slow_pid, range(40), state=None, num_workers=2, chunk_size=1
        )
        for pid in chunk
    ]
    assert len(pids) == 40
    assert os.getpid() in pids  # this process took chunks while its one worker was busy
    assert len(set(pids)) == 2


def _slow_pid(state: None, chunk: list[int]) -> list[int]:
    import time

    time.sleep(0.02)
    return [os.getpid() for _ in chunk]


def _exchange(state: None, part: _engine.Part) -> list[bytes]:
    part.share(b"from %d" % part.index)
    heard: list[bytes] = []
    deadline = time.monotonic() + 30
    while len(heard) < part.count - 1 and time.monotonic() < deadline:
        heard += part.shared()
        time.sleep(0.01)
    return sorted(heard)


def test_parts_hear_what_the_others_share_and_the_journals_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    heard = _engine.run_parts(_exchange, None, num_workers=3, what="a test worker")
    assert heard == [[b"from %d" % j for j in range(3) if j != k] for k in range(3)]
    assert _engine.run_parts(_exchange, None, num_workers=1, what="a test worker") == [[]]
    assert list(tmp_path.iterdir()) == []  # the run's journal directory is removed


def test_a_board_reads_whole_messages_in_order(tmp_path: Path) -> None:
    first, second = Board(str(tmp_path), 0, 2), Board(str(tmp_path), 1, 2)
    assert second.read() == []  # nothing posted yet
    big = bytes(range(256)) * 400
    for message in (b"one", b"", big):
        first.post(message)
    with open(tmp_path / "part-0.journal", "ab") as journal:  # a message half written
        journal.write(struct.pack("<Q", 4) + b"ha")
    assert second.read() == [b"one", b"", big]
    assert second.read() == []
    with open(tmp_path / "part-0.journal", "ab") as journal:
        journal.write(b"lf" + struct.pack("<Q", 1)[:3])  # and the next one's length begun
    assert second.read() == [b"half"]
    assert first.read() == []  # a part does not hear itself
    copy = pickle.loads(pickle.dumps(second))  # sent to a spawned worker: where, not what
    assert (copy.directory, copy.index, copy.count) == (str(tmp_path), 1, 2)
    first.close(), second.close(), copy.close()


def _in_small_blocks(tmp_path: Path, captions: list[str], monkeypatch: pytest.MonkeyPatch) -> Path:
    """A caption file read in 16 KiB blocks: enough for several ticks in each process."""
    from catlip.vocab import _blocks

    path = tmp_path / "captions.txt"
    path.write_text("\n".join(captions) + "\n", encoding="utf-8")
    monkeypatch.setattr(_blocks, "BLOCK_SIZE", 1 << 14)
    return path


@pytest.mark.slow
def test_counting_processes_hand_on_word_analyses_and_counts_stay_the_same(
    tmp_path: Path, flickr_captions: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from catlip.text import handover

    path = _in_small_blocks(tmp_path, flickr_captions[:12_000], monkeypatch)
    adopted: list[int] = []
    original = handover.adopt

    def counting_adopt(lexicon: Lexicon, analyses: handover.Learned) -> None:
        before = len(lexicon.memo)
        original(lexicon, analyses)
        adopted.append(len(lexicon.memo) - before)

    monkeypatch.setattr(handover, "adopt", counting_adopt)
    # Extractors whose tables no other test warmed (their own options): both processes start
    # cold, as in a fresh `catlip vocab build -j 2`.
    cold = SynsetExtractor(overrides={"catlipzz": None})
    shared = count_synsets(CaptionFiles([path]), extractor=cold, num_workers=2)
    alone = count_synsets(CaptionFiles([path]), extractor=SynsetExtractor(overrides={"zz": None}))
    assert dict(shared.items()) == dict(alone.items())  # their settings differ, not their counts
    assert shared.num_captions == alone.num_captions == 12_000
    assert sum(adopted) > 500  # this process took words the other one analysed first


@given(
    lengths=st.lists(st.integers(0, 3000), min_size=1, max_size=4),
    size=st.integers(1, 500),
)
@settings(max_examples=60, deadline=None)
def test_blocks_cover_the_input_once_and_get_smaller_at_its_end(
    lengths: list[int], size: int
) -> None:
    from catlip.vocab._blocks import _blocks

    with tempfile.TemporaryDirectory() as directory:
        files = [Path(directory) / f"{k}.txt" for k in range(len(lengths))]
        for path, length in zip(files, lengths, strict=True):
            path.write_bytes(b"x" * length)
        blocks = _blocks(files, size)
    for number, length in enumerate(lengths):
        mine = [(start, step) for file, start, step in blocks if file == number]
        assert [start for start, _ in mine] == list(
            itertools.accumulate([step for _, step in mine[:-1]], initial=0)
        )[: len(mine)]
        assert sum(step for _, step in mine) >= length > (mine[-1][0] if mine else -1)
    steps = [step for _, _, step in blocks]
    assert set(steps) <= {size, max(size // 8, 1)}
    assert steps == sorted(steps, reverse=True)  # the small blocks come last


def test_a_part_that_cannot_write_its_journal_stops_sharing_not_working(tmp_path: Path) -> None:
    board = Board(str(tmp_path / "gone"), 0, 2)  # a directory that does not exist
    part = _engine.Part(0, 2, None, None, board)
    part.share(b"lost")
    assert part.shared() == [] and part._board is None


@pytest.mark.slow
def test_a_counting_part_stops_posting_after_its_budget(
    tmp_path: Path, flickr_captions: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from catlip.vocab import _counting

    path = _in_small_blocks(tmp_path, flickr_captions[:6_000], monkeypatch)
    monkeypatch.setattr(_counting, "_SHARE_BYTES", 1)  # one message a part, then no more
    posted: list[int] = []
    original = _counting._share_analyses

    def recording(lexicon: Lexicon, part: _engine.Part, *, post: bool) -> int:
        size = original(lexicon, part, post=post)
        posted.append(size)
        return size

    monkeypatch.setattr(_counting, "_share_analyses", recording)
    cold = SynsetExtractor(overrides={"catlipzw": None})
    counts = count_synsets(CaptionFiles([path]), extractor=cold, num_workers=2)
    assert counts.num_captions == 6_000
    assert len(posted) > 2 and posted[0] > 0 and not any(posted[1:])  # this part, part 0


def test_only_the_tables_of_a_catlip_extractor_are_handed_on() -> None:
    from catlip.vocab._counting import _lexicon

    default = SynsetExtractor()
    assert _lexicon(default) is default._tables()
    assert _lexicon(SynsetExtractor.reference()) is None  # the paper's labeller has no tables
    assert _lexicon(str.split) is None  # any other callable
