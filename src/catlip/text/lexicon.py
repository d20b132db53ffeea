"""Per-token analysis shared by every caption: noun lemma, sense, part-of-speech class, compounds.

A :class:`Lexicon` is built once per extractor settings (and per process, see
:func:`get_lexicon`) and memoizes each distinct token's analysis, so a caption costs a regex
split plus one dictionary look-up per token. Only whole tokens are memoized, never whole captions.

The tagger-free part-of-speech filter uses WordNet's own sense-frequency counts (SemCor tags,
``Lemma.count()``): a word whose tagged uses are mostly verb, adjective or adverb is not taken as a
noun, except that a verb-like word right after a determiner, number or adjective is (``a bear``,
``two sinks``). Closed-class words WordNet does not describe (``the``, ``can``, ``i``) are listed
in :mod:`catlip.text.function_words`.

Example:
    >>> lexicon = get_lexicon(LexiconOptions())
    >>> lexicon.analyze("cookies").wnid == lexicon.analyze("cookie").wnid
    True
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from catlip.text.function_words import DETERMINERS, FUNCTION_WORDS, NOUNS_AFTER_DETERMINER
from catlip.text.senses import SensePolicy, builtin_overrides
from catlip.wordnet import format_wnid
from catlip.wordnet.db import wordnet_db
from catlip.wordnet.senseindex import get_sense_index

__all__ = [
    "BARRIER",
    "DETERMINERS",
    "FUNCTION_WORDS",
    "NOUNS_AFTER_DETERMINER",
    "NOUN_CONTEXT",
    "PLACE_MARK",
    "Kind",
    "Lexicon",
    "LexiconOptions",
    "TokenInfo",
    "get_lexicon",
]


BARRIER = "|"
"""Stands for a caption word that is no label (a name, a code; see :mod:`catlip.text.web`).
It reads as a noun without a synset: no compound spans it, and it is the noun that follows a
verb-like word, as the name it replaces was."""

PLACE_MARK = "="
"""Prefix of a token that names a place (see :meth:`Lexicon.place_token`)."""


class Kind:
    """Token classes (small ints, for speed)."""

    OTHER = 0  # no noun reading kept
    NOUN = 1  # a noun: emit its synset
    VERBLIKE = 2  # noun only after a determiner, number or adjective
    ADJECTIVE = 3  # never a noun, but a noun context for the next word
    DETERMINER = 4  # never a noun; a noun context
    SPLIT = 5  # hyphenated token that is not a lemma: analyse its parts


NOUN_CONTEXT = (Kind.DETERMINER, Kind.ADJECTIVE)
"""The kinds after which a verb-like word reads as a noun (``a bear``, ``two sinks``)."""

_NO_BASES: tuple[tuple[str, ...], ...] = ((), (), (), ())


class TokenInfo(NamedTuple):
    """The memoized analysis of one token."""

    kind: int
    wnid: str | None
    lemma: str | None  # noun base form ("cookie" for "cookies"), for compound keys
    parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class LexiconOptions:
    """Everything that changes a :class:`Lexicon`'s output (the extractor's options)."""

    pos: str = "wordnet"
    noun_share: float = 0.5
    compounds: bool = True
    common_nouns_only: bool = True
    concrete_share: float | None = 0.25
    builtin_overrides: bool = True
    overrides: tuple[tuple[str, str | None], ...] = ()
    web: bool = True
    max_memo: int = 1_000_000


class Lexicon:
    """Token analysis tables and memo for one set of :class:`LexiconOptions`."""

    def __init__(self, options: LexiconOptions) -> None:
        self.options = options
        self._index = get_sense_index()  # first: it starts reading its file, then loads the db
        self._db = wordnet_db()
        self._morphy = self._db.morphy
        table: dict[str, str | None] = (
            dict(builtin_overrides(web=options.web)) if options.builtin_overrides else {}
        )
        table.update(options.overrides)
        table = {" ".join(word.split()).replace(" ", "_"): name for word, name in table.items()}
        self.policy = SensePolicy(
            overrides=table,
            common_nouns_only=options.common_nouns_only,
            concrete_share=options.concrete_share,
        )
        self.memo: dict[str, TokenInfo] = {}
        self.compound_memo: dict[str, str | None] = {}
        # Run of tokens -> the multiword noun it starts (wnid, width, head wnid), for the extractor.
        self.phrase_memo: dict[tuple[str, ...], tuple[str, int, str | None] | None] = {}
        # Base forms per part of speech (n, v, a, r) of every word looked at, shared by the noun
        # analysis and the web rules' word facts, as tuples (the garbage collector stops tracking
        # them); the name fact is memoized apart (it reads a synset).
        self._bases_memo: dict[str, tuple[tuple[str, ...], ...]] = {}
        self._name_memo: dict[str, bool] = {}
        self._place_memo: dict[str, str | None] = {}
        # Facts about words as written in captions (catlip.text.webwords): word -> (token, flags),
        # one table for ordinary captions and one for all-caps ones; "" is punctuation.
        self.web_memo: dict[bool, dict[str, tuple[str | None, int]]] = {
            False: {"": (None, 0)},
            True: {"": (None, 0)},
        }
        # Multiword nouns by first word: the longest one's word count, and every first two words
        # ('fire_hydrant', plus 'fire_hydrants' / 'fire_hydrantes' for plural heads). Filled for
        # a word when it is first analysed, so only the corpus's words cost anything.
        self.compound_len: dict[str, int] = {}
        self.compound_pairs: set[str] = set()
        # How far each of handover_memos() was handed on (catlip.text.handover.learned).
        self.handed_on = [len(memo) for memo in self.handover_memos()]
        self._override_compounds: dict[str, list[str]] = {}
        for name in self.policy.overrides:
            words = name.split("_")
            if len(words) > 1 and all(words):
                self._override_compounds.setdefault(words[0], []).append(name)

    def handover_memos(self) -> tuple[dict[Any, Any], ...]:
        """The memos ``catlip.text.handover`` hands between processes, word analyses first.

        What is dear to compute (a word's analysis, its facts as written, a run's multiword
        noun, a place), each a pure function of its key.
        """
        return (
            self.memo,
            self.web_memo[False],
            self.web_memo[True],
            self.phrase_memo,
            self._place_memo,
        )

    def add_compounds(self, first: str) -> None:
        """Add the multiword nouns that start with ``first`` to the tables (done on analysis)."""
        longest = 0
        pairs: list[str] = []
        if first not in FUNCTION_WORDS:  # 'the_street' (Wall Street), 'in_vitro': no captions'
            for name in self._db.noun_compounds(first):
                words = name.split("_")
                count = len(words)
                if count > 5 or "" in words:
                    continue
                if count > longest:
                    longest = count
                pairs.append(first + "_" + words[1])
                if count == 2:  # the head noun may be plural: 'fire hydrants'
                    pairs += (name + "s", name + "es")
        for name in self._override_compounds.get(first, ()):
            words = name.split("_")
            longest = max(longest, len(words))
            pairs += (first + "_" + words[1], name + "s", name + "es")
        if longest:
            self.compound_pairs.update(pairs)  # before the length: readers check that first
            self.compound_len[first] = longest

    def analyze(self, token: str) -> TokenInfo:
        """Return (and memoize) the analysis of one lowercase token."""
        info = self.memo.get(token)
        if info is None:
            info = self._analyze(token)
            if self.options.compounds:
                self.add_compounds(token)
            if len(self.memo) >= self.options.max_memo:
                self.memo.clear()  # bounded memory on endless web vocabularies
            self.memo[token] = info
        return info

    def _analyze(self, token: str) -> TokenInfo:
        if token in NOUNS_AFTER_DETERMINER:
            info = self._analyze_word(token)
            return info._replace(kind=Kind.VERBLIKE) if info.wnid else info
        return self._analyze_word(token)

    def _analyze_word(self, token: str) -> TokenInfo:
        if token == BARRIER:
            return TokenInfo(Kind.NOUN, None, None)
        if token.startswith(PLACE_MARK):
            wnid = self.place(token[1:])
            return TokenInfo(Kind.NOUN if wnid else Kind.OTHER, wnid, token[1:])
        if token in FUNCTION_WORDS:
            kind = Kind.DETERMINER if token in DETERMINERS else Kind.OTHER
            return TokenInfo(kind, None, None)
        if token in DETERMINERS or token.isdigit():
            return TokenInfo(Kind.DETERMINER, None, None)
        word = token.replace("’", "'")
        if word.endswith("'s"):
            word = word[:-2]
        has, wnid = self.policy.override(word)
        if has:
            return TokenInfo(Kind.NOUN if wnid else Kind.OTHER, wnid, word)
        if "-" in word:
            joined = word.replace("-", "_")
            for form in (word, joined):
                nouns = self._noun_bases(form)
                if nouns:
                    return self._classify(self._bases(form, nouns, keep=self.options.web))
            return TokenInfo(Kind.SPLIT, None, None, tuple(p for p in word.split("-") if p))
        if "'" in word:
            return TokenInfo(Kind.OTHER, None, None)
        # With the web rules, the word facts will ask for all four base forms anyway.
        nouns = self._bases(word)[0] if self.options.web else self._noun_bases(word)
        if not nouns:
            if self.options.pos == "wordnet" and self._adjective_bases(word):
                return TokenInfo(Kind.ADJECTIVE, None, None)
            return TokenInfo(Kind.OTHER, None, None)
        return self._classify(self._bases(word, nouns, keep=self.options.web))

    def _noun_bases(self, word: str) -> Sequence[str]:
        bases = self._bases_memo.get(word)
        if bases is not None:
            return bases[0]
        return self._morphy(word, "n") if word.isascii() else []

    def _adjective_bases(self, word: str) -> Sequence[str]:
        bases = self._bases_memo.get(word)
        if bases is not None:
            return bases[2]
        return self._morphy(word, "a") if word.isascii() else []

    def _bases(
        self, word: str, nouns: Sequence[str] | None = None, *, keep: bool = True
    ) -> tuple[tuple[str, ...], ...]:
        """WordNet's base forms of ``word`` as noun, verb, adjective and adverb (memoized).

        Only a noun, or a word whose word facts are asked for, needs all four: the noun analysis
        of other words looks at two. ``nouns``: the noun forms, if already known. ``keep``:
        memoize them (the web rules ask for word facts; without them nothing would read them).
        """
        bases = self._bases_memo.get(word)
        if bases is None:
            if word.isascii():
                morphy = self._morphy
                if nouns is None:
                    nouns = morphy(word, "n")
                verbs, adjectives, adverbs = morphy(word, "v"), morphy(word, "a"), morphy(word, "r")
                bases = (tuple(nouns), tuple(verbs), tuple(adjectives), tuple(adverbs))
                if not (bases[0] or bases[1] or bases[2] or bases[3]):
                    bases = _NO_BASES  # most unknown web words: one shared entry
            else:
                bases = _NO_BASES  # WordNet 3.0's lemmas and exception lists are all ASCII
            if not keep:
                return bases
            if len(self._bases_memo) >= self.options.max_memo:
                self._bases_memo.clear()
            self._bases_memo[word] = bases
        return bases

    def _classify(self, bases: tuple[tuple[str, ...], ...]) -> TokenInfo:
        index = self._index
        nouns, verbs, adjectives, adverbs = bases
        # Most frequent base form; ties go to the longer form ('cookie' over 'cooky').
        if len(nouns) == 1:
            lemma = nouns[0]
        else:
            lemma = max(nouns, key=lambda b: (index.noun_count(b), len(b)))
        has, wnid = self.policy.override(lemma)
        if not has:
            wnid = self.policy.choose(lemma)
        if wnid is None:
            return TokenInfo(Kind.OTHER, None, lemma)
        if self.options.pos != "wordnet":
            return TokenInfo(Kind.NOUN, wnid, lemma)
        noun = index.noun_count(lemma)
        verb = sum(index.verb_count(b) for b in verbs)
        modifier = sum(index.modifier_count(b) for b in set(adjectives + adverbs))
        if noun + verb + modifier == 0 or noun >= self.options.noun_share * (
            noun + verb + modifier
        ):
            return TokenInfo(Kind.NOUN, wnid, lemma)
        if verb >= modifier:
            return TokenInfo(Kind.VERBLIKE, wnid, lemma)
        return TokenInfo(Kind.ADJECTIVE, None, lemma)

    def is_word(self, word: str) -> bool:
        """Whether lower-case ``word`` is English: a WordNet word or a function word."""
        # any(), not 'is not _NO_BASES': a memo may hold an equal copy (one that was pickled).
        return any(self._bases(word)) or word in FUNCTION_WORDS or word in DETERMINERS

    def is_tagged_word(self, word: str) -> bool:
        """Whether WordNet's tagged corpus uses ``word`` as a word (``box``; not ``gb``)."""
        index = self._index
        nouns, verbs, adjectives, adverbs = self._bases(word)
        tagged = sum(index.noun_count(b) for b in nouns)
        tagged += sum(index.verb_count(b) for b in verbs)
        tagged += sum(index.modifier_count(b) for b in adjectives + adverbs)
        return tagged >= 2

    def is_name(self, word: str) -> bool:
        """Whether capitalized ``word`` reads as a name.

        It does when WordNet does not know it, or its first noun sense is a named individual
        (``ford``: Henry Ford).
        """
        name = self._name_memo.get(word)
        if name is None:
            if not word.isalpha():
                name = False
            elif not self.is_word(word):
                name = True
            else:
                nouns = self._bases(word)[0]
                senses = self._index.noun_senses(nouns[0]) if nouns else ()
                name = bool(senses) and self._db.is_instance(senses[0].offset)
            if len(self._name_memo) >= self.options.max_memo:
                self._name_memo.clear()
            self._name_memo[word] = name
        return name

    def place(self, lemma: str) -> str | None:
        """The wnid of place ``lemma`` (``"new_york"``) when that is its first sense, or None.

        None too when the override table makes ``lemma`` no label (``south``: not the US South).
        """
        known = self._place_memo.get(lemma, "")  # "": not memoized (a KeyError costs more)
        if known != "":
            return known
        senses = self._index.noun_senses(lemma)
        wnid = None
        if (
            senses
            and senses[0].lexname == "noun.location"
            and self._db.is_instance(senses[0].offset)
            # 'never a label' wins: 'South Florida' is not the US South
            and self.policy.override(lemma) != (True, None)
        ):
            wnid = format_wnid(senses[0].offset)
        if len(self._place_memo) >= self.options.max_memo:
            self._place_memo.clear()
        self._place_memo[lemma] = wnid
        return wnid

    def place_token(self, lemma: str) -> str | None:
        """The token that stands for the named place ``lemma``, or None if it is no place."""
        return PLACE_MARK + lemma if self.place(lemma) is not None else None

    def compound(self, key: str) -> str | None:
        """Return the wnid of multiword lemma ``key`` (``"fire_hydrant"``), memoized, or None."""
        known = self.compound_memo.get(key, "")  # "": not memoized
        if known != "":
            return known
        has, wnid = self.policy.override(key)
        if not has and self._db.has_lemma(key, "n"):
            wnid = self.policy.choose(key)
        if len(self.compound_memo) >= self.options.max_memo:
            self.compound_memo.clear()
        self.compound_memo[key] = wnid
        return wnid


_cache: dict[LexiconOptions, Lexicon] = {}
_cache_lock = threading.Lock()


def get_lexicon(options: LexiconOptions) -> Lexicon:
    """Return the process-wide :class:`Lexicon` for ``options``, building it on first use.

    Forked workers inherit the parent's lexicons (tables and memo) through this cache.
    """
    lexicon = _cache.get(options)
    if lexicon is None:
        with _cache_lock:
            lexicon = _cache.get(options)
            if lexicon is None:
                lexicon = Lexicon(options)
                _cache[options] = lexicon
    return lexicon
