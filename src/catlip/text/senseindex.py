"""Moved to :mod:`catlip.wordnet.senseindex` and :mod:`catlip.wordnet.names` (kept for imports)."""

from catlip.wordnet.names import synset_name as noun_synset_name
from catlip.wordnet.names import synset_offset as noun_synset_offset
from catlip.wordnet.senseindex import NounSense, SenseIndex, get_sense_index

__all__ = ["NounSense", "SenseIndex", "get_sense_index", "noun_synset_name", "noun_synset_offset"]
