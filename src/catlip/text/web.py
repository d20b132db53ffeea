"""Web alt-text rules: the caption words that must not become labels, found from the raw caption.

COCO-style captions are plain lower-case English about what a picture shows. Web alt-text (LAION,
DataComp) is product listings, titles, names, model codes and other languages, and a word-by-word
labeller turns "Apple iPhone 12 Pro Max 256GB" into the fruit, a drug and a nerve gas. Before the
words are looked up, :func:`web_tokens` reads the caption *with its case and punctuation* and puts
:data:`~catlip.text.lexicon.BARRIER` in place of every token that cannot be a label:

1. **Codes.** Tokens that glue letters to digits (``256GB``, ``3G``, ``14k``, ``LT305``) and
   one- or two-letter words are never labels, except a short list of real abbreviations
   (:data:`~catlip.text.webwords.ABBREVIATIONS`: ``tv``, ``dvd``, ``suv`` ...). A short all-caps
   token (``GB``, ``CA``, ``GMT``) is an abbreviation unless WordNet's tagged corpus uses it as a
   word (``BOX``).
2. **Names.** A word is a name when its case is mixed (``iPhone``), when WordNet does not know it
   at all (``Peugeot``), or when it is capitalized and WordNet's first noun sense for it is a named
   individual (``Ford``: Henry Ford before the river crossing; ``Lincoln``). Case alone says
   little (title-case product listings are mostly common nouns: "Coffee Table with Tray Top"),
   so only name words count, together with the capitalized word right before or after one
   ("Apple iPhone", "Hugo Boss"). Up to three capitalized words before a legal form (``Inc``,
   ``Ltd``) and the capitalized words around a middle initial are names too ("Gum Inc.",
   "William J. Carpenter"). Place names are the exception: a capitalized word or WordNet
   compound whose first sense is a named place becomes that place ("Dresden, Germany", "New
   York City", "New york").
3. **Titles.** Title-case text right before a parenthesized year or format of a work is its
   title ("Saving Grace (2000)", "Sunshine (DVD, 2008)": the DVD stays; "Heart Of Dixie
   (MIXTAPE)", "I'm A Man (Album Version)"), and so are the capitalized
   words of a caption that names a numbered part of a work ("Owl of War (Owl the Assassin Book
   2)", "The Karate Kid Part II"), a novel's subtitle or an ISBN, except :data:`WORK_WORDS`.
4. **Modifiers.** A person noun that WordNet uses at least as often as an adjective, right
   before a noun, is that adjective ("Korean sculptor"); a noun right before a colour word
   (:data:`~catlip.text.webwords.COLOURS`) begins the colour's name ("Midnight Blue") when its
   sense is a time, group, natural object, food, act or phenomenon, not a thing that comes in
   colours ("Sandal black").
5. **Verbs.** A noun that is as much a verb goes where the caption uses it as one: a command
   ("Order your pair ..."), after its subject ("Before you shop"), a verb-only '-ing' form
   ("The Walking Dead"); see :mod:`catlip.text.verbs`.
6. **Other languages.** A caption in which fewer than half of the words are English (WordNet
   words or English function words), or which has more foreign function words (``de``, ``la``,
   ``und``) than English ones, yields no labels.

A hyphenated token of three or more parts with digits in it is a URL slug, read as words
("2go-travel-sale-ticket"). Each word's facts come from :mod:`catlip.text.webwords`; this module
holds the caption-level passes. The lower-case tokens that remain go through the usual noun
analysis (:mod:`catlip.text.lexicon`); :mod:`catlip.text.heads` adds a multiword noun's head
("Tote Bag" is a bag).

Example:
    >>> from catlip.text.lexicon import LexiconOptions, get_lexicon
    >>> web_tokens("Apple iPhone 12 Pro Max 256GB", get_lexicon(LexiconOptions()))
    ['|', '|', '12', 'pro', 'max', '|']
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import reduce
from itertools import compress
from operator import itemgetter, not_, or_
from typing import TYPE_CHECKING, cast

from catlip.text.function_words import FUNCTION_WORDS
from catlip.text.lexicon import BARRIER, PLACE_MARK, Kind
from catlip.text.titles import WORD, has_subtitle
from catlip.text.tokenize import clean_caption
from catlip.text.verbs import after_subjects, commands, gerunds
from catlip.text.webwords import (
    ABBREVIATIONS,
    CAPITAL,
    COLOUR,
    COLOURS,
    COMMAND,
    COMPOUND,
    COUNTED,
    DEMONYM,
    ENGLISH_FUNCTION,
    FOREIGN_FUNCTION,
    FOREIGN_FUNCTION_WORDS,
    GERUND,
    INITIAL,
    NAME,
    OBJECT,
    SUBJECT,
    UNKNOWN,
    VERB,
    names_a_colour,
    word_facts,
)

if TYPE_CHECKING:
    from catlip.text.lexicon import Lexicon

__all__ = [
    "ABBREVIATIONS",
    "BARRIER",
    "COLOURS",
    "FOREIGN_FUNCTION_WORDS",
    "WORK_WORDS",
    "web_tokens",
]

# A word (letters and digits, with inner apostrophes or hyphens), or punctuation that ends a
# phrase (a sentence, a list item, a title): no name runs across it.
_SCAN = re.compile(rf"({WORD.pattern})|[.!?:;,|()\[\]{{}}\"“”/]|\s[-–—]\s")
# Stock-photo credits in the many forms web pages write them ('Stockfoto', 'Stock Photography').
_STOCK = re.compile(
    r"\bstock[\s-]*(?:photo|image|picture|footage|illustration|vector|foto|bild|vektor)\w*",
    re.IGNORECASE,
)
# A numbered part of a work ('Book 2', 'Part II', 'Season 3'), a novel's subtitle, an ISBN: the
# capitalized words of such a caption are its title ('Owl of War (Owl the Assassin Book 2)').
_WORK = re.compile(
    r"\b(?:Book|Vol\.?|Volume|Part|Season|Episode|Chapter)\s+(?:\d+|[IVX]+)\b"
    r"|:\s+A\s+Novel\b|\b97[89]\d{10}\b",
    re.IGNORECASE,
)
# fmt: off
WORK_WORDS: frozenset[str] = frozenset([
    "book", "novel", "volume", "season", "episode", "chapter", "dvd", "movie", "film",
    "video", "soundtrack", "poster", "audiobook", "paperback", "hardcover",
])
# fmt: on
"""Words that say what a work is (book, DVD), kept when a caption's capitalized words go."""
# A company's name before its legal form ('Gum Inc.'): a name, though its words are common nouns.
_COMPANY = re.compile(r"(?:\b[A-Z][\w'&]*\s+){0,3}\b(?:Inc|Ltd)\b")
# A parenthesized year or a work's format ends a title: 'Saving Grace (2000)', 'Heart Of Dixie
# (MIXTAPE)', 'I'm A Man (Album Version)', 'Xtreme Legends (PlayStation3)'.
_YEAR_PARENS = re.compile(
    r"\((?:[^()]*[\s,])?(?:(?:1[89]|20)\d\d|album version|mixtape|soundtrack|audiobook"
    r"|paperback|hardcover|kindle edition|dvd|blu-?ray|vhs|playstation ?\d?|ps[1-5]"
    r"|xbox(?: 360| one)?|wii u?|nintendo \w+)\)",
    re.IGNORECASE,
)

