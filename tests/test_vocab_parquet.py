"""Parquet inputs: caption/key/status columns, record batches, shards, bad rows, the CLI."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catlip.cli import main
from catlip.errors import InputFormatError
from catlip.vocab import ReadReport, Record, _parquet, detect_format, load_labels, read_records

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

LAION = Path(__file__).resolve().parents[2] / "shared" / "data" / "web-alt-text"


def _parquet_file(path: Path, columns: dict[str, list[Any]], *, row_group_size: int = 4) -> Path:
    pq.write_table(pa.table(columns), path, row_group_size=row_group_size)
    return path


def _img2dataset(path: Path, captions: list[str | None], failed: set[int]) -> Path:
    """An img2dataset shard's metadata: one row per URL tried, downloaded or not."""
    n = len(captions)
    return _parquet_file(
        path,
        {
            "url": [f"https://example.com/{i}.jpg" for i in range(n)],
            "caption": captions,
            "key": [f"{i:09d}" for i in range(n)],
            "status": ["failed_to_download" if i in failed else "success" for i in range(n)],
            "error_message": ["404" if i in failed else None for i in range(n)],
        },
    )


def test_format_is_inferred_from_the_name() -> None:
    assert detect_format("shard-00000.parquet") == "parquet"
    assert detect_format("https://host/x/part-0.parquet?download=true") == "parquet"


def test_laion_sample_reads_its_text_column(shared_laion: Path) -> None:
    report = ReadReport()
    records = list(read_records([shared_laion], report=report))
    table = pq.read_table(shared_laion, columns=["TEXT"])
    assert [r.caption for r in records] == table.column("TEXT").to_pylist()
    assert records[0].key == f"{shared_laion}:0" and records[-1].key == f"{shared_laion}:999"
    assert report.num_records == 1000 and report.num_bad == 0 and not report.skipped


def test_caption_and_key_columns_are_found_by_name_in_order(tmp_path: Path) -> None:
    both = _parquet_file(
        tmp_path / "datacomp.parquet",
        {"uid": ["u1", "u2"], "caption": ["no", "no"], "text": ["a dog", "a cat"]},
    )
    assert list(read_records([both])) == [Record("u1", "a dog"), Record("u2", "a cat")]
    # --column / --key by name or 0-based index.
    assert [r.caption for r in read_records([both], column="caption")] == ["no", "no"]
    assert [r.key for r in read_records([both], column=2, key="caption")] == ["no", "no"]
    with pytest.raises(InputFormatError, match=r"no column 'alt'.*columns: uid, caption, text"):
        list(read_records([both], column="alt"))
    with pytest.raises(InputFormatError, match="no column 7"):
        list(read_records([both], column=7))
    nothing = _parquet_file(tmp_path / "n.parquet", {"alt": ["a dog"]})
    with pytest.raises(InputFormatError, match=r"none of the caption columns text, TEXT, caption"):
        list(read_records([nothing]))
    numbers = _parquet_file(tmp_path / "i.parquet", {"text": [1, 2]})
    with pytest.raises(InputFormatError, match="holds int64, not text"):
        list(read_records([numbers]))


def test_only_successful_img2dataset_rows_count(tmp_path: Path) -> None:
    path = _img2dataset(tmp_path / "00000.parquet", ["a dog", "a cat", None, "a bird"], {1})
    report = ReadReport()
    records = list(read_records([path], report=report))
    assert records == [Record("000000000", "a dog"), Record("000000003", "a bird")]
    assert report.skipped == {"failed_to_download": 1} and report.num_skipped == 1
    # The null caption is a bad record; the failed download is not.
    assert report.num_bad == 1 and str(report.examples[0]).endswith(
        "row 2: null caption (column 'caption')"
    )
    assert "skipped 1 parquet row(s)" in (report.skipped_note() or "")
    everything = ReadReport()
    assert len(list(read_records([path], status=None, report=everything))) == 3
    assert not everything.skipped and everything.skipped_note() is None
    with pytest.raises(InputFormatError, match="row 2: null caption"):
        list(read_records([path], strict=True))
    with pytest.raises(TypeError):
        list(read_records([path], status=True))  # type: ignore[arg-type]


