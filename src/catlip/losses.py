"""The CatLIP objective: binary cross-entropy over the synset vocabulary.

CatLIP treats image-text pre-training as multi-label classification: each image's logits over the
``V`` vocabulary synsets are trained with binary cross-entropy against the synsets of its caption,
summed over classes and divided by the batch size (``reduction="batch_mean"``, the paper's
objective).

Targets come in two formats:

- **dense**: a ``[B, V]`` multi-hot tensor (float, bool or integer; float targets may be soft);
- **sparse**: a ``LongTensor[B, K]`` of class indices padded with ``-1`` (what
  ``catlip.vocab.pad_labels`` makes). The sparse path never builds the ``[B, V]`` target and keeps
  no ``[B, V]`` temporaries for backward; repeated indices in a row count once, rows of only
  ``-1`` (captions without labels) are valid all-negative rows.

The loss is per-sample, so it needs no collective: under DDP each rank computes it on its own
batch and DDP's gradient averaging does the rest (unlike CLIP's contrastive loss, which gathers
every rank's embeddings).

Example:
    >>> import torch
    >>> from catlip.losses import catlip_loss
    >>> logits = torch.zeros(2, 5)
    >>> targets = torch.tensor([[0, 3], [-1, -1]])  # sample 0: classes 0 and 3; sample 1: none
    >>> round(catlip_loss(logits, targets).item(), 4)  # 5 * log(2)
    3.4657
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from catlip._sparse_bce import (
    check_indices,
    compute_dtype,
    sparse_bce_elementwise,
    sparse_bce_rows,
)

__all__ = ["CatLIPLoss", "Reduction", "catlip_loss"]

Reduction = Literal["batch_mean", "mean", "sum", "none"]
"""How :func:`catlip_loss` reduces the ``[B, V]`` element-wise losses."""

_REDUCTIONS = ("batch_mean", "mean", "sum", "none")
_INTEGER_DTYPES = (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)


def _is_sparse(logits: Tensor, targets: Tensor, sparse: bool | None) -> bool:
    """Decide the target format (see :func:`catlip_loss` for the rule)."""
    if sparse is not None:
        if sparse and targets.dtype not in _INTEGER_DTYPES:
            raise TypeError(
                f"catlip_loss: sparse targets must be an integer tensor of class indices, got "
                f"{targets.dtype}; pass sparse=False for dense multi-hot targets"
            )
        return sparse
    if targets.dtype not in _INTEGER_DTYPES:
        return False
    if targets.shape[1] != logits.shape[1]:
        return True
    # An integer [B, V] tensor: multi-hot, unless it holds -1 padding. Inspecting the values
    # is a data-dependent branch that torch.compile cannot trace, so there the caller decides.
    if torch.compiler.is_compiling():
        raise ValueError(
            "catlip_loss: integer targets of shape [B, V] are ambiguous under torch.compile "
            "(multi-hot or padded indices?); pass sparse=True or sparse=False"
        )
    return bool((targets < 0).any())


def _check_arguments(
    logits: Tensor,
    targets: Tensor,
    reduction: str,
    label_smoothing: float,
    pos_weight: Tensor | None,
) -> None:
    if not isinstance(logits, Tensor) or not isinstance(targets, Tensor):
        raise TypeError("catlip_loss: logits and targets must be torch.Tensor")
    if not logits.is_floating_point():
        raise TypeError(f"catlip_loss: logits must be a floating tensor, got {logits.dtype}")
    if logits.dim() != 2 or logits.shape[1] == 0:
        raise ValueError(
            "catlip_loss: logits must be [batch, num_classes] with at least one class, got "
            f"shape {tuple(logits.shape)}"
        )
    if targets.dim() != 2 or targets.shape[0] != logits.shape[0]:
        raise ValueError(
            f"catlip_loss: targets must be [batch, num_classes] (dense) or [batch, K] (sparse) "
            f"with the logits' batch size {logits.shape[0]}, got shape {tuple(targets.shape)}"
        )
    if reduction not in _REDUCTIONS:
        raise ValueError(f"catlip_loss: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"catlip_loss: label_smoothing must be in [0, 1], got {label_smoothing}")
    if pos_weight is not None:
        if not isinstance(pos_weight, Tensor):
            raise TypeError("catlip_loss: pos_weight must be a torch.Tensor of shape [num_classes]")
        if pos_weight.shape != (logits.shape[1],):
            raise ValueError(
                f"catlip_loss: pos_weight must have shape [num_classes] = [{logits.shape[1]}], "
                f"got {tuple(pos_weight.shape)}"
            )


def catlip_loss(
    logits: Tensor,
    targets: Tensor,
    *,
    reduction: Reduction = "batch_mean",
    label_smoothing: float = 0.0,
    pos_weight: Tensor | None = None,
    sparse: bool | None = None,
) -> Tensor:
    r"""Binary cross-entropy with logits, the CatLIP objective.

    For logits :math:`z_{bv}` and smoothed targets :math:`t_{bv} = y_{bv}(1 - \varepsilon) +
    \varepsilon / 2`, with per-class positive weights :math:`p_v` (1 by default):

    .. math::

        \ell_{bv} = -p_v t_{bv} \log \sigma(z_{bv}) - (1 - t_{bv}) \log(1 - \sigma(z_{bv}))

    exactly as :func:`torch.nn.functional.binary_cross_entropy_with_logits` with
    ``pos_weight``. The reductions: ``"batch_mean"`` sums over classes and averages over the
    batch (the paper's objective); ``"mean"`` averages over all ``B * V`` elements; ``"sum"``
    sums everything; ``"none"`` returns the element-wise ``[B, V]`` losses, as PyTorch's
    ``reduction="none"`` does (``.sum(1)`` of it is the per-sample loss).

    Target format: ``sparse=True`` or ``sparse=False`` says it explicitly. Left as ``None``,
    float and bool targets are dense; integer targets are sparse when ``K != V`` and, when
    ``K == V``, when they contain a ``-1`` (under :func:`torch.compile` an integer ``[B, V]``
    target needs the explicit keyword). Sparse indices must be ``-1`` or in ``[0, V)``.

    Float16/bfloat16 logits are computed in float32 and the loss is float32; the gradient has
    the logits' dtype. ``pos_weight`` is a constant: no gradient flows into it.

    Args:
        logits: ``[B, V]`` scores before the sigmoid.
        targets: dense ``[B, V]`` multi-hot (or soft) targets, or a ``LongTensor[B, K]`` of class
            indices padded with ``-1``.
        reduction: ``"batch_mean"``, ``"mean"``, ``"sum"`` or ``"none"``.
        label_smoothing: :math:`\varepsilon` in ``[0, 1]``: targets become
            :math:`1 - \varepsilon/2` and :math:`\varepsilon/2`.
        pos_weight: ``[V]`` weights of the positive term, per class.
        sparse: force the target format; ``None`` infers it (see above).

    Returns:
        A scalar, or ``[B, V]`` for ``reduction="none"``.

    Raises:
        TypeError: non-floating logits, or non-integer targets with ``sparse=True``.
        ValueError: shapes that do not match, an unknown reduction, smoothing outside
            ``[0, 1]``, or a sparse index outside ``[-1, V)``.

    Example:
        >>> import torch
        >>> logits = torch.randn(4, 10, requires_grad=True)
        >>> labels = torch.tensor([[1, 7, -1], [2, -1, -1], [-1, -1, -1], [0, 9, 9]])
        >>> loss = catlip_loss(logits, labels, label_smoothing=0.1)
        >>> loss.backward()
    """
    _check_arguments(logits, targets, reduction, label_smoothing, pos_weight)
    batch, num_classes = logits.shape
    ctype = compute_dtype(logits.dtype)
    weight = None if pos_weight is None else pos_weight.to(device=logits.device, dtype=ctype)

    if _is_sparse(logits, targets, sparse):
        if weight is not None and weight.requires_grad:
            raise ValueError(
                "catlip_loss: the sparse path treats pos_weight as a constant; pass "
                "pos_weight.detach() (or dense targets if it must be learned)"
            )
        check_indices(targets, num_classes)  # where the labels live: no device sync for CPU ones
        indices = targets.to(device=logits.device, dtype=torch.long)
        if reduction == "none":
            return sparse_bce_elementwise(
                logits, indices, label_smoothing=label_smoothing, pos_weight=weight
            )
        total = sparse_bce_rows(
            logits, indices, label_smoothing=label_smoothing, pos_weight=weight
        ).sum()
    else:
        if targets.shape != logits.shape:
            raise ValueError(
                f"catlip_loss: dense targets must have the logits' shape {tuple(logits.shape)}, "
                f"got {tuple(targets.shape)}; for class-index lists pass a [B, K] LongTensor "
                "padded with -1"
            )
        dense = targets.to(device=logits.device, dtype=ctype)
        if label_smoothing:
            dense = dense * (1.0 - label_smoothing) + label_smoothing / 2.0
        per_element = "none" if reduction == "none" else "sum"
        out = F.binary_cross_entropy_with_logits(
            logits.to(ctype), dense, pos_weight=weight, reduction=per_element
        )
        if reduction == "none":
            return out
        total = out

    if reduction == "batch_mean":
        return total / batch
    if reduction == "mean":
        return total / (batch * num_classes)
    return total


class CatLIPLoss(nn.Module):
    r"""Module form of :func:`catlip_loss`; ``pos_weight`` is a buffer (moves with ``.to()``).

    The module holds only its options: calling it has no side effects.

    Args:
        reduction: ``"batch_mean"`` (default, the paper's), ``"mean"``, ``"sum"`` or ``"none"``.
        label_smoothing: :math:`\varepsilon` in ``[0, 1]``.
        pos_weight: ``[V]`` per-class weights of the positive term.
        sparse: force the target format; ``None`` infers it per call.

    Example:
        >>> import torch
        >>> criterion = CatLIPLoss(label_smoothing=0.1)
        >>> loss = criterion(torch.randn(2, 6), torch.tensor([[1, -1], [4, 5]]))
        >>> loss.shape
        torch.Size([])
    """

    pos_weight: Tensor | None

    def __init__(
        self,
        *,
        reduction: Reduction = "batch_mean",
        label_smoothing: float = 0.0,
        pos_weight: Tensor | None = None,
        sparse: bool | None = None,
    ) -> None:
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(
                f"CatLIPLoss: reduction must be one of {_REDUCTIONS}, got {reduction!r}"
            )
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(
                f"CatLIPLoss: label_smoothing must be in [0, 1], got {label_smoothing}"
            )
        if pos_weight is not None and (not isinstance(pos_weight, Tensor) or pos_weight.dim() != 1):
            raise ValueError("CatLIPLoss: pos_weight must be a 1-D tensor of shape [num_classes]")
        self.reduction: Reduction = reduction
        self.label_smoothing = float(label_smoothing)
        self.sparse = sparse
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, logits: Tensor, targets: Tensor) -> Tensor:
        """Return :func:`catlip_loss` of ``logits`` against ``targets`` with these options."""
        return catlip_loss(
            logits,
            targets,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
            pos_weight=self.pos_weight,
            sparse=self.sparse,
        )

    def extra_repr(self) -> str:
        """Describe the options, as ``print(module)`` shows them."""
        weight = "None" if self.pos_weight is None else f"[{self.pos_weight.shape[0]}]"
        return (
            f"reduction={self.reduction!r}, label_smoothing={self.label_smoothing}, "
            f"pos_weight={weight}, sparse={self.sparse}"
        )
