"""No command destroys its input, and one bad record stays one bad record (issue 16)."""

from __future__ import annotations

import gzip
import io
import itertools
import json
import os
import tarfile
import threading
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from catlip.cli import main
from catlip.errors import InputFormatError, VocabularyFileError
from catlip.vocab import ReadReport, SynsetCounts, Vocabulary, _blocks, load_labels, read_records
from catlip.vocab._io import atomic_write


def _run(*argv: str | Path) -> int:
    return main([str(a) for a in argv])


@pytest.fixture
def captions(tmp_path: Path) -> Path:
    path = tmp_path / "caps.txt"
    path.write_text("a dog on a couch\na cat on a mat\na dog and a cat\n", encoding="utf-8")
    return path


# -- 1. -o never destroys an input -------------------------------------------------------------


def _inputs_and_commands(tmp_path: Path, captions: Path) -> list[tuple[Path, list[Any]]]:
    counts = tmp_path / "counts.json"
    SynsetCounts({"n02084071": 2}, num_captions=2).save(counts)
    vocab = tmp_path / "vocab.json"
    Vocabulary(["n02084071"]).save(vocab)
    jsonl = tmp_path / "caps.jsonl"
    jsonl.write_text('{"caption": "a dog"}\n', encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(counts)
    hard = tmp_path / "hard.txt"
    os.link(captions, hard)
    return [
        (captions, ["vocab", "build", captions, "-o", captions]),
        (captions, ["vocab", "count", captions, "-o", captions]),
        (captions, ["vocab", "build", captions, "-o", hard]),
        (counts, ["vocab", "build", "--from-counts", counts, "-o", counts]),
        (counts, ["vocab", "build", "--from-counts", counts, "-o", link]),
        (counts, ["vocab", "merge", counts, link, "-o", tmp_path / "link.json"]),
        (jsonl, ["label", "--vocab", vocab, jsonl, "-o", jsonl]),
        (vocab, ["label", "--vocab", vocab, captions, "-o", vocab.with_suffix(".jsonl")]),
    ]


def test_an_output_that_is_an_input_is_refused_before_any_work(
    tmp_path: Path, captions: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "vocab.jsonl").symlink_to(tmp_path / "vocab.json")
    for source, argv in _inputs_and_commands(tmp_path, captions):
        before = source.read_bytes()
        assert _run(*argv) == 1, argv
        err = capsys.readouterr().err
        assert "would destroy the input" in err and "loaded WordNet" not in err, argv
        assert source.read_bytes() == before and not source.is_symlink()
    assert (tmp_path / "link.json").is_symlink()


def test_a_symlinked_output_replaces_its_target_and_keeps_the_link(
    tmp_path: Path, captions: Path
) -> None:
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "vocab.json"
    link.symlink_to(target)
    assert _run("vocab", "build", captions, "-q", "-o", link) == 0
    assert link.is_symlink() and Vocabulary.load(target).wnids
    assert sorted(p.name for p in tmp_path.iterdir()) == ["caps.txt", "real.json", "vocab.json"]


def test_a_named_pipe_output_is_written_through(tmp_path: Path, captions: Path) -> None:
    fifo = tmp_path / "vocab.json"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert _run("vocab", "build", captions, "-q", "-o", fifo) == 0
    reader.join(timeout=10)
    assert fifo.is_fifo()  # not replaced by a regular file
    assert json.loads(got[0])["format"] == "catlip.vocabulary"


@pytest.mark.parametrize(
    ("output", "message"),
    [(".", "is a folder"), ("vocab.yaml", "name it vocab.json"), ("no/v.json", "does not exist")],
)
def test_bad_outputs_are_refused_before_any_work(
    tmp_path: Path,
    captions: Path,
    output: str,
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _run("vocab", "build", captions, "-o", tmp_path / output) == 1
    err = capsys.readouterr().err
    assert message in err and "loaded WordNet" not in err and "Traceback" not in err


def test_check_output_is_the_library_guard(tmp_path: Path, captions: Path) -> None:
    from catlip.errors import OutputPathError
    from catlip.vocab._io import check_output

    with pytest.raises(OutputPathError, match="would destroy"):
        check_output(captions, inputs=[captions])
    assert check_output(tmp_path / "new.json", inputs=[captions], suffixes=(".json",))
    assert check_output(tmp_path / "counts", suffixes=(".json",))  # no extension: accepted
    with atomic_write(tmp_path / "x.txt") as f:  # writing through a link keeps the link
        f.write("x")
    (tmp_path / "y.txt").symlink_to(tmp_path / "x.txt")
    with atomic_write(tmp_path / "y.txt") as f:
        f.write("y")
    assert (tmp_path / "y.txt").is_symlink() and (tmp_path / "x.txt").read_text() == "y"


# -- 3. bad lines are numbered in one pass -------------------------------------------------------


def test_bad_lines_are_numbered_without_rereading_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "latin1.txt"
    lines = [("caf\xe9 %d" if i % 2 else "a dog %d") % i for i in range(4000)]
    path.write_bytes("\n".join(lines).encode("latin-1") + b"\n")
    read = [0]
    real_open = open

    def counting_open(*args: Any, **kwargs: Any) -> Any:
        handle = real_open(*args, **kwargs)
        original = handle.read

        def counted(*a: Any) -> bytes:
            data: bytes = original(*a)
            read[0] += len(data)
            return data

        handle.read = counted
        return handle

    monkeypatch.setattr(_blocks, "open", counting_open, raising=False)
    report = ReadReport(max_examples=5000)
    claim = itertools.count().__next__
    good = list(_blocks.block_captions([path], claim, report, block_size=4096))
    assert len(good) == 2000 and report.num_bad == 2000
    assert [b.location for b in report.examples] == [str(i + 1) for i in range(1, 4000, 2)]
    # Each block is read once, and the line count runs on from the last bad line: about two
    # passes over the file, where numbering each bad line from the start read 2000 passes.
    assert read[0] <= 3 * path.stat().st_size


# -- 4. damaged gzip -----------------------------------------------------------------------------


def _damaged_gzips(tmp_path: Path) -> list[Path]:
    lines = "".join(f'{{"caption": "a dog number {i}"}}\n' for i in range(5000))
    data = gzip.compress(lines.encode())
    truncated = tmp_path / "truncated.txt.gz"
    truncated.write_bytes(data[: len(data) // 2])
    corrupt = tmp_path / "corrupt.txt.gz"
    corrupt.write_bytes(data[:200] + bytes(64) + data[264:])
    header = tmp_path / "header.txt.gz"
    header.write_bytes(b"\x1f\x8b\x07not gzip at all\n")
    return [truncated, corrupt, header]


@pytest.mark.parametrize("format", ["text", "jsonl", "csv"])
def test_damaged_gzip_is_one_bad_record_naming_the_file(tmp_path: Path, format: str) -> None:
    for path in _damaged_gzips(tmp_path):
        report = ReadReport()
        records = list(read_records([path], format=format, column=0, report=report))
        assert records or path.name != "truncated.txt.gz"
        assert report.num_bad == 1 and report.num_records == len(records)
        assert str(path) in str(report.examples[0]) and "gzip" in str(report.examples[0])
        with pytest.raises(InputFormatError, match="drop --strict"):
            list(read_records([path], format=format, column=0, strict=True))


def test_damaged_gzip_in_the_commands(
    tmp_path: Path, captions: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    truncated = _damaged_gzips(tmp_path)[0]
    vocab = Vocabulary(["n02084071"]).save(tmp_path / "v.json")
    for jobs in ("1", "2"):
        assert _run("vocab", "count", truncated, "-q", "-j", jobs, "-o", tmp_path / "c.json") == 0
        err = capsys.readouterr().err
        assert err.count("truncated or corrupt gzip") == 1 and "truncated.txt.gz" in err
        argv = ["label", "--vocab", vocab, truncated, "-q", "-j", jobs, "-o", tmp_path / "l.jsonl"]
        assert _run(*argv) == 0
        assert "truncated.txt.gz" in capsys.readouterr().err
        assert _run(*argv, "--strict") == 1
        assert "truncated.txt.gz" in capsys.readouterr().err


# -- 5. deeply nested JSON -----------------------------------------------------------------------


def test_deeply_nested_json_is_a_bad_record_or_a_clear_file_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = "[" * 100_000
    lines = tmp_path / "caps.jsonl"
    lines.write_text(f'{{"caption": "a dog"}}\n{deep}\n{{"caption": "a cat"}}\n')
    report = ReadReport()
    assert [r.caption for r in read_records([lines], report=report)] == ["a dog", "a cat"]
    assert "nested too deeply" in str(report.examples[0])
    shard = tmp_path / "shard.tar"
    with tarfile.open(shard, "w") as tar:
        info = tarfile.TarInfo("000.json")
        info.size = len(deep)
        tar.addfile(info, io.BytesIO(deep.encode()))
    report = ReadReport()
    assert list(read_records([shard], report=report)) == [] and report.num_bad == 1
    file = tmp_path / "deep.json"
    file.write_text(deep)
    with pytest.raises(VocabularyFileError, match="nested too deeply"):
        Vocabulary.load(file)
    with pytest.raises(VocabularyFileError, match="nested too deeply"):
        SynsetCounts.load(file)
    labels = tmp_path / "deep-labels.jsonl"
    labels.write_text(f"{deep}\n")
    with pytest.raises(VocabularyFileError):
        load_labels(labels)
    assert _run("vocab", "stats", file) == 1
    assert _run("vocab", "merge", file, "-o", tmp_path / "m.json") == 1
    assert capsys.readouterr().err.count("nested too deeply") == 2


def test_a_file_of_another_kind_is_named_for_what_it_is(tmp_path: Path, captions: Path) -> None:
    counts = SynsetCounts({"n02084071": 2}, num_captions=2).save(tmp_path / "c.json")
    vocab = Vocabulary(["n02084071"]).save(tmp_path / "v.json")
    labels = tmp_path / "l.jsonl"
    assert _run("label", "--vocab", vocab, captions, "-q", "-o", labels) == 0
    npz = tmp_path / "l.npz"
    assert _run("label", "--vocab", vocab, captions, "-q", "-o", npz) == 0
    expected = [
        (captions, "plain text, such as a caption file"),
        (counts, "a synset counts file"),
        (labels, "a label file"),
        (npz, "zip archive"),
    ]
    for path, kind in expected:
        with pytest.raises(VocabularyFileError, match=kind) as info:
            Vocabulary.load(path)
        assert "corrupt" not in str(info.value)
    with pytest.raises(VocabularyFileError, match="a vocabulary file"):
        SynsetCounts.load(vocab)
    truncated = tmp_path / "t.json"
    truncated.write_text(vocab.read_text()[:100])
    with pytest.raises(VocabularyFileError, match="corrupt or truncated"):
        Vocabulary.load(truncated)


# -- 6. a stray CSV quote ------------------------------------------------------------------------


@pytest.mark.parametrize("closed", [True, False])
def test_a_stray_csv_quote_costs_one_record(tmp_path: Path, closed: bool) -> None:
    rows = ["key,caption", *(f"{i},caption number {i}" for i in range(1000))]
    rows[11] = '10,"a stray quote'
    if closed:
        rows[57] = '56,"a quoted caption",x'
    path = tmp_path / "caps.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = ReadReport()
    records = list(read_records([path], key="key", report=report))
    assert len(records) == 999 and report.num_bad == 1
    assert [r.key for r in records[9:11]] == ["9", "11"]
    assert report.examples[0].location == "12" and "stray quote" in report.examples[0].reason
    with pytest.raises(InputFormatError, match=r"caps\.csv:12"):
        list(read_records([path], strict=True))
    # A record that swallows newlines past the size cap is cut off there, not at the end.
    report = ReadReport()
    assert len(list(read_records([path], report=report, max_record_bytes=200))) == 999
    assert "200-byte record limit" in report.examples[0].reason


def test_quoted_line_breaks_and_lone_quotes_still_read(tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_text('caption\n"two\nlines"\n"a ""quoted"" one"\n"A dog" runs\nplain\n')
    report = ReadReport()
    got = [r.caption for r in read_records([path], report=report)]
    assert got == ["two\nlines", 'a "quoted" one', "A dog runs", "plain"] and not report.num_bad


def test_a_quote_closed_far_below_costs_one_record_and_rows_and_records_are_compared(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A stray quote closed 40 lines below, then a delimiter: valid CSV, but no caption spans 40
    # lines. The record is cut at MAX_RECORD_LINES and its lines are read again.
    rows = ["caption", *(f"a dog number {i}" for i in range(100))]
    rows[5] = '"a stray dog'
    rows[45] = 'the end of it",x'
    path = tmp_path / "caps.csv"
    path.write_text("\n".join(rows) + "\n")
    report = ReadReport()
    records = list(read_records([path], report=report))
    assert len(records) == 99 and report.num_bad == 1
    assert "over 32 lines" in report.examples[0].reason and report.num_multiline == 0
    # Quoted line breaks within the cap are read, and the report says rows and records differ.
    path.write_text('caption\n"two\nlines"\n"and\nthree\nlines"\nplain\n')
    report = ReadReport()
    assert len(list(read_records([path], report=report))) == 3 and not report.num_bad
    assert report.num_multiline == 2
    for jobs in ("1", "2"):
        assert _run("vocab", "count", path, "-q", "-j", jobs, "-o", tmp_path / "c.json") == 0
        assert "2 CSV/TSV record(s) span several lines" in capsys.readouterr().err


def test_a_stray_quote_in_the_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = ["caption", *(f"a dog number {i}" for i in range(100))]
    rows[5] = '"a stray dog'
    path = tmp_path / "caps.csv"
    path.write_text("\n".join(rows) + "\n")
    for jobs in ("1", "2"):
        assert _run("vocab", "count", path, "-q", "-j", jobs, "-o", tmp_path / "c.json") == 0
        assert SynsetCounts.load(tmp_path / "c.json").num_captions == 99
        assert capsys.readouterr().err.count("stray quote") == 1
        argv = ["vocab", "count", path, "-q", "--strict", "-j", jobs, "-o", tmp_path / "s.json"]
        assert _run(*argv) == 1
        assert "caps.csv:6" in capsys.readouterr().err


# -- 7. record size cap --------------------------------------------------------------------------


def test_records_over_the_cap_are_bad_records_in_every_format(tmp_path: Path) -> None:
    long = "x" * 300
    text = tmp_path / "a.txt"
    text.write_text(f"a dog\n{long}\na cat\n")
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text(f'{{"caption": "a dog"}}\n{{"caption": "{long}"}}\n{{"caption": "a cat"}}\n')
    table = tmp_path / "a.tsv"
    table.write_text(f"caption\na dog\n{long}\na cat\n")
    shard = tmp_path / "a.tar"
    with tarfile.open(shard, "w") as tar:
        for key, caption in [("0", "a dog"), ("1", long), ("2", "a cat")]:
            info = tarfile.TarInfo(f"{key}.txt")
            info.size = len(caption)
            tar.addfile(info, io.BytesIO(caption.encode()))
    packed = tmp_path / "b.txt.gz"
    packed.write_bytes(gzip.compress(text.read_bytes()))
    for path in (text, jsonl, table, shard, packed):
        report = ReadReport()
        got = [r.caption for r in read_records([path], report=report, max_record_bytes=100)]
        assert got == ["a dog", "a cat"], path
        assert report.num_bad == 1 and "over the 100-byte limit" in str(report.examples[0])
        assert [r.caption for r in read_records([path])][1] == long  # the default cap is 1 MiB
    with pytest.raises(ValueError, match="max_record_bytes"):
        read_records([text], max_record_bytes=0)


def test_a_giant_line_is_skipped_without_being_held(tmp_path: Path) -> None:
    path = tmp_path / "giant.txt"
    with open(path, "wb") as f:
        f.write(b"a dog\n")
        for _ in range(64):
            f.write(b"y" * (1 << 17))  # 8 MiB on one line
        f.write(b"\na cat\n")
    tracemalloc.start()
    report = ReadReport()
    got = [r.caption for r in read_records([path], report=report, max_record_bytes=1024)]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert got == ["a dog", "a cat"] and f"{8 << 20:,} bytes" in str(report.examples[0])
    assert peak < 1 << 20
    from catlip.vocab._lines import read_line

    with open(path, "rb") as f:
        f.readline()
        assert read_line(f, 10) == (b"", 8 << 20)
        assert read_line(f, 10) == (b"a cat\n", 0)


def test_the_cap_in_the_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "caps.txt"
    path.write_text("a dog\n" + "a cat " * 100 + "\na bird\n")
    for jobs in ("1", "2"):
        argv = ["vocab", "count", path, "-q", "-j", jobs, "--max-record-bytes", "100"]
        assert _run(*argv, "-o", tmp_path / "c.json") == 0
        assert SynsetCounts.load(tmp_path / "c.json").num_captions == 2
        assert f"{path}:2: record of 600 bytes" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _run("vocab", "count", path, "--max-record-bytes", "0", "-o", tmp_path / "c.json")


# -- also: one-line errors, coverage, wording ----------------------------------------------------


def test_one_line_errors_instead_of_tracebacks(
    tmp_path: Path, captions: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vocab = Vocabulary(["n02084071"]).save(tmp_path / "v.json")
    assert _run("coverage", "--vocab", vocab, tmp_path) == 1
    assert "cannot read label file" in capsys.readouterr().err
    bad = '{"overrides": {"dog": "n99999999"}}'
    with pytest.raises(SystemExit, match=r"bad extractor options.*n99999999"):
        _run("vocab", "build", captions, "--extractor", bad, "-q", "-o", tmp_path / "o.json")


def test_coverage_warns_about_sentences_and_shows_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vocab = Vocabulary(["n02084071", "n02121808"]).save(tmp_path / "v.json")
    labels = tmp_path / "labels.txt"
    labels.write_text("A dog runs on the beach.\nA black cat sleeps on a mat\ndog\n")
    assert _run("coverage", "--vocab", vocab, labels) == 0
    err = capsys.readouterr().err
    assert "2 of 3 labels look like sentences" in err
    assert "finding senses: 3 labels" in err and "matching: 3 labels" in err
    labels.write_text("dog\ncat\ngreat white shark\n")
    assert _run("coverage", "--vocab", vocab, labels, "-q") == 0
    assert capsys.readouterr().err == ""


def test_tar_records_are_counted_as_samples(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shard = tmp_path / "a.tar"
    with tarfile.open(shard, "w") as tar:
        for key in ("0", "1"):
            data = b"a dog\na dog on a couch\n"
            info = tarfile.TarInfo(f"{key}.txt")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    assert _run("vocab", "count", shard, "-o", tmp_path / "c.json") == 0
    assert "counted 2 samples" in capsys.readouterr().err
