"""WordNet 3.0, shipped with catlip: files, lemmas, senses, names, ids and NLTK synsets.

The one place catlip finds, loads, caches and names WordNet things. Princeton WordNet 3.0's
database files ship inside the package (``catlip/data/wordnet-3.0.zip``, 10.7 MB, with WordNet's
licence beside it as ``WORDNET-LICENSE``), so nothing needs downloading and ``NLTK_DATA`` plays no
part: a WordNet found there is ignored, as catlip accepts version 3.0 only (its noun offsets are
the ImageNet wnids).

- :func:`synset_name` / :func:`synset_offset`: ``2084071`` <-> ``"dog.n.01"`` (NLTK's names,
  without NLTK), and :func:`synset_names` for wnids.
- :func:`wnid` / :func:`synset` / :func:`synset_of_id`: NLTK ``Synset`` <-> wnid
  (``"n02084071"``); :func:`is_wnid`, :func:`format_wnid`, :data:`WNID_PATTERN`,
  :func:`unknown_wnids`.
- :func:`reader`: NLTK's ``WordNetCorpusReader`` over the bundled files.

Internals (importable, not a stability promise): :mod:`catlip.wordnet.db` (lemma lists,
morphology and noun data read directly, for the extractor), :mod:`catlip.wordnet.senseindex`
(WordNet's sense index), :mod:`catlip.wordnet.stats` (specificity and frequency of noun
synsets) and :mod:`catlip.wordnet.nounfacts` (which noun synsets are instances and which words
start a multiword noun, computed ahead of time, for a new word's first analysis). Everything loads
on first use, once per process, and is safe to share between threads and forked or spawned
workers; nothing happens at import.

Example:
    >>> from catlip.wordnet import reader, synset_name
    >>> synset_name(2084071), reader().synset("dog.n.01").offset()
    ('dog.n.01', 2084071)
"""

from catlip.wordnet._nltk import reader
from catlip.wordnet.db import WORDNET_VERSION
from catlip.wordnet.ids import (
    WNID_PATTERN,
    format_wnid,
    is_wnid,
    synset,
    synset_of_id,
    unknown_wnids,
    wnid,
)
from catlip.wordnet.names import synset_name, synset_names, synset_offset

__all__ = [
    "WNID_PATTERN",
    "WORDNET_VERSION",
    "format_wnid",
    "is_wnid",
    "reader",
    "synset",
    "synset_name",
    "synset_names",
    "synset_of_id",
    "synset_offset",
    "unknown_wnids",
    "wnid",
]
