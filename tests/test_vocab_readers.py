"""catlip.vocab.read_records: text, CSV/TSV, JSON lines, webdataset tar shards, gzip, shards."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catlip.errors import InputFormatError
from catlip.vocab import ReadReport, Record, detect_format, read_records


def _tar(path: Path, members: dict[str, bytes], *, gz: bool = False) -> Path:
    with tarfile.open(path, "w:gz" if gz else "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_text_and_gzip(tmp_path: Path) -> None:
    plain = tmp_path / "a.txt"
    plain.write_bytes(b"\xef\xbb\xbfa dog\r\n\na cat\n")
    packed = tmp_path / "b.txt.gz"
    packed.write_bytes(gzip.compress(b"a bird\n"))
    records = list(read_records([plain, packed]))
    assert records == [
        Record(f"{plain}:1", "a dog"),
        Record(f"{plain}:2", ""),
        Record(f"{plain}:3", "a cat"),
        Record(f"{packed}:1", "a bird"),
    ]
    # gzip is detected from the bytes, not the name.
    hidden = tmp_path / "c.txt"
    hidden.write_bytes(gzip.compress(b"a fish\n"))
    assert [r.caption for r in read_records([hidden])] == ["a fish"]


def test_bad_bytes_are_reported_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"a dog\n\xff\xfe broken\na cat\n")
    report = ReadReport()
    assert [r.caption for r in read_records([path], report=report)] == ["a dog", "a cat"]
    assert report.num_records == 2 and report.num_bad == 1
    assert str(report.examples[0]).startswith(f"{path}:2: not UTF-8")
    assert "1 bad record" in report.summary()
    with pytest.raises(InputFormatError, match=r"a\.txt:2"):
        list(read_records([path], strict=True))


def test_csv_and_tsv(tmp_path: Path) -> None:
    csv_path = tmp_path / "a.csv"
    csv_path.write_text('id,caption\n7,"a dog, a cat"\n8,"two\nlines"\n9\n\n10,a bird\n')
    report = ReadReport()
    records = list(read_records([csv_path], key="id", report=report))
    assert records == [
        Record("7", "a dog, a cat"),
        Record("8", "two\nlines"),
        Record("10", "a bird"),
    ]
    assert report.num_bad == 1 and report.examples[0].location == "5"
    tsv = tmp_path / "flickr.tsv"
    tsv.write_text("img1.jpg#0\ta dog\nimg1.jpg#1\ta cat\n")
    assert list(read_records([tsv], column=1, key=0)) == [
        Record("img1.jpg#0", "a dog"),
        Record("img1.jpg#1", "a cat"),
    ]
    assert [r.key for r in read_records([tsv], column="1")] == [f"{tsv}:1", f"{tsv}:2"]
    with pytest.raises(InputFormatError, match="no column 'text'"):
        list(read_records([csv_path], column="text"))
    with pytest.raises(InputFormatError, match="header"):
        list(read_records([csv_path], column="caption", header=False))


def test_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    lines = [
        json.dumps({"text": "a dog", "id": "x"}),
        "{broken",
        json.dumps({"id": "y"}),
        "",
        json.dumps(["not", "an", "object"]),
        json.dumps({"text": "a cat", "id": 5}),
    ]
    path.write_text("\n".join(lines) + "\n")
    report = ReadReport()
    records = list(read_records([path], field="text", key="id", report=report))
    assert records == [Record("x", "a dog"), Record("5", "a cat")]
    assert [b.location for b in report.examples] == ["2", "3", "5"]


def test_webdataset_tar(tmp_path: Path) -> None:
    members = {
        "00000.jpg": b"\xff\xd8",
        "00000.txt": b"a dog on a sofa\n",
        "00000.json": json.dumps({"caption": "ignored, .txt wins"}).encode(),
        "part/00001.jpg": b"\xff\xd8",
        "part/00001.json": json.dumps({"caption": "a cat", "url": "x"}).encode(),
        "00002.jpg": b"\xff\xd8",
        "00003.txt": b"\xff bad",
    }
    path = _tar(tmp_path / "shard.tar", members)
    report = ReadReport()
    records = list(read_records([path], report=report))
    assert records == [Record("00000", "a dog on a sofa"), Record("part/00001", "a cat")]
    assert [b.location for b in report.examples] == ["00002", "00003"]
    gz = _tar(tmp_path / "shard.tar.gz", members, gz=True)
    assert list(read_records([gz])) == records
    truncated = tmp_path / "cut.tar"
    truncated.write_bytes(path.read_bytes()[:1000])
    report = ReadReport()
    list(read_records([truncated], report=report))
    assert report.num_bad >= 1


def test_detect_format() -> None:
    assert detect_format("x.TXT") == "text"
    assert detect_format("x.jsonl.gz") == "jsonl"
    assert detect_format("x.tgz") == "tar"
    with pytest.raises(InputFormatError, match="--format"):
        detect_format("x.orc")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFormatError, match="does not exist"):
        list(read_records([tmp_path / "nope.txt"]))


@given(
    st.lists(st.sampled_from(["a dog", "\udcff", "{}", ""]), min_size=0, max_size=30),
    st.integers(1, 5),
    st.sampled_from(["record", "file"]),
)
def test_shards_partition_the_input(lines: list[str], count: int, by: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for f in range(3):
            path = Path(folder) / f"part{f}.txt"
            data = "".join(line + "\n" for line in lines[f::3])
            path.write_bytes(data.encode("utf-8", "surrogateescape"))
            paths.append(path)
        whole_report = ReadReport()
        whole = list(read_records(paths, report=whole_report))
        parts, bad = [], 0
        for index in range(count):
            report = ReadReport()
            parts.append(
                list(read_records(paths, shard=(index, count), shard_by=by, report=report))
            )
            bad += report.num_bad
        merged = [r for part in parts for r in part]
        assert sorted(merged, key=lambda r: r.key) == sorted(whole, key=lambda r: r.key)
        assert len(merged) == len(set(r.key for r in merged))
        assert bad == whole_report.num_bad


def test_bad_shard_arguments(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("a\n")
    for shard in [(2, 2), (-1, 2), (0, 0)]:
        with pytest.raises(ValueError):
            list(read_records([path], shard=shard))


_LINE = st.sampled_from(
    ["a dog", "", "\ufeffbom", "two\rcats", "cat\r", "x" * 40, "\udcff\udcfe", "é", "ab\udcc3"]
)


@given(
    st.lists(st.lists(_LINE, max_size=25), min_size=1, max_size=3),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
    st.integers(1, 64),
    st.integers(1, 3),
    st.sampled_from([1 << 20, 1, 5, 39, 40]),
)
def test_blocks_read_exactly_the_records_in_any_split(
    files: list[list[str]],
    newline: str,
    final_newline: bool,
    block_size: int,
    readers: int,
    cap: int,
) -> None:
    import itertools
    import tempfile

    from catlip.vocab._blocks import block_captions

    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for number, lines in enumerate(files):
            path = Path(folder) / f"part{number}.txt"
            text = newline.join(lines) + (newline if final_newline and lines else "")
            path.write_bytes(
                b"\xef\xbb\xbf" * (number == 0) + text.encode("utf-8", "surrogateescape")
            )
            paths.append(path)
        whole = ReadReport()
        expected = [r.caption for r in read_records(paths, report=whole, max_record_bytes=cap)]
        # `readers` processes take blocks in turn from one counter, as `catlip vocab count -j`.
        claim = itertools.count().__next__
        reports = [ReadReport() for _ in range(readers)]
        places: list[list[tuple[int, int]]] = [[] for _ in range(readers)]
        streams = [
            block_captions(
                paths, claim, report, places=where, block_size=block_size, max_record_bytes=cap
            )
            for report, where in zip(reports, places, strict=True)
        ]
        got: list[str] = []
        for stream in itertools.cycle(streams):
            caption = next(stream, None)
            if caption is None:
                break
            got.append(caption)
        for stream in streams:
            got.extend(stream)
        assert sorted(got) == sorted(expected)
        assert sum(r.num_records for r in reports) == whole.num_records == len(expected)
        bad = sorted(
            (place, str(example))
            for report, where in zip(reports, places, strict=True)
            for place, example in zip(where, report.examples, strict=True)
        )
        assert sum(r.num_bad for r in reports) == whole.num_bad
        # Each reader keeps its first 20: merged in input order, the first 20 are the same.
        merged = [example for _, example in bad][: whole.max_examples]
        assert merged == [str(b) for b in whole.examples]
