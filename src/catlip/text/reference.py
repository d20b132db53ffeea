"""The seed paper's released labeller, reproduced as a baseline (``SynsetExtractor.reference()``).

Per caption: lowercase; tokenize (NLTK's Treebank tokenizer: the paper's ``word_tokenize``
without sentence splitting, which needs no ``punkt`` data); POS-tag with NLTK's perceptron
tagger (computed, never used); lemmatize every token as a noun the way NLTK's
``WordNetLemmatizer`` does (the shortest of WordNet's morphological base forms); take synset
``<lemma>.n.01``; keep it only if that synset's name is ``<lemma>.n.01``. The only change: ids are
padded wnids (``n04379243``), where the paper wrote ``n`` + the unpadded offset.

Its faults, kept on purpose: colour and function words become labels (``white``, ``are``,
``over``); nouns whose first sense is named otherwise are dropped (``photo``, ``boy``, ``tv``,
``couch``); no compound nouns; ``men`` is lemmatized to ``men`` (the work force, then dropped by the
name check) and ``cookies`` to ``cooky``.

Example:
    >>> reference_labels("A white dog on the couch")
    ['n09638875', 'n02084071']
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from catlip.resources import pos_tagger
from catlip.wordnet import format_wnid, reader

__all__ = ["reference_labels"]


@lru_cache(maxsize=1)
def _tokenizer() -> Any:
    from nltk.tokenize import TreebankWordTokenizer

    return TreebankWordTokenizer()


def _lemmatize(reader: Any, token: str) -> str:
    """NLTK's ``WordNetLemmatizer.lemmatize(token, "n")`` on catlip's WordNet reader."""
    lemmas = reader._morphy(token, "n")
    return min(lemmas, key=len) if lemmas else token


def reference_labels(caption: str) -> list[str]:
    """Label one caption exactly as the paper's released code does (with padded wnids).

    Args:
        caption: A caption.

    Returns:
        Unique wnids in order of first appearance.
    """
    wn = reader()
    tokens = _tokenizer().tokenize(caption.lower())
    if tokens:
        pos_tagger().tag(tokens)  # the paper tags, then ignores the tags
    labels: list[str] = []
    seen: set[str] = set()
    for token in tokens:
        name = _lemmatize(wn, token) + ".n.01"
        try:
            found = wn.synset(name)
        except Exception:  # WordNetError (no such lemma) or ValueError (odd token).
            continue
        if found.name() != name:
            continue
        label = format_wnid(found.offset())
        if label not in seen:
            seen.add(label)
            labels.append(label)
    return labels
