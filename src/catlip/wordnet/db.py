"""WordNet's database files (``wndb``) read directly: lemmas, morphology, noun synsets.

NLTK's ``WordNetCorpusReader`` parses every index line into Python objects when it loads (over a
second) and builds a ``Synset`` object per lookup. Labelling captions needs far less: which lemmas
exist per part of speech, the morphological exception lists, the lexicographer file names, and a
few fields of some noun synsets (their words, whether they are named individuals).
:class:`WordNetDB` reads just that, in a tenth of the time, and keeps ``data.noun`` as bytes so
that a synset is one slice away. It is immutable once built, so threads and forked processes share
it freely.

:meth:`WordNetDB.morphy` is NLTK's ``_morphy``, rule for rule (the tests compare the two on every
WordNet lemma and on every word of the Flickr8k captions).

Example:
    >>> from catlip.wordnet.db import wordnet_db
    >>> db = wordnet_db()
    >>> db.morphy("geese", "n")
    ['goose']
    >>> db.noun_words(2084071)[:2]
    ['dog', 'domestic_dog']
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left
from collections.abc import Callable

from catlip.errors import MissingResourceError, ResourceVersionError
from catlip.wordnet import _bundle
from catlip.wordnet.nounfacts import NounFacts, load_noun_facts

__all__ = ["WORDNET_VERSION", "WordNetDB", "check_version", "wordnet_db"]

WORDNET_VERSION = "3.0"
"""The WordNet version catlip ships and accepts (its noun offsets are the ImageNet wnids)."""

_FILES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}

# NLTK's WordNetCorpusReader.MORPHOLOGICAL_SUBSTITUTIONS (itself from WordNet's morph.c).
_SUBSTITUTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "n": (
        *(("s", ""), ("ses", "s"), ("ves", "f"), ("xes", "x"), ("zes", "z")),
        *(("ches", "ch"), ("shes", "sh"), ("men", "man"), ("ies", "y")),
    ),
    "v": (
        *(("s", ""), ("ies", "y"), ("es", "e"), ("es", "")),
        *(("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")),
    ),
    "a": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "r": (),
}
# The rules that can apply to a form, by its last letter (same order as above).
_RULES_BY_LAST: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    pos: {end: tuple(r for r in rules if r[0].endswith(end)) for end in {r[0][-1] for r in rules}}
    for pos, rules in _SUBSTITUTIONS.items()
}
_SYNSET = re.compile(rb"^(\d{8}) ", re.MULTILINE)
_VERSION = re.compile(rb"Word[nN]et (\d+\+?|\d+\.\d+) Copyright")


class WordNetDB:
    """The parts of a WordNet database the extractor reads: lemmas, exceptions, noun synsets.

    Args:
        read: Returns the bytes of one database file by name (``"index.noun"``).
        facts: The database's :meth:`noun_facts`, if known (catlip ships them for its
            bundled WordNet); computed from the files otherwise (a tenth of a second).

    Raises:
        ValueError: A file is not in WordNet's database format.

    Example:
        >>> from catlip.wordnet.db import wordnet_db
        >>> db = wordnet_db()
        >>> db.has_lemma("fire_hydrant", "n"), db.has_lemma("fire_hydrant", "v")
        (True, False)
    """

    def __init__(self, read: Callable[[str], bytes], *, facts: NounFacts | None = None) -> None:
        lemmas: dict[str, frozenset[str]] = {}
        for pos, suffix in _FILES.items():
            lines = read(f"index.{suffix}").decode("utf-8").splitlines()
            # Index lines start with the lemma; the licence lines at the top with spaces.
            names = [line.partition(" ")[0] for line in lines if line and line[0] != " "]
            lemmas[pos] = frozenset(names)
            if pos == "n":
                names.sort()  # already sorted in Princeton's files: one linear pass
                self._noun_sorted = tuple(names)  # the garbage collector soon skips a tuple
        self._lemmas = lemmas
        self._lemma_sets = tuple(lemmas[pos] for pos in _FILES)
        self._exceptions: dict[str, dict[str, tuple[str, ...]]] = {}
        for pos, suffix in _FILES.items():
            table: dict[str, tuple[str, ...]] = {}
            for line in read(f"{suffix}.exc").decode("utf-8").splitlines():
                terms = line.split()
                if terms:
                    table[terms[0]] = tuple(terms[1:])
            self._exceptions[pos] = table
        self.lexnames: tuple[str, ...] = tuple(
            line.split()[1] for line in read("lexnames").decode("utf-8").splitlines() if line
        )
        # Last: a prefetch thread may still be inflating it (see wordnet_db).
        data = self._data_noun = read("data.noun")
        found = _VERSION.search(data, 0, 4096)  # in the licence text at the top
        self.version: str | None = found.group(1).decode() if found else None
        facts = facts if facts is not None else self.noun_facts()
        self._instances = facts.instances
        self._compound_starts = facts.compound_starts

    def noun_facts(self) -> NounFacts:
        """Compute which noun synsets are instances and which words start a multiword noun.

        Reads every synset of ``data.noun`` (a tenth of a second); catlip ships the result for
        its bundled WordNet (:mod:`catlip.wordnet.nounfacts`).
        """
        data = self._data_noun
        offsets = (int(found.group(1)) for found in _SYNSET.finditer(data))
        return NounFacts(
            frozenset(offset for offset in offsets if self._reads_instance(offset)),
            frozenset(name.partition("_")[0] for name in self._noun_sorted if "_" in name),
        )

    def has_lemma(self, lemma: str, pos: str) -> bool:
        """Whether ``lemma`` (lowercase, ``_`` between words) is in WordNet as ``pos`` (n/v/a/r)."""
        return lemma in self._lemmas[pos]

    def noun_lemmas(self) -> frozenset[str]:
        """Every noun lemma of WordNet (lowercase, ``_`` between words: ``fire_hydrant``)."""
        return self._lemmas["n"]

    def noun_compounds(self, first: str) -> list[str]:
        """The multiword noun lemmas whose first word is ``first`` (``fire_hydrant``), sorted."""
        if first not in self._compound_starts and "_" not in first:
            return []  # most words: no search
        prefix = first + "_"
        names = self._noun_sorted
        position = bisect_left(names, prefix)
        found: list[str] = []
        while position < len(names) and names[position].startswith(prefix):
            found.append(names[position])
            position += 1
        return found

    def morphy(self, form: str, pos: str) -> list[str]:
        """Base forms of ``form`` as ``pos`` (n/v/a/r) that WordNet lists, ``form`` itself first.

        Exactly NLTK's ``WordNetCorpusReader._morphy``: an exception-list entry replaces the
        suffix rules; otherwise each rule whose suffix matches is applied once.
        """
        exceptions = self._exceptions[pos]
        known = self._lemmas[pos]
        if form in exceptions:
            result: list[str] = []
            for candidate in (form, *exceptions[form]):
                if candidate in known and candidate not in result:
                    result.append(candidate)
            return result
        # The form itself, then each applicable rule's base once (in rule order).
        result = [form] if form in known else []
        for old, new in _RULES_BY_LAST[pos].get(form[-1:], ()):
            if form.endswith(old):
                candidate = form[: -len(old)] + new
                if candidate in known and candidate not in result:
                    result.append(candidate)
        return result

    def is_lemma(self, lemma: str) -> bool:
        """Whether ``lemma`` is in WordNet as any part of speech (``index.sense`` lists it)."""
        nouns, verbs, adjectives, adverbs = self._lemma_sets
        return lemma in nouns or lemma in verbs or lemma in adjectives or lemma in adverbs

    def _noun_bytes(self, offset: int) -> bytes:
        data = self._data_noun
        if offset <= 0 or data[offset - 1 : offset] != b"\n":
            raise KeyError(offset)
        line = data[offset : data.find(b"\n", offset)]
        if not line.startswith(b"%08d " % offset):
            raise KeyError(offset)
        return line

    def _noun_line(self, offset: int) -> str:
        return self._noun_bytes(offset).decode("utf-8")

    def is_noun_synset(self, offset: int) -> bool:
        """Whether ``offset`` starts a synset in ``data.noun``."""
        try:
            self._noun_bytes(offset)
        except KeyError:
            return False
        return True

    def noun_words(self, offset: int) -> list[str]:
        """The words of noun synset ``offset`` as WordNet spells them (``Frisbee``, ``hot_dog``).

        Raises:
            KeyError: No noun synset starts at ``offset``.
        """
        head = self._noun_line(offset).split(" ", 4)  # offset lex_filenum ss_type w_cnt rest
        count = int(head[3], 16)
        return head[4].split(" ", 2 * count)[: 2 * count : 2]

    def hypernyms(self, offset: int) -> list[int]:
        """Offsets of noun synset ``offset``'s hypernyms and instance hypernyms, in file order.

        Raises:
            KeyError: No noun synset starts at ``offset``.
        """
        fields = self._noun_bytes(offset).split(b" ")
        start = 5 + 2 * int(fields[3], 16)  # after offset lex_filenum ss_type w_cnt words
        num_pointers = int(fields[start - 1])
        return [
            int(fields[k + 1])
            for k in range(start, start + 4 * num_pointers, 4)
            if fields[k] == b"@" or fields[k] == b"@i"
        ]

    def is_instance(self, offset: int) -> bool:
        """Whether noun synset ``offset`` is a named individual (has an instance hypernym).

        Raises:
            KeyError: No noun synset starts at ``offset``.
        """
        if offset in self._instances:
            return True
        self._noun_bytes(offset)  # a KeyError for an offset that starts no synset
        return False

    def _reads_instance(self, offset: int) -> bool:
        line = self._noun_bytes(offset)
        gloss = line.find(b" | ")
        if gloss > 0:  # no field before the gloss has a space or is '@i' but an instance pointer
            return b" @i " in line[:gloss]
        fields = line.split(b" ")
        start = 5 + 2 * int(fields[3], 16)
        num_pointers = int(fields[start - 1])
        return b"@i" in fields[start : start + 4 * num_pointers : 4]


_db: WordNetDB | None = None
_lock = threading.Lock()


def wordnet_db() -> WordNetDB:
    """Return the process-wide :class:`WordNetDB`, reading catlip's bundled WordNet 3.0 once.

    Takes about 0.15 s (decompressing and parsing the files); NLTK is not imported.

    Raises:
        MissingResourceError: The bundled WordNet is missing or corrupt (a damaged installation).
        ResourceVersionError: The bundled WordNet is not version 3.0 (a damaged installation).

    Example:
        >>> from catlip.wordnet.db import wordnet_db
        >>> wordnet_db() is wordnet_db()
        True
    """
    global _db
    db = _db
    if db is not None:
        return db
    with _lock:
        if _db is None:
            _bundle.prefetch("data.noun")  # inflates on another core while the indexes parse
            try:
                candidate = WordNetDB(_bundle.read, facts=load_noun_facts())
            except (ValueError, IndexError) as exc:
                raise MissingResourceError(
                    f"catlip's bundled WordNet is corrupt ({exc}): reinstall catlip."
                ) from None
            check_version(candidate.version)
            _db = candidate
        return _db


def check_version(version: str | None) -> None:
    """Refuse a WordNet whose data files name another version than :data:`WORDNET_VERSION`.

    Raises:
        ResourceVersionError: ``version`` is not ``"3.0"``.
    """
    if version != WORDNET_VERSION:
        raise ResourceVersionError(
            f"catlip needs WordNet {WORDNET_VERSION} (its offsets are the ImageNet wnids), but "
            f"its bundled WordNet says version {version}: reinstall catlip."
        )
