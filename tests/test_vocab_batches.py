"""The batch API for data engines: label or count a caption column (Arrow, pandas, numpy, lists)."""

from __future__ import annotations

import itertools
import pickle
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from catlip.errors import InputFormatError, VocabularyFileError, VocabularyMismatchError
from catlip.text import SynsetExtractor
from catlip.vocab import (
    BatchCounter,
    BatchLabeller,
    SynsetCounts,
    Vocabulary,
    count_batch,
    count_synsets,
    label_batch,
    merge,
)

pa = pytest.importorskip("pyarrow", reason="Arrow batches need pyarrow: pip install pyarrow")
pd = pytest.importorskip("pandas", reason="pandas batches need pandas: pip install pandas")

CAPTIONS = [
    "A dog runs on the beach",
    "two cats asleep on a red sofa",
    "",
    "Men eating hot dogs near a fire hydrant",
    "a dog and a dog",
]


@pytest.fixture(scope="module")
def extractor() -> SynsetExtractor:
    return SynsetExtractor()


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return Vocabulary.from_counts(count_synsets(CAPTIONS), min_count=1)


@pytest.fixture(scope="module")
def expected(extractor: SynsetExtractor, vocab: Vocabulary) -> list[list[int]]:
    return [vocab.encode_caption(c) for c in CAPTIONS]


def test_label_batch_keeps_the_kind_of_column(
    extractor: SynsetExtractor, vocab: Vocabulary, expected: list[list[int]]
) -> None:
    wnids = [extractor(c) for c in CAPTIONS]
    assert label_batch(CAPTIONS) == wnids
    assert label_batch(tuple(CAPTIONS), vocab=vocab) == expected

    arrow = label_batch(pa.array(CAPTIONS), vocab=vocab)
    assert arrow.type == pa.list_(pa.int32()) and arrow.to_pylist() == expected
    chunked = pa.chunked_array([CAPTIONS[:2], CAPTIONS[2:]], type=pa.large_string())
    names = label_batch(chunked)
    assert names.type == pa.list_(pa.string()) and names.to_pylist() == wnids

    series = pd.Series(CAPTIONS, index=[10, 11, 12, 13, 14])
    labelled = label_batch(series, vocab=vocab)
    assert list(labelled.index) == [10, 11, 12, 13, 14] and labelled.tolist() == expected

    column = label_batch(np.array(CAPTIONS, dtype=object), vocab=vocab)
    assert column.dtype == object and column.shape == (5,) and list(column) == expected


def test_missing_captions(vocab: Vocabulary, expected: list[list[int]]) -> None:
    holes = [CAPTIONS[0], None, CAPTIONS[1]]
    for column in (holes, pa.array(holes), pd.Series(holes), pd.Series([CAPTIONS[0], np.nan])):
        with pytest.raises(InputFormatError, match="caption 1 of the batch is null"):
            label_batch(column, vocab=vocab)
        with pytest.raises(InputFormatError, match="missing='skip'"):
            count_batch(column)
    assert label_batch(pa.array(holes), vocab=vocab, missing="skip").to_pylist() == [
        expected[0],
        None,
        expected[1],
    ]
    assert label_batch(pd.Series(holes), vocab=vocab, missing="skip").tolist()[1] is None
    skipped = count_batch(holes, missing="skip")
    assert skipped == count_synsets([CAPTIONS[0], CAPTIONS[1]])
    assert skipped.num_captions == 2


def test_bad_columns(vocab: Vocabulary) -> None:
    with pytest.raises(InputFormatError, match="not strings"):
        label_batch(pa.array([1, 2]))
    with pytest.raises(TypeError, match="caption 1 must be a str, got int"):
        count_batch(["a dog", 3])
    with pytest.raises(TypeError, match="not a single string"):
        label_batch("a dog")
    with pytest.raises(ValueError, match="missing must be"):
        count_batch(["a dog"], missing="drop")  # type: ignore[arg-type]
    with pytest.raises(VocabularyMismatchError):
        label_batch(["a dog"], vocab=vocab, extractor=SynsetExtractor(compounds=False))


@given(
    st.lists(st.sampled_from([*CAPTIONS, "a cat", "tea and cookies", "the Eiffel Tower"])),
    st.lists(st.integers(min_value=0, max_value=12), max_size=6),
)
def test_counts_of_any_split_merge_to_the_whole(captions: list[str], cuts: list[int]) -> None:
    # Cut the list anywhere (empty batches included), count each batch, in any column kind.
    bounds = sorted(min(c, len(captions)) for c in cuts)
    edges = [0, *bounds, len(captions)]
    batches = [captions[a:b] for a, b in itertools.pairwise(edges)]
    kinds = (list, pa.array, pd.Series)
    parts = [count_batch(kinds[i % 3](b) if b else b) for i, b in enumerate(batches)]
    assert merge(parts) == count_synsets(captions)
    assert merge(iter(parts)) == merge(parts)  # merge streams any iterable


