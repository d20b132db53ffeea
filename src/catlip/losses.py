"""The CatLIP objective: binary cross-entropy over the synset vocabulary.

CatLIP treats image-text pre-training as multi-label classification: each image's logits over the
``V`` vocabulary synsets are trained with binary cross-entropy against the synsets of its caption,
summed over classes and divided by the batch size (``reduction="batch_mean"``, the paper's
objective).

Targets come in two formats:

- **dense**: a ``[B, V]`` multi-hot tensor, float or bool (float targets may be soft);
- **sparse**: an integer ``[B, K]`` tensor of class indices padded with ``-1`` (what
  ``catlip.vocab.pad_labels`` makes). Integer targets are always indices. The sparse path never
  builds the ``[B, V]`` target and keeps no ``[B, V]`` temporaries for backward; repeated
  indices in a row count once, rows of only ``-1`` (captions without labels) are valid
  all-negative rows.

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

import warnings
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


def _check_options(
    reduction: object,
    label_smoothing: object,
    pos_weight: object,
    sparse: object,
    validate_args: object,
    *,
    caller: str,
) -> None:
    """Check the options of :func:`catlip_loss` and :class:`CatLIPLoss` (the one place)."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{caller}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, (int, float)):
        raise TypeError(f"{caller}: label_smoothing must be a number, got {label_smoothing!r}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{caller}: label_smoothing must be in [0, 1], got {label_smoothing!r}")
    if pos_weight is not None and not isinstance(pos_weight, Tensor):
        raise TypeError(f"{caller}: pos_weight must be a torch.Tensor of shape [num_classes]")
    if pos_weight is not None and pos_weight.dim() != 1:
        raise ValueError(f"{caller}: pos_weight must be a 1-D tensor of shape [num_classes]")
    if sparse not in (None, True, False):
        raise ValueError(f"{caller}: sparse must be None, True or False, got {sparse!r}")
    if not isinstance(validate_args, bool):
        raise TypeError(f"{caller}: validate_args must be True or False, got {validate_args!r}")


def _is_index_dtype(dtype: torch.dtype) -> bool:
    """Integer targets are class indices: the target format comes from the dtype alone."""
    return not (dtype.is_floating_point or dtype.is_complex or dtype == torch.bool)


def _check_call(
    logits: Tensor,
    targets: Tensor,
    reduction: str,
    label_smoothing: float,
    pos_weight: Tensor | None,
    sparse: bool | None,
    validate_args: object,
) -> None:
    """Every check of one :func:`catlip_loss` call (``validate_args=True``), options included.

    Only dtypes and shapes are read, except for sparse targets, whose values are checked by
    :func:`~catlip._sparse_bce.check_indices`: a host sync when they are on a GPU.
    """
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
    _check_options(
        reduction, label_smoothing, pos_weight, sparse, validate_args, caller="catlip_loss"
    )
    if pos_weight is not None and pos_weight.shape != (logits.shape[1],):
        raise ValueError(
            f"catlip_loss: pos_weight must have shape [num_classes] = [{logits.shape[1]}], "
            f"got {tuple(pos_weight.shape)}"
        )
    integer = _is_index_dtype(targets.dtype)
    if sparse is True and not integer:
        raise TypeError(
            f"catlip_loss: sparse targets must be an integer tensor of class indices, got "
            f"{targets.dtype}; pass sparse=False (or leave it None) for dense multi-hot targets"
        )
    if sparse is False and integer:
        raise TypeError(
            f"catlip_loss: dense targets must be floating point or bool, got {targets.dtype} "
            "(integer targets are class indices); pass targets.float() or targets.bool() for "
            "a multi-hot matrix"
        )
    if integer and pos_weight is not None and pos_weight.requires_grad:
        raise ValueError(
            "catlip_loss: the sparse path treats pos_weight as a constant; pass "
            "pos_weight.detach() (or dense targets if it must be learned)"
        )
    if integer:
        check_indices(targets, logits.shape[1])  # where the labels live: no sync for CPU ones
    elif targets.shape != logits.shape:
        raise ValueError(
            f"catlip_loss: dense targets must have the logits' shape {tuple(logits.shape)}, "
            f"got {tuple(targets.shape)}; for class-index lists pass a [B, K] LongTensor "
            "padded with -1"
        )


def _is_sparse(logits: Tensor, targets: Tensor, sparse: bool | None) -> bool:
    """Decide the target format from the dtype alone (see :func:`catlip_loss` for the rule).

    Only dtypes and shapes are read, never values: no host sync, nothing for torch.compile to
    break on.
    """
    integer = _is_index_dtype(targets.dtype)
    if (
        sparse is None
        and integer
        and targets.shape[1] == logits.shape[1]
        and not torch.compiler.is_compiling()
    ):
        warnings.warn(
            "catlip_loss: integer targets of shape [B, V] are read as class indices padded with "
            "-1, as integer targets always are (catlip 0.1 read them as multi-hot unless they "
            "held a -1). For a multi-hot matrix pass targets.float() or targets.bool(); for "
            "indices pass sparse=True to silence this warning.",
            FutureWarning,
            stacklevel=3,
        )
    return integer


