"""Per-shard label files: names, ``label_shards``, ``ShardLabels``, ``label --per-shard``."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from catlip.cli import main
from catlip.errors import OutputPathError, VocabularyFileError, VocabularyMismatchError
from catlip.vocab import (
    ShardLabels,
    Vocabulary,
    count_synsets,
    label_shards,
    load_labels,
    save_labels,
    shard_labels_path,
)


def _run(*argv: str | Path) -> int:
    return main([str(a) for a in argv])


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory, flickr_captions: list[str]) -> dict[str, object]:
    """Three tar shards of Flickr8k captions (the middle one empty) and their vocabulary."""
    root = tmp_path_factory.mktemp("shard-labels")
    captions = flickr_captions[2000:2060]
    vocab = Vocabulary.from_counts(count_synsets(captions), min_count=1)
    vocab_path = vocab.save(root / "vocab.json")
    shards = [root / "shards" / f"part-{i:06d}.tar" for i in range(3)]
    shards[0].parent.mkdir()
    chunks = [captions[:35], [], captions[35:]]
    for shard, chunk in zip(shards, chunks, strict=True):
        with tarfile.open(shard, "w") as tar:
            for i, caption in enumerate(chunk):  # the same keys in every shard: unique per shard
                info = tarfile.TarInfo(f"{i:06d}.txt")
                info.size = len(caption.encode())
                tar.addfile(info, io.BytesIO(caption.encode()))
    expected = [{f"{i:06d}": vocab.encode_caption(c) for i, c in enumerate(ch)} for ch in chunks]
    return {"vocab": vocab, "vocab_path": vocab_path, "shards": shards, "expected": expected}


@pytest.mark.parametrize(
    ("shard", "name"),
    [
        ("shards/shard-000123.tar", "shard-000123.labels.npz"),
        ("a/b.c/00042.tar.gz", "00042.labels.npz"),
        ("captions.jsonl.gz", "captions.labels.npz"),
        ("s3://bucket/laion/00007.tar?versionId=3", "00007.labels.npz"),
        ("https://host/x/part.1.parquet", "part.1.labels.npz"),
        ("noextension", "noextension.labels.npz"),
    ],
)
def test_shard_labels_path(shard: str, name: str) -> None:
    assert shard_labels_path(shard, "out") == Path("out") / name


def test_label_shards_one_file_per_shard(data: dict[str, object], tmp_path: Path) -> None:
    shards, vocab = data["shards"], data["vocab"]
    assert isinstance(shards, list) and isinstance(vocab, Vocabulary)
    counts = label_shards(shards, vocab, tmp_path, num_workers=2, chunk_size=8)
    assert counts == [35, 0, 25]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"part-{i:06d}.labels.npz" for i in range(3)
    ]
    for shard, want in zip(shards, data["expected"], strict=True):  # type: ignore[call-overload]
        assert load_labels(shard_labels_path(shard, tmp_path), vocab=vocab) == want


def test_label_shards_refuses_clashing_names(data: dict[str, object], tmp_path: Path) -> None:
    shards, vocab = data["shards"], data["vocab"]
    assert isinstance(shards, list) and isinstance(vocab, Vocabulary)
    with pytest.raises(ValueError, match=r"would both write part-000000\.labels\.npz"):
        label_shards([shards[0], Path("elsewhere") / shards[0].name], vocab, tmp_path)
    with pytest.raises(ValueError, match="does not exist"):
        label_shards(shards, vocab, tmp_path / "missing")
    assert not list(tmp_path.iterdir())


def test_shard_labels_holds_one_shard(data: dict[str, object], tmp_path: Path) -> None:
    shards, vocab = data["shards"], data["vocab"]
    assert isinstance(shards, list) and isinstance(vocab, Vocabulary)
    expected: list[dict[str, list[int]]] = data["expected"]  # type: ignore[assignment]
    label_shards(shards, vocab, tmp_path)
    labels = ShardLabels(tmp_path, vocab=vocab)
    assert labels.missing([*shards, "shards/other.tar"]) == ["shards/other.tar"]
    assert labels.get(shards[0], "000003") == expected[0]["000003"]
    first = labels.shard(shards[0])
    assert labels.shard(shards[0]) is first  # cached while the shard is current
    assert labels.get(shards[2], "000030") is None  # shard 2 has 25 samples: a miss
    assert labels.shard(shards[2]) == expected[2] and labels.shard(shards[2]) is not first
    assert labels.get(str(shards[2]), "000004") == expected[2]["000004"]
    assert (labels.num_found, labels.num_missing) == (2, 1)
    with pytest.raises(VocabularyFileError, match="no label file for the shard"):
        labels.get("shards/other.tar", "000000")
    with pytest.raises(VocabularyFileError, match="does not exist"):
        ShardLabels(tmp_path / "nothing")
    with pytest.raises(VocabularyMismatchError):
        ShardLabels(tmp_path, vocab=Vocabulary(["n02084071"])).get(shards[0], "000000")


def test_cli_per_shard_equals_single_file(data: dict[str, object], tmp_path: Path) -> None:
    shards, vocab_path = data["shards"], data["vocab_path"]
    assert isinstance(shards, list)
    pattern = str(shards[0].parent / "*.tar")
    out = tmp_path / "labels"  # created
    assert _run("label", pattern, "--vocab", vocab_path, "--per-shard", "-o", out, "-j", "2") == 0
    single = tmp_path / "all.npz"  # the same shard as one label file: the same labels
    assert _run("label", shards[2], "--vocab", vocab_path, "-q", "-o", single) == 0
    assert load_labels(out / "part-000002.labels.npz") == load_labels(single)
    assert [len(load_labels(out / f"part-{i:06d}.labels.npz")) for i in range(3)] == [35, 0, 25]
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_cli_per_shard_splits_jobs_by_file(data: dict[str, object], tmp_path: Path) -> None:
    shards, vocab_path = data["shards"], data["vocab_path"]
    assert isinstance(shards, list)
    argv = ["label", *shards, "--vocab", vocab_path, "--per-shard", "-q", "-o", tmp_path]
    with pytest.raises(SystemExit, match="add --shard-by file"):
        _run(*argv, "--shard", "1/2")
    assert _run(*argv, "--shard", "1/2", "--shard-by", "file") == 0
    assert [p.name for p in tmp_path.iterdir()] == ["part-000001.labels.npz"]


def test_cli_per_shard_refuses_bad_outputs(data: dict[str, object], tmp_path: Path) -> None:
    shards, vocab_path = data["shards"], data["vocab_path"]
    assert isinstance(shards, list)
    base = ["label", "--vocab", vocab_path, "--per-shard", "-q"]
    with pytest.raises(SystemExit, match="--output is a folder"):
        _run(*base, shards[0], "-o", tmp_path / "labels.npz")
    twin = tmp_path / "twin" / shards[0].name
    twin.parent.mkdir()
    twin.write_bytes(shards[0].read_bytes())
    with pytest.raises(SystemExit, match="would both write"):
        _run(*base, shards[0], twin, "-o", tmp_path / "out")
    # An output that is the input (through a link) is refused before any work.
    captions = tmp_path / "cap.txt"
    captions.write_text("a dog on a sofa\n")
    link = tmp_path / "cap.labels.npz"
    os.symlink(captions, link)
    with pytest.raises(OutputPathError, match="would destroy the input"):
        label_shards([captions], Vocabulary(["n02084071"]), tmp_path)  # library: no check
    assert _run(*base, captions, "-o", tmp_path) == 1
    assert captions.read_text() == "a dog on a sofa\n"


def test_label_shards_empty_file_roundtrip(tmp_path: Path) -> None:
    vocab = Vocabulary(["n02084071"])
    path = tmp_path / "x.labels.npz"
    assert save_labels(path, [], vocab=vocab) == 0
    assert ShardLabels(tmp_path, vocab=vocab).get("x.tar", "k") is None
