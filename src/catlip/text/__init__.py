"""Captions to WordNet noun synsets, the CatLIP labels.

- :class:`SynsetExtractor` / :func:`extract_synsets`: caption -> wnids (``"n02084071"``).
- :func:`wnid`, :func:`synset`, :func:`is_wnid`: convert between NLTK synsets and wnids.
- :func:`match_synset`, :func:`resolve_label`: deprecated wrappers of
  :func:`catlip.transfer.resolve_labels`, the one label matcher.

Nothing here loads WordNet at import; the first extraction reads the files it needs from the
WordNet 3.0 that ships inside catlip (:mod:`catlip.wordnet`), and :func:`synset` loads NLTK's
reader over the same files (about 1 s).

Example:
    >>> from catlip.text import extract_synsets, synset
    >>> [synset(w).name() for w in extract_synsets("A dog next to a traffic light")]
    ['dog.n.01', 'traffic_light.n.01']
"""

from catlip.text.extractor import ALGORITHM, REFERENCE_ALGORITHM, SynsetExtractor, extract_synsets
from catlip.text.senses import CONCRETE_LEXNAMES, SensePolicy, builtin_overrides
from catlip.text.similarity import match_synset, resolve_label
from catlip.text.tokenize import clean_caption, tokenize
from catlip.wordnet import format_wnid, is_wnid, synset, wnid

__all__ = [
    "ALGORITHM",
    "CONCRETE_LEXNAMES",
    "REFERENCE_ALGORITHM",
    "SensePolicy",
    "SynsetExtractor",
    "builtin_overrides",
    "clean_caption",
    "extract_synsets",
    "format_wnid",
    "is_wnid",
    "match_synset",
    "resolve_label",
    "synset",
    "tokenize",
    "wnid",
]
