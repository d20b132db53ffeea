"""catlip.text: the default extractor's behaviour, helpers and options."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import threading
import time
import warnings

import pytest

from catlip.text import (
    ALGORITHM,
    SensePolicy,
    SynsetExtractor,
    builtin_overrides,
    extract_synsets,
    is_wnid,
    match_synset,
    resolve_label,
    synset,
    tokenize,
    wnid,
)
from catlip.transfer import resolve_labels
from catlip.vocab import Vocabulary


def names(wnids: list[str]) -> list[str]:
    return [synset(w).name() for w in wnids]


@pytest.fixture(scope="module")
def extractor() -> SynsetExtractor:
    return SynsetExtractor()


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        ("a traffic light", ["traffic_light.n.01"]),
        ("Fire hydrants on the street", ["fireplug.n.01", "street.n.01"]),
        ("A teddy bear", ["teddy.n.01"]),
        (
            "a baseball bat and a parking meter",
            ["baseball_bat.n.01", "bat.n.05", "parking_meter.n.01"],
        ),
        ("two hot dogs", ["hotdog.n.02"]),
        ("a cell phone", ["cellular_telephone.n.01", "telephone.n.01"]),
        ("men", ["man.n.01"]),
        ("cookies", ["cookie.n.01"]),
        ("women and children", ["woman.n.01", "child.n.01"]),
        (
            "a photo of a boy watching tv",
            ["photograph.n.01", "male_child.n.01", "television_receiver.n.01"],
        ),
        ("an automobile on the couch", ["car.n.01", "sofa.n.01"]),
        ("a kite", ["kite.n.03"]),
        ("the mouse next to a laptop", ["mouse.n.04", "laptop.n.01"]),
        ("a man's hat", ["man.n.01", "hat.n.01"]),
        ("a bear", ["bear.n.01"]),
        ("a can of soda", ["can.n.01", "pop.n.02"]),
        ("an ice-cream cone", ["ice-cream_cone.n.01"]),
        ("a black-and-white cat", ["cat.n.01"]),
        ("DOGS AND CATS!!", ["dog.n.01", "cat.n.01"]),
    ],
)
def test_known_captions(extractor: SynsetExtractor, caption: str, expected: list[str]) -> None:
    assert names(extractor(caption)) == expected


@pytest.mark.parametrize(
    "word",
    ["white", "black", "red", "are", "over", "out", "young", "playing", "i", "may", "can", "like"],
)
def test_no_bad_labels(extractor: SynsetExtractor, word: str) -> None:
    captions = [
        word,
        f"a {word} dog",
        f"the dogs {word} there",
        "a white dog and a black cat are over there with a red ball",
        "i may like playing out with young kids but the dog can run",
    ]
    for caption in captions:
        for label in extractor(caption):
            lemma_names = {n.name().lower() for n in synset(label).lemmas()}
            assert word not in lemma_names, (caption, synset(label).name())


@pytest.mark.parametrize(
    ("caption", "expected"),
    [  # Flickr8k captions: a verb's '-ing' or '-s' form before its object is that verb
        (  # not erosion.n.01 ('wearing')
            "Two men in suits , one wearing a silver medal , stand in front of a blue bus .",
            ["man.n.01", "suit.n.01", "silver_medal.n.01", "bus.n.01"],
        ),
        (  # not drive.n.08 ('rides')
            "A man in black rides a bike on a wooden ramp .",
            ["man.n.01", "bicycle.n.01", "ramp.n.01"],
        ),
        ("a man wearing blue holds a camera .", ["man.n.01", "camera.n.01"]),  # not clasp.n.02
        (  # not retention.n.01 ('holding'), not pursuit.n.01 ('chases it')
            "A dog runs down a beach holding a yellow toy while another chases it .",
            ["dog.n.01", "beach.n.01", "plaything.n.01"],
        ),
        (  # nouns before 'of' stay: not an object
            "A man riding a unicycle down a set of stairs .",
            ["man.n.01", "unicycle.n.01", "set.n.01", "stairs.n.01"],
        ),
        ("a bear and a can of soda", ["bear.n.01", "can.n.01", "pop.n.02"]),
    ],
)
def test_verb_forms_before_their_object(
    extractor: SynsetExtractor, caption: str, expected: list[str]
) -> None:
    assert names(extractor(caption)) == expected


def test_order_unique_and_form(extractor: SynsetExtractor) -> None:
    labels = extractor("a dog, a cat, another dog and dogs")
    assert names(labels) == ["dog.n.01", "cat.n.01"]
    assert all(is_wnid(x) for x in labels)


def test_web_debris(extractor: SynsetExtractor) -> None:
    caption = (
        "&lt;b&gt;Dog&lt;/b&gt; &amp; cat http://x.com/horse.jpg IMG_0042.JPG — Stock Photo 😀"
    )
    assert names(extractor(caption)) == ["dog.n.01", "cat.n.01"]
    assert tokenize("Two dogs&amp;a T-shirt at http://x.com/a.jpg") == [
        "two",
        "dogs",
        "a",
        "t-shirt",
        "at",
    ]


@pytest.mark.parametrize(
    "caption", ["", "   \n\t", "😀🐶🎉", "日本語のキャプション", "!!!", "1234 5678"]
)
def test_empty_and_foreign(extractor: SynsetExtractor, caption: str) -> None:
    assert extractor(caption) == []


@pytest.mark.parametrize("bad", [None, 3, b"dog", ["dog"]])
def test_type_errors(extractor: SynsetExtractor, bad: object) -> None:
    with pytest.raises(TypeError, match="caption"):
        extractor(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="caption"):
        extract_synsets(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"captions\[1\]"):
        extractor.batch(["dog", bad])  # type: ignore[list-item]


def test_megabyte_caption(extractor: SynsetExtractor) -> None:
    caption = ("A man rides a skateboard past a fire hydrant near zqxvbw foo-bar-baz. " * 15000)[
        :1_000_000
    ]
    start = time.perf_counter()
    labels = extractor(caption)
    assert time.perf_counter() - start < 10
    assert "skateboard.n.01" in names(labels)


def test_settings_roundtrip_and_equality() -> None:
    default = SynsetExtractor()
    settings = default.settings
    assert settings["algorithm"] == ALGORITHM
    assert json.loads(json.dumps(settings)) == settings
    assert SynsetExtractor.from_settings(settings) == default
    assert hash(SynsetExtractor.from_settings(settings)) == hash(default)
    other = SynsetExtractor(compounds=False, overrides={"Dog": "frank.n.02"})
    assert other != default
    assert SynsetExtractor.from_settings(other.settings) == other
    reference = SynsetExtractor.reference()
    assert SynsetExtractor.from_settings(reference.settings) == reference != default
    with pytest.raises(ValueError, match="algorithm"):
        SynsetExtractor.from_settings({**settings, "algorithm": "catlip.text/0"})
    with pytest.raises(ValueError, match="bogus"):
        SynsetExtractor.from_settings({**settings, "bogus": 1})


def test_bad_options() -> None:
    with pytest.raises(ValueError, match="pos"):
        SynsetExtractor(pos="magic")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="noun_share"):
        SynsetExtractor(noun_share=2.0)
    with pytest.raises(TypeError, match="overrides"):
        SynsetExtractor(overrides={"dog": 3})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="reference"):
        SynsetExtractor(reference=True, compounds=False)
    for bad in ("nosuch.n.09", "dog.n.99", "n99999999", "dog"):
        with pytest.raises(ValueError, match=r"not a WordNet 3\.0 noun synset"):
            SynsetExtractor(overrides={"dog": bad})("dog")
    with pytest.raises(ValueError, match=r"'run\.v\.01' is not a noun synset"):
        SynsetExtractor(overrides={"dog": "run.v.01"})("dog")
    # Names and wnids both work, and mean the same synset.
    assert SynsetExtractor(overrides={"pup": "dog.n.01"})("a pup") == ["n02084071"]
    assert SynsetExtractor(overrides={"pup": "n02084071"})("a pup") == ["n02084071"]


def test_options_change_output() -> None:
    assert names(SynsetExtractor(compounds=False)("a traffic light")) == [
        "traffic.n.01",
        "light.n.02",
    ]
    assert names(SynsetExtractor(pos="none")("white dogs")) == ["white.n.02", "dog.n.01"]
    assert names(SynsetExtractor(builtin_overrides=False)("a kite")) == [
        "kite.n.03"
    ]  # concrete rule
    assert names(SynsetExtractor(concrete_share=None, builtin_overrides=False)("a kite")) == [
        "kite.n.01"
    ]
    assert names(SynsetExtractor(overrides={"dog": None})("a dog and a cat")) == ["cat.n.01"]
    assert names(SynsetExtractor(overrides={"big cat": "feline.n.01"})("a big cat")) == [
        "feline.n.01"
    ]


def test_tagger_mode() -> None:
    tagged = SynsetExtractor(pos="tagger")
    assert names(tagged("a white dog is playing near a traffic light")) == [
        "dog.n.01",
        "traffic_light.n.01",
    ]
    assert tagged("") == []


def test_builtin_overrides_resolve() -> None:
    table = builtin_overrides()
    assert table["kite"] == "kite.n.03"
    for word, name in table.items():
        assert word == word.lower() and " " not in word, word
        if name is not None:
            assert synset_by_name(name).pos() == "n", word
    # every entry takes effect through the extractor
    assert names(SynsetExtractor()("a stop sign"))[0] == "street_sign.n.01"
    assert SynsetExtractor()("the top of a lot of things") == []


def synset_by_name(name: str):  # type: ignore[no-untyped-def]
    from catlip.wordnet import reader

    return reader().synset(name)


def test_wnid_helpers() -> None:
    tench = synset("n01440764")
    assert tench.name() == "tench.n.01"
    assert wnid(tench) == "n01440764"
    assert is_wnid("n01440764") and not is_wnid("n1440764") and not is_wnid(5)
    with pytest.raises(ValueError, match="n01440765"):
        synset("n01440765")
    with pytest.raises(ValueError, match="n123"):
        synset("n123")
    with pytest.raises(TypeError, match="wnid"):
        synset(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="noun"):
        wnid(synset_by_name("run.v.01"))
    with pytest.raises(TypeError):
        wnid("n01440764")  # type: ignore[arg-type]


def test_match_synset_is_a_deprecated_wrapper_of_transfer() -> None:
    dog, cat, jay_bird = "n02084071", "n02121808", "n01580077"
    with pytest.warns(DeprecationWarning, match=r"catlip\.transfer\.resolve_labels"):
        # catlip 0.1's own matcher took WordNet's first sense, John Jay: (None, 0.11).
        assert match_synset("jay", [jay_bird, dog]) == (jay_bird, 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert match_synset("puppy", [dog, cat]) == (dog, 0.5)
        assert match_synset("dog", [cat, dog]) == (dog, 1.0)
        assert match_synset(synset(dog), [cat, dog]) == (dog, 1.0)
        assert match_synset("Traffic lights", ["n06874185"]) == ("n06874185", 1.0)
        best, score = match_synset("kitten", [dog, cat], threshold=0.9)
        assert best is None and 0 < score < 0.9
        assert match_synset("kitten", [dog, cat], threshold=0.0)[0] is not None
        assert match_synset("qwxzzy", [dog]) == (None, 0.0)
        with pytest.raises(ValueError, match="threshold"):
            match_synset("dog", [dog], threshold=1.5)
        with pytest.raises(ValueError, match="wnid"):
            match_synset("dog", ["dog"])
        with pytest.raises(TypeError, match="query"):
            match_synset(3, [dog])  # type: ignore[arg-type]
    for label in ("jay", "puppy", "Traffic lights", "n02084071"):
        with pytest.warns(DeprecationWarning, match=r"catlip\.transfer\.resolve_labels"):
            sense = resolve_label(label)
        vocab = Vocabulary([wnid(sense)])
        assert resolve_labels([label], vocab, context=False)[0].method == "exact", label


def test_pickle_is_small_and_equal(extractor: SynsetExtractor) -> None:
    extractor("warm the tables")
    data = pickle.dumps(extractor)
    assert len(data) < 1000
    clone = pickle.loads(data)
    assert clone == extractor
    assert clone("a dog on a skateboard") == extractor("a dog on a skateboard")
    reference = pickle.loads(pickle.dumps(SynsetExtractor.reference()))
    assert reference == SynsetExtractor.reference()


def test_thread_safety(flickr_captions: list[str]) -> None:
    captions = flickr_captions[:2000]
    expected = SynsetExtractor(noun_share=0.6).batch(captions)  # same tables in every thread
    fresh = SynsetExtractor(noun_share=0.6)
    results: dict[int, list[list[str]]] = {}

    def work(k: int) -> None:
        results[k] = [fresh(c) for c in captions]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(results[k] == expected for k in range(4))


def test_import_is_lazy_and_extraction_needs_no_nltk_data(tmp_path) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import sys\n"
        "import catlip.text as t\n"
        "import catlip.wordnet._nltk as n, catlip.wordnet.db as d\n"
        "assert n._reader is None and d._db is None, 'WordNet loaded at import'\n"
        "print(t.extract_synsets('a dog'))\n"
    )
    env = {"NLTK_DATA": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    if "PYTHONPATH" in os.environ:
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == "['n02084071']\n"


@pytest.mark.parametrize(
    ("caption", "names"),
    [
        ("A cat sleeps on the couch.", ["cat.n.01", "sofa.n.01"]),  # not 'cat sleep', a nap
        ("a black cat sitting", ["cat.n.01"]),  # not 'black cat', a marten
        ("two teddy bears", ["teddy.n.01"]),  # a toy, though 'bear' is mostly a verb
    ],
)
def test_compounds_need_a_plausible_last_word(caption: str, names: list[str]) -> None:
    assert [synset(w).name() for w in SynsetExtractor()(caption)] == names


def test_sense_policies_with_the_same_options_are_equal_whatever_they_cached() -> None:
    used, fresh = SensePolicy(), SensePolicy()
    used.choose("table")
    assert used == fresh and repr(used) == repr(fresh)
    assert SensePolicy(concrete_share=None) != fresh
