"""Synset vocabularies and labels: count a caption corpus, prune it, encode captions as classes.

The pieces, in the order a pipeline uses them:

- :func:`count_synsets` turns captions into per-caption synset counts (:class:`SynsetCounts`),
  streaming, in parallel, shardable; counts from shards add up (:func:`merge`). Given
  :class:`CaptionFiles`, its worker processes each read their own share of the files.
- :class:`Vocabulary` keeps the synsets seen in enough captions, in a fixed order, and encodes
  captions as class indices; it saves to and loads from a versioned JSON file.
- :class:`Provenance` records how counts, a vocabulary or a label file were made (extractor
  settings, WordNet and catlip version, vocabulary fingerprint); every file carries it.
- :func:`pad_labels`, :func:`multi_hot` and :class:`LabelCollate` turn index lists into the
  tensors a loss takes.
- :func:`label_batch` and :func:`count_batch` (and :class:`BatchLabeller`,
  :class:`BatchCounter`) label or count a column of captions handed over by a data engine
  (Arrow, pandas, Ray Data ``map_batches``, Spark ``mapInPandas``).
- :func:`read_records` reads captions from text, CSV/TSV, JSON lines and webdataset ``.tar``
  shards; :func:`save_labels` / :func:`load_labels` store precomputed labels per sample, and
  :func:`label_shards` / :class:`ShardLabels` one label file per shard, for web-scale corpora;
  :func:`decode_caption` is the caption rule of webdataset samples, for training pipelines.

Importing this package is cheap: torch is imported only by the label-tensor helpers, and WordNet
is loaded only when captions are first turned into synsets.

Example:
    >>> from catlip.vocab import Vocabulary, pad_labels
    >>> counts = {"n02084071": 9, "n02121808": 4, "n01503061": 1}
    >>> vocab = Vocabulary.from_counts(counts, min_count=2)
    >>> vocab.wnids
    ('n02084071', 'n02121808')
    >>> pad_labels([vocab.encode(["n02121808", "n02084071"]), []]).tolist()
    [[1, 0], [-1, -1]]
"""

from __future__ import annotations

from catlip.vocab._tar import decode_caption
from catlip.vocab.batches import (
    CAPTION_COLUMNS,
    BatchCounter,
    BatchLabeller,
    count_batch,
    label_batch,
)
from catlip.vocab.captionfiles import CaptionFiles
from catlip.vocab.counts import COUNTS_FORMAT, COUNTS_VERSION, SynsetCounts, count_synsets, merge
from catlip.vocab.labelfiles import (
    LABELS_FORMAT,
    LABELS_VERSION,
    label_records,
    load_labels,
    save_labels,
)
from catlip.vocab.labels import LabelCollate, multi_hot, pad_labels
from catlip.vocab.provenance import Provenance
from catlip.vocab.readers import FORMATS, BadRecord, ReadReport, Record, detect_format, read_records
from catlip.vocab.shardlabels import (
    SHARD_LABELS_SUFFIX,
    ShardLabels,
    label_shards,
    shard_labels_path,
)
from catlip.vocab.vocabulary import VOCABULARY_FORMAT, VOCABULARY_VERSION, Vocabulary

__all__ = [
    "CAPTION_COLUMNS",
    "COUNTS_FORMAT",
    "COUNTS_VERSION",
    "FORMATS",
    "LABELS_FORMAT",
    "LABELS_VERSION",
    "SHARD_LABELS_SUFFIX",
    "VOCABULARY_FORMAT",
    "VOCABULARY_VERSION",
    "BadRecord",
    "BatchCounter",
    "BatchLabeller",
    "CaptionFiles",
    "LabelCollate",
    "Provenance",
    "ReadReport",
    "Record",
    "ShardLabels",
    "SynsetCounts",
    "Vocabulary",
    "count_batch",
    "count_synsets",
    "decode_caption",
    "detect_format",
    "label_batch",
    "label_records",
    "label_shards",
    "load_labels",
    "merge",
    "multi_hot",
    "pad_labels",
    "read_records",
    "save_labels",
    "shard_labels_path",
]
