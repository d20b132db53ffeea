"""catlip.vocab: Vocabulary, SynsetCounts, CoreNet interop, label tensors."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from catlip.errors import CatlipError, VocabularyFileError, VocabularyMismatchError
from catlip.text import SynsetExtractor
from catlip.vocab import (
    LabelCollate,
    Provenance,
    SynsetCounts,
    Vocabulary,
    count_synsets,
    merge,
    multi_hot,
    pad_labels,
)

DOG, CAT, BIRD = "n02084071", "n02121808", "n01503061"


@pytest.fixture(scope="module")
def captions(flickr_captions: list[str]) -> list[str]:
    return flickr_captions[:400]


@pytest.fixture(scope="module")
def counts(captions: list[str]) -> SynsetCounts:
    return count_synsets(captions)


@pytest.fixture(scope="module")
def vocab(counts: SynsetCounts) -> Vocabulary:
    return Vocabulary.from_counts(counts, min_count=2)


# -- Vocabulary ------------------------------------------------------------------------------


def test_basic_protocol() -> None:
    v = Vocabulary([DOG, CAT], [5, 3])
    assert len(v) == 2 and DOG in v and BIRD not in v
    assert v.wnids == (DOG, CAT) and v.counts == (5, 3)
    assert v.index(CAT) == 1 and v[0] == DOG and list(v) == [DOG, CAT]
    assert v.encode([CAT, BIRD, DOG]) == [1, 0]
    with pytest.raises(KeyError, match=BIRD):
        v.encode([BIRD], unknown="error")
    assert v.decode([1, 0, -1]) == [CAT, DOG]
    with pytest.raises(IndexError):
        v.decode([2])
    assert Vocabulary([DOG, CAT], {CAT: 3, DOG: 5}) == v
    assert Vocabulary([DOG, CAT]) != v
    assert v.names() == ("dog.n.01", "domestic_cat.n.01")


@pytest.mark.parametrize(
    "wnids", [[DOG, DOG], ["dog"], ["n2084071"], [DOG, 3]], ids=["dup", "word", "short", "int"]
)
def test_bad_wnids(wnids: list[object]) -> None:
    with pytest.raises(ValueError):
        Vocabulary(wnids)  # type: ignore[arg-type]


def test_from_counts_order_and_min_count() -> None:
    counts = {DOG: 5, CAT: 2, BIRD: 5, "n00000001": 1}
    v = Vocabulary.from_counts(counts, min_count=2)
    assert v.wnids == (BIRD, DOG, CAT)  # count descending, then wnid
    assert v.counts == (5, 5, 2)
    assert Vocabulary.from_counts(counts, min_count=3).wnids == (BIRD, DOG)  # keep count >= 3
    assert Vocabulary.from_counts(counts, max_size=2).wnids == (BIRD, DOG)
    assert Vocabulary.from_counts(counts, min_count=6).wnids == ()
    for bad in (0, -1, 1.5):
        with pytest.raises(ValueError):
            Vocabulary.from_counts(counts, min_count=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Vocabulary.from_counts(counts, max_size=0)


@given(st.dictionaries(st.integers(0, 10**8 - 1).map(lambda o: f"n{o:08d}"), st.integers(1, 50)))
def test_from_counts_properties(counts: dict[str, int]) -> None:
    v = Vocabulary.from_counts(counts, min_count=3, max_size=10)
    kept = sorted(((-c, w) for w, c in counts.items() if c >= 3))[:10]
    assert v.wnids == tuple(w for _, w in kept)
    assert [v.index(w) for w in v.wnids] == list(range(len(v)))


def test_save_load_round_trip(tmp_path: Path, vocab: Vocabulary) -> None:
    path = vocab.save(tmp_path / "vocab.json")
    loaded = Vocabulary.load(path)
    assert loaded == vocab
    assert loaded.metadata == vocab.metadata
    assert loaded.extractor_settings == SynsetExtractor().settings
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left
    text = path.read_text()
    assert '"format": "catlip.vocabulary"' in text and '"name": "dog.n.01"' in text
    # One line per synset, so the file diffs well.
    assert sum(1 for line in text.splitlines() if '"wnid"' in line) == len(vocab)
    empty = Vocabulary([])
    assert Vocabulary.load(empty.save(tmp_path / "empty.json")) == empty


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "wrong_format", "bad_entry"])
def test_corrupt_file_names_the_file(tmp_path: Path, vocab: Vocabulary, damage: str) -> None:
    path = vocab.save(tmp_path / "vocab.json")
    text = path.read_text()
    if damage == "truncate":
        path.write_text(text[: len(text) // 2])
    elif damage == "garbage":
        path.write_bytes(b"\x00\xff" * 10)
    elif damage == "empty":
        path.write_text("")
    elif damage == "wrong_format":
        path.write_text('{"format": "something.else"}')
    else:
        path.write_text(text.replace('"index": 1,', '"index": 7,'))
    with pytest.raises(VocabularyFileError, match=r"vocab\.json"):
        Vocabulary.load(path)


def test_missing_and_future_files(tmp_path: Path, vocab: Vocabulary) -> None:
    with pytest.raises(VocabularyFileError, match="does not exist"):
        Vocabulary.load(tmp_path / "nope.json")
    path = vocab.save(tmp_path / "vocab.json")
    path.write_text(path.read_text().replace('"version": 1', '"version": 99'))
    with pytest.raises(VocabularyFileError, match="upgrade catlip"):
        Vocabulary.load(path)


def test_mismatched_settings(tmp_path: Path, vocab: Vocabulary) -> None:
    path = vocab.save(tmp_path / "vocab.json")
    assert Vocabulary.load(path, extractor=SynsetExtractor()) == vocab
    other = SynsetExtractor(compounds=False)
    with pytest.raises(VocabularyMismatchError, match="compounds"):
        Vocabulary.load(path, extractor=other)
    with pytest.raises(VocabularyMismatchError):
        Vocabulary.load(path, extractor=other.settings)
    assert Vocabulary.load(path, extractor=other, allow_mismatch=True) == vocab
    path.write_text(
        path.read_text().replace('"wordnet_version": "3.0"', '"wordnet_version": "3.1"')
    )
    with pytest.raises(VocabularyMismatchError, match=r"WordNet 3\.1"):
        Vocabulary.load(path)
    assert len(Vocabulary.load(path, allow_mismatch=True)) == len(vocab)


def test_encode_caption_uses_the_vocabulary_settings(vocab: Vocabulary) -> None:
    caption = "A black dog runs after a man on the beach"
    expected = vocab.encode(SynsetExtractor()(caption))
    assert vocab.encode_caption(caption) == expected and expected
    clone = pickle.loads(pickle.dumps(vocab))
    assert clone == vocab and clone.encode_caption(caption) == expected
    plain = Vocabulary(
        vocab.wnids, provenance=Provenance(extractor_settings={"algorithm": "nope/9"})
    )
    with pytest.raises(VocabularyMismatchError):
        plain.encode_caption(caption)


def test_import_is_light() -> None:
    code = (
        "import sys, catlip.vocab\n"
        "heavy = [m for m in ('torch', 'nltk', 'numpy') if m in sys.modules]\n"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- counts ----------------------------------------------------------------------------------


def test_counts_are_per_caption(captions: list[str], counts: SynsetCounts) -> None:
    extractor = SynsetExtractor()
    expected: dict[str, int] = {}
    for caption in captions:
        for w in set(extractor(caption)):
            expected[w] = expected.get(w, 0) + 1
    assert dict(counts) == expected
    assert counts.num_captions == len(captions)
    assert counts.extractor_settings == extractor.settings
    assert count_synsets(["dog dog dog", "a dog"])[DOG] == 2


def test_counts_add_merge_save(tmp_path: Path, captions: list[str], counts: SynsetCounts) -> None:
    a, b = count_synsets(captions[:150]), count_synsets(captions[150:])
    assert a + b == counts == merge([a, b])
    path = counts.save(tmp_path / "counts.json")
    assert SynsetCounts.load(path) == counts
    assert '"counts": {' in path.read_text()
    assert counts.most_common(1)[0][1] == max(counts.values())
    other = SynsetCounts({DOG: 1}, num_captions=1, extractor_settings={"pos": "none"})
    with pytest.raises(VocabularyMismatchError):
        _ = a + other
    with pytest.raises(ValueError):
        merge([])
    path.write_text(path.read_text()[:-30])
    with pytest.raises(VocabularyFileError, match=r"counts\.json"):
        SynsetCounts.load(path)


def test_parallel_counts_equal_serial(captions: list[str], counts: SynsetCounts) -> None:
    parallel = count_synsets(iter(captions), num_workers=2, chunk_size=50)
    assert parallel == counts
    assert parallel.to_json() == counts.to_json()


def test_count_rejects_non_strings() -> None:
    with pytest.raises(TypeError, match="strings"):
        count_synsets(["a dog", 3])  # type: ignore[list-item]


# -- CoreNet interop -------------------------------------------------------------------------


def test_from_corenet(tmp_path: Path) -> None:
    released = {"n2084071": 900, "n1503061": 700, "n2121808": 700, "n7942152": 600}
    path = tmp_path / "vocab.pkl"
    path.write_bytes(pickle.dumps(released))
    v = Vocabulary.from_corenet(path)
    assert v.wnids == (DOG, BIRD, CAT, "n07942152")  # file order kept, ids zero-padded
    assert v.counts == (900, 700, 700, 600)


class _Evil:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("touch pwned",))


@pytest.mark.parametrize(
    "payload",
    [
        {"n2084071": _Evil()},
        [("n2084071", 3)],
        {"n2084071": 1.5},
        {"dog": 3},
        {"n2084071": 1, "n02084071": 2},
    ],
    ids=["code", "list", "float", "key", "duplicate"],
)
def test_from_corenet_rejects(tmp_path: Path, payload: object) -> None:
    path = tmp_path / "vocab.pkl"
    path.write_bytes(pickle.dumps(payload))
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with pytest.raises(VocabularyFileError, match=r"vocab\.pkl"):
            Vocabulary.from_corenet(path)
    finally:
        os.chdir(cwd)
    assert not (tmp_path / "pwned").exists()


def test_from_corenet_truncated(tmp_path: Path) -> None:
    path = tmp_path / "vocab.pkl"
    path.write_bytes(pickle.dumps({"n2084071": 3})[:-5])
    with pytest.raises(CatlipError):
        Vocabulary.from_corenet(path)


# -- label tensors ---------------------------------------------------------------------------


def test_pad_labels() -> None:
    out = pad_labels([[3, 1], [], [7]])
    assert out.dtype == torch.long and out.tolist() == [[3, 1], [-1, -1], [7, -1]]
    assert pad_labels([[], []]).shape == (2, 0)
    assert pad_labels([[1]], length=3).tolist() == [[1, -1, -1]]
    assert pad_labels([[1]], pad_value=-100).tolist() == [[1]]
    with pytest.raises(ValueError):
        pad_labels([[1, 2]], length=1)
    with pytest.raises(ValueError):
        pad_labels([[-2]])
    with pytest.raises(ValueError):
        pad_labels([[1]], pad_value=0)
    with pytest.raises(TypeError):
        pad_labels(["ab"])


@given(st.lists(st.lists(st.integers(0, 9), max_size=6), min_size=1, max_size=8))
def test_multi_hot_matches_padded(rows: list[list[int]]) -> None:
    dense = multi_hot(rows, 10)
    assert dense.shape == (len(rows), 10)
    for b, row in enumerate(rows):
        assert set(dense[b].nonzero().flatten().tolist()) == set(row)
    assert torch.equal(multi_hot(pad_labels(rows), 10), dense)


def test_multi_hot_checks_range() -> None:
    with pytest.raises(ValueError, match="out of range"):
        multi_hot([[3]], 3)
    assert multi_hot([[0]], 2, dtype=torch.bool).dtype == torch.bool


def test_label_collate_in_a_dataloader() -> None:
    samples = [(torch.full((2,), float(i)), [i % 3, 2] if i % 2 else []) for i in range(6)]
    collate = pickle.loads(pickle.dumps(LabelCollate(num_classes=3)))
    loader = torch.utils.data.DataLoader(samples, batch_size=3, collate_fn=collate)  # type: ignore[arg-type]
    images, labels = next(iter(loader))
    assert images.shape == (3, 2)
    assert labels.tolist() == [[-1, -1], [1, 2], [-1, -1]]
    dense = LabelCollate(num_classes=3, dense=True)(
        [{"x": 1, "labels": [0]}, {"x": 2, "labels": []}]
    )
    assert dense["x"].tolist() == [1, 2] and dense["labels"].tolist() == [[1, 0, 0], [0, 0, 0]]
    with pytest.raises(ValueError):
        LabelCollate(dense=True)
    with pytest.raises(ValueError, match="out of range"):
        LabelCollate(num_classes=2)([(0, [5])])


# -- worker pool -----------------------------------------------------------------------------


def _square_chunk(offset: int, chunk: list[int]) -> list[int]:
    return [offset + x * x for x in chunk]


def _die(parent: int, chunk: list[int]) -> None:
    if os.getpid() != parent:  # this process maps chunks too when the worker is busy
        os._exit(3)


def test_map_chunks_keeps_order_and_reports_dead_workers() -> None:
    from catlip._engine import map_chunks

    items = iter(range(1000))
    out = [
        y
        for _, ys in map_chunks(_square_chunk, items, state=1, num_workers=2, chunk_size=37)
        for y in ys
    ]
    assert out == [1 + x * x for x in range(1000)]
    with pytest.raises(RuntimeError, match="worker process died"):
        list(map_chunks(_die, range(10), state=os.getpid(), num_workers=2, chunk_size=2))
