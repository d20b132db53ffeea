"""Transfer Init: start a downstream classifier from the rows of a pretrained CatLIP head.

CatLIP's head has one row per vocabulary synset. A downstream class whose label resolves to a
vocabulary synset starts from that synset's row (and bias) instead of random weights; labels
resolved to several synsets ("average") start from the mean of their rows. :func:`transfer_init`
does this in place and returns a :class:`TransferReport` that says what was matched, and how.

Example:
    >>> import torch
    >>> from catlip.transfer import transfer_init
    >>> from catlip.vocab import Vocabulary
    >>> vocab = Vocabulary(["n01440764", "n02084071"])  # tench, dog
    >>> head = torch.nn.Linear(16, 2)
    >>> classifier = torch.nn.Linear(16, 2)
    >>> report = transfer_init(classifier, ["tench", "puppy"], head=head, vocab=vocab)
    >>> [m.method for m in report.matches]
    ['exact', 'similar']
    >>> torch.equal(classifier.weight[0], head.weight[0])
    True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import torch
from torch import nn

from catlip.errors import LabelResolutionError
from catlip.transfer.coverage import METHODS, count_methods, duplicate_groups, summary_lines
from catlip.transfer.names import label_key
from catlip.transfer.resolve import (
    DEFAULT_SIMILARITY_THRESHOLD,
    LabelMatch,
    check_labels,
    resolve_labels,
)

if TYPE_CHECKING:
    from catlip.vocab import Vocabulary

__all__ = ["TransferReport", "transfer_init"]


@dataclass(frozen=True)
class TransferReport:
    """What :func:`transfer_init` did, label by label.

    ``str(report)`` is a readable summary: counts per method and the labels that were not exact.

    Attributes:
        matches: One :class:`~catlip.transfer.LabelMatch` per downstream class, in class order.
        unmatched_policy: The ``unmatched`` option used (``"random"``, ``"zero"`` or ``"error"``).
        head_classes: Number of rows of the pretrained head.
    """

    matches: tuple[LabelMatch, ...]
    unmatched_policy: str
    head_classes: int

    @property
    def counts(self) -> dict[str, int]:
        """Number of labels per method, every method present (``{"exact": 912, ...}``)."""
        return count_methods(self.matches)

    @property
    def transferred(self) -> int:
        """Number of classifier rows taken from the head (all but the unmatched)."""
        return len(self.matches) - self.counts["unmatched"]

    @property
    def duplicates(self) -> tuple[tuple[int, ...], ...]:
        """Positions of labels naming one class more than once (their rows start alike)."""
        return duplicate_groups([m.label for m in self.matches])

    def by_method(self, method: str) -> tuple[LabelMatch, ...]:
        """The matches resolved by ``method`` (``"exact"``, ``"similar"``, ...), in class order."""
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
        return tuple(m for m in self.matches if m.method == method)

    def __str__(self) -> str:
        title = (
            f"Transfer Init: {len(self.matches)} labels from a {self.head_classes}-class head, "
            f"{self.transferred} rows transferred"
        )
        notes = {"unmatched": f"{self.unmatched_policy} init"}
        return "\n".join([title, *summary_lines(self.matches, notes=notes)])


def head_parameters(
    head: torch.nn.Module, vocab: Vocabulary
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Return a head's ``weight`` [V, D] and ``bias`` (or ``None``), checked against ``vocab``."""
    weight = getattr(head, "weight", None)
    if not isinstance(weight, torch.Tensor) or weight.dim() != 2:
        raise TypeError(
            "head must have a 2-D .weight [num_classes, in_features] (a CatLIPHead or nn.Linear), "
            f"got {type(head).__name__}"
        )
    bias = getattr(head, "bias", None)
    if bias is not None and (not isinstance(bias, torch.Tensor) or bias.shape != weight.shape[:1]):
        raise ValueError(
            f"head.bias must have shape [{weight.shape[0]}], got {getattr(bias, 'shape', bias)}"
        )
    if weight.shape[0] != len(vocab):
        raise ValueError(
            f"head has {weight.shape[0]} rows but the vocabulary has {len(vocab)} synsets: "
            "pass the vocabulary the head was trained with"
        )
    return weight, bias


