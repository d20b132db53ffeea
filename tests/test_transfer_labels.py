"""Label sets as data sets ship them: repeated class names, and labels that are sentences."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

import catlip.transfer.names as names_module
import catlip.transfer.senses as senses_module
from catlip.cli import main
from catlip.text import wnid
from catlip.transfer import coverage, resolve_labels, transfer_init, zero_shot_classifier
from catlip.transfer.coverage import duplicate_groups
from catlip.transfer.names import MAX_LABEL_WORDS, MAX_LEMMA_WORDS, subphrases
from catlip.vocab import Vocabulary
from catlip.wordnet import reader
from catlip.wordnet.db import wordnet_db

DATA = Path(__file__).resolve().parents[1] / "benchmarks" / "data"
NAMES = ("projectile.n.01", "missile.n.01", "sunglasses.n.01", "dog.n.01", "tench.n.01")


def w(name: str) -> str:
    return str(wnid(reader().synset(name)))


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return Vocabulary([w(n) for n in NAMES])


def head_for(vocab: Vocabulary, features: int = 6) -> nn.Linear:
    head = nn.Linear(features, len(vocab))
    with torch.no_grad():
        head.weight.copy_(
            torch.randn(len(vocab), features, generator=torch.Generator().manual_seed(0))
        )
        head.bias.copy_(torch.arange(len(vocab), dtype=torch.float32))
    return head


# -- repeated labels (item 10) ----------------------------------------------------------------


def test_clip_imagenet_names_with_their_repeats_resolve(vocab: Vocabulary) -> None:
    rows = json.loads((DATA / "transfer_imagenet1k.json").read_text(encoding="utf-8"))["classes"]
    labels = [row["name"] for row in rows]
    assert len(set(labels)) == 998  # open_clip's list names "missile" and "sunglasses" twice
    report = coverage(labels, vocab)
    assert len(report.matches) == 1000 and sum(report.counts.values()) == 1000
    missile = [i for i, label in enumerate(labels) if label == "missile"]
    sunglasses = [i for i, label in enumerate(labels) if label == "sunglasses"]
    assert set(report.duplicates) == {tuple(missile), tuple(sunglasses)}
    assert report.matches[missile[0]] == report.matches[missile[1]]
    assert report.matches[sunglasses[0]].wnids == (w("sunglasses.n.01"),)
    assert report.to_dict()["duplicates"] == [list(g) for g in report.duplicates]
    text = str(report)
    assert "repeated (2 names shared by 4 classes" in text
    assert f"'missile': classes {missile[0]}, {missile[1]}" in text


def test_repeats_resolve_like_the_distinct_list(vocab: Vocabulary) -> None:
    labels = ["missile", "dog", "missile", "tench"]
    once = resolve_labels(["missile", "dog", "tench"], vocab)
    assert resolve_labels(labels, vocab) == [once[0], once[1], once[0], once[2]]


def test_case_and_space_variants_are_reported_as_one_class(vocab: Vocabulary) -> None:
    labels = ["Sunglasses", "dog", "sunglasses ", "sun_glasses", "Dog", "tench"]
    assert duplicate_groups(labels) == ((0, 2), (1, 4))
    matches = coverage(labels, vocab).matches
    assert matches[0].wnids == matches[2].wnids == (w("sunglasses.n.01"),)
    assert matches[1].wnids == matches[4].wnids == (w("dog.n.01"),)


def test_transfer_init_gives_repeats_the_same_rows(vocab: Vocabulary) -> None:
    labels = ["missile", "Missile", "dog", "qwxzv blorf", "QWXZV  blorf", "zzkq", "missile"]
    head = head_for(vocab)
    classifier = nn.Linear(6, len(labels))
    report = transfer_init(
        classifier, labels, head=head, vocab=vocab, generator=torch.Generator().manual_seed(1)
    )
    assert report.duplicates == ((0, 1, 6), (3, 4))
    assert [m.method for m in report.matches] == [
        *("exact", "exact", "exact", "unmatched", "unmatched", "unmatched", "exact")
    ]
    weight, bias = classifier.weight.detach(), classifier.bias.detach()
    for group in report.duplicates:  # matched and random rows alike
        for i in group[1:]:
            assert torch.equal(weight[i], weight[group[0]]) and torch.equal(bias[i], bias[group[0]])
    assert not torch.equal(weight[3], weight[5])  # a different unmatched label: its own draw
    assert "repeated (2 names shared by 5 classes" in str(report)


def test_zero_shot_classifier_accepts_repeats(vocab: Vocabulary) -> None:
    head = head_for(vocab)
    classifier = zero_shot_classifier(head, vocab, ["sunglasses", "dog", "sunglasses"])
    assert torch.equal(classifier.weight[0], classifier.weight[2])
    assert torch.equal(classifier.weight[0], head.weight[vocab.index(w("sunglasses.n.01"))])


def test_cli_coverage_accepts_and_lists_repeats(
    vocab: Vocabulary, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vocab_file = tmp_path / "vocab.json"
    vocab.save(vocab_file)
    labels = tmp_path / "labels.txt"
    labels.write_text("missile\ndog\nmissile\nSunglasses\nsunglasses\n", encoding="utf-8")
    assert main(["coverage", "--vocab", str(vocab_file), str(labels), "-q"]) == 0
    out = capsys.readouterr().out
    assert "Coverage of 5 labels" in out
    assert "'missile': classes 0, 2" in out and "'Sunglasses' = 'sunglasses': classes 3, 4" in out
    assert main(["coverage", "--vocab", str(vocab_file), str(labels), "--json", "-q"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["duplicates"] == [[0, 2], [3, 4]] and len(data["matches"]) == 5


# -- long labels (item 11) --------------------------------------------------------------------


def _caption_words(flickr_captions: list[str], count: int) -> str:
    words = re.findall(r"[a-z]+", " ".join(flickr_captions).lower())
    assert len(words) >= count
    return " ".join(words[:count])


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every candidate_synsets call made through catlip.transfer, recorded."""
    calls: list[str] = []
    real = names_module.candidate_synsets

    def counted(name: str) -> list[Any]:
        calls.append(name)
        return real(name)

    monkeypatch.setattr(names_module, "candidate_synsets", counted)
    monkeypatch.setattr(senses_module, "candidate_synsets", counted)
    return calls