def test_labeller_adds_a_column_to_each_kind_of_batch(
    vocab: Vocabulary, expected: list[list[int]]
) -> None:
    labeller = BatchLabeller(vocab)
    table = labeller(pa.table({"TEXT": CAPTIONS, "n": range(5)}))
    assert table.column_names == ["TEXT", "n", "labels"]
    assert table["labels"].to_pylist() == expected
    record_batch = labeller(pa.RecordBatch.from_pydict({"text": CAPTIONS}))
    assert isinstance(record_batch, pa.RecordBatch)
    assert record_batch["labels"].to_pylist() == expected
    frame = labeller(pd.DataFrame({"caption": CAPTIONS}, index=range(3, 8)))
    assert frame["labels"].tolist() == expected and list(frame.index) == list(range(3, 8))
    numpy_batch = BatchLabeller(vocab, column="alt", output="y")(
        {"alt": np.array(CAPTIONS, dtype=object), "id": np.arange(5)}
    )
    assert list(numpy_batch) == ["alt", "id", "y"] and list(numpy_batch["y"]) == expected
    wnids = BatchLabeller()(pa.table({"text": ["a dog"]}))["labels"].to_pylist()
    assert wnids == [["n02084071"]]


def test_labeller_for_spark_takes_an_iterator(vocab: Vocabulary, expected: list[list[int]]) -> None:
    frames = [pd.DataFrame({"text": CAPTIONS[:2]}), pd.DataFrame({"text": CAPTIONS[2:]})]
    out = list(BatchLabeller(vocab)(iter(frames)))
    assert [len(f) for f in out] == [2, 3]
    assert [row for f in out for row in f["labels"]] == expected


def test_labeller_pickles_settings_only(vocab: Vocabulary) -> None:
    settings = SynsetExtractor(compounds=False).settings
    labeller = BatchLabeller(extractor_settings=settings)
    labeller(pa.table({"text": ["a fire hydrant"]}))  # builds the extractor
    clone = pickle.loads(pickle.dumps(labeller))
    assert clone.extractor_settings == settings
    assert clone(pa.table({"text": ["a fire hydrant"]}))["labels"].to_pylist() == [
        SynsetExtractor(compounds=False)("a fire hydrant")
    ]
    assert len(pickle.dumps(BatchLabeller(vocab))) < 20_000


def test_labeller_and_counter_check_their_options(vocab: Vocabulary) -> None:
    with pytest.raises(InputFormatError, match="no column named text or TEXT or caption"):
        BatchLabeller(vocab)(pa.table({"alt": ["a dog"]}))
    with pytest.raises(InputFormatError, match="several caption columns"):
        BatchCounter()(pd.DataFrame({"text": ["a"], "caption": ["b"]}))
    with pytest.raises(InputFormatError, match="no column 'alt'"):
        BatchCounter(column="alt")(pa.table({"text": ["a dog"]}))
    with pytest.raises(ValueError, match="already has a column 'labels'"):
        BatchLabeller(vocab)(pa.table({"text": ["a dog"], "labels": [1]}))
    with pytest.raises(ValueError, match="not both"):
        BatchLabeller(vocab, extractor_settings=SynsetExtractor().settings)
    with pytest.raises(ValueError, match="algorithm"):
        BatchCounter(extractor_settings={"algorithm": "nope/9"})
    with pytest.raises(TypeError, match="a batch is"):
        BatchCounter()(["a dog"])


def test_counter_rows_merge_to_the_counts() -> None:
    whole = count_synsets(CAPTIONS)
    counter = BatchCounter()
    rows = [
        counter(pa.table({"text": CAPTIONS[:2]})),
        counter(pa.RecordBatch.from_pydict({"text": CAPTIONS[2:3]})),
        counter(pd.DataFrame({"text": CAPTIONS[3:4]})),
        counter({"text": np.array(CAPTIONS[4:], dtype=object)}),
    ]
    texts = [
        rows[0]["counts"][0].as_py(),
        rows[1]["counts"][0].as_py(),
        rows[2]["counts"].iloc[0],
        rows[3]["counts"][0],
    ]
    assert all(len(row) == 1 for row in rows)
    assert merge(SynsetCounts.from_json(t) for t in texts) == whole
    # Spark: one row per partition, the partition's batches already added up.
    frames = iter([pd.DataFrame({"text": CAPTIONS[:3]}), pd.DataFrame({"text": CAPTIONS[3:]})])
    (row,) = list(counter(frames))
    assert SynsetCounts.from_json(row["counts"].iloc[0]) == whole
    assert list(counter(iter([]))) == []


def test_counts_json_round_trip_and_errors() -> None:
    counts = SynsetCounts({"n02084071": 2}, num_captions=3, extractor_settings={"a": 1})
    assert SynsetCounts.from_json(counts.to_json()) == counts
    for bad in ("{", "[]", '{"format": "catlip.vocabulary"}', '{"format": "catlip.synset-counts"}'):
        with pytest.raises(VocabularyFileError):
            SynsetCounts.from_json(bad)
    with pytest.raises(TypeError):
        SynsetCounts.from_json(b"{}")  # type: ignore[arg-type]


def test_import_stays_light() -> None:
    code = (
        "import sys, catlip.vocab\n"
        "catlip.vocab.count_batch\n"
        "heavy = [m for m in ('pyarrow', 'pandas', 'numpy', 'torch') if m in sys.modules]\n"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