_TOKENS: Callable[[tuple[str | None, int]], str | None] = itemgetter(0)
_FLAGS: Callable[[tuple[str | None, int]], int] = itemgetter(1)


def web_tokens(caption: str, lexicon: Lexicon) -> list[str]:
    """Lower-case tokens of ``caption``, a barrier in place of every token that is no label.

    The barrier is :data:`~catlip.text.lexicon.BARRIER`.

    Args:
        caption: Raw caption or alt-text.
        lexicon: The tables of the extractor that will label the tokens.

    Returns:
        Tokens as :func:`catlip.text.tokenize` gives them, a place name as
        :meth:`Lexicon.place_token <catlip.text.lexicon.Lexicon.place_token>` spells it
        (``=new_york``), or ``[]`` when the caption is not English.
    """
    text = clean_caption(caption)
    if "tock" in text:
        text = _STOCK.sub(" ", text)
    if "(" in text:
        text = _blank_titles(text)
    if "Inc" in text or "Ltd" in text:
        text = _COMPANY.sub(_blank_words, text)
    low = text.lower()
    names_a_part = (
        ("book" in low or "part" in low or "vol" in low or "novel" in low or "97" in low)
        or ("season" in low or "episode" in low or "chapter" in low)
    ) and _WORK.search(text) is not None
    if names_a_part or has_subtitle(text):  # "Book 2", "Payday: The Heist": a work's title
        text = WORD.sub(_title_word, text)
    shout = text.upper() == text  # an all-caps caption: case says nothing
    memo = lexicon.web_memo[shout]
    found = _SCAN.findall(text)  # words, and "" for punctuation, which no name spans
    looked_up = list(map(memo.get, found))  # (token, flags); (None, 0) for punctuation
    if None in looked_up:
        scanned = [
            f or word_facts(w, shout, lexicon) for w, f in zip(found, looked_up, strict=True)
        ]
    else:
        scanned = cast("list[tuple[str | None, int]]", looked_up)
    seen = reduce(or_, map(_FLAGS, scanned), 0)
    if seen & (UNKNOWN | FOREIGN_FUNCTION) and not _english(list(map(_FLAGS, scanned))):
        return []
    if seen & (DEMONYM | COLOUR):
        scanned = _modifiers(scanned, lexicon)
    if seen & INITIAL:
        scanned = _initials(found, scanned)
    if seen & COMMAND and seen & OBJECT:
        scanned = commands(found, scanned)
    if seen & SUBJECT and seen & VERB:
        scanned = after_subjects(scanned)
    if seen & GERUND:
        scanned = gerunds(scanned, lexicon)
    if not seen & (NAME | COMPOUND) or (
        not seen & NAME and not _may_span(found, scanned, lexicon)
    ):  # most captions: nothing more to do
        return list(filter(None, map(_TOKENS, scanned)))
    return _names(found, scanned, lexicon)


