"""A wnid is ``n`` plus eight ASCII digits everywhere; vocabularies name WordNet 3.0 nouns."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catlip.errors import VocabularyFileError
from catlip.text import is_wnid
from catlip.transfer.names import parse_label, synset_of_id
from catlip.vocab import SynsetCounts, Vocabulary
from catlip.wordnet import WNID_PATTERN, unknown_wnids

DOG, CAT = "n02084071", "n02121808"

# Decimal digits of other scripts (fullwidth, Arabic-Indic, Devanagari, ...): str.isdigit()
# and re's \d accept them, int() reads them, yet no wnid contains them.
_OTHER_DIGITS = st.characters(categories=["Nd"]).filter(lambda c: not c.isascii())


@st.composite
def _wnid_with_a_foreign_digit(draw: st.DrawFn) -> str:
    digits = list(draw(st.from_regex(r"[0-9]{8}", fullmatch=True)))
    for position in draw(st.sets(st.integers(0, 7), min_size=1)):
        digits[position] = draw(_OTHER_DIGITS)
    return "n" + "".join(digits)


@given(_wnid_with_a_foreign_digit())
def test_a_non_ascii_digit_is_never_a_wnid(text: str) -> None:
    assert not is_wnid(text)
    assert WNID_PATTERN.fullmatch(text) is None
    with pytest.raises(ValueError, match="8 digits"):
        Vocabulary([text])
    with pytest.raises(ValueError, match="8 digits"):
        SynsetCounts({text: 1})
    assert parse_label(text).synset_id is None
    assert synset_of_id(text) is None


@given(st.from_regex(r"[0-9]{8}", fullmatch=True))
def test_ascii_wnids_are_wnids(digits: str) -> None:
    assert is_wnid("n" + digits)
    assert not is_wnid("n" + digits + "\n")


def test_fullwidth_digit_wnid_is_refused_by_every_reader(tmp_path: Path) -> None:
    bad = "n0208407\uff11"  # the last digit is FULLWIDTH DIGIT ONE
    vocab = tmp_path / "vocab.json"
    Vocabulary([DOG, CAT]).save(vocab)
    vocab.write_text(vocab.read_text().replace(DOG, bad))
    with pytest.raises(VocabularyFileError, match="8 digits"):
        Vocabulary.load(vocab)
    corenet = tmp_path / "vocab.pkl"
    corenet.write_bytes(pickle.dumps({"n208407\uff11": 3, "n2121808": 2}))
    with pytest.raises(VocabularyFileError, match=r"vocab\.pkl"):
        Vocabulary.from_corenet(corenet)


def test_unknown_wnids_uses_wordnet_3_0_nouns() -> None:
    assert unknown_wnids([DOG, "n00000001", CAT, "n99999999"]) == ["n00000001", "n99999999"]
    assert unknown_wnids([]) == []


def _vocabulary_file(tmp_path: Path, wnids: list[str]) -> Path:
    path = tmp_path / "vocab.json"
    Vocabulary([DOG]).save(path)
    data = json.loads(path.read_text())
    data["synsets"] = [
        {"index": i, "wnid": w, "count": None, "name": "?"} for i, w in enumerate(wnids)
    ]
    data["size"] = len(wnids)
    path.write_text(json.dumps(data))
    return path


def test_load_refuses_wnids_that_are_not_wordnet_nouns(tmp_path: Path) -> None:
    path = _vocabulary_file(tmp_path, [DOG, "n00000001", CAT, "n99999999"])
    with pytest.raises(VocabularyFileError) as caught:
        Vocabulary.load(path)
    message = str(caught.value)
    assert "n00000001" in message and "n99999999" in message and "entry 1" in message
    assert "allow_mismatch" in message
    # The escape hatch of other WordNet versions loads it as it is.
    assert Vocabulary.load(path, allow_mismatch=True).wnids == (DOG, "n00000001", CAT, "n99999999")


def test_from_corenet_refuses_wnids_that_are_not_wordnet_nouns(tmp_path: Path) -> None:
    path = tmp_path / "vocab.pkl"
    path.write_bytes(pickle.dumps({"n2084071": 9, "n1": 5, "n2121808": 3}))
    with pytest.raises(VocabularyFileError, match=r"entry 1 n00000001"):
        Vocabulary.from_corenet(path)
    loaded = Vocabulary.from_corenet(path, allow_mismatch=True)
    assert loaded.wnids == (DOG, "n00000001", CAT)


def test_corenet_keys_need_ascii_digits(tmp_path: Path) -> None:
    path = tmp_path / "vocab.pkl"
    for key in ("n", "n-2084071", "n+2084071", "n 2084071", "n123456789", "n\u0662\u0660"):
        path.write_bytes(pickle.dumps({key: 1}))
        with pytest.raises(VocabularyFileError, match="is not 'n<offset>'"):
            Vocabulary.from_corenet(path, allow_mismatch=True)
