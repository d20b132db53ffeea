"""Provenance: one record of how counts, vocabularies and label files were made, kept on save."""

from __future__ import annotations

import dataclasses
import json
import pickle
from pathlib import Path

import numpy as np
import pytest

import catlip
from catlip.errors import VocabularyFileError, VocabularyMismatchError
from catlip.vocab import (
    Provenance,
    SynsetCounts,
    Vocabulary,
    load_labels,
    save_labels,
)

DOG, CAT = "n02084071", "n02121808"
SETTINGS = {"algorithm": "catlip.text/2", "compounds": False, "overrides": {"pup": [DOG]}}
MADE = Provenance(
    extractor_settings=SETTINGS,
    wordnet_version="3.0",
    catlip_version="0.0.9",
    num_captions=40,
    min_count=2,
    max_size=10,
)

# Files written by catlip 0.1.0 (commit 7b78c5d), byte for byte.
V0_1_SETTINGS = (
    '{"algorithm": "catlip.text/1", "builtin_overrides": true, "common_nouns_only": true, '
    '"compounds": false, "concrete_share": 0.25, "noun_share": 0.5, "overrides": {}, '
    '"pos": "wordnet", "reference": false, "wordnet": "3.0"}'
)
V0_1_COUNTS = f"""{{
  "format": "catlip.synset-counts",
  "version": 1,
  "wordnet_version": "3.0",
  "extractor": {V0_1_SETTINGS},
  "num_captions": 4,
  "num_synsets": 2,
  "counts": {{
    "n02084071": 3,
    "n02121808": 1
  }}
}}
"""
V0_1_VOCAB = f"""{{
  "format": "catlip.vocabulary",
  "version": 1,
  "size": 2,
  "wordnet_version": "3.0",
  "extractor": {V0_1_SETTINGS},
  "min_count": 1,
  "max_size": 5,
  "num_captions": 4,
  "fingerprint": "ac5f46d19a4d6394",
  "synsets": [
    {{"index": 0, "wnid": "n02084071", "count": 3, "name": "dog.n.01"}},
    {{"index": 1, "wnid": "n02121808", "count": 1, "name": "domestic_cat.n.01"}}
  ]
}}
"""
V0_1_LABELS_HEADER = (
    '{"format": "catlip.labels", "version": 1, "num_classes": 2, "vocabulary": "ac5f46d19a4d6394"}'
)
V0_1_LABELS = V0_1_LABELS_HEADER + '\n{"key":"a","labels":[0,1]}\n{"key":"b","labels":[]}\n'


def _write_v0_1_npz(path: Path) -> None:
    """An .npz label file as catlip 0.1 wrote it (same arrays, same header)."""
    header = json.loads(V0_1_LABELS_HEADER)
    header["num_samples"] = 2
    np.savez_compressed(
        path,
        header=np.array(json.dumps(header)),
        keys=np.array(["a", "b"], dtype=str),
        offsets=np.array([0, 2, 2], dtype=np.int64),
        indices=np.array([0, 1], dtype=np.int32),
    )


# -- the record ------------------------------------------------------------------------------


def test_provenance_is_immutable_hashable_and_picklable() -> None:
    settings = {"overrides": {"pup": [DOG]}}
    made = Provenance(extractor_settings=settings)
    settings["overrides"]["pup"].append(CAT)  # the caller's dict changes, the record does not
    assert made.extractor_settings == {"overrides": {"pup": [DOG]}}
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.wordnet_version = "3.1"  # type: ignore[misc]
    with pytest.raises(TypeError):
        made.extractor_settings["pos"] = "none"  # type: ignore[index]
    clone = pickle.loads(pickle.dumps(MADE))
    assert clone == MADE and hash(clone) == hash(MADE)
    assert dataclasses.replace(MADE, min_count=3) != MADE
    assert Provenance().catlip_version == catlip.__version__
    assert "extractor_settings={'algorithm'" in repr(MADE)


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("extractor_settings", ["pos"], TypeError),
        ("extractor_settings", {"x": object()}, ValueError),
        ("wordnet_version", 3.0, TypeError),
        ("min_count", -1, ValueError),
        ("num_captions", True, ValueError),
    ],
)
def test_provenance_checks_its_fields(field: str, value: object, error: type[Exception]) -> None:
    with pytest.raises(error, match=field):
        Provenance(**{field: value})  # type: ignore[arg-type]