def test_a_2500_word_label_resolves_with_bounded_lookups(
    vocab: Vocabulary, flickr_captions: list[str], lookups: list[str]
) -> None:
    label = _caption_words(flickr_captions, 2500)
    (match,) = resolve_labels([label], vocab)
    assert match.method == "unmatched" and match.label == label
    assert lookups == []  # a sentence, not a class name: nothing to look up
    # At the limit a label is still resolved, with lookups bounded by its length.
    label = _caption_words(flickr_captions, MAX_LABEL_WORDS)
    (match,) = resolve_labels([label, "dog"], vocab)[:1]
    assert 0 < len(lookups) < 200 * MAX_LABEL_WORDS


def test_subphrases_lookups_grow_linearly(flickr_captions: list[str], lookups: list[str]) -> None:
    name = _caption_words(flickr_captions, 400)
    found = subphrases(name)
    assert found and all(len(phrase.split()) <= MAX_LEMMA_WORDS for phrase, _ in found)
    assert len(lookups) <= 400 * MAX_LEMMA_WORDS


def test_max_lemma_words_is_wordnets_longest_noun() -> None:
    longest = max(
        len(re.findall(r"[a-z0-9]+", lemma.lower())) for lemma in wordnet_db().noun_lemmas()
    )
    assert longest == MAX_LEMMA_WORDS


def test_labels_longer_than_a_lemma_still_split_into_parts(vocab: Vocabulary) -> None:
    label = "tench " + "qwxzv " * 12 + "sunglasses"  # 14 words: parts found on both sides
    (match,) = resolve_labels([label], vocab)
    assert match.method == "average"
    assert set(match.wnids) == {w("tench.n.01"), w("sunglasses.n.01")}
