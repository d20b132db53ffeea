"""catlip.transfer label resolution: names, senses, and every resolution method."""

from __future__ import annotations

import pytest

from catlip.text import wnid
from catlip.transfer import LabelMatch, resolve_labels
from catlip.transfer.names import candidate_synsets, lookup_forms, parse_label, subphrases
from catlip.transfer.senses import choose_senses
from catlip.vocab import Vocabulary
from catlip.wordnet import reader


def w(name: str) -> str:
    return str(wnid(reader().synset(name)))


def vocab_of(*names: str) -> Vocabulary:
    return Vocabulary([w(n) for n in names])


# -- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "names", "hint", "synset_id"),
    [
        ("n01440764", (), None, "n01440764"),
        ("tench.n.01", (), None, "tench.n.01"),
        ("great white shark", ("great white shark",), None, None),
        ("restaurant_kitchen", ("restaurant kitchen",), None, None),
        ("bat_(animal)", ("bat",), "animal", None),
        ("crane (machine)", ("crane",), "machine", None),
        ("red wolf or maned wolf", ("red wolf", "maned wolf"), None, None),
        ("cardboard box / carton", ("cardboard box", "carton"), None, None),
        ("  Shih-Tzu ", ("shih-tzu",), None, None),
    ],
)
def test_parse_label(
    label: str, names: tuple[str, ...], hint: str | None, synset_id: str | None
) -> None:
    parsed = parse_label(label)
    assert (parsed.names, parsed.hint, parsed.synset_id) == (names, hint, synset_id)
    assert parsed.label == label


def test_parse_label_rejects_punctuation_only() -> None:
    with pytest.raises(ValueError, match="no name"):
        parse_label(" / ")


def test_spelling_variants_find_wordnet_lemmas() -> None:
    assert "frilled_necked_lizard" in lookup_forms("frilled-necked lizard")
    assert [s.name() for s in candidate_synsets("shih tzu")] == ["shih-tzu.n.01"]
    assert [s.name() for s in candidate_synsets("st. bernard")] == ["saint_bernard.n.01"]
    assert "pajama.n.01" in [s.name() for s in candidate_synsets("pajamas")]  # plural
    assert candidate_synsets("qwxzv") == []


def test_subphrases_split_unknown_multiword_names() -> None:
    assert subphrases("crane bird") == [("crane", "bird"), ("bird", "crane")]
    assert subphrases("great pyrenees dog")[0] == ("great pyrenees", "dog")
    assert subphrases("dog") == []


# -- senses -----------------------------------------------------------------------------------


def test_context_chooses_the_sense_the_label_set_is_about() -> None:
    birds = [parse_label(x) for x in ("jay", "magpie", "robin", "ostrich", "goldfinch")]
    assert choose_senses(birds)[0].name() == "jay.n.02"  # the bird
    assert choose_senses(birds, context=False)[0].name() == "jay.n.01"  # first sense: John Jay
    animals = [parse_label(x) for x in ("tiger", "lion", "leopard", "cheetah")]
    assert choose_senses(animals)[0].name() == "tiger.n.02"
    kitchen = [parse_label(x) for x in ("toaster", "microwave", "dishwasher", "refrigerator")]
    assert choose_senses(kitchen)[0].name() == "toaster.n.02"


def test_hints_choose_senses() -> None:
    chosen = choose_senses(
        [parse_label(x) for x in ("bat_(animal)", "crane (bird)", "kite (bird of prey)")],
        context=False,
    )
    assert [s.name() for s in chosen] == ["bat.n.01", "crane.n.05", "kite.n.04"]
    assert choose_senses([parse_label("crane (machine)")])[0].name() == "crane.n.04"


def test_unknown_names_use_their_parts_and_named_hyponyms() -> None:
    chosen = choose_senses([parse_label(x) for x in ("Brittany dog", "American bullfrog")])
    assert [s.name() for s in chosen] == ["brittany_spaniel.n.01", "bullfrog.n.01"]


def test_partial_names_need_support_from_the_rest() -> None:
    chosen = choose_senses([parse_label(x) for x in ("crane bird", "restaurant kitchen")])
    assert chosen[0] is not None and chosen[0].name() == "crane.n.05"
    assert chosen[1] is None  # resolved from its parts by resolve_labels ("average")


# -- resolve_labels: each method ---------------------------------------------------------------


def test_wnid_and_synset_name_labels_are_exact() -> None:
    vocab = vocab_of("tench.n.01", "dog.n.01", "cat.n.01")
    matches = resolve_labels([w("tench.n.01"), "dog.n.01", w("cat.n.01")], vocab)
    assert [m.method for m in matches] == ["exact", "exact", "exact"]
    assert matches[0] == LabelMatch(
        w("tench.n.01"), "exact", (w("tench.n.01"),), 1.0, ("tench.n.01",)
    )
    assert matches[1].wnids == (w("dog.n.01"),)