# -- round trips through the three formats ---------------------------------------------------


def test_counts_round_trip(tmp_path: Path) -> None:
    counts = SynsetCounts({DOG: 3}, num_captions=40, extractor_settings=SETTINGS)
    want = Provenance(extractor_settings=SETTINGS, num_captions=40)
    assert counts.provenance == want
    path = counts.save(tmp_path / "counts.json")
    assert Provenance.read(path) == want == SynsetCounts.load(path).provenance
    # A loaded file keeps the catlip version that made it when saved again.
    path.write_text(path.read_text().replace(catlip.__version__, "0.0.9"))
    loaded = SynsetCounts.load(path)
    assert loaded.provenance.catlip_version == "0.0.9"
    assert Provenance.read(loaded.save(tmp_path / "again.json")).catlip_version == "0.0.9"
    assert SynsetCounts.from_json(loaded.to_json()).provenance == loaded.provenance


def test_vocabulary_round_trip(tmp_path: Path) -> None:
    vocab = Vocabulary([DOG, CAT], [3, 2], provenance=MADE)
    assert vocab.provenance == dataclasses.replace(MADE, fingerprint=vocab.fingerprint)
    assert vocab.extractor_settings == SETTINGS
    assert vocab.metadata == {"min_count": 2, "max_size": 10, "num_captions": 40}
    path = vocab.save(tmp_path / "vocab.json")
    assert Vocabulary.load(path).provenance == vocab.provenance == Provenance.read(path)
    # The fingerprint is the vocabulary's own, whatever the record passed in says.
    other = Vocabulary([CAT], provenance=vocab.provenance)
    assert other.provenance.fingerprint == other.fingerprint != vocab.fingerprint


@pytest.mark.parametrize("suffix", [".jsonl", ".npz"])
def test_label_file_round_trip(tmp_path: Path, suffix: str) -> None:
    vocab = Vocabulary([DOG, CAT], provenance=MADE)
    path = tmp_path / f"labels{suffix}"
    assert save_labels(path, [("a", [1, 0]), ("b", [])], vocab=vocab) == 2
    assert load_labels(path, vocab=vocab) == {"a": [1, 0], "b": []}
    # The labels are made now (this catlip), the way the vocabulary says.
    assert Provenance.read(path) == Provenance(
        extractor_settings=SETTINGS,
        wordnet_version="3.0",
        catlip_version=catlip.__version__,
        fingerprint=vocab.fingerprint,
    )


def test_from_counts_carries_the_counts_provenance() -> None:
    counts = SynsetCounts({DOG: 3, CAT: 1}, num_captions=4, wordnet_version="3.1")
    vocab = Vocabulary.from_counts(counts, min_count=2)
    assert vocab.provenance.wordnet_version == "3.1"  # was stamped 3.0
    assert vocab.metadata == {"min_count": 2, "max_size": None, "num_captions": 4}


def test_read_refuses_other_files(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"format": "something.else"}')
    with pytest.raises(VocabularyFileError, match=r"x\.json"):
        Provenance.read(path)
    path.write_text(V0_1_VOCAB.replace('"min_count": 1', '"min_count": "one"'))
    with pytest.raises(VocabularyFileError, match="min_count"):
        Provenance.read(path)
    with pytest.raises(VocabularyFileError, match="does not exist"):
        Provenance.read(tmp_path / "nope.npz")


# -- the WordNet version a file was made with is kept ------------------------------------------


