"""WordNet noun synset ids in the ImageNet form: ``"n"`` + the 8-digit WordNet 3.0 offset.

Also the conversions between wnids, synset names and NLTK ``Synset`` objects.

Example:
    >>> from catlip.wordnet import synset, wnid
    >>> wnid(synset("n02084071"))
    'n02084071'
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from catlip.wordnet._nltk import reader

if TYPE_CHECKING:
    from nltk.corpus.reader.wordnet import Synset

__all__ = [
    "WNID_PATTERN",
    "format_wnid",
    "is_wnid",
    "synset",
    "synset_of_id",
    "unknown_wnids",
    "wnid",
]

WNID_PATTERN = re.compile(r"n[0-9]{8}")
"""The form of a wnid, for ``fullmatch``: ``n`` and eight ASCII digits (``\\d`` would also take
the digits of other scripts, which ``int`` reads but no wnid contains). The one definition in
catlip."""


def format_wnid(offset: int) -> str:
    """Return the wnid of the noun synset at WordNet 3.0 data-file ``offset``.

    Args:
        offset: A non-negative offset (``Synset.offset()``).

    Returns:
        ``"n"`` + the offset padded to 8 digits.

    Raises:
        ValueError: ``offset`` is negative or longer than 8 digits.

    Example:
        >>> format_wnid(1440764)
        'n01440764'
    """
    if not 0 <= offset <= 99_999_999:
        raise ValueError(f"offset must be between 0 and 99999999, got {offset}")
    return f"n{offset:08d}"


def is_wnid(value: object) -> bool:
    """Return whether ``value`` is a string of the wnid form ``"n"`` + 8 ASCII digits.

    This checks the form only; :func:`synset` also checks that WordNet has the synset.

    Example:
        >>> is_wnid("n01440764"), is_wnid("n1440764")
        (True, False)
    """
    return isinstance(value, str) and WNID_PATTERN.fullmatch(value) is not None


def unknown_wnids(wnids: Iterable[str]) -> list[str]:
    """Return the wnids, in order, that name no WordNet 3.0 noun synset.

    Reads WordNet's ``data.noun`` directly (:func:`catlip.wordnet.db.wordnet_db`, a fraction of
    a second once per process), not NLTK's corpus reader. Ids not of the wnid form count as
    unknown.

    Example:
        >>> unknown_wnids(["n02084071", "n00000001"])
        ['n00000001']
    """
    from catlip.wordnet.db import wordnet_db

    is_noun_synset = wordnet_db().is_noun_synset
    return [w for w in wnids if not is_wnid(w) or not is_noun_synset(int(w[1:]))]


def wnid(synset: Synset) -> str:
    """Return the wnid of a WordNet noun synset.

    Args:
        synset: An NLTK ``Synset`` from :func:`catlip.wordnet.reader` (WordNet 3.0).

    Returns:
        Its wnid, for example ``"n01440764"`` for ``tench.n.01``.

    Raises:
        TypeError: ``synset`` is not a ``Synset``.
        ValueError: ``synset`` is not a noun synset (wnids exist for nouns only).

    Example:
        >>> from catlip.wordnet import reader
        >>> wnid(reader().synset("tench.n.01"))
        'n01440764'
    """
    pos = getattr(synset, "pos", None)
    offset = getattr(synset, "offset", None)
    if not callable(pos) or not callable(offset):
        raise TypeError(f"synset must be an nltk Synset, got {type(synset).__name__}")
    if pos() != "n":
        raise ValueError(
            f"synset {synset.name()} is not a noun synset (pos {pos()!r}); wnids name nouns only"
        )
    return format_wnid(int(offset()))


def synset(wnid: str) -> Any:
    """Return the WordNet 3.0 noun synset a wnid names.

    Args:
        wnid: ``"n"`` + 8 digits, for example ``"n01440764"``.

    Returns:
        The NLTK ``Synset``.

    Raises:
        TypeError: ``wnid`` is not a string.
        ValueError: ``wnid`` is not of the wnid form, or WordNet 3.0 has no noun synset there
            (the message names the id).

    Example:
        >>> synset("n01440764").name()
        'tench.n.01'
    """
    if not isinstance(wnid, str):
        raise TypeError(f"wnid must be a str such as 'n01440764', got {type(wnid).__name__}")
    if not is_wnid(wnid):
        raise ValueError(f"{wnid!r} is not a wnid: expected 'n' followed by 8 digits (0-9)")
    wn = reader()
    try:
        with warnings.catch_warnings():
            # NLTK warns (and returns None) for offsets that start no synset.
            warnings.simplefilter("ignore", UserWarning)
            found = wn.synset_from_pos_and_offset("n", int(wnid[1:]))
    except Exception as exc:  # NLTK raises WordNetError or ValueError on bad offsets.
        raise ValueError(f"{wnid!r} is not a WordNet 3.0 noun synset ({exc})") from None
    if found is None or found.offset() != int(wnid[1:]):
        raise ValueError(f"{wnid!r} is not a WordNet 3.0 noun synset")
    return found


def synset_of_id(synset_id: str) -> Any | None:
    """Return the noun synset of a wnid or synset name, or ``None`` when WordNet has none.

    Example:
        >>> from catlip.wordnet import synset_of_id
        >>> synset_of_id("n01440764").name(), synset_of_id("run.v.01")
        ('tench.n.01', None)
    """
    from nltk.corpus.reader.wordnet import WordNetError

    try:
        if is_wnid(synset_id):
            return synset(synset_id)
        found = reader().synset(synset_id)
    except (LookupError, ValueError, WordNetError):
        return None
    return found if found.pos() == "n" else None
