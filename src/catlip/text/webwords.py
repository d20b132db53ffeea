"""Web alt-text rules, word by word: what one word *as written* says, as bit flags.

:func:`catlip.text.web.web_tokens` reads a caption with its case and punctuation; each word's
token (a barrier for codes, short words and mixed case) and facts (capitalized, a name, English or
not, may start a place or multiword noun, a demonym, a colour word) come from :func:`word_facts`,
memoized per lexicon. The caption-level passes (names, titles, modifiers, language) stay in
:mod:`catlip.text.web`.

Example:
    >>> from catlip.text.lexicon import LexiconOptions, get_lexicon
    >>> lexicon = get_lexicon(LexiconOptions())
    >>> word_facts("256GB", False, lexicon)[0], word_facts("Dog", False, lexicon)[0]
    ('|', 'dog')
    >>> bool(word_facts("iPhone", False, lexicon)[1] & NAME)
    True
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from catlip.text.function_words import DETERMINERS, FUNCTION_WORDS, VERB_OBJECTS
from catlip.text.lexicon import BARRIER, NOUN_CONTEXT, Kind
from catlip.text.senses import CONCRETE_LEXNAMES
from catlip.wordnet.db import wordnet_db
from catlip.wordnet.senseindex import get_sense_index

if TYPE_CHECKING:
    from catlip.text.lexicon import Lexicon

__all__ = [
    "ABBREVIATIONS",
    "CAPITAL",
    "COLOUR",
    "COLOURS",
    "COMMAND",
    "COMPOUND",
    "CONTEXT",
    "COUNTED",
    "DEMONYM",
    "ENGLISH_FUNCTION",
    "FOREIGN_FUNCTION",
    "FOREIGN_FUNCTION_WORDS",
    "GERUND",
    "INITIAL",
    "NAME",
    "OBJECT",
    "OBJECT_WORDS",
    "SUBJECT",
    "SUBJECT_WORDS",
    "UNKNOWN",
    "VERB",
    "names_a_colour",
    "word_facts",
]

# fmt: off
ABBREVIATIONS: frozenset[str] = frozenset([
    "ad", "tv", "dvd", "cd", "pc", "suv", "usb", "led", "lcd", "atv", "ufo", "dj", "bbq", "gps",
    "atm", "rv", "cpu", "dna", "ox",
])
# fmt: on
"""Short or all-caps tokens that are labels (when WordNet has them as nouns)."""

# fmt: off
COLOURS: frozenset[str] = frozenset([
    "black", "white", "red", "green", "blue", "yellow", "purple", "pink", "brown", "grey", "gray",
    "beige", "navy", "violet", "teal", "turquoise", "ivory", "maroon", "burgundy", "khaki",
    "lavender", "magenta", "cyan", "aqua", "charcoal", "indigo",
])
# fmt: on
"""Colour words that end a colour name whose first word is a noun ("Midnight Blue").

Not "cream", "orange", "olive", "gold" or "silver": "Ice Cream", "Blood Orange" and "Sterling
Silver" are things."""

# fmt: off
FOREIGN_FUNCTION_WORDS: frozenset[str] = frozenset([
    "de", "la", "le", "les", "des", "du", "et", "en", "un", "une", "est", "pour", "avec", "sur",
    "dans", "der", "die", "das", "und", "mit", "für", "ist", "ein", "eine", "von", "zu", "auf",
    "el", "los", "las", "y", "con", "para", "por", "del", "al", "una", "es", "di", "della", "il",
    "che", "per", "het", "een", "van", "och", "og", "på", "med", "til", "na", "za", "do", "ze",
    "nel", "sul", "da", "em", "os",
])
# fmt: on
"""Function words of other Latin-script languages (a cheap test for non-English text)."""

OBJECT_WORDS: frozenset[str] = VERB_OBJECTS | {"this", "these", "those", "to"}
"""Words that start a verb's object or complement and never follow a noun in a noun phrase.

A command's verb comes right before one ("Order your pair", "Walk to the beach"; not "View from
the summit")."""

# fmt: off
SUBJECT_WORDS: frozenset[str] = frozenset([
    "i", "you", "we", "they", "will", "would", "can", "could", "must", "should", "shall", "may",
    "might", "don't", "doesn't", "didn't", "won't", "can't", "cannot", "wouldn't", "shouldn't",
    "couldn't",
])
# fmt: on
"""Subject pronouns and auxiliaries, after which a verb's base form is that verb.

"Before you shop", "the points don't matter"."""