def test_only_the_needed_columns_are_read_in_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _img2dataset(tmp_path / "00000.parquet", [f"c{i}" for i in range(10)], {3})
    seen: list[tuple[list[str], int]] = []
    original = pq.ParquetFile.iter_batches

    def spy(self: Any, *, batch_size: int, columns: list[str], **kwargs: Any) -> Any:
        seen.append((columns, batch_size))
        return original(self, batch_size=batch_size, columns=columns, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", spy)
    monkeypatch.setattr(_parquet, "BATCH_ROWS", 3)
    assert len(list(read_records([path]))) == 9
    assert seen and all(call == (["caption", "key", "status"], 3) for call in seen)


def test_memory_is_bounded_by_a_row_group_not_the_file(tmp_path: Path) -> None:
    # Arrow's own allocation count (deterministic), peaking while the records stream.
    path = tmp_path / "big.parquet"
    captions = [
        f"caption {i} of a fairly long web alt-text, padded: {'x' * 40}" for i in range(120_000)
    ]
    pq.write_table(pa.table({"text": captions}), path, row_group_size=2_000)
    whole = pa.table({"text": captions}).nbytes
    peak = 0
    for _ in read_records([path]):
        peak = max(peak, pa.total_allocated_bytes())
    assert peak < whole / 10, (peak, whole)  # 2.4 MB of 11.6 MB before, 0.64 MB now


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_shards_partition_the_rows_across_batches_and_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, count: int
) -> None:
    monkeypatch.setattr(_parquet, "BATCH_ROWS", 4)
    first = _img2dataset(tmp_path / "a.parquet", [f"a{i}" for i in range(11)], {2, 5})
    second = _img2dataset(tmp_path / "b.parquet", [f"b{i}" for i in range(6)], {0})
    whole = ReadReport()
    expected = list(read_records([first, second], report=whole))
    parts, skipped = [], 0
    for index in range(count):
        report = ReadReport()
        parts += list(read_records([first, second], shard=(index, count), report=report))
        skipped += report.num_skipped
    assert sorted(parts) == sorted(expected) and len(parts) == 14
    assert skipped == whole.num_skipped == 3


@settings(max_examples=25)
@given(
    rows=st.lists(
        st.tuples(
            st.one_of(st.none(), st.text(max_size=8)),
            st.sampled_from(["success", "failed_to_download", None]),
        ),
        max_size=30,
    ),
    batch=st.integers(1, 7),
    group=st.integers(1, 9),
    count=st.integers(1, 4),
)
def test_rows_are_the_successful_non_null_ones_and_shards_partition_them(
    rows: list[tuple[str | None, str | None]], batch: int, group: int, count: int
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.parquet"
        captions = pa.array([c for c, _ in rows], pa.string())
        statuses = pa.array([s for _, s in rows], pa.string())
        _parquet_file(path, {"caption": captions, "status": statuses}, row_group_size=group)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_parquet, "BATCH_ROWS", batch)
            report = ReadReport()
            records = list(read_records([path], report=report))
            parts = [list(read_records([path], shard=(i, count))) for i in range(count)]
    expected = [
        Record(f"{path}:{i}", c)
        for i, (c, s) in enumerate(rows)
        if s == "success" and c is not None
    ]
    assert records == expected
    assert report.num_skipped == sum(s != "success" for _, s in rows)
    assert report.num_bad == sum(s == "success" and c is None for c, s in rows)
    assert sorted(r for part in parts for r in part) == sorted(expected)


def test_long_captions_and_broken_files_are_bad_records(tmp_path: Path) -> None:
    path = _parquet_file(tmp_path / "a.parquet", {"text": ["a dog", "é" * 60, "a cat"]})
    report = ReadReport()
    assert [r.caption for r in read_records([path], max_record_bytes=100, report=report)] == [
        "a dog",
        "a cat",
    ]
    assert "row 1: record of 120 bytes is over the 100-byte limit" in str(report.examples[0])
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not a parquet file at all")
    report = ReadReport()
    assert list(read_records([broken, path], report=report)) != []
    assert report.num_bad == 1 and "not a parquet file" in str(report.examples[0])
    with pytest.raises(InputFormatError, match="not a parquet file"):
        list(read_records([broken], strict=True))


def test_damage_after_the_footer_ends_the_file_as_one_bad_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_parquet, "BATCH_ROWS", 10)
    path = tmp_path / "a.parquet"
    captions = [f"caption {i}" for i in range(100)]
    pq.write_table(pa.table({"text": captions}), path, row_group_size=50, use_dictionary=False)
    second = pq.ParquetFile(path).metadata.row_group(1).column(0).data_page_offset
    data = bytearray(path.read_bytes())
    data[second : second + 8] = b"\xff" * 8  # the second row group's page header
    path.write_bytes(bytes(data))
    report = ReadReport()
    assert [r.caption for r in read_records([path], report=report)] == captions[:50]
    assert report.num_bad == 1
    assert "row 50: corrupt parquet data after 50 row(s)" in str(report.examples[0])