def test_wordnet_3_1_vocabulary_stays_3_1(tmp_path: Path) -> None:
    path = Vocabulary([DOG, CAT], [3, 2]).save(tmp_path / "vocab.json")
    path.write_text(
        path.read_text().replace('"wordnet_version": "3.0"', '"wordnet_version": "3.1"')
    )
    loaded = Vocabulary.load(path, allow_mismatch=True)
    assert loaded.provenance.wordnet_version == "3.1"
    again = loaded.save(tmp_path / "again.json")
    assert '"wordnet_version": "3.1"' in again.read_text()
    assert Vocabulary.load(again, allow_mismatch=True).provenance.wordnet_version == "3.1"
    with pytest.raises(VocabularyMismatchError, match=r"WordNet 3\.1"):
        Vocabulary.load(again)
    labels = tmp_path / "labels.jsonl"
    save_labels(labels, [("a", [0])], vocab=loaded)
    assert Provenance.read(labels).wordnet_version == "3.1"


# -- catlip 0.1's keywords and files -----------------------------------------------------------


@pytest.mark.parametrize(
    "keywords",
    [
        {"extractor_settings": SETTINGS},
        {"min_count": 2},
        {"max_size": 10},
        {"num_captions": 40},
        {"extractor_settings": SETTINGS, "min_count": 2, "max_size": 10, "num_captions": 40},
    ],
)
def test_deprecated_keywords_warn_and_work(keywords: dict[str, object]) -> None:
    with pytest.warns(DeprecationWarning, match=r"provenance=Provenance\("):
        old = Vocabulary([DOG], [3], **keywords)
    new = Vocabulary([DOG], [3], provenance=Provenance(**keywords))  # type: ignore[arg-type]
    assert old == new and old.provenance == new.provenance
    assert old.metadata == new.metadata


def test_deprecated_keywords_are_checked() -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'min_cont'"):
        Vocabulary([DOG], min_cont=2)
    with pytest.raises(TypeError, match="not both"):
        Vocabulary([DOG], provenance=MADE, min_count=2)
    with pytest.raises(TypeError, match="Provenance"):
        Vocabulary([DOG], provenance={"min_count": 2})  # type: ignore[arg-type]


def test_files_written_by_0_1_load(tmp_path: Path) -> None:
    (tmp_path / "counts.json").write_text(V0_1_COUNTS)
    (tmp_path / "vocab.json").write_text(V0_1_VOCAB)
    (tmp_path / "labels.jsonl").write_text(V0_1_LABELS)
    _write_v0_1_npz(tmp_path / "labels.npz")
    settings = json.loads(V0_1_SETTINGS)

    counts = SynsetCounts.load(tmp_path / "counts.json")
    assert dict(counts) == {DOG: 3, CAT: 1} and counts.num_captions == 4
    assert counts.provenance == Provenance(
        extractor_settings=settings, catlip_version=None, num_captions=4
    )
    vocab = Vocabulary.load(tmp_path / "vocab.json")
    assert vocab.wnids == (DOG, CAT) and vocab.counts == (3, 1)
    assert vocab.provenance == Provenance(
        extractor_settings=settings,
        catlip_version=None,
        fingerprint="ac5f46d19a4d6394",
        num_captions=4,
        min_count=1,
        max_size=5,
    )
    for name in ("labels.jsonl", "labels.npz"):
        assert load_labels(tmp_path / name, vocab=vocab) == {"a": [0, 1], "b": []}
        assert Provenance.read(tmp_path / name) == Provenance(
            wordnet_version=None, catlip_version=None, fingerprint=vocab.fingerprint
        )
    # Saved again, a 0.1 file keeps its provenance ("made by an unknown catlip").
    assert SynsetCounts.load(counts.save(tmp_path / "c2.json")).provenance == counts.provenance
    assert Vocabulary.load(vocab.save(tmp_path / "v2.json")).provenance == vocab.provenance