def transfer_init(
    classifier: torch.nn.Linear,
    labels: Sequence[str],
    *,
    head: torch.nn.Module,
    vocab: Vocabulary,
    similarity_threshold: float = DEFAULT_SIMILARITY_THRESHOLD,
    unmatched: Literal["random", "zero", "error"] = "random",
    context: bool = True,
    generator: torch.Generator | None = None,
) -> TransferReport:
    """Initialize a downstream classifier from a pretrained CatLIP head, in place.

    Row ``i`` of ``classifier`` (class ``labels[i]``) becomes the head's row of the vocabulary
    synset the label resolves to (see :func:`~catlip.transfer.resolve_labels`), or the mean of
    several rows for "average" matches; the bias likewise (0 when the head has no bias). The
    classifier keeps its dtype and device. Labels may repeat (CLIP's ImageNet names have two
    "missile" classes): labels equal up to case, spaces and underscores start from the same row,
    a random one included, and :attr:`TransferReport.duplicates` lists them.

    Args:
        classifier: The downstream ``nn.Linear`` with ``len(labels)`` outputs and the head's input
            features.
        labels: One label per output: wnids, synset names or class names.
        head: The pretrained head: any module with ``.weight`` ``[V, D]`` and optional ``.bias``
            ``[V]`` (:class:`~catlip.heads.CatLIPHead`, ``nn.Linear``).
        vocab: The head's vocabulary (``V`` synsets, in the head's row order).
        similarity_threshold: Smallest path similarity for a "similar" match.
        unmatched: Rows of unmatched labels: ``"random"`` re-initializes them (uniform, rescaled
            to the mean norm of the transferred rows; bias: the mean transferred bias), ``"zero"``
            zeroes them, ``"error"`` raises before changing anything.
        context: Use the label set as context to choose senses (see ``resolve_labels``).
        generator: Random generator for ``"random"`` rows (for reproducible runs).

    Returns:
        The :class:`TransferReport`; ``print(report)`` shows a summary.

    Raises:
        TypeError: ``classifier`` is not an ``nn.Linear``, or ``head`` has no 2-D weight.
        ValueError: Shapes disagree (classifier outputs vs labels, features vs head, head rows vs
            vocabulary), labels are empty or blank, or an option is invalid.
        LabelResolutionError: ``unmatched="error"`` and some labels matched nothing.

    Example:
        >>> import torch
        >>> from catlip.transfer import transfer_init
        >>> from catlip.vocab import Vocabulary
        >>> vocab = Vocabulary(["n01440764", "n02084071"])
        >>> classifier = torch.nn.Linear(4, 1)
        >>> report = transfer_init(
        ...     classifier, ["dog"], head=torch.nn.Linear(4, 2), vocab=vocab, unmatched="error"
        ... )
        >>> report.counts["exact"]
        1
    """
    if not isinstance(classifier, nn.Linear):
        raise TypeError(
            f"classifier must be a torch.nn.Linear, got {type(classifier).__name__}: pass the "
            "model's final linear layer (for example model.fc or model.head)"
        )
    if unmatched not in ("random", "zero", "error"):
        raise ValueError(f"unmatched must be 'random', 'zero' or 'error', got {unmatched!r}")
    labels = check_labels(labels)
    weight, bias = head_parameters(head, vocab)
    if classifier.out_features != len(labels):
        raise ValueError(
            f"classifier has {classifier.out_features} outputs but {len(labels)} labels were "
            "given: give one label per output, in output order"
        )
    if classifier.in_features != weight.shape[1]:
        raise ValueError(
            f"classifier takes {classifier.in_features} features but the head takes "
            f"{weight.shape[1]}: Transfer Init needs the same backbone features"
        )

    matches = resolve_labels(
        labels, vocab, similarity_threshold=similarity_threshold, context=context
    )
    missing = [m.label for m in matches if m.method == "unmatched"]
    if missing and unmatched == "error":
        raise LabelResolutionError(
            f"{len(missing)} of {len(labels)} labels match no vocabulary synset: {missing[:10]}. "
            "Rename them (a WordNet name or a wnid), lower similarity_threshold, or pass "
            "unmatched='random' or 'zero'."
        )
    _copy_rows(classifier, matches, weight, bias, vocab, unmatched, generator)
    return TransferReport(tuple(matches), unmatched, int(weight.shape[0]))


