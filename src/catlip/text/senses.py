"""Which WordNet noun sense a caption word gets: the sense policy and the override table.

WordNet lists a word's noun senses most frequent first (frequency in the SemCor corpus, which is
literary text, not image captions). catlip's policy, applied per noun lemma:

1. **Override table** (:func:`builtin_overrides`, plus the caller's own): a fixed sense, or
   ``None`` for "never a label", for frequent caption words whose first sense is wrong for
   pictures (``kite`` is first a bad bank check, ``mouse`` an animal, ``image`` a mental image).
2. **Common nouns first**: when some sense lists the word in lowercase, senses that list it only
   capitalized are skipped (``White`` the person, ``May`` the month, ``TV`` the medium, ``Grass``
   the writer); when none does (``T-shirt``, ``Frisbee``), the capitalized senses are kept except
   named individuals (WordNet instances such as cities and people).
3. **Prefer concrete senses**: if the first remaining sense is abstract (its lexicographer file
   is not one of :data:`CONCRETE_LEXNAMES`) and a later sense is concrete and has at least
   ``concrete_share`` of the first sense's tagged count, the concrete sense wins
   (``table`` -> the furniture, ``light`` -> a lamp, ``snow`` -> the substance).

Example:
    >>> from catlip.text.senses import SensePolicy
    >>> SensePolicy().choose("table")
    'n04379243'
"""

from __future__ import annotations

import json
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from catlip.wordnet import format_wnid, is_wnid
from catlip.wordnet.db import wordnet_db
from catlip.wordnet.names import synset_offset as noun_synset_offset
from catlip.wordnet.senseindex import NounSense, get_sense_index

__all__ = ["CONCRETE_LEXNAMES", "SensePolicy", "builtin_overrides"]

CONCRETE_LEXNAMES: frozenset[str] = frozenset(
    {
        "noun.animal",
        "noun.artifact",
        "noun.body",
        "noun.food",
        "noun.object",
        "noun.person",
        "noun.plant",
        "noun.substance",
    }
)
"""WordNet lexicographer files whose synsets are things one can photograph."""


_FIGURATIVE = frozenset(
    f"noun.{name}"
    for name in [
        *("Tops", "act", "attribute", "cognition", "communication", "event", "feeling"),
        *("group", "location", "motive", "person", "phenomenon", "possession", "process"),
        *("quantity", "relation", "shape", "state", "time"),
    ]
)


@lru_cache(maxsize=1)
def builtin_overrides(*, web: bool = True) -> dict[str, str | None]:
    """Return catlip's built-in override table: word -> synset name (``None``: never a label).

    The table is package data (``catlip/data/text_overrides.json``); it is versioned with the
    extractor's algorithm version, so a changed table changes :attr:`SynsetExtractor.settings`.

    Args:
        web: Include the entries for frequent web alt-text words whose web meaning is not
            WordNet's first sense (``vector``, ``print``, ``case``); see :mod:`catlip.text.web`.

    Example:
        >>> builtin_overrides()["kite"]
        'kite.n.03'
    """
    data = pkgutil.get_data("catlip", "data/text_overrides.json")
    if data is None:
        raise FileNotFoundError("catlip's package data text_overrides.json is missing")
    tables = json.loads(data)
    table: dict[str, str | None] = dict(tables["overrides"])
    if web:
        table.update(tables["web"])
    return table


def _resolve(name: str | None, word: str) -> str | None:
    """Turn an override value (synset name, wnid or None) into a wnid or None."""
    if name is None:
        return None
    parts = name.lower().rsplit(".", 2)
    if len(parts) == 3 and parts[1] in ("v", "a", "s", "r"):
        raise ValueError(f"override for {word!r}: {name!r} is not a noun synset")
    try:
        offset = int(name[1:]) if is_wnid(name) else noun_synset_offset(name)
    except KeyError:
        offset = -1
    if not wordnet_db().is_noun_synset(offset):
        raise ValueError(
            f"override for {word!r}: {name!r} is not a WordNet 3.0 noun synset name or wnid"
        )
    return format_wnid(offset)