def _may_span(found: list[str], scanned: list[tuple[str | None, int]], lexicon: Lexicon) -> bool:
    """Whether :func:`_span` may find a place or multiword noun at a word flagged for it.

    Where it finds none and no word is a name, :func:`_names` changes nothing: skip it ("Two
    dogs").
    """
    pairs = lexicon.compound_pairs
    following = ""  # the next word; punctuation between does not stop a span
    for word, facts in zip(reversed(found), reversed(scanned), strict=True):
        if word:
            if facts[1] & COMPOUND:
                first = word.lower()
                if lexicon.place(first) is not None or (
                    following and first + "_" + following.lower() in pairs
                ):
                    return True
            following = word
    return False


def _modifiers(
    scanned: list[tuple[str | None, int]], lexicon: Lexicon
) -> list[tuple[str | None, int]]:
    """Drop nouns that are modifiers here: demonyms before a noun, the first word of a colour.

    "Korean sculptor" shows a sculptor, not a Korean (WordNet's noun), and "Midnight Blue" or
    "Mint Green" name a colour, not midnight or mint; the colour word itself goes too when it
    reads as a noun ("Prism Violet": not the flower). Returns ``scanned`` itself when no word
    goes (most captions with a colour word: "a black dog"), else a changed copy.
    """
    out = scanned
    for k in range(len(scanned) - 1):
        token, flag = out[k]
        after, after_flag = out[k + 1]
        if token is None or after is None or token == BARRIER:
            continue
        if flag & DEMONYM and lexicon.analyze(after).kind == Kind.NOUN and after != BARRIER:
            out = out if out is not scanned else list(scanned)
            out[k] = (BARRIER, flag)
        elif after_flag & COLOUR and not flag & COLOUR and names_a_colour(token, lexicon):
            out = out if out is not scanned else list(scanned)
            out[k] = (BARRIER, flag)
            if lexicon.analyze(after).kind in (Kind.NOUN, Kind.VERBLIKE):
                out[k + 1] = (BARRIER, after_flag)
    return out


def _initials(
    found: list[str], scanned: list[tuple[str | None, int]]
) -> list[tuple[str | None, int]]:
    """Drop a person's names around a middle initial: 'William J. Carpenter' is no carpenter.

    ``found`` holds the caption's words, "" for punctuation: the initial is followed by one
    (its full stop) and both names are capitalized. Returns ``scanned`` itself when no name
    goes, else a changed copy.
    """
    out = scanned
    for k in range(1, len(found) - 2):
        if (
            scanned[k][1] & INITIAL
            and not found[k + 1]
            and len(found[k - 1]) > 1
            and found[k - 1][:1].isupper()
            and len(found[k + 2]) > 1  # not 'D.C.'
            and found[k + 2][:1].isupper()
        ):
            out = out if out is not scanned else list(scanned)
            out[k - 1] = (BARRIER, scanned[k - 1][1])
            out[k + 2] = (BARRIER, scanned[k + 2][1])
    return out