@torch.no_grad()
def _copy_rows(
    classifier: torch.nn.Linear,
    matches: Sequence[LabelMatch],
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    vocab: Vocabulary,
    unmatched: str,
    generator: torch.Generator | None,
) -> None:
    rows = [i for i, m in enumerate(matches) if m.wnids]
    missing = [i for i, m in enumerate(matches) if not m.wnids]
    target_w = classifier.weight
    target_b = classifier.bias
    if rows:
        # Gather every needed head row once, then average per label with a sparse [rows x used] map.
        used = sorted({vocab.index(w) for i in rows for w in matches[i].wnids})
        position = {v: j for j, v in enumerate(used)}
        picked = torch.tensor(used, device=weight.device)
        exact = torch.promote_types(weight.dtype, torch.float32)  # float64 heads stay float64
        mixing = torch.zeros(len(rows), len(used), dtype=exact)
        for r, i in enumerate(rows):
            wnids = matches[i].wnids
            for w in wnids:
                mixing[r, position[vocab.index(w)]] = 1.0 / len(wnids)
        mixing = mixing.to(weight.device)
        source_w = mixing @ weight.detach().index_select(0, picked).to(exact)
        index = torch.tensor(rows, device=target_w.device)
        target_w.index_copy_(0, index, source_w.to(target_w.device, target_w.dtype))
        if target_b is not None:
            if bias is None:
                source_b = torch.zeros(len(rows))
            else:
                source_b = mixing @ bias.detach().index_select(0, picked).to(exact)
            target_b.index_copy_(0, index, source_b.to(target_b.device, target_b.dtype))
    if not missing:
        return
    index = torch.tensor(missing, device=target_w.device)
    if unmatched == "zero":
        target_w.index_fill_(0, index, 0.0)
        if target_b is not None:
            target_b.index_fill_(0, index, 0.0)
        return
    bound = 1.0 / math.sqrt(classifier.in_features)  # nn.Linear's default init range
    device = generator.device if generator is not None else torch.device("cpu")
    # One random row per distinct label: repeated labels (up to case and spaces) start alike.
    keys = [label_key(matches[i].label) for i in missing]
    slot = {key: j for j, key in enumerate(dict.fromkeys(keys))}
    draw = torch.tensor([slot[key] for key in keys])
    fresh = torch.rand(len(slot), classifier.in_features, generator=generator, device=device)
    fresh = (fresh * 2 - 1).cpu()[draw] * bound
    fresh_b = torch.zeros(len(missing))
    if rows:
        done = target_w.index_select(0, torch.tensor(rows, device=target_w.device)).float().cpu()
        scale = done.norm(dim=1).mean() / fresh.norm(dim=1).clamp_min(1e-12)
        fresh = fresh * scale[:, None]
        if target_b is not None:
            fresh_b += target_b[rows].float().mean().cpu()
    elif target_b is not None:
        fresh_b = torch.rand(len(slot), generator=generator, device=device).cpu()[draw]
        fresh_b = (fresh_b * 2 - 1) * bound
    target_w.index_copy_(0, index, fresh.to(target_w.device, target_w.dtype))
    if target_b is not None:
        target_b.index_copy_(0, index, fresh_b.to(target_b.device, target_b.dtype))
