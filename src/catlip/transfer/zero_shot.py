"""Zero-shot classifiers: a classifier for new labels made from a CatLIP head, with no training.

A CatLIP head scores every vocabulary synset, so a classifier for any label set whose labels
resolve to vocabulary synsets is a selection (or average) of its rows: no text tower and no
training. Contrastive models need a text encoder for this.

Example:
    >>> import torch
    >>> from catlip.transfer import zero_shot_classifier
    >>> from catlip.vocab import Vocabulary
    >>> vocab = Vocabulary(["n01440764", "n02084071", "n02121808"])  # tench, dog, domestic cat
    >>> head = torch.nn.Linear(8, 3)
    >>> classifier = zero_shot_classifier(head, vocab, ["dog", "house cat"])
    >>> classifier(torch.randn(2, 8)).shape
    torch.Size([2, 2])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import torch
from torch import nn

from catlip.transfer.init import head_parameters, transfer_init
from catlip.transfer.resolve import DEFAULT_SIMILARITY_THRESHOLD

if TYPE_CHECKING:
    from catlip.vocab import Vocabulary

__all__ = ["zero_shot_classifier"]


def zero_shot_classifier(
    head: torch.nn.Module,
    vocab: Vocabulary,
    labels: Sequence[str],
    *,
    similarity_threshold: float = DEFAULT_SIMILARITY_THRESHOLD,
    context: bool = True,
    unmatched: Literal["error", "zero"] = "error",
) -> torch.nn.Linear:
    """Return a new ``nn.Linear`` that classifies ``labels`` using the head's rows.

    The classifier has the head's dtype and device and ``len(labels)`` outputs; row ``i`` is the
    head row (and bias) of the synset ``labels[i]`` resolves to, or the mean of several rows;
    a repeated label gets the same row each time.
    Call :func:`~catlip.transfer.resolve_labels` first to see how each label is resolved.

    Args:
        head: The pretrained head (``.weight`` ``[V, D]``, optional ``.bias``).
        vocab: The head's vocabulary.
        labels: One label per class of the new classifier.
        similarity_threshold: Smallest path similarity for a "similar" match.
        context: Use the label set as context to choose senses.
        unmatched: ``"error"`` (default) raises when a label matches nothing; ``"zero"`` gives it
            a zero row and zero bias (a constant logit of 0).

    Returns:
        The classifier, in eval-ready state (``requires_grad`` as for any new module).

    Raises:
        LabelResolutionError: ``unmatched="error"`` and some labels matched nothing.
        ValueError: Labels are empty or blank, or the head does not fit the vocabulary.

    Example:
        >>> import torch
        >>> from catlip.transfer import zero_shot_classifier
        >>> from catlip.vocab import Vocabulary
        >>> head = torch.nn.Linear(4, 2)
        >>> clf = zero_shot_classifier(head, Vocabulary(["n01440764", "n02084071"]), ["dog"])
        >>> torch.equal(clf.weight[0], head.weight[1])
        True
    """
    if unmatched not in ("error", "zero"):
        raise ValueError(f"unmatched must be 'error' or 'zero', got {unmatched!r}")
    weight, bias = head_parameters(head, vocab)
    classifier = nn.Linear(
        int(weight.shape[1]),
        len(labels),
        bias=bias is not None,
        device=weight.device,
        dtype=weight.dtype,
    )
    transfer_init(
        classifier,
        labels,
        head=head,
        vocab=vocab,
        similarity_threshold=similarity_threshold,
        unmatched=unmatched,
        context=context,
    )
    return classifier