def test_wnid_in_vocabulary_is_exact_even_if_wordnet_lacks_it() -> None:
    vocab = Vocabulary(["n00000001", w("dog.n.01")])
    (match,) = resolve_labels(["n00000001"], vocab)
    assert (match.method, match.wnids, match.names) == ("exact", ("n00000001",), ("n00000001",))


def test_free_text_exact() -> None:
    vocab = vocab_of("great_white_shark.n.01", "tench.n.01", "shih-tzu.n.01")
    matches = resolve_labels(["great white shark", "Tench", "Shih Tzu"], vocab)
    assert [m.method for m in matches] == ["exact"] * 3
    assert matches[2].names == ("shih-tzu.n.01",)


def test_similar_takes_the_most_path_similar_vocabulary_synset() -> None:
    vocab = vocab_of("dog.n.01", "tench.n.01")
    (match,) = resolve_labels(["puppy"], vocab)
    assert match.method == "similar"
    assert match.names == ("dog.n.01",)
    puppy = reader().synset("puppy.n.01")
    assert match.similarity == pytest.approx(puppy.path_similarity(reader().synset("dog.n.01")))


def test_similar_respects_the_threshold() -> None:
    vocab = vocab_of("dog.n.01")
    assert resolve_labels(["puppy"], vocab, similarity_threshold=0.6)[0].method == "unmatched"
    assert resolve_labels(["puppy"], vocab, similarity_threshold=0.5)[0].method == "similar"


def test_similar_prefers_a_hypernym_among_equally_similar_synsets() -> None:
    # domestic_cat.n.01 is one edge below cat.n.01 and one edge above e.g. kitty.n.04 (kitten):
    # both at path similarity 0.5 from 'house cat'; the hypernym wins.
    vocab = vocab_of("kitten.n.01", "cat.n.01")
    (match,) = resolve_labels(["house cat"], vocab)
    assert (match.method, match.names) == ("similar", ("cat.n.01",))


def test_average_uses_the_parts_of_an_unknown_multiword_label() -> None:
    vocab = vocab_of("restaurant.n.01", "kitchen.n.01", "dog.n.01")
    (match,) = resolve_labels(["restaurant_kitchen"], vocab)
    assert match.method == "average"
    assert set(match.names) == {"restaurant.n.01", "kitchen.n.01"}
    assert match.similarity == 1.0


def test_average_leaves_out_adjectives_before_the_head() -> None:
    vocab = vocab_of("restaurant.n.01", "kitchen.n.01", "african.n.01", "person.n.01")
    (match,) = resolve_labels(["African restaurant kitchen"], vocab)
    assert (match.method, set(match.names)) == ("average", {"restaurant.n.01", "kitchen.n.01"})


def test_unmatched() -> None:
    vocab = vocab_of("dog.n.01")
    matches = resolve_labels(["qwxzv", "zzkq blorf", "n00000001", "nosuch.n.01"], vocab)
    assert [m.method for m in matches] == ["unmatched"] * 4
    assert all(m.wnids == () and m.similarity == 0.0 for m in matches)
    assert str(matches[0]) == "'qwxzv': unmatched"


def test_vocabulary_presence_picks_the_sense_it_has() -> None:
    # Only the artifact sense of 'mouse' is in the vocabulary: it wins over the rodent.
    vocab = vocab_of("mouse.n.04", "keyboard.n.01")
    (match,) = resolve_labels(["mouse"], vocab, context=False)
    assert (match.method, match.names) == ("exact", ("mouse.n.04",))


def test_label_match_is_frozen_and_readable() -> None:
    (match,) = resolve_labels(["dog"], vocab_of("dog.n.01"))
    with pytest.raises(AttributeError):
        match.method = "similar"  # type: ignore[misc]
    assert str(match) == f"'dog': exact 1.00 -> dog.n.01 ({w('dog.n.01')})"


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "error", "message"),
    [
        ([], ValueError, "empty"),
        (["dog", " "], ValueError, "blank"),
        (["dog", 3], TypeError, "str"),
        ("dog", TypeError, "sequence"),
    ],
)
def test_bad_labels(labels: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        resolve_labels(labels, vocab_of("dog.n.01"))  # type: ignore[arg-type]


@pytest.mark.parametrize("threshold", [0.0, -0.1, 1.5])
def test_bad_threshold(threshold: float) -> None:
    with pytest.raises(ValueError, match="similarity_threshold"):
        resolve_labels(["dog"], vocab_of("dog.n.01"), similarity_threshold=threshold)


def test_bad_vocabulary() -> None:
    with pytest.raises(TypeError, match="Vocabulary"):
        resolve_labels(["dog"], ["n02084071"])  # type: ignore[arg-type]
