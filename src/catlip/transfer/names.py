"""Downstream label text: parsing, spelling variants, sense hints and WordNet candidates.

Label sets write class names in many ways: ``n01440764``, ``tench.n.01``, ``great white shark``,
``restaurant_kitchen``, ``Shih-Tzu``, ``red wolf or maned wolf``, ``cardboard box / carton``,
``bat_(animal)``, ``crane (machine)``. :func:`parse_label` turns one into a :class:`ParsedLabel`
(the names to look up and the parenthetical *hint*), and :func:`candidate_synsets` lists the WordNet
noun senses those names can have, trying the spellings WordNet may use.

Example:
    >>> from catlip.transfer.names import parse_label
    >>> parse_label("bat_(animal)").names, parse_label("bat_(animal)").hint
    (('bat',), 'animal')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from catlip.wordnet import is_wnid, reader, synset_of_id
from catlip.wordnet.db import wordnet_db

__all__ = [
    "MAX_LABEL_WORDS",
    "MAX_LEMMA_WORDS",
    "ParsedLabel",
    "candidate_synsets",
    "is_modifier",
    "label_key",
    "lookup_forms",
    "parse_label",
    "subphrases",
    "synset_of_id",
]

MAX_LABEL_WORDS = 32
"""The most words a label is looked up with, its names and parenthetical together. A longer
label is a sentence or a caption, not a class name (ImageNet's longest list of synonyms has 16
words), and its sense search would grow with the square of its length."""

MAX_LEMMA_WORDS = 9
"""Words in WordNet 3.0's longest noun lemma (``abul-walid_mohammed_ibn-ahmad_ibn-mohammed_ibn-
roshd``, counting parts between ``_``, ``-`` and other punctuation): no longer run of a label's
words can name a synset."""

_SYNSET_NAME = re.compile(r"\S+\.n\.[0-9]{2}")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_PARENTHETICAL = re.compile(r"\(([^()]*)\)")
# "X or Y", "X / Y", "X, Y" list alternative names of one class.
_ALTERNATIVES = re.compile(r"\s+or\s+|\s*/\s*|\s*,\s*|\s*;\s*")


@dataclass(frozen=True)
class ParsedLabel:
    """One downstream label, split into what to look up.

    Attributes:
        label: The label exactly as given.
        synset_id: A wnid (``n01440764``) or synset name (``tench.n.01``) when the label is one.
        names: Alternative names of the class, normalized (lower case, single spaces), first the
            preferred one.
        hint: The parenthetical of the label (``"animal"`` for ``bat_(animal)``), or ``None``.
    """

    label: str
    synset_id: str | None
    names: tuple[str, ...]
    hint: str | None

    @property
    def too_long(self) -> bool:
        """Whether the label has more than :data:`MAX_LABEL_WORDS` words (it is not looked up)."""
        words = sum(len(name.split()) for name in self.names)
        return words + len((self.hint or "").split()) > MAX_LABEL_WORDS


def _normalize(text: str) -> str:
    return " ".join(text.replace("_", " ").split()).strip(" -'\".").lower()


def label_key(label: str) -> str:
    """Return ``label`` with case, runs of spaces and underscores ignored.

    Labels with the same key name the same class (``"Sunglasses"``, ``"sunglasses "``,
    ``"great_white shark"``).

    Example:
        >>> from catlip.transfer.names import label_key
        >>> label_key(" Great_White  shark") == label_key("great white shark")
        True
    """
    return " ".join(label.replace("_", " ").split()).casefold()


def parse_label(label: str) -> ParsedLabel:
    """Parse one downstream label.

    Args:
        label: A wnid, a synset name, or a class name as a data set writes it.

    Returns:
        The parsed label.

    Raises:
        ValueError: The label is empty or only punctuation.

    Example:
        >>> from catlip.transfer.names import parse_label
        >>> parse_label("red wolf or maned wolf").names
        ('red wolf', 'maned wolf')
    """
    text = label.strip()
    if is_wnid(text) or _SYNSET_NAME.fullmatch(text):
        return ParsedLabel(label, text, (), None)
    hints = [_normalize(h) for h in _PARENTHETICAL.findall(text)]
    body = _PARENTHETICAL.sub(" ", text).replace("_", " ")
    names = tuple(n for n in (_normalize(part) for part in _ALTERNATIVES.split(body)) if n)
    hint = " ".join(h for h in hints if h) or None
    if not names and hint is not None:
        names, hint = (hint,), None
    if not names:
        raise ValueError(f"label {label!r} has no name to look up: give a class name or a wnid")
    return ParsedLabel(label, None, names, hint)


def lookup_forms(name: str) -> list[str]:
    """Return the spellings WordNet may file ``name`` under, most literal first.

    Spaces become underscores (WordNet's collocation form); hyphens are also tried as underscores
    and dropped (``frilled-necked`` / ``frilled necked`` / ``frillednecked``), and a possessive
    ``'s`` is dropped.

    Args:
        name: A normalized class name (see :func:`parse_label`).

    Returns:
        Distinct lookup keys, in order.

    Example:
        >>> from catlip.transfer.names import lookup_forms
        >>> lookup_forms("shih-tzu")
        ['shih-tzu', 'shih_tzu', 'shihtzu']
    """
    base = name.replace(" ", "_")
    forms = [base, base.replace("-", "_"), base.replace("-", "")]
    forms += [f.replace("'s_", "_").replace("'s", "") for f in forms if "'s" in f]
    forms += [f.replace("'", "") for f in forms if "'" in f]
    return list(dict.fromkeys(forms))


def candidate_synsets(name: str) -> list[Any]:
    """Return the WordNet noun senses ``name`` can have, in WordNet's sense order.

    The spellings of :func:`lookup_forms` are tried first, then the name with spaces, hyphens and
    punctuation ignored (``Shih Tzu`` finds ``Shih-Tzu``, ``St. Bernard`` finds ``St_Bernard``).

    Args:
        name: A normalized class name.

    Returns:
        NLTK ``Synset`` objects (nouns only), without duplicates; empty when WordNet has no noun
        of that name in any spelling.

    Example:
        >>> from catlip.transfer.names import candidate_synsets
        >>> [s.name() for s in candidate_synsets("great white shark")]
        ['great_white_shark.n.01']
    """
    wn = reader()
    found: dict[str, Any] = {}
    for form in lookup_forms(name):
        for sense in wn.synsets(form, pos="n"):
            found.setdefault(sense.name(), sense)
        if found:
            return list(found.values())
    words = name.split()
    keys = [_squash(name)]
    singular = wn.morphy(words[-1], "n") if words else None
    if singular:
        keys.append(_squash(" ".join([*words[:-1], singular])))
    for key in keys:
        for lemma in _squashed_lemmas().get(key, ()):
            for sense in wn.synsets(lemma, pos="n"):
                found.setdefault(sense.name(), sense)
    return list(found.values())


def subphrases(name: str) -> list[tuple[str, str]]:
    """Split a multi-word name that WordNet lacks into ``(lemma phrase, other words)`` pairs.

    Every longest run of words that WordNet has as a noun is returned with the remaining words,
    which serve as a sense hint: ``"crane bird"`` gives ``("crane", "bird")`` and
    ``("bird", "crane")``. Runs are at most :data:`MAX_LEMMA_WORDS` words long (no WordNet noun
    is longer), so a name of ``n`` words costs at most ``n * MAX_LEMMA_WORDS`` lookups.

    Args:
        name: A normalized class name of two or more words.

    Returns:
        The pairs, longest phrases first, then left to right; empty for a single word.

    Example:
        >>> from catlip.transfer.names import subphrases
        >>> subphrases("great pyrenees dog")[0]
        ('great pyrenees', 'dog')
    """
    words = name.split()
    found: list[tuple[int, int]] = []
    # covered_to[a]: the furthest end of a found run that starts at word a. A run can only lie
    # inside a longer one found before it, which starts at most MAX_LEMMA_WORDS words earlier.
    covered_to = [0] * len(words)
    for size in range(min(len(words) - 1, MAX_LEMMA_WORDS), 0, -1):
        for start in range(len(words) - size + 1):
            end = start + size
            if any(covered_to[a] >= end for a in range(max(0, end - MAX_LEMMA_WORDS), start + 1)):
                continue
            if candidate_synsets(" ".join(words[start:end])):
                covered_to[start] = max(covered_to[start], end)
                found.append((start, end))
    return [
        (" ".join(words[start:end]), " ".join(words[:start] + words[end:])) for start, end in found
    ]


def is_modifier(word: str) -> bool:
    """Whether WordNet has ``word`` as an adjective (``green``, ``african``, ``smooth``).

    Example:
        >>> from catlip.transfer.names import is_modifier
        >>> is_modifier("smooth"), is_modifier("kitchen")
        (True, False)
    """
    wn = reader()
    return bool(wn.synsets(word, pos="a") or wn.synsets(word, pos="s"))


def _squash(text: str) -> str:
    return _NOT_ALNUM.sub("", text.lower())


_squashed: dict[str, tuple[str, ...]] | None = None


def _squashed_lemmas() -> dict[str, tuple[str, ...]]:
    """WordNet's noun lemmas keyed by their letters and digits only (built once, ~0.1 s)."""
    global _squashed
    if _squashed is None:
        db = wordnet_db()

        def order(lemma: str) -> tuple[bool, bool, str]:
            # NLTK's lemma order (index.adj, index.adv, then index.noun), which ranks senses.
            return not db.has_lemma(lemma, "a"), not db.has_lemma(lemma, "r"), lemma

        index: dict[str, list[str]] = {}
        for lemma in sorted(db.noun_lemmas(), key=order):
            index.setdefault(_squash(lemma), []).append(lemma)
        _squashed = {key: tuple(lemmas) for key, lemmas in index.items()}
    return _squashed
