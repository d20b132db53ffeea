"""Binary cross-entropy against sparse multi-hot targets, without a ``[B, V]`` target tensor.

Private: :func:`catlip.losses.catlip_loss` is the public entry point. The maths, for one element
with logit ``z``, (smoothed) target ``t`` and positive weight ``p``::

    loss(z) = p * t * softplus(-z) + (1 - t) * softplus(z)
            = a * softplus(z) - b * z,        a = 1 + (p - 1) * t,   b = p * t
    dloss/dz = a * sigmoid(z) - b

Every class of a row is first treated as a negative (``t = t0``); the row's positives are then
corrected by the difference between the positive (``t = t1``) and negative forms, which depends
only on the ``K`` gathered logits ``z_k``::

    loss: d * (p_k * softplus(-z_k) - softplus(z_k))
    grad: d * ((p_k - 1) * sigmoid(z_k) - p_k)            (= -d when p_k = 1)

with ``d = t1 - t0``. Forward walks the logits in row chunks whose temporaries are freed before
backward runs, so nothing of shape ``[B, V]`` is kept for backward; backward writes the gradient
in place, so the only ``[B, V]`` tensor it creates is the logits' gradient. The corrections are
added element-wise (``scatter_add_``) *before* each row is summed, so a confident correct logit
(``z = 1e4`` on a positive) cancels exactly rather than leaving an fp32 rounding error of
``1e4`` in the row sum.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

__all__: list[str] = []

# The forward pass works in at most _MAX_CHUNKS row chunks of at least _MIN_CHUNK_ELEMENTS each.
# A chunk's temporaries (at most a quarter of a [B, V] tensor) are freed before backward allocates
# the [B, V] gradient, so they never raise the peak of forward+backward. Few, large chunks matter:
# on CPU each kernel is a parallel region, and on a busy machine every region waits for its
# slowest thread (measured: ~15 ms a region on an oversubscribed 2-core machine); on GPU, each
# is a launch. Under torch.compile the loop is unrolled.
_MAX_CHUNKS = 4
_MIN_CHUNK_ELEMENTS = 1 << 20


def compute_dtype(dtype: torch.dtype) -> torch.dtype:
    """Return the dtype the loss is computed in: float32 for half types, else ``dtype``."""
    return torch.float32 if dtype in (torch.float16, torch.bfloat16) else dtype


def _chunk_rows(batch: int, num_classes: int, *, fewest: bool) -> int:
    """Rows per chunk: the fewest chunks allowed (``fewest``), else the smallest chunks allowed."""
    rows = max(1, _MIN_CHUNK_ELEMENTS // max(num_classes, 1))
    if fewest or torch.compiler.is_compiling():
        rows = max(rows, -(-batch // _MAX_CHUNKS))
    return rows


def check_indices(indices: Tensor, num_classes: int) -> None:
    """Raise ``ValueError`` unless every index is ``-1`` (padding) or in ``[0, num_classes)``.

    The check runs on the index tensor before any gather or scatter, so a bad label is a Python
    exception rather than a device-side assert. Reading the answer is a host sync when
    ``indices`` is on a GPU: :func:`~catlip.losses.catlip_loss` calls this only with
    ``validate_args=True``. Under ``torch.compile`` a data-dependent ``raise`` would break the
    graph, so the same check becomes ``torch._assert_async`` there (a ``RuntimeError`` on CPU).
    """
    indices = indices.long()  # compare in int64: num_classes may not fit a narrower dtype
    bad = (indices < -1) | (indices >= num_classes)
    if torch.compiler.is_compiling():
        torch._assert_async(
            ~bad.any(), f"catlip_loss: sparse targets must be -1 or in [0, {num_classes})"
        )
        return
    if bool(bad.any()):
        row, col = (int(i) for i in bad.nonzero()[0])
        value = int(indices[row, col])
        raise ValueError(
            f"catlip_loss: sparse target index {value} at [{row}, {col}] is outside the "
            f"{num_classes} classes of the logits; indices must be -1 (padding) or in "
            f"[0, {num_classes}). Check that the labels were encoded with the vocabulary the "
            "head was built for."
        )


def unique_positives(indices: Tensor) -> tuple[Tensor, Tensor]:
    """Sort each row; return gatherable indices and a mask of first occurrences of valid labels.

    Padding (``-1``) is mapped to index 0 with mask ``False``; a repeated index keeps only its
    first occurrence, so it counts once.
    """
    ordered = indices.sort(dim=1).values
    keep = ordered >= 0
    keep[:, 1:] &= ordered[:, 1:] != ordered[:, :-1]
    return ordered.clamp(min=0), keep


def _class_terms(
    pos_weight: Tensor | None, t0: float, t1: float
) -> tuple[Tensor | float, Tensor | float]:
    """The negative-form coefficients ``a0`` and ``b0`` (scalars when there is no pos_weight)."""
    if pos_weight is None:
        return 1.0, t0
    return 1.0 + (pos_weight - 1.0) * t0, pos_weight * t0


class _SparseBCE(torch.autograd.Function):
    """Per-row BCE sums ``[B]`` of logits ``[B, V]`` against unique positive indices ``[B, K]``."""

    @staticmethod
    def forward(
        logits: Tensor,
        index: Tensor,
        keep: Tensor,
        pos_weight: Tensor | None,
        t0: float,
        t1: float,
    ) -> tuple[Tensor, Tensor]:
        ctype = compute_dtype(logits.dtype)
        batch, num_classes = logits.shape
        d = t1 - t0
        a0, b0 = _class_terms(pos_weight, t0, t1)
        mask = keep.to(ctype)
        z_pos = logits.gather(1, index).to(ctype)
        # softplus(-z) - softplus(z) is -z in exact arithmetic; computing it with softplus keeps
        # the positive's loss accurate where softplus(z) rounds to z (z > 20).
        if pos_weight is None:
            loss_fix = d * (F.softplus(-z_pos) - F.softplus(z_pos))
            grad_fix = torch.full_like(z_pos, -d)
        else:
            p = pos_weight[index]
            loss_fix = d * (p * F.softplus(-z_pos) - F.softplus(z_pos))
            grad_fix = d * ((p - 1.0) * torch.sigmoid(z_pos) - p)
        loss_fix = loss_fix * mask
        grad_fix = grad_fix * mask

        rows = _chunk_rows(batch, num_classes, fewest=True)
        out = logits.new_empty(batch, dtype=ctype)
        for r0 in range(0, batch, rows):
            z = logits[r0 : r0 + rows].to(ctype)
            elem = F.softplus(z)
            if isinstance(a0, Tensor):
                elem = elem * a0
            if isinstance(b0, Tensor):
                elem = elem - b0 * z
            elif b0 != 0.0:
                elem = elem.add_(z, alpha=-b0)
            elem.scatter_add_(1, index[r0 : r0 + rows], loss_fix[r0 : r0 + rows])
            out[r0 : r0 + rows] = elem.sum(dim=1)
        return out, grad_fix

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: tuple[Tensor, Tensor]) -> None:
        logits, index, _keep, pos_weight, t0, t1 = inputs
        _out, grad_fix = output
        ctx.mark_non_differentiable(grad_fix)
        ctx.save_for_backward(logits, index, grad_fix, pos_weight)
        ctx.t0, ctx.t1 = t0, t1

    @staticmethod
    def backward(ctx: Any, grad_out: Tensor, _grad_fix: Tensor | None) -> tuple[Tensor | None, ...]:
        logits, index, grad_fix, pos_weight = ctx.saved_tensors
        if not ctx.needs_input_grad[0]:
            return None, None, None, None, None, None
        ctype = compute_dtype(logits.dtype)
        batch, num_classes = logits.shape
        a0, b0 = _class_terms(pos_weight, ctx.t0, ctx.t1)
        scale = grad_out.to(ctype).unsqueeze(1)

        grad = torch.empty_like(logits, memory_format=torch.contiguous_format)
        # Eager float32/float64: work in place in the gradient, which needs no temporaries and
        # so no chunks. Otherwise (half logits) the float32 temporaries coexist with the
        # gradient: keep their chunks small.
        in_place = grad.dtype == ctype and not torch.compiler.is_compiling()
        rows = max(batch, 1) if in_place else _chunk_rows(batch, num_classes, fewest=False)
        for r0 in range(0, batch, rows):
            z = logits[r0 : r0 + rows].to(ctype)
            g = torch.sigmoid(z, out=grad[r0 : r0 + rows]) if in_place else torch.sigmoid(z)
            if isinstance(a0, Tensor):
                g = g.mul_(a0)
            if isinstance(b0, Tensor) or b0 != 0.0:
                g = g.sub_(b0)
            g.scatter_add_(1, index[r0 : r0 + rows], grad_fix[r0 : r0 + rows])
            g.mul_(scale[r0 : r0 + rows])
            if not in_place:
                grad[r0 : r0 + rows] = g
        return grad, None, None, None, None, None


def sparse_bce_rows(
    logits: Tensor, indices: Tensor, *, label_smoothing: float, pos_weight: Tensor | None
) -> Tensor:
    """Per-sample BCE summed over classes, ``[B]``, for padded index targets ``[B, K]``.

    ``indices`` must already be checked with :func:`check_indices`; ``pos_weight`` is ``[V]``
    in the compute dtype, or ``None``.
    """
    index, keep = unique_positives(indices)
    t0 = label_smoothing / 2.0
    t1 = 1.0 - label_smoothing / 2.0
    rows, _ = _SparseBCE.apply(logits, index, keep, pos_weight, t0, t1)  # type: ignore[no-untyped-call, unused-ignore]
    return rows  # type: ignore[no-any-return]


def sparse_bce_elementwise(
    logits: Tensor, indices: Tensor, *, label_smoothing: float, pos_weight: Tensor | None
) -> Tensor:
    """Element-wise BCE ``[B, V]`` (``reduction="none"``) for padded index targets, via autograd.

    The output is ``[B, V]`` by definition, so this path trades memory for simplicity; the
    target itself is still never built.
    """
    index, keep = unique_positives(indices)
    t0 = label_smoothing / 2.0
    d = 1.0 - label_smoothing
    z = logits.to(compute_dtype(logits.dtype))
    z_pos = z.gather(1, index)
    if pos_weight is None:
        elem = F.softplus(z) - t0 * z
        fix = d * (F.softplus(-z_pos) - F.softplus(z_pos))
    else:
        elem = (1.0 + (pos_weight - 1.0) * t0) * F.softplus(z) - pos_weight * t0 * z
        p = pos_weight[index]
        fix = d * (p * F.softplus(-z_pos) - F.softplus(z_pos))
    return elem.scatter_add(1, index, fix * keep.to(z.dtype))
