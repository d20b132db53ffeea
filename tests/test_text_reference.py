"""SynsetExtractor.reference(): the seed paper's labeller, faults included (padded ids)."""

from __future__ import annotations

import pytest

from catlip.text import SynsetExtractor, is_wnid, synset


@pytest.fixture(scope="module")
def reference() -> SynsetExtractor:
    return SynsetExtractor.reference()


def names(wnids: list[str]) -> list[str]:
    return [synset(w).name() for w in wnids]


def test_colour_and_function_words_become_labels(reference: SynsetExtractor) -> None:
    labels = names(reference("a white dog and a black cat are over there"))
    assert labels == [
        "white.n.01",
        "dog.n.01",
        "black.n.01",
        "cat.n.01",
        "are.n.01",
        "over.n.01",
        "there.n.01",
    ]


def test_name_check_drops_good_nouns(reference: SynsetExtractor) -> None:
    # photo.n.01 is photograph.n.01, boy.n.01 is male_child.n.01, ...: all dropped.
    assert reference("a photo of a boy on a couch watching tv in a film about an automobile") == []


def test_no_compounds(reference: SynsetExtractor) -> None:
    assert names(reference("a traffic light")) == ["traffic.n.01", "light.n.01"]
    assert names(reference("a teddy bear")) == ["teddy.n.01", "bear.n.01"]
    assert names(reference("a fire hydrant")) == ["fire.n.01"]  # hydrant.n.01 is water_faucet.n.01


def test_lemmatizer_quirks(reference: SynsetExtractor) -> None:
    # WordNetLemmatizer keeps 'men' (men.n.01 = work_force.n.01, then dropped by the name check)
    # and maps 'cookies' to 'cooky' (cookie.n.02, a ranch cook: dropped likewise).
    assert reference("men") == []
    assert reference("cookies") == []
    assert names(reference("a man")) == ["man.n.01"]


def test_ids_are_padded(reference: SynsetExtractor) -> None:
    labels = reference("a kite over the water")
    assert labels and all(is_wnid(x) for x in labels)
    assert names(labels) == ["kite.n.01", "over.n.01", "water.n.01"]


def test_reference_settings() -> None:
    settings = SynsetExtractor.reference().settings
    assert settings["reference"] is True
    assert SynsetExtractor.from_settings(settings) == SynsetExtractor.reference()