# The bit flags of a word's facts.
CAPITAL = 1  # capitalized (or any word of an all-caps caption)
NAME = 2  # a name on its own (mixed case, unknown to WordNet, first sense a person ...)
COUNTED = 4  # a word of two or more letters: counts in the language test
UNKNOWN = 8  # a counted word that is not English (neither WordNet nor a function word)
ENGLISH_FUNCTION = 16
FOREIGN_FUNCTION = 32
COMPOUND = 64  # may start a WordNet multiword noun or place name
DEMONYM = 128  # a person noun that is as much an adjective ('Korean', 'Buddhist')
COLOUR = 256  # a colour word that ends a colour name ('Midnight Blue', 'Mint Green')
INITIAL = 512  # one capital letter: maybe a middle initial ('William J. Carpenter')
COMMAND = 1024  # a capitalized VERB ('Order', 'Walk'): maybe a command's verb
OBJECT = 2048  # a word that starts a verb's object or complement ('your', 'the', 'to', 'it')
GERUND = 4096  # an '-ing' form that is nearly always a verb ('walking', 'sitting', 'using')
CONTEXT = 8192  # a determiner, number or adjective: the next verb-like word reads as a noun
VERB = 16384  # a noun label that is as much a verb's base form ('shop', 'matter', 'order')
SUBJECT = 32768  # a verb's subject or auxiliary ('you', 'we', "don't", 'can'): a verb follows
_PUNCTUATION: tuple[None, int] = (None, 0)
_ROMAN = re.compile(r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")


def word_facts(word: str, shout: bool, lexicon: Lexicon) -> tuple[str | None, int]:
    """The token and flags of one word as written (memoized in ``lexicon.web_memo``)."""
    token = _token(word, lexicon, shout=not shout)
    low = word.lower()
    flag = 0
    if token == BARRIER:
        if word.isalpha() and not word.isupper() and not word.islower():
            flag |= NAME  # mixed case: 'iPhone'
    elif shout or word[:1].isupper():
        flag |= CAPITAL
        if token.isalpha():
            lexicon.analyze(token)  # fills compound_len for this first word
            if token in lexicon.compound_len or lexicon.place(token) is not None:
                flag |= COMPOUND
            if lexicon.is_name(token):
                flag |= NAME
    if len(word) == 1 and word.isupper() and not shout and word not in ("A", "I"):
        flag |= INITIAL
    if low in SUBJECT_WORDS:
        flag |= SUBJECT
    elif token is not None and token.isalpha():
        if low in OBJECT_WORDS:
            flag |= OBJECT
        if _is_verb(token, lexicon):
            flag |= VERB | (flag & CAPITAL and COMMAND)
        elif flag & CAPITAL and token.endswith("ing") and _is_gerund(token, lexicon):
            flag |= GERUND  # lower-case text: this rule costs more than it finds (web.py)
        if token in COLOURS:
            flag |= COLOUR
        elif _is_demonym(token, lexicon):
            flag |= DEMONYM
    if token is not None and lexicon.analyze(token).kind in NOUN_CONTEXT:
        flag |= CONTEXT
    if word.isalpha() and len(word) > 1:
        flag |= COUNTED
        if not lexicon.is_word(low):
            flag |= UNKNOWN
        if low in FUNCTION_WORDS or low in DETERMINERS:
            flag |= ENGLISH_FUNCTION
        elif low in FOREIGN_FUNCTION_WORDS:
            flag |= FOREIGN_FUNCTION
    memo = lexicon.web_memo[shout]
    if len(memo) >= lexicon.options.max_memo:
        memo.clear()
        memo[""] = _PUNCTUATION
    facts: tuple[str | None, int] = (token, flag)
    memo[word] = facts
    return facts


# What the first word of a colour name is ('Midnight', 'Navy', 'Sky', 'Wine', 'Ballet' Blue),
# where a thing in that colour is an artifact, a substance, a plant or an animal ('Sandal
# black', 'Fleece Black', 'Branch Yellow', 'a dog red with mud').
_COLOUR_SOURCES = frozenset(
    ["noun.time", "noun.group", "noun.object", "noun.food", "noun.act", "noun.phenomenon"]
)


def names_a_colour(token: str, lexicon: Lexicon) -> bool:
    """Whether noun ``token`` before a colour word is the first word of the colour's name."""
    info = lexicon.analyze(token)
    if info.kind not in (Kind.NOUN, Kind.VERBLIKE) or info.wnid is None or info.lemma is None:
        return False
    offset = int(info.wnid[1:])
    return any(
        s.offset == offset and s.lexname in _COLOUR_SOURCES
        for s in get_sense_index().noun_senses(info.lemma)
    )


# A noun label whose word WordNet's tagged corpus uses as a verb (in its base form) this often or
# more, against its noun uses, reads as a command at the start of a caption or phrase when its
# object follows ('Order your pair of ...', 'Walk to beautiful Choeng Mon Beach').
VERB_SHARE = 0.2


def _is_verb(token: str, lexicon: Lexicon) -> bool:
    """Whether noun label ``token`` is a verb's base form used as a verb often enough."""
    info = lexicon.analyze(token)
    if info.wnid is None or info.lemma != token or info.kind not in (Kind.NOUN, Kind.VERBLIKE):
        return False
    index = get_sense_index()
    verb = index.verb_count(token)
    return verb > 0 and verb >= VERB_SHARE * (verb + index.noun_count(token))


# An '-ing' form whose noun uses are fewer than this share of its verb's uses is a verb wherever
# it stands ('The Walking Dead', 'handmade using semi-precious stones', 'sitting on bench').
GERUND_SHARE = 0.05


def _is_gerund(token: str, lexicon: Lexicon) -> bool:
    """Whether ``token`` ('walking') is a noun label WordNet nearly always tags as its verb."""
    info = lexicon.analyze(token)
    if info.wnid is None or info.kind != Kind.VERBLIKE or info.lemma is None:
        return False
    index = get_sense_index()
    offset = int(info.wnid[1:])
    if any(
        s.offset == offset and s.lexname in CONCRETE_LEXNAMES for s in index.noun_senses(info.lemma)
    ):
        return False  # a thing: 'a striped covering', 'blue frosting'
    verb = sum(index.verb_count(base) for base in wordnet_db().morphy(token, "v"))
    return index.noun_count(info.lemma) < GERUND_SHARE * verb


def _is_demonym(token: str, lexicon: Lexicon) -> bool:
    """Whether ``token`` is a person noun WordNet uses at least as often as an adjective."""
    info = lexicon.analyze(token)
    if info.kind != Kind.NOUN or info.wnid is None or info.lemma is None:
        return False
    index = get_sense_index()
    lemma = info.lemma
    if not wordnet_db().has_lemma(lemma, "a") or index.modifier_count(lemma) < index.noun_count(
        lemma
    ):
        return False
    offset = int(info.wnid[1:])
    return any(s.offset == offset and s.lexname == "noun.person" for s in index.noun_senses(lemma))


def _token(word: str, lexicon: Lexicon, *, shout: bool) -> str:
    """The lower-case token for one word, or BARRIER for codes, short words and mixed case."""
    low = word.lower()
    if low in FUNCTION_WORDS or low in DETERMINERS or word.isdigit() or low in ABBREVIATIONS:
        return low
    if not word.replace("-", "").replace("'", "").replace("’", "").isalpha():
        # Digits inside: '256gb', 'ees-023' are codes; '75-inch' (from '3.75-inch') is 'inch'.
        parts = low.split("-")
        if len(parts) > 2:  # a URL slug: '2go-travel-sale-ticket' is words
            words = [p for p in parts if p.isalpha() and len(p) > 2]
            return "-".join(words) if words else BARRIER
        last = parts[-1]
        return last if len(parts) > 1 and last.isalpha() and len(last) > 2 else BARRIER
    if len(word) <= 2 or (word.isupper() and _ROMAN.fullmatch(word)):
        return BARRIER  # 'GB', 'XXIII'
    if "-" in low and not (lexicon.is_word(low) or lexicon.is_word(low.replace("-", "_"))):
        kept = [p for p in low.split("-") if len(p) > 2]  # 'g-bike': no gram
        if not kept:
            return BARRIER
        low = "-".join(kept)
    if shout and word.isupper() and len(word) <= 4 and not lexicon.is_tagged_word(low):
        return BARRIER
    for part in word.replace("’", "-").replace("'", "-").split("-"):
        if part[1:] != part[1:].lower() and not part.isupper():
            return BARRIER  # mixed case: 'iPhone', 'McDonald', 'PlayStation'
    return low
