"""A multiword noun's head word as a second label: "Tote Bag" is also a bag.

WordNet's multiword nouns are labelled as one synset ("tote bag" -> ``carryall.n.01``). When the
compound is a kind of what its last word names (the head's synset is one of the compound's
hypernyms), the caption names that too, and the head becomes a label of its own: "Living Room" ->
``room.n.01``, "a cell phone" -> ``telephone.n.01``. A compound that is no kind of its head gets
no second label: "hot dog" is no dog. Used by the default extractor (``web=True``).

Example:
    >>> from catlip.text import SynsetExtractor, synset
    >>> [synset(w).name() for w in SynsetExtractor()("a tote bag")]
    ['carryall.n.01', 'bag.n.01']
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from catlip.wordnet.db import wordnet_db

if TYPE_CHECKING:
    from catlip.text.lexicon import Lexicon

__all__ = ["compound_head"]


def compound_head(compound: str, head: str, lexicon: Lexicon) -> str | None:
    """The synset of a multiword noun's head word, when the compound is a kind of it.

    "Tote Bag" is a bag and "Living Room" a room: the caption names both, and WordNet says so
    (the head's sense is a hypernym of the compound's). "Hot dog" is no dog.

    Args:
        compound: The wnid the multiword noun was labelled with.
        head: The compound's last token, as the caption spells it ("bags").
        lexicon: The tables of the extractor.

    Returns:
        The head's wnid, or None.

    Example:
        >>> from catlip.text.lexicon import LexiconOptions, get_lexicon
        >>> from catlip.text import synset
        >>> lexicon = get_lexicon(LexiconOptions())
        >>> synset(compound_head("n02970408", "bags", lexicon)).name()
        'bag.n.01'
    """
    wnid = lexicon.analyze(head).wnid
    if wnid is None or wnid == compound:
        return None
    return wnid if _is_kind_of(int(compound[1:]), int(wnid[1:])) else None


@functools.lru_cache(maxsize=1 << 16)
def _is_kind_of(offset: int, ancestor: int) -> bool:
    """Whether noun synset ``ancestor`` is a hypernym (or instance hypernym) of ``offset``."""
    db = wordnet_db()
    seen: set[int] = set()
    todo = [offset]
    while todo:
        for parent in db.hypernyms(todo.pop()):
            if parent == ancestor:
                return True
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return False
