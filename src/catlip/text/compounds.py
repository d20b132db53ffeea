"""Multiword WordNet nouns in a caption's tokens ("fire hydrant", "tote bag"), and hyphen splits.

The extractor asks at each token that may start a multiword noun (its first two words are a
known pair, see :class:`~catlip.text.lexicon.Lexicon`) for the longest WordNet noun that starts
there. Without POS tags, a noun ending in a verb-like word must name a concrete thing ("a cat
sleeps" is no 'cat sleep', a nap). The answer depends on the next few tokens only, so it is
memoized per run of tokens (:func:`match_run`), as words are.

Example:
    >>> from catlip.text.lexicon import LexiconOptions, get_lexicon
    >>> lexicon = get_lexicon(LexiconOptions())
    >>> _ = lexicon.analyze("fire")  # a word's first analysis fills its multiword tables
    >>> longest_compound(["fire", "hydrants", "on", "a", "street"], 0, 3, lexicon, None)
    ('n03346898', 2)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from catlip.text.heads import compound_head
from catlip.text.lexicon import Kind
from catlip.text.senses import CONCRETE_LEXNAMES
from catlip.wordnet.senseindex import get_sense_index

if TYPE_CHECKING:
    from catlip.text.lexicon import Lexicon

__all__ = ["expand_hyphens", "longest_compound", "match_run"]


def match_run(
    run: tuple[str, ...], lexicon: Lexicon, *, web: bool
) -> tuple[str, int, str | None] | None:
    """The multiword noun that starts ``run``, memoized in ``lexicon.phrase_memo``.

    Args:
        run: The tokens from the one that may start a noun, as many as the longest noun that
            its first word starts has words.
        lexicon: The extractor's tables.
        web: Also give the noun's head word's synset, when the noun is a kind of it
            (:func:`~catlip.text.heads.compound_head`: "tote bag" is a bag).

    Returns:
        ``(wnid, width in tokens, head's wnid or None)``, or None.
    """
    matched = longest_compound(list(run), 0, len(run), lexicon, None)
    found = None
    if matched is not None:
        head = compound_head(matched[0], run[matched[1] - 1], lexicon) if web else None
        found = (matched[0], matched[1], head)
    memo = lexicon.phrase_memo
    if len(memo) >= lexicon.options.max_memo:
        memo.clear()
    memo[run] = found
    return found


def longest_compound(
    tokens: list[str], start: int, longest: int, lexicon: Lexicon, tags: list[str] | None
) -> tuple[str, int] | None:
    """Longest WordNet multiword noun starting at ``tokens[start]``: (wnid, width) or None.

    With ``tags`` (POS tags of ``tokens``), the noun must end in a noun-tagged token.
    """
    for width in range(min(longest, len(tokens) - start), 1, -1):
        end = start + width - 1
        if tags is not None and not tags[end].startswith("NN"):
            continue
        last = tokens[end]
        stem = "_".join(tokens[start:end]) + "_"
        info = lexicon.analyze(last)
        lemma = info.lemma
        # Without POS tags, a compound ending in a verb-like word must name a concrete thing.
        checked = tags is None and lexicon.options.pos == "wordnet" and info.kind != Kind.NOUN
        for form in (lemma, last) if lemma is not None and lemma != last else (last,):
            wnid = lexicon.compound(stem + form)
            if wnid is not None and (not checked or _concrete(stem + form, lexicon)):
                return wnid, width
    return None


def _concrete(key: str, lexicon: Lexicon) -> bool:
    """Whether compound ``key`` is overridden or its first sense is a concrete thing.

    'a cat sleeps' is not WordNet's 'cat sleep' (a nap), but 'teddy bear' stays a toy even though
    'bear' is mostly a verb.
    """
    if lexicon.policy.override(key)[0]:
        return True
    senses = get_sense_index().noun_senses(key)
    return bool(senses) and senses[0].lexname in CONCRETE_LEXNAMES


def expand_hyphens(tokens: list[str], lexicon: Lexicon) -> list[str]:
    """``tokens`` with each hyphenated token that is no WordNet lemma split into its parts."""
    out: list[str] = []
    for token in tokens:
        info = lexicon.analyze(token)
        if info.kind == Kind.SPLIT:
            out.extend(expand_hyphens(list(info.parts), lexicon))
        else:
            out.append(token)
    return out
