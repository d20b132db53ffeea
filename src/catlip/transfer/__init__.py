"""Transfer Init: seed downstream classifiers from a CatLIP head, and zero-shot classifiers.

- :func:`resolve_labels` maps downstream labels (wnids, synset names, class names) to vocabulary
  synsets, returning :class:`LabelMatch` records.
- :func:`transfer_init` copies the matched head rows into a downstream ``nn.Linear``, in place, and
  returns a :class:`TransferReport`.
- :func:`zero_shot_classifier` builds a classifier for new labels with no training at all.
- :func:`coverage` measures how much of a label set a vocabulary covers (``catlip coverage``).

Example:
    >>> import torch
    >>> from catlip.transfer import transfer_init
    >>> from catlip.vocab import Vocabulary
    >>> vocab = Vocabulary(["n01440764", "n02084071"])
    >>> head = torch.nn.Linear(8, 2)
    >>> classifier = torch.nn.Linear(8, 2)
    >>> report = transfer_init(classifier, ["n02084071", "tench"], head=head, vocab=vocab)
    >>> report.counts["exact"]
    2
"""

from catlip.transfer.coverage import CoverageReport, coverage
from catlip.transfer.init import TransferReport, transfer_init
from catlip.transfer.resolve import (
    DEFAULT_SIMILARITY_THRESHOLD,
    LabelMatch,
    Method,
    resolve_labels,
)
from catlip.transfer.zero_shot import zero_shot_classifier

__all__ = [
    "DEFAULT_SIMILARITY_THRESHOLD",
    "CoverageReport",
    "LabelMatch",
    "Method",
    "TransferReport",
    "coverage",
    "resolve_labels",
    "transfer_init",
    "zero_shot_classifier",
]