@dataclass
class SensePolicy:
    """Pick a noun lemma's synset: overrides, common nouns only, then concrete over abstract.

    Args:
        overrides: word -> synset name or wnid (``None``: never a label). Resolved on first use.
        common_nouns_only: Skip senses whose matching lemma is capitalized (proper nouns).
        concrete_share: Prefer a concrete sense over an abstract first sense when its tagged
            count is at least this share of the first sense's; ``None`` turns the rule off.

    Example:
        >>> SensePolicy(concrete_share=None).choose("table")  # first sense: a data table
        'n08266235'
    """

    overrides: Mapping[str, str | None] = field(default_factory=dict)
    common_nouns_only: bool = True
    concrete_share: float | None = 0.25
    # Caches, not options: left out of repr and ==.
    _resolved: dict[str, str | None] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _chosen: dict[str, str | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def override(self, word: str) -> tuple[bool, str | None]:
        """Return ``(True, wnid_or_None)`` when ``word`` has an override, else ``(False, None)``."""
        resolved = self._resolved
        if resolved is None:
            resolved = {word: _resolve(name, word) for word, name in self.overrides.items()}
            self._resolved = resolved
        if word in resolved:
            return True, resolved[word]
        return False, None

    def senses(self, lemma: str) -> list[NounSense]:
        """Return ``lemma``'s noun senses in WordNet order, proper-noun senses removed if asked."""
        found = get_sense_index().noun_senses(lemma)
        if not self.common_nouns_only or not found:
            return list(found)
        lowercase = [s for s in found if _lists_lowercase(s, lemma)]
        if lowercase:
            return lowercase
        # Only capitalized lemmas ('T-shirt', 'Frisbee'): keep them, but never named individuals.
        return [s for s in found if not _is_instance(s.offset)]

    def choose(self, lemma: str) -> str | None:
        """Return the wnid for noun ``lemma`` (``"fire_hydrant"`` form), or ``None``.

        Example:
            >>> from catlip.text import synset
            >>> synset(SensePolicy().choose("table")).name()
            'table.n.02'
        """
        wnid = self._chosen.get(lemma, "")  # "": not chosen yet (a KeyError costs more)
        if wnid == "":
            wnid = self._chosen[lemma] = self._choose(lemma)  # at most one per WordNet lemma
        return wnid

    def _choose(self, lemma: str) -> str | None:
        has, wnid = self.override(lemma)
        if has:
            return wnid
        found = get_sense_index().noun_senses(lemma)
        if not found:
            return None
        # With common_nouns_only, a sense counts only if its synset lists the lemma in lowercase;
        # that check reads the synset, so it runs only on senses that could be chosen.
        lowercase_only = self.common_nouns_only
        start = 0
        if lowercase_only:
            listed = (k for k, s in enumerate(found) if _lists_lowercase(s, lemma))
            start = next(listed, -1)
            if start < 0:
                # Only capitalized lemmas ('T-shirt', 'Frisbee'): keep them, but never named
                # individuals.
                found = tuple(s for s in found if not _is_instance(s.offset))
                if not found:
                    return None
                start, lowercase_only = 0, False
        first = found[start]
        if self.concrete_share is not None and first.lexname in _FIGURATIVE:
            # Abstract first senses, and person senses of thing words (a 'toaster' who toasts,
            # a 'cub' reporter), give way to a concrete thing sense that is about as common.
            wanted = CONCRETE_LEXNAMES
            if first.lexname == "noun.person":
                wanted = CONCRETE_LEXNAMES - {"noun.person"}
            need = self.concrete_share * first.tagged
            for candidate in found[start + 1 :]:
                if (
                    candidate.lexname in wanted
                    and candidate.tagged >= need
                    and (not lowercase_only or _lists_lowercase(candidate, lemma))
                ):
                    return format_wnid(candidate.offset)
        return format_wnid(first.offset)


def _lists_lowercase(sense: NounSense, lemma: str) -> bool:
    return lemma in wordnet_db().noun_words(sense.offset)


def _is_instance(offset: int) -> bool:
    return wordnet_db().is_instance(offset)
