"""Remote inputs through fsspec (its in-memory filesystem): every reader, globs, -j, errors."""

from __future__ import annotations

import gzip
import io
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from multiprocessing import Value
from pathlib import Path
from typing import Any, ClassVar

import pytest

from catlip._engine import Part
from catlip.cli import _common, build_parser, main
from catlip.cli._common import expand_inputs
from catlip.errors import InputFormatError
from catlip.vocab import CaptionFiles, ReadReport, _remote, read_records
from catlip.vocab._counting import _count_part
from catlip.vocab.captionfiles import file_numbers

fsspec = pytest.importorskip("fsspec")


def _tar_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _parquet_bytes() -> bytes:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    buffer = io.BytesIO()
    table = pa.table({"key": ["k1", "k2", "k3"], "text": ["a dog", "a cat", "a fish"]})
    table = table.append_column("status", pa.array(["success", "success", "failed_to_download"]))
    pq.write_table(table, buffer)
    return buffer.getvalue()


FILES = {
    "a.txt": b"a dog\na cat\n",
    "b.txt.gz": gzip.compress(b"a bird\n"),
    "c.csv": b"key,caption\n1,a horse\n",
    "d.tsv": b"caption\ta cow\n",
    "e.jsonl": b'{"caption": "a goat"}\n',
    "f.tar": _tar_bytes({"s1.jpg": b"", "s1.txt": b"a sheep", "s2.json": b'{"caption": "a pig"}'}),
}