def catlip_loss(
    logits: Tensor,
    targets: Tensor,
    *,
    reduction: Reduction = "batch_mean",
    label_smoothing: float = 0.0,
    pos_weight: Tensor | None = None,
    sparse: bool | None = None,
    validate_args: bool = True,
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

    Target format, from the dtype alone: **integer targets are class indices** (sparse, padded
    with ``-1``, any width ``K``, including ``K == V``); **float and bool targets are dense**
    ``[B, V]`` multi-hot (or soft) targets. ``sparse=True``/``sparse=False`` asserts the format
    and raises ``TypeError`` when the dtype says otherwise (an integer 0/1 matrix is dense only
    after ``.float()`` or ``.bool()``). Integer ``[B, V]`` targets with ``sparse=None`` warn
    (``FutureWarning``), because catlip 0.1 read them as multi-hot; ``sparse=True`` silences
    it. Sparse indices must be ``-1`` or in ``[0, V)``.

    An empty batch (``B = 0``) gives a loss of 0 (``[0, V]`` for ``"none"``) and an empty
    gradient, not NaN.

    Float16/bfloat16 logits are computed in float32 and the loss is float32; the gradient has
    the logits' dtype. ``pos_weight`` is a constant: no gradient flows into it.

    Args:
        logits: ``[B, V]`` scores before the sigmoid.
        targets: dense ``[B, V]`` float or bool multi-hot (or soft) targets, or an integer
            ``[B, K]`` tensor of class indices padded with ``-1``.
        reduction: ``"batch_mean"``, ``"mean"``, ``"sum"`` or ``"none"``.
        label_smoothing: :math:`\varepsilon` in ``[0, 1]``: targets become
            :math:`1 - \varepsilon/2` and :math:`\varepsilon/2`.
        pos_weight: ``[V]`` weights of the positive term, per class.
        sparse: assert the target format; ``None`` takes it from the dtype (see above).
        validate_args: check the arguments (types, shapes, options and, for sparse targets, the
            index values) and raise the errors below. The index check reads the targets'
            values, which costs a host sync per call when they are on a GPU (none for CPU
            targets). ``False`` checks nothing and never syncs, for a hot loop whose inputs
            are known to be valid; invalid inputs then give undefined results (a wrong loss,
            an indexing error or a device-side assert).

    Returns:
        A scalar, or ``[B, V]`` for ``reduction="none"``.

    Raises:
        TypeError: non-floating logits, non-integer targets with ``sparse=True``, or integer
            targets with ``sparse=False``.
        ValueError: shapes that do not match, an unknown reduction, smoothing outside
            ``[0, 1]``, or a sparse index outside ``[-1, V)``.

    Example:
        >>> import torch
        >>> logits = torch.randn(4, 10, requires_grad=True)
        >>> labels = torch.tensor([[1, 7, -1], [2, -1, -1], [-1, -1, -1], [0, 9, 9]])
        >>> loss = catlip_loss(logits, labels, label_smoothing=0.1)
        >>> loss.backward()
    """
    if validate_args:
        _check_call(logits, targets, reduction, label_smoothing, pos_weight, sparse, validate_args)
    batch, num_classes = logits.shape
    ctype = compute_dtype(logits.dtype)
    weight = None if pos_weight is None else pos_weight.to(device=logits.device, dtype=ctype)

    if _is_sparse(logits, targets, sparse):
        indices = targets.to(device=logits.device, dtype=torch.long)
        if reduction == "none":
            return sparse_bce_elementwise(
                logits, indices, label_smoothing=label_smoothing, pos_weight=weight
            )
        total = sparse_bce_rows(
            logits, indices, label_smoothing=label_smoothing, pos_weight=weight
        ).sum()
    else:
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

    # max(..., 1): an empty batch sums to 0, and 0 / 1 keeps it 0 (with a defined, empty,
    # gradient) where 0 / 0 would be NaN.
    if reduction == "batch_mean":
        return total / max(batch, 1)
    if reduction == "mean":
        return total / max(batch * num_classes, 1)
    return total


class CatLIPLoss(nn.Module):
    r"""Module form of :func:`catlip_loss`; ``pos_weight`` is a buffer (moves with ``.to()``).

    The module holds only its options: calling it has no side effects.

    Args:
        reduction: ``"batch_mean"`` (default, the paper's), ``"mean"``, ``"sum"`` or ``"none"``.
        label_smoothing: :math:`\varepsilon` in ``[0, 1]``.
        pos_weight: ``[V]`` per-class weights of the positive term.
        sparse: assert the target format; ``None`` takes it from the dtype (integer: indices).
        validate_args: check each call's tensors (see :func:`catlip_loss`; the options are
            checked here, once). ``False`` skips the checks and their host sync.

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
        validate_args: bool = True,
    ) -> None:
        super().__init__()
        _check_options(
            reduction, label_smoothing, pos_weight, sparse, validate_args, caller="CatLIPLoss"
        )
        self.reduction: Reduction = reduction
        self.label_smoothing = float(label_smoothing)
        self.sparse = sparse
        self.validate_args = validate_args
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
            validate_args=self.validate_args,
        )

    def extra_repr(self) -> str:
        """Describe the options, as ``print(module)`` shows them."""
        weight = "None" if self.pos_weight is None else f"[{self.pos_weight.shape[0]}]"
        return (
            f"reduction={self.reduction!r}, label_smoothing={self.label_smoothing}, "
            f"pos_weight={weight}, sparse={self.sparse}, validate_args={self.validate_args}"
        )