def _english(flags: list[int]) -> bool:
    """Whether enough words are English: half of them, and not more foreign function words."""
    counted = english = english_function = foreign_function = 0
    for flag in flags:
        if flag & COUNTED:
            counted += 1
            english += not flag & UNKNOWN
            english_function += flag & ENGLISH_FUNCTION and 1
            foreign_function += flag & FOREIGN_FUNCTION and 1
    return counted < 3 or (
        english * 2 >= counted and (foreign_function < 2 or foreign_function <= english_function)
    )


def _names(
    scanned_words: list[str], scanned: list[tuple[str | None, int]], lexicon: Lexicon
) -> list[str]:
    """Apply the name, place and multiword-noun rules to a caption's scanned words."""
    all_tokens = list(map(_TOKENS, scanned))  # None for punctuation
    words = list(compress(scanned_words, all_tokens))
    tokens = cast("list[str]", list(filter(None, all_tokens)))
    flags = list(compress(map(_FLAGS, scanned), all_tokens))
    # Punctuation between this word and the one before (the first word: always).
    breaks = list(compress([True, *map(not_, all_tokens[:-1])], all_tokens))
    names = [False] * len(words)
    named = []
    after = 0  # words before this one are part of a place or multiword noun
    for k, flag in enumerate(flags):
        if not flag & (COMPOUND | NAME) or k < after:
            continue
        if flag & COMPOUND:
            width, place = _span(words, k, lexicon)
            if width:  # a place ('New York') or a WordNet multiword noun ('Ice Hockey')
                if place is not None:
                    tokens[k : k + width] = [place] + [BARRIER] * (width - 1)
                after = k + width
                continue
        if flag & NAME:
            tokens[k] = BARRIER
            names[k] = True
            named.append(k)
    last = len(words) - 1
    for j in named:  # a capitalized word next to a name is part of it
        for k, joined in (
            (j - 1, j > 0 and not breaks[j]),
            (j + 1, j < last and not breaks[j + 1]),
        ):
            if (
                joined
                and not names[k]
                and flags[k] & CAPITAL
                and not tokens[k].startswith(PLACE_MARK)
            ):
                tokens[k] = BARRIER
    return tokens


def _span(words: list[str], start: int, lexicon: Lexicon) -> tuple[int, str | None]:
    """The longest place name or multiword noun starting at ``words[start]``.

    Returns:
        ``(width, place token)`` for a place, ``(width, None)`` for a multiword noun of two or
        more words, ``(0, None)`` for neither.
    """
    first = words[start].lower()
    longest = 1
    if start + 1 < len(words) and first + "_" + words[start + 1].lower() in lexicon.compound_pairs:
        longest = min(lexicon.compound_len.get(first, 1), len(words) - start)
    if longest == 1:  # most words: only a one-word place name can start here
        token = lexicon.place_token(first)
        return (0, None) if token is None else (1, token)
    for width in range(longest, 0, -1):
        span = words[start : start + width]
        if not all(w.isalpha() for w in span[1:]):
            continue
        lemma = "_".join(w.lower() for w in span)
        token = lexicon.place_token(lemma)
        if token is not None:  # 'New York', and 'New york' too
            return width, token
        capitalized = all(w[:1].isupper() for w in span[1:])
        if capitalized and width > 1 and lexicon.compound(lemma) is not None:  # not 'Arthur Miller'
            return width, None
    return 0, None


def _title_word(match: re.Match[str]) -> str:
    """A capitalized word of a work's title becomes a barrier; other words stay."""
    word = match.group(0)
    if word[:1].isupper() and word.lower() not in WORK_WORDS:
        return "|"
    return word


def _blank_words(match: re.Match[str]) -> str:
    """Every word of a matched name becomes a barrier."""
    return WORD.sub("|", match.group(0))


def _blank_titles(text: str) -> str:
    """Replace title-case text before a parenthesized year or format with a barrier character."""
    match = _YEAR_PARENS.search(text)
    if match is None:
        return text
    out: list[str] = []
    done = 0
    while match is not None:
        begin = max(text.rfind(c, done, match.start()) for c in ".:;|()[]") + 1
        title = text[max(begin, done) : match.start()]
        words = [w for w in WORD.findall(title) if len(w) > 2]
        if words and all(w[:1].isupper() or w.lower() in FUNCTION_WORDS for w in words):
            out.append(text[done : max(begin, done)] + " | ")
            done = match.start()
        match = _YEAR_PARENS.search(text, match.end())
    return "".join(out) + text[done:]
