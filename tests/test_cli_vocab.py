"""`catlip vocab count/merge/build/stats` and `catlip label`: files, shards, jobs, signals."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

import catlip
from catlip.cli import main
from catlip.vocab import SynsetCounts, Vocabulary, count_synsets, load_labels


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, flickr_captions: list[str]) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    path = folder / "captions.tsv"
    rows = [f"img{i // 5}.jpg#{i % 5}\t{c}" for i, c in enumerate(flickr_captions[:500])]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


TSV = ["--format", "tsv", "--column", "1", "-q"]


def _run(*argv: str | Path) -> int:
    return main([str(a) for a in argv])


@pytest.mark.parametrize("command", ["count", "merge", "build", "stats"])
def test_help_has_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["vocab", command, "--help"])
    assert exit_info.value.code == 0
    assert "example" in capsys.readouterr().out


def test_label_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["label", "--help"])
    out = capsys.readouterr().out
    assert "example" in out and "KEY.txt" in out


def test_jobs_give_identical_files(tmp_path: Path, corpus: Path) -> None:
    one, two = tmp_path / "j1.json", tmp_path / "j2.json"
    assert _run("vocab", "count", corpus, *TSV, "-o", one) == 0
    assert _run("vocab", "count", corpus, *TSV, "-j", "2", "-o", two) == 0
    assert one.read_bytes() == two.read_bytes()
    counts = SynsetCounts.load(one)
    assert counts.num_captions == 500 and len(counts) > 50


def test_jobs_compose_with_shards_and_report_bad_records_once(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = corpus.read_text(encoding="utf-8").splitlines(keepends=True)
    broken = tmp_path / "broken.tsv"
    broken.write_text("".join(lines[:41]) + "no tab here\n" + "".join(lines[41:80]), "utf-8")
    outputs = []
    for jobs in ("1", "3"):
        out = tmp_path / f"j{jobs}.json"
        args = ["--format", "tsv", "--column", "1", "--shard", "1/2", "-j", jobs, "-o", out]
        assert _run("vocab", "count", broken, *args) == 0
        assert capsys.readouterr().err.count("1 bad record(s) skipped") == 1
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert SynsetCounts.load(tmp_path / "j3.json").num_captions == 39  # 40 records, 1 bad


def test_jobs_split_plain_text_in_blocks_with_the_single_run_result(
    tmp_path: Path,
    flickr_captions: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 2,000 captions in 4 KiB blocks (~50 per file), 30 lines of bad bytes among them, CRLF
    # line ends, a byte-order mark, and a last line without its newline.
    monkeypatch.setattr("catlip.vocab._blocks.BLOCK_SIZE", 4096)
    files = []
    for f in range(2):
        lines = [c.encode() for c in flickr_captions[f * 1000 : (f + 1) * 1000]]
        for k in range(15):
            lines[37 + 61 * k] = b"\xff\xfe not utf-8"
        path = tmp_path / f"part{f}.txt"
        path.write_bytes(b"\xef\xbb\xbf" + b"\r\n".join(lines))
        files.append(path)
    outputs, reports = [], []
    for jobs in ("1", "2", "3"):
        out = tmp_path / f"j{jobs}.json"
        assert _run("vocab", "count", *files, "-q", "-j", jobs, "-o", out) == 0
        outputs.append(out.read_bytes())
        reports.append(capsys.readouterr().err)
    assert outputs[0] == outputs[1] == outputs[2]
    assert SynsetCounts.load(tmp_path / "j2.json").num_captions == 1970
    assert reports[0] == reports[1] == reports[2]  # the same 20 examples, in input order
    assert "30 bad record(s) skipped" in reports[0] and "part0.txt:38: not UTF-8" in reports[0]
    assert "... and 10 more" in reports[0]


def test_jobs_with_spawned_processes_give_the_single_run_result(
    tmp_path: Path, flickr_captions: list[str]
) -> None:
    # Where fork is unavailable (macOS, Windows) the processes are spawned: they rebuild the
    # extractor from its settings and must cut the same blocks as this process.
    source = tmp_path / "captions.txt"  # long enough for the spawned processes to take part
    source.write_text("\n".join(flickr_captions[:30000]) + "\n", encoding="utf-8")
    script = tmp_path / "spawned.py"
    script.write_text(
        "import multiprocessing, sys\n"
        "import catlip._engine as engine\n"
        "import catlip.vocab._blocks as blocks\n"
        "from catlip.cli import main\n"
        "if __name__ == '__main__':\n"
        "    engine.process_context = lambda: multiprocessing.get_context('spawn')\n"
        "    blocks.BLOCK_SIZE = 4096\n"
        "    sys.exit(main(sys.argv[1:]))\n"
    )
    outputs = []
    for jobs in ("1", "3"):
        out = tmp_path / f"j{jobs}.json"
        argv = ["vocab", "count", str(source), "-q", "-j", jobs, "-o", str(out)]
        result = subprocess.run(
            [sys.executable, str(script), *argv], capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_a_corrupt_tar_is_reported_once_however_it_is_split(
    tmp_path: Path, flickr_captions: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    shard = tmp_path / "shard.tar"
    with tarfile.open(shard, "w") as tar:
        for i, caption in enumerate(flickr_captions[:40]):
            data = caption.encode()
            info = tarfile.TarInfo(f"{i:05d}.txt")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    cut = tmp_path / "cut.tar"
    cut.write_bytes(shard.read_bytes()[: 512 * 41])  # ends inside sample 20
    for argv in (["-j", "1"], ["-j", "2"], ["--shard", "0/2"], ["--shard", "1/2"]):
        assert _run("vocab", "count", cut, "-q", *argv, "-o", tmp_path / "c.json") == 0
        err = capsys.readouterr().err
        corrupt = err.count("truncated or corrupt archive")
        assert corrupt == (0 if argv == ["--shard", "0/2"] else 1), (argv, err)


@pytest.mark.parametrize("by", ["record", "file"])
def test_shards_merge_to_the_single_run(tmp_path: Path, corpus: Path, by: str) -> None:
    lines = corpus.read_text(encoding="utf-8").splitlines(keepends=True)
    files = []
    for f in range(6):  # split the corpus into files so --shard-by file has work
        part = tmp_path / f"part{f}.tsv"
        part.write_text("".join(lines[f::6]), encoding="utf-8")
        files.append(part)
    single = tmp_path / "single.json"
    assert _run("vocab", "count", *files, *TSV, "-o", single) == 0
    shards = []
    for i in range(4):
        out = tmp_path / f"shard{i}.json"
        assert (
            _run("vocab", "count", *files, *TSV, "--shard", f"{i}/4", "--shard-by", by, "-o", out)
            == 0
        )
        shards.append(out)
    merged = tmp_path / "merged.json"
    assert _run("vocab", "merge", tmp_path / "shard*.json", "-o", merged) == 0  # quoted glob
    assert merged.read_bytes() == single.read_bytes()


def test_build_stats_and_labels(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vocab_path = tmp_path / "vocab.json"
    assert _run("vocab", "build", corpus, *TSV, "--min-count", "2", "-o", vocab_path) == 0
    vocab = Vocabulary.load(vocab_path)
    assert vocab.metadata["min_count"] == 2 and min(vocab.counts or [0]) >= 2
    # Building from a counts file gives the same vocabulary.
    counts_path = tmp_path / "counts.json"
    assert _run("vocab", "count", corpus, *TSV, "-o", counts_path) == 0
    again = tmp_path / "again.json"
    assert (
        _run("vocab", "build", "--from-counts", counts_path, "--min-count", "2", "-o", again) == 0
    )
    assert again.read_bytes() == vocab_path.read_bytes()
    small = tmp_path / "small.json"
    assert _run("vocab", "build", "--from-counts", counts_path, "--max-size", "7", "-o", small) == 0
    assert len(Vocabulary.load(small)) == 7

    capsys.readouterr()
    assert _run("vocab", "stats", vocab_path, "--top", "3") == 0
    out = capsys.readouterr().out
    assert f"size:          {len(vocab):,}" in out and "dog.n.01" in out and "histogram" in out
    assert f"made with:     catlip {catlip.__version__}, WordNet 3.0" in out
    assert _run("vocab", "stats", counts_path) == 0
    assert "captions:      500" in capsys.readouterr().out

    captions = dict(line.split("\t", 1) for line in corpus.read_text(encoding="utf-8").splitlines())
    for name, jobs in (("labels.jsonl", "1"), ("labels.npz", "2")):
        out_path = tmp_path / name
        argv = ["label", "--vocab", vocab_path, corpus, *TSV, "--key", "0", "-j", jobs]
        assert _run(*argv, "--chunk-size", "64", "-o", out_path) == 0
        labels = load_labels(out_path, vocab=vocab)
        assert list(labels) == list(captions)
        for key, caption in captions.items():
            assert labels[key] == vocab.encode_caption(caption), key


def test_label_webdataset_and_jsonl(tmp_path: Path, flickr_captions: list[str]) -> None:
    captions = flickr_captions[1000:1060]
    vocab = Vocabulary.from_counts(count_synsets(captions), min_count=1)
    vocab_path = vocab.save(tmp_path / "vocab.json")
    shard = tmp_path / "00000.tar"
    with tarfile.open(shard, "w") as tar:
        for i, caption in enumerate(captions):
            member = f"{i:09d}.txt" if i % 2 else f"{i:09d}.json"
            data = caption.encode() if i % 2 else json.dumps({"caption": caption}).encode()
            for name, payload in ((f"{i:09d}.jpg", b"\xff\xd8"), (member, data)):
                info = tarfile.TarInfo(name)
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
    out = tmp_path / "labels.npz"
    assert _run("label", "--vocab", vocab_path, shard, "-q", "-o", out) == 0
    labels = load_labels(out)
    assert list(labels) == [f"{i:09d}" for i in range(len(captions))]
    assert [labels[f"{i:09d}"] for i in range(len(captions))] == [
        vocab.encode_caption(c) for c in captions
    ]
    lines = tmp_path / "captions.jsonl"
    lines.write_text(
        "".join(json.dumps({"id": f"s{i}", "text": c}) + "\n" for i, c in enumerate(captions))
    )
    out = tmp_path / "labels.jsonl"
    assert (
        _run(
            "label", "--vocab", vocab_path, lines, "--field", "text", "--key", "id", "-q", "-o", out
        )
        == 0
    )
    assert load_labels(out) == {f"s{i}": vocab.encode_caption(c) for i, c in enumerate(captions)}


def test_errors(tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.json"
    # No synset reaches --min-count: an error, and no file.
    assert _run("vocab", "build", corpus, *TSV, "--min-count", "100000", "-o", out) == 1
    assert "lower --min-count" in capsys.readouterr().err and not out.exists()
    assert _run("vocab", "count", corpus, *TSV, "-o", tmp_path / "missing" / "c.json") == 1
    assert "does not exist: create it first" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="no file matches"):
        _run("vocab", "count", tmp_path / "nothing*.txt", "-o", out)
    with pytest.raises(SystemExit, match="--chunk-size must be >= 1"):
        _run("label", "--vocab", out, corpus, "--chunk-size", "0", "-o", tmp_path / "l.jsonl")
    with pytest.raises(SystemExit, match="-j must be >= 1"):
        _run("vocab", "count", corpus, *TSV, "-j", "0", "-o", out)
    # Bad records: reported with file and line; --strict makes them fatal.
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"a dog\n\xff\na cat\n")
    assert _run("vocab", "count", bad, "-q", "-o", out) == 0
    assert f"{bad}:2: not UTF-8" in capsys.readouterr().err
    for jobs in ("1", "2"):
        strict = tmp_path / "strict.json"
        assert _run("vocab", "count", bad, "-q", "--strict", "-j", jobs, "-o", strict) == 1
        assert "bad.txt:2" in capsys.readouterr().err and not strict.exists()
    # Duplicate sample keys cannot make a label file.
    dup = tmp_path / "dup.tsv"
    dup.write_text("k\ta dog\nk\ta cat\n")
    vocab = Vocabulary(["n02084071"]).save(tmp_path / "v.json")
    labels = tmp_path / "labels.jsonl"
    with pytest.raises(SystemExit, match="key 'k'"):
        _run("label", "--vocab", vocab, dup, *TSV, "--key", "0", "-o", labels)
    assert not labels.exists()
    # Corrupt vocabulary: error names the file.
    vocab.write_text("{")
    assert _run("label", "--vocab", vocab, dup, *TSV, "-o", labels) == 1
    assert "v.json" in capsys.readouterr().err
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_interrupted_build_leaves_no_file(
    tmp_path: Path, flickr_captions: list[str], sig: signal.Signals
) -> None:
    proc = _start_counting(tmp_path, flickr_captions)
    proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    assert proc.returncode != 0, err.decode()
    assert b"interrupted" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.txt"]


@pytest.mark.slow
def test_a_killed_worker_fails_the_build_at_once(
    tmp_path: Path, flickr_captions: list[str]
) -> None:
    proc = _start_counting(tmp_path, flickr_captions)
    children = [
        int(stat.read_text().split()[0])
        for stat in Path("/proc").glob("[0-9]*/stat")
        if _parent_pid(stat) == proc.pid
    ]
    assert len(children) == 1  # -j 2: this process and one worker
    os.kill(children[0], signal.SIGKILL)
    started = time.perf_counter()
    _, err = proc.communicate(timeout=60)
    assert time.perf_counter() - started < 1.0  # not after counting the rest alone
    assert proc.returncode != 0 and b"a counting process died" in err, err.decode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.txt"]


def _parent_pid(stat: Path) -> int | None:
    try:
        return int(stat.read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _start_counting(tmp_path: Path, flickr_captions: list[str]) -> subprocess.Popen[bytes]:
    """``catlip vocab build -j 2`` on 404,600 captions, returned once it is counting."""
    source = tmp_path / "big.txt"
    source.write_text("\n".join(flickr_captions * 10) + "\n", encoding="utf-8")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    argv = ["vocab", "build", str(source), "-j", "2", "-o", str(tmp_path / "vocab.json")]
    proc = subprocess.Popen(
        [sys.executable, "-m", "catlip", *argv], stderr=subprocess.PIPE, env=env
    )
    assert proc.stderr is not None
    seen = b""
    while b"loaded WordNet" not in seen:  # then the processes start counting
        line = proc.stderr.readline()
        assert line, seen.decode()
        seen += line
    time.sleep(0.5)
    assert proc.poll() is None, "the build finished before it could be interrupted"
    return proc