@pytest.fixture
def bucket(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The same files in ``memory://<unique>/`` and in a local folder."""
    root = f"memory://catlip-{tmp_path.name}"
    files = {**FILES}
    if _parquet_available():
        files["g.parquet"] = _parquet_bytes()
    for name, data in files.items():
        with fsspec.open(f"{root}/{name}", "wb") as f:
            f.write(data)
        (tmp_path / name).write_bytes(data)
    yield root, tmp_path
    fsspec.filesystem("memory").rm(root.removeprefix("memory://"), recursive=True)


def _parquet_available() -> bool:
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


def test_every_reader_reads_remote_files_as_local_ones(bucket: tuple[str, Path]) -> None:
    root, local = bucket
    names = sorted(p.name for p in local.iterdir())
    remote_report, local_report = ReadReport(), ReadReport()
    remote = list(read_records([f"{root}/{n}" for n in names], report=remote_report))
    here = list(read_records([local / n for n in names], report=local_report))
    assert [r.caption for r in remote] == [r.caption for r in here]
    assert "a sheep" in [r.caption for r in remote] and len(remote) >= 8
    assert remote[0].key == f"{root}/a.txt:1"
    assert (remote_report.num_records, remote_report.skipped) == (
        local_report.num_records,
        local_report.skipped,
    )


def test_remote_globs_expand_and_jobs_split_remote_records(
    bucket: tuple[str, Path], tmp_path: Path
) -> None:
    root, local = bucket
    assert expand_inputs([f"{root}/*.txt*"]) == [
        f"memory:///{root[9:]}/a.txt",
        f"memory:///{root[9:]}/b.txt.gz",
    ]
    with pytest.raises(SystemExit, match="no file matches"):
        expand_inputs([f"{root}/*.nothing"])
    outputs = []
    for jobs, inputs in (
        ("1", [str(local / "a.txt"), str(local / "b.txt.gz")]),
        ("2", [f"{root}/*.txt*"]),
    ):
        out = tmp_path / f"j{jobs}.json"
        assert main(["vocab", "count", *inputs, "-j", jobs, "-q", "-o", str(out)]) == 0
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_jobs_split_remote_files_by_file_with_the_single_run_result(
    tmp_path: Path, flickr_captions: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    root = f"memory://catlip-split-{tmp_path.name}"
    names = []
    for number in range(5):  # a bad line in every file
        lines = [*flickr_captions[20 * number : 20 * number + 20], "\udcff"]
        data = "\n".join(lines).encode("utf-8", "surrogateescape") + b"\n"
        names.append(f"{root}/{number}.txt")
        with fsspec.open(names[-1], "wb") as f:
            f.write(data)
    try:
        outputs, reports = [], []
        for jobs in ("1", "2", "3"):
            out = tmp_path / f"j{jobs}.json"
            assert main(["vocab", "count", *names, "-j", jobs, "-q", "-o", str(out)]) == 0
            outputs.append(out.read_bytes())
            reports.append(capsys.readouterr().err)
        assert outputs[0] == outputs[1] == outputs[2]
        assert reports[0] == reports[1] == reports[2] and "5 bad record(s)" in reports[0]
        # Part 1 of 2 reads files 1 and 3 only, not every file.
        numbers = file_numbers(names, shard=None, shard_by="record", parts=2)
        assert numbers == {n: i for i, n in enumerate(names)}
        part = Part(1, 2, Value("q", 0), Value("q", 0))
        _, captions, report = _count_part((CaptionFiles(names), _Words()), part)
        assert report is not None
        assert captions == 40 and [b.path for b in report.examples] == [names[1], names[3]]
    finally:
        fsspec.filesystem("memory").rm(root.removeprefix("memory://"), recursive=True)


def test_which_inputs_the_jobs_split_by_file() -> None:
    parse = build_parser().parse_args
    remote = [f"s3://bucket/{i}.parquet" for i in range(4)]

    def numbers(args: Any, jobs: int) -> dict[str, int] | None:
        return file_numbers(args.inputs, shard=args.shard, shard_by=args.shard_by, parts=jobs)

    assert numbers(parse(["vocab", "count", *remote, "-o", "x"]), 4)
    for argv, jobs in (
        ([*remote, "-o", "x"], 5),  # fewer files than processes
        ([*remote, "--shard", "0/2", "-o", "x"], 2),  # a record shard of the input
        ([*remote, "--shard", "0/2", "--shard-by", "file", "-o", "x"], 3),  # 2 files in part 0
        (["a.txt", "b.txt", "-o", "x"], 2),  # local: split in blocks or by record
    ):
        args = parse(["vocab", "count", *argv])
        assert numbers(args, jobs) is None, argv
    local = parse(["vocab", "count", "a.tar", "b.tar", "--shard-by", "file", "-o", "x"])
    assert numbers(local, 2) == {"a.tar": 0, "b.tar": 1}
    twice = parse(["vocab", "count", *remote, remote[0], "-o", "x"])
    assert numbers(twice, 2) is None  # a file given twice


class _Words:
    """A stand-in extractor: every caption mentions a dog."""

    settings: ClassVar[dict[str, str]] = {"algorithm": "test"}

    def __call__(self, caption: str) -> list[str]:
        return ["n02084071"]


def test_a_remote_glob_is_listed_once_per_command(
    bucket: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = bucket
    listings: list[str] = []

    def listing(pattern: str) -> list[str]:
        listings.append(pattern)
        return _remote.glob_urls(pattern)

    monkeypatch.setattr(_common, "glob_urls", listing)
    out = tmp_path / "v.json"
    assert main(["vocab", "build", f"{root}/*.txt", "-j", "2", "-q", "-o", str(out)]) == 0
    assert listings == [f"{root}/*.txt"]  # not again by the check, the counter or a worker


def test_missing_remote_files_and_protocols_are_clear_errors(
    bucket: tuple[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = bucket
    records = read_records([f"{root}/a.txt", f"{root}/missing.txt"])
    with pytest.raises(InputFormatError, match=r"missing\.txt does not exist"):
        list(records)
    with pytest.raises(InputFormatError, match=r"cannot read nosuchprotocol://x/a\.txt"):
        read_records(["nosuchprotocol://x/a.txt"])  # up front, before any file is read
    assert main(["vocab", "count", f"{root}/missing.txt", "-q", "-o", "/dev/null"]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_missing_fsspec_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    _remote._fsspec.cache_clear()
    monkeypatch.setitem(sys.modules, "fsspec", None)
    try:
        with pytest.raises(ImportError, match=r'pip install "catlip\[remote\]"'):
            read_records(["s3://bucket/captions.txt"])
    finally:
        _remote._fsspec.cache_clear()


def test_local_paths_import_neither_fsspec_nor_pyarrow(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("a dog\n", encoding="utf-8")
    code = (
        "import sys; from catlip.vocab import read_records; from catlip.cli import main; "
        f"assert [r.caption for r in read_records([{str(path)!r}])] == ['a dog']; "
        "assert not {'fsspec', 'pyarrow'} & set(sys.modules), sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_url_detection() -> None:
    assert _remote.is_url("s3://bucket/x.tar") and _remote.is_url("hf://datasets/a/b/x.parquet")
    assert _remote.is_url("simplecache::s3://bucket/x.tar")
    assert not _remote.is_url("shards/x.tar") and not _remote.is_url("C:\\data\\x.txt")
    assert not _remote.is_url(Path("s3://bucket/x.tar"))  # a Path is always local
