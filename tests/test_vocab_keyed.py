"""``KEY<TAB>CAPTION`` text files (Flickr8k's token file): told from their lines, read by key."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from catlip.cli import main
from catlip.errors import InputFormatError
from catlip.text import SynsetExtractor
from catlip.vocab import (
    CaptionFiles,
    ReadReport,
    Record,
    count_synsets,
    detect_format,
    load_labels,
    read_records,
)
from conftest import FLICKR8K


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_flickr8k_token_file_is_read_as_key_and_caption() -> None:
    if not FLICKR8K.exists():
        pytest.skip("../shared/data/flickr8k is not available")
    assert detect_format(FLICKR8K) == "keyed"
    report = ReadReport()
    records = list(read_records([FLICKR8K], report=report))
    assert len(records) == 40_460 and report.num_bad == 0
    assert records[0] == Record(
        "1000268201_693b08cb0e.jpg#0",
        "A child in a pink dress is climbing up a set of stairs in an entry way .",
    )
    assert not any("\t" in r.caption or ".jpg#" in r.caption for r in records)
    assert report.keyed_files == [str(FLICKR8K)]
    note = report.keyed_note()
    assert note is not None and "KEY<TAB>CAPTION" in note and "--format text" in note


def test_keyed_lines_give_keys_and_bad_lines_are_reported(tmp_path: Path) -> None:
    path = _write(tmp_path / "tokens.txt", "a.jpg#0\ta dog\nb.jpg#1\t\nno tab here\nc_2\tx\ty\n")
    assert detect_format(path) == "text"  # the sample has a line without a key: not guessed
    report = ReadReport()
    records = list(read_records([path], format="keyed", report=report))
    assert report.keyed_files == []  # asked for, not guessed: no note
    # An empty caption is a caption; the text after the first tab is the caption, tabs and all.
    assert records == [Record("a.jpg#0", "a dog"), Record("b.jpg#1", ""), Record("c_2", "x\ty")]
    assert report.num_bad == 1 and str(report.examples[0]).startswith(f"{path}:3: no KEY<TAB>")
    with pytest.raises(InputFormatError, match=r"tokens\.txt:3"):
        list(read_records([path], format="keyed", strict=True))


def test_format_text_reads_whole_lines(tmp_path: Path) -> None:
    path = _write(tmp_path / "tokens.txt", "a.jpg#0\ta dog\n")
    assert detect_format(path) == "keyed"
    report = ReadReport()
    whole = list(read_records([path], format="text", report=report))
    assert whole == [Record(f"{path}:1", "a.jpg#0\ta dog")] and report.keyed_note() is None


def test_gzip_and_byte_order_mark_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "tokens.txt.gz"
    path.write_bytes(gzip.compress("\ufeffimg/001\ta cat\r\nimg/002\ta bird\r\n".encode()))
    assert detect_format(path) == "keyed"
    assert list(read_records([path])) == [Record("img/001", "a cat"), Record("img/002", "a bird")]


@pytest.mark.parametrize(
    "text",
    [
        "a dog\tin a park\na cat\n",  # tabs inside some captions
        "a dog\tin a park\nb\tc\n",  # a tab in every line, but a caption before it
        "Sunset\tbeach\nMountain\tlake\n",  # single words before the tab: no keys
        "x1\ta\tb\ny2\tc\n",  # two tabs: not KEY<TAB>CAPTION
        "",  # empty file
        "img1\ta dog\nplain caption without a tab\n",  # one line of the sample has no tab
    ],
)
def test_plain_text_with_tabs_is_not_misread(tmp_path: Path, text: str) -> None:
    path = _write(tmp_path / "captions.txt", text)
    assert detect_format(path) == "text"
    assert [r.caption for r in read_records([path])] == text.splitlines()


def test_only_local_text_files_are_sniffed(tmp_path: Path) -> None:
    keyed = "1.jpg#0\ta dog\n"
    assert detect_format(_write(tmp_path / "a.tsv", keyed)) == "tsv"
    assert detect_format(_write(tmp_path / "a.jsonl", keyed)) == "jsonl"
    assert detect_format(tmp_path / "missing.txt") == "text"
    assert detect_format("s3://bucket/tokens.txt") == "text"  # no request made for a guess


def test_the_sample_is_bounded(tmp_path: Path) -> None:
    # Lines past the sampled head do not decide; a bad one later is a bad record.
    head = "".join(f"k{i}\tcaption {i}\n" for i in range(100))
    path = _write(tmp_path / "t.txt", head + "a line without a tab\n")
    assert detect_format(path) == "keyed"
    report = ReadReport()
    assert len(list(read_records([path], report=report))) == 100 and report.num_bad == 1


def test_cli_build_and_label_read_the_caption_after_the_tab(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Read as whole lines, the key 'dog_7' would make a dog label.
    path = _write(tmp_path / "tokens.txt", "dog_7#0\ta cat on a mat\ndog_7#1\ta cat\n")
    vocab = tmp_path / "v.json"
    assert main(["vocab", "build", str(path), "-o", str(vocab), "-q"]) == 0
    assert "KEY<TAB>CAPTION" in capsys.readouterr().err
    names = [s["name"] for s in json.loads(vocab.read_text())["synsets"]]
    assert names and not any(n.startswith("dog.") for n in names)
    labels = tmp_path / "labels.jsonl"
    assert main(["label", str(path), "--vocab", str(vocab), "-o", str(labels), "-q"]) == 0
    assert list(load_labels(labels)) == ["dog_7#0", "dog_7#1"]  # the keys, not FILE:LINE


@pytest.mark.parametrize("num_workers", [1, 2])
def test_keyed_files_are_reported_whatever_the_number_of_processes(
    tmp_path: Path, num_workers: int
) -> None:
    # Two processes split a keyed file by record; the note must not depend on it (it was lost).
    lines = "".join(f"img_{i}.jpg#0\ta dog on a mat\n" for i in range(50))
    path = _write(tmp_path / "tokens.txt", lines)
    files = CaptionFiles([path])
    counts = count_synsets(files, extractor=SynsetExtractor(), num_workers=num_workers)
    assert counts.num_captions == 50
    assert files.report.keyed_files == [str(path)]
