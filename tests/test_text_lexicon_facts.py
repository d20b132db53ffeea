"""Lexicon word facts (is_word, is_tagged_word, is_name): lazily computed, as defined."""

from __future__ import annotations

import functools
import re

from hypothesis import given
from hypothesis import strategies as st

from catlip.text.lexicon import DETERMINERS, FUNCTION_WORDS, Lexicon, LexiconOptions
from catlip.text.senseindex import get_sense_index
from catlip.text.wndb import wordnet_db


def _facts(word: str) -> tuple[bool, bool, bool]:
    """The definitions, computed eagerly the slow way (catlip 0.2's first implementation)."""
    db, index = wordnet_db(), get_sense_index()
    bases = {p: db.morphy(word, p) for p in "nvar"}
    known = any(bases.values()) or word in FUNCTION_WORDS or word in DETERMINERS
    tagged = sum(index.noun_count(b) for b in bases["n"])
    tagged += sum(index.verb_count(b) for b in bases["v"])
    tagged += sum(index.modifier_count(b) for b in bases["a"] + bases["r"])
    senses = index.noun_senses(bases["n"][0]) if bases["n"] else ()
    name = not known or (bool(senses) and db.is_instance(senses[0].offset))
    return known, tagged >= 2, name and word.isalpha()


def _lexicon_facts(lexicon: Lexicon, word: str) -> tuple[bool, bool, bool]:
    return lexicon.is_word(word), lexicon.is_tagged_word(word), lexicon.is_name(word)


def test_documented_examples() -> None:
    lexicon = Lexicon(LexiconOptions())
    assert lexicon.is_tagged_word("box") and not lexicon.is_tagged_word("gb")
    assert lexicon.is_name("ford") and lexicon.is_name("peugeot") and not lexicon.is_name("dog")
    assert lexicon.is_word("the") and lexicon.is_word("geese") and not lexicon.is_word("peugeot")
    assert not lexicon.is_word("café") and lexicon.is_name("café")  # WordNet is all ASCII
    assert not lexicon.is_name("t-shirt") and not lexicon.is_name("b2b")  # only letters


def test_caption_words_match_the_definition(flickr_captions: list[str]) -> None:
    lexicon = Lexicon(LexiconOptions())
    words = {w.lower() for c in flickr_captions[:3000] for w in re.findall(r"[^\W\d_]+", c)}
    words |= {w + end for w in sorted(words)[:500] for end in ("s", "es", "ing", "ed", "est")}
    for word in sorted(words):
        lexicon.analyze(word)  # the noun analysis and the facts share one memo of base forms
        assert _lexicon_facts(lexicon, word) == _facts(word), word


@functools.cache
def _shared() -> Lexicon:
    return Lexicon(LexiconOptions())


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzéß-'_", min_size=1, max_size=12))
def test_any_word_matches_the_definition(word: str) -> None:
    assert _lexicon_facts(_shared(), word) == _facts(word)
