"""Label batches: per-sample class-index lists to the tensors a loss takes.

Two target formats: a *sparse* ``LongTensor[B, K]`` of class indices padded with ``-1``
(:func:`pad_labels`, what :mod:`catlip.losses` takes) and a *dense* multi-hot ``Tensor[B, V]``
(:func:`multi_hot`). :class:`LabelCollate` builds either inside a ``DataLoader``.

torch is imported when these functions run, not when :mod:`catlip.vocab` is imported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

__all__ = ["LabelCollate", "multi_hot", "pad_labels"]


def _as_lists(index_lists: Sequence[Sequence[int]]) -> list[list[int]]:
    rows: list[list[int]] = []
    items: Any = index_lists
    if isinstance(items, (str, bytes)):
        raise TypeError("index_lists must be a sequence of index sequences")
    for row in items:
        if isinstance(row, (str, bytes)) or not hasattr(row, "__iter__"):
            raise TypeError(
                f"each sample's labels must be a sequence of class indices, got {row!r}"
            )
        rows.append([int(i) for i in row])
    return rows


def pad_labels(
    index_lists: Sequence[Sequence[int]], *, pad_value: int = -1, length: int | None = None
) -> torch.Tensor:
    """Stack per-sample class indices into a padded ``LongTensor[B, K]``.

    Args:
        index_lists: One sequence of class indices per sample (any lengths, possibly empty).
        pad_value: The filler for short rows; must be negative so it is never a class.
        length: ``K`` (default: the longest row). Rows longer than ``length`` raise.

    Returns:
        ``LongTensor[B, K]``; row ``b`` starts with sample ``b``'s indices, then ``pad_value``.

    Example:
        >>> pad_labels([[3, 1], [], [7]])
        tensor([[ 3,  1],
                [-1, -1],
                [ 7, -1]])
    """
    import torch

    if pad_value >= 0:
        raise ValueError(f"pad_value must be negative (it would be a class index), got {pad_value}")
    rows = _as_lists(index_lists)
    longest = max((len(r) for r in rows), default=0)
    if length is None:
        length = longest
    elif length < longest:
        raise ValueError(f"a sample has {longest} labels, more than length={length}")
    for b, row in enumerate(rows):
        if row and min(row) < 0:
            raise ValueError(f"sample {b} has a negative class index: {row}")
    out = torch.full((len(rows), length), pad_value, dtype=torch.long)
    # One copy for the whole batch: row-major order of the kept cells is the order of `flat`.
    lengths = torch.tensor([len(r) for r in rows], dtype=torch.long)
    keep = torch.arange(length).unsqueeze(0) < lengths.unsqueeze(1)
    out[keep] = torch.tensor([i for row in rows for i in row], dtype=torch.long)
    return out


def multi_hot(
    index_lists: Sequence[Sequence[int]] | torch.Tensor,
    num_classes: int,
    *,
    dtype: torch.dtype | None = None,
) -> torch.Tensor:
    """Turn per-sample class indices into a dense multi-hot ``Tensor[B, V]``.

    Args:
        index_lists: One sequence of class indices per sample, or a padded ``LongTensor[B, K]``
            from :func:`pad_labels` (negative entries are padding).
        num_classes: ``V``, the vocabulary size.
        dtype: The result's dtype (default: ``torch.float32``).

    Returns:
        ``Tensor[B, V]`` with 1 at each sample's classes, 0 elsewhere.

    Example:
        >>> multi_hot([[2, 0], []], 3)
        tensor([[1., 0., 1.],
                [0., 0., 0.]])
    """
    import torch

    if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive integer, got {num_classes!r}")
    if isinstance(index_lists, torch.Tensor):
        if index_lists.dim() != 2:
            raise ValueError(f"padded labels must be [B, K], got shape {tuple(index_lists.shape)}")
        padded = index_lists.long()
    else:
        padded = pad_labels(index_lists)
    if padded.numel() and int(padded.max()) >= num_classes:
        raise ValueError(
            f"class index {int(padded.max())} is out of range for num_classes={num_classes}"
        )
    out = torch.zeros((padded.shape[0], num_classes + 1), dtype=dtype or torch.float32)
    # Padding goes to the extra column num_classes, which is dropped.
    where = torch.where(padded < 0, torch.full_like(padded, num_classes), padded)
    out.scatter_(1, where, 1)
    return out[:, :num_classes].contiguous()


class LabelCollate:
    """A picklable ``collate_fn`` that batches samples whose labels are class-index lists.

    Samples are tuples (the labels at position ``label_position``) or dicts (the labels under
    ``label_key``). The labels become :func:`pad_labels` output (or :func:`multi_hot` output
    when ``num_classes`` is given and ``dense=True``); every other field is batched with
    ``torch.utils.data.default_collate``.

    Args:
        num_classes: The vocabulary size (needed for ``dense=True``; also checks indices).
        dense: Produce multi-hot ``Tensor[B, V]`` instead of padded ``LongTensor[B, K]``.
        pad_value: The padding value of sparse labels.
        label_position: Where the labels are in tuple samples.
        label_key: Where the labels are in dict samples.

    Example:
        >>> import torch
        >>> collate = LabelCollate()
        >>> images, labels = collate([(torch.zeros(3), [4, 1]), (torch.ones(3), [2])])
        >>> images.shape, labels.tolist()
        (torch.Size([2, 3]), [[4, 1], [2, -1]])
    """

    def __init__(
        self,
        num_classes: int | None = None,
        *,
        dense: bool = False,
        pad_value: int = -1,
        label_position: int = -1,
        label_key: str = "labels",
    ) -> None:
        if dense and num_classes is None:
            raise ValueError("dense=True needs num_classes")
        self.num_classes = num_classes
        self.dense = dense
        self.pad_value = pad_value
        self.label_position = label_position
        self.label_key = label_key

    def labels(self, index_lists: Sequence[Sequence[int]]) -> torch.Tensor:
        """Batch the labels alone."""
        if self.dense:
            if self.num_classes is None:
                raise ValueError("dense=True needs num_classes")
            return multi_hot(index_lists, self.num_classes)
        out = pad_labels(index_lists, pad_value=self.pad_value)
        if self.num_classes is not None and out.numel() and int(out.max()) >= self.num_classes:
            raise ValueError(
                f"class index {int(out.max())} is out of range for num_classes={self.num_classes}"
            )
        return out

    def __call__(self, batch: Sequence[Any]) -> Any:
        """Collate a list of samples into a batch."""
        from torch.utils.data import default_collate

        if not batch:
            raise ValueError("cannot collate an empty batch")
        first = batch[0]
        if isinstance(first, Mapping):
            key = self.label_key
            rest = [{k: v for k, v in s.items() if k != key} for s in batch]
            out = dict(default_collate(rest)) if rest[0] else {}
            out[key] = self.labels([s[key] for s in batch])
            return out
        if isinstance(first, (tuple, list)):
            pos = self.label_position % len(first)
            fields: list[Any] = []
            for i in range(len(first)):
                column = [s[i] for s in batch]
                fields.append(self.labels(column) if i == pos else default_collate(column))
            return tuple(fields)
        raise TypeError(
            f"LabelCollate needs tuple or dict samples, got {type(first).__name__}; "
            "use .labels() for bare label lists"
        )