def test_dictionary_encoded_columns(tmp_path: Path) -> None:
    column = pa.array(["a dog", None, "a dog"]).dictionary_encode()
    path = _parquet_file(tmp_path / "a.parquet", {"text": column})
    report = ReadReport()
    assert [r.caption for r in read_records([path], report=report)] == ["a dog", "a dog"]
    assert report.num_bad == 1 and "null caption" in str(report.examples[0])


def test_missing_pyarrow_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _parquet_file(tmp_path / "a.parquet", {"text": ["a dog"]})
    _parquet.pyarrow_modules.cache_clear()
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    try:
        with pytest.raises(ImportError, match=r'pip install "catlip\[parquet\]"'):
            read_records([path])
        # The command line says it in one line, exit status 1.
        assert main(["vocab", "count", str(path), "-q", "-o", str(tmp_path / "c.json")]) == 1
        err = capsys.readouterr().err
        assert err.startswith("catlip vocab: error: reading parquet files needs pyarrow")
        assert "Traceback" not in err
    finally:
        _parquet.pyarrow_modules.cache_clear()


@pytest.fixture
def shared_laion() -> Path:
    path = LAION / "laion-sample-1000.parquet"
    if not path.exists():
        pytest.skip(f"{path} is not present")
    return path


def _build(tmp_path: Path, name: str, *argv: str | Path) -> bytes:
    out = tmp_path / name
    assert main(["vocab", "build", *map(str, argv), "--min-count", "1", "-q", "-o", str(out)]) == 0
    return out.read_bytes()


def test_build_on_img2dataset_parquet_equals_build_on_the_successful_captions(
    tmp_path: Path, flickr_captions: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    captions = flickr_captions[:60]
    failed = set(range(0, 60, 7))
    path = _img2dataset(tmp_path / "00000.parquet", list(captions), failed)
    kept = tmp_path / "kept.txt"
    kept.write_text("".join(c + "\n" for i, c in enumerate(captions) if i not in failed), "utf-8")
    every = tmp_path / "all.txt"
    every.write_text("".join(c + "\n" for c in captions), "utf-8")

    from_parquet = _build(tmp_path, "p.json", path)
    assert "skipped 9 parquet row(s) whose status is not success (failed_to_download: 9)" in (
        capsys.readouterr().err
    )
    assert from_parquet == _build(tmp_path, "t.json", kept)  # byte for byte
    assert _build(tmp_path, "pa.json", path, "--all-status") == _build(tmp_path, "ta.json", every)
    # -j 2 splits the rows by number and gives the same file.
    assert _build(tmp_path, "p2.json", path, "-j", "2") == from_parquet
    assert "skipped 9 parquet row(s)" in capsys.readouterr().err


def test_jobs_report_skipped_rows_and_bad_rows_once_in_input_order(
    tmp_path: Path, flickr_captions: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    captions: list[str | None] = list(flickr_captions[:30])
    for row in (1, 10, 17):
        captions[row] = None
    # -j 2: part 0 takes the even rows, whose first five were not downloaded.
    path = _img2dataset(tmp_path / "00000.parquet", captions, {0, 2, 4, 6, 8, 17})
    outputs, reports = [], []
    for jobs in ("1", "2"):
        out = tmp_path / f"j{jobs}.json"
        assert main(["vocab", "count", str(path), "-j", jobs, "-q", "-o", str(out)]) == 0
        outputs.append(out.read_bytes())
        reports.append(capsys.readouterr().err)
    assert outputs[0] == outputs[1] and reports[0] == reports[1]
    assert "2 bad record(s) skipped" in reports[0]
    assert [line.split(":")[1] for line in reports[0].splitlines() if "null caption" in line] == [
        "row 1",
        "row 10",
    ]
    assert "skipped 6 parquet row(s)" in reports[0]


def test_label_keys_come_from_the_key_column(tmp_path: Path, flickr_captions: list[str]) -> None:
    path = _img2dataset(tmp_path / "00000.parquet", flickr_captions[:8], {1})
    vocab = tmp_path / "v.json"
    _build(tmp_path, "v.json", path)
    out = tmp_path / "labels.jsonl"
    assert main(["label", "--vocab", str(vocab), str(path), "-q", "-o", str(out)]) == 0
    assert sorted(load_labels(out)) == [f"{i:09d}" for i in range(8) if i != 1]
