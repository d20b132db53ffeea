"""The CatLIP classification head, and a wrapper that puts it on any image backbone.

CatLIP pre-trains an image backbone with a linear classifier over the synset vocabulary.
:class:`CatLIPHead` is that classifier: optional token pooling, dropout, then a linear layer whose
``weight`` (``[num_classes, in_features]``) and ``bias`` live directly on the head, like
:class:`torch.nn.Linear`, so Transfer Init (``catlip.transfer``) can copy rows of them.
:class:`CatLIPClassifier` attaches a head to a backbone that returns features.

Example:
    >>> import torch
    >>> from torch import nn
    >>> from catlip.heads import CatLIPClassifier, CatLIPHead
    >>> backbone = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 64))
    >>> model = CatLIPClassifier(backbone, CatLIPHead(64, 500))
    >>> model(torch.randn(2, 3, 8, 8)).shape
    torch.Size([2, 500])
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["CatLIPClassifier", "CatLIPHead", "Pool"]

Pool = Literal["cls", "mean"]
"""How :class:`CatLIPHead` pools ``[B, N, D]`` tokens: the first (class) token, or their mean."""

_POOLS = (None, "cls", "mean")


class CatLIPHead(nn.Module):
    """Linear classifier over backbone features, initialised like the paper's ViT head.

    Input is ``[B, D]`` features (``pool=None``; any leading dimensions ``[..., D]`` work, as
    for :class:`torch.nn.Linear`) or ``[B, N, D]`` tokens pooled to ``[B, D]`` first
    (``pool="cls"`` takes token 0, ``pool="mean"`` averages all ``N`` tokens). Dropout, if any,
    applies to the pooled features. The weight is drawn from a normal distribution with standard
    deviation ``init_std`` truncated at two standard deviations; the bias starts at zero.

    Args:
        in_features: feature width ``D`` of the backbone.
        num_classes: vocabulary size ``V`` (number of synsets).
        bias: learn an additive bias per class.
        init_std: standard deviation of the weight initialisation.
        dropout: dropout probability on the features before the linear layer.
        pool: ``None`` (features are already pooled), ``"cls"`` or ``"mean"``.
        device: device of the parameters.
        dtype: dtype of the parameters.

    Attributes:
        in_features: feature width ``D``.
        num_classes: number of classes ``V``.
        weight: ``[num_classes, in_features]`` parameter.
        bias: ``[num_classes]`` parameter, or ``None``.
        pool: the pooling mode.

    Example:
        >>> import torch
        >>> head = CatLIPHead(768, 24320, pool="cls")
        >>> head(torch.randn(2, 197, 768)).shape
        torch.Size([2, 24320])
    """

    weight: nn.Parameter
    bias: nn.Parameter | None

    def __init__(
        self,
        in_features: int,
        num_classes: int,
        *,
        bias: bool = True,
        init_std: float = 0.02,
        dropout: float = 0.0,
        pool: Pool | None = None,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        for name, value in (("in_features", in_features), ("num_classes", num_classes)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"CatLIPHead: {name} must be a positive int, got {value!r}")
        if not init_std > 0.0:
            raise ValueError(f"CatLIPHead: init_std must be positive, got {init_std}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"CatLIPHead: dropout must be in [0, 1), got {dropout}")
        if pool not in _POOLS:
            raise ValueError(f"CatLIPHead: pool must be None, 'cls' or 'mean', got {pool!r}")
        self.in_features = in_features
        self.num_classes = num_classes
        self.init_std = float(init_std)
        self.pool: Pool | None = pool
        self.drop = nn.Dropout(dropout)
        factory = {"device": device, "dtype": dtype}
        self.weight = nn.Parameter(torch.empty(num_classes, in_features, **factory))  # type: ignore[arg-type]
        if bias:
            self.bias = nn.Parameter(torch.empty(num_classes, **factory))  # type: ignore[arg-type]
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw the weight (truncated normal, std ``init_std``) and zero the bias."""
        std = self.init_std
        nn.init.trunc_normal_(self.weight, mean=0.0, std=std, a=-2.0 * std, b=2.0 * std)
        if self.bias is not None:
            nn.init.zeros_(self.bias)

    def pool_features(self, x: Tensor) -> Tensor:
        """Pool ``[B, N, D]`` tokens to ``[B, D]`` as ``pool`` says; return other input as is.

        Args:
            x: backbone output.

        Returns:
            The features the linear layer sees (before dropout).

        Raises:
            ValueError: if ``pool`` is set and ``x`` is not ``[B, N, D]`` with ``N >= 1``.
        """
        if self.pool is None:
            return x
        if x.dim() != 3 or x.shape[1] == 0:
            raise ValueError(
                f"CatLIPHead(pool={self.pool!r}) expects tokens [batch, tokens, features], got "
                f"shape {tuple(x.shape)}; use pool=None for already pooled [batch, features]"
            )
        return x[:, 0] if self.pool == "cls" else x.mean(dim=1)

    def forward(self, x: Tensor) -> Tensor:
        """Return logits ``[B, num_classes]`` for features ``[B, D]`` or tokens ``[B, N, D]``."""
        x = self.pool_features(x)
        if x.shape[-1] != self.in_features:
            raise ValueError(
                f"CatLIPHead expects {self.in_features} features in the last dimension, got "
                f"shape {tuple(x.shape)}; build the head with in_features={x.shape[-1]} or check "
                "the backbone's output (and pool=)"
            )
        return F.linear(self.drop(x), self.weight, self.bias)

    def extra_repr(self) -> str:
        """Describe the head, as ``print(module)`` shows it."""
        return (
            f"in_features={self.in_features}, num_classes={self.num_classes}, "
            f"bias={self.bias is not None}, pool={self.pool!r}"
        )


class CatLIPClassifier(nn.Module):
    """An image backbone with a :class:`CatLIPHead` on top.

    ``backbone(images)`` must return features: ``[B, D]``, or ``[B, N, D]`` tokens for a head
    with ``pool`` set (e.g. a timm model built with ``num_classes=0``, or a torchvision ResNet
    whose ``fc`` is :class:`torch.nn.Identity`).

    Args:
        backbone: module mapping images to features.
        head: the classifier over those features.

    Attributes:
        backbone: the feature extractor.
        head: the classifier; ``head.weight`` and ``head.bias`` are what Transfer Init copies.

    Example:
        >>> import torch
        >>> from torch import nn
        >>> backbone = nn.Sequential(nn.Flatten(), nn.Linear(12, 16))
        >>> model = CatLIPClassifier(backbone, CatLIPHead(16, 10))
        >>> model.forward_features(torch.randn(2, 3, 2, 2)).shape
        torch.Size([2, 16])
    """

    def __init__(self, backbone: torch.nn.Module, head: CatLIPHead) -> None:
        super().__init__()
        if not isinstance(backbone, nn.Module) or not isinstance(head, nn.Module):
            raise TypeError("CatLIPClassifier: backbone and head must be torch.nn.Module")
        self.backbone = backbone
        self.head = head

    @property
    def num_classes(self) -> int:
        """Number of classes the head predicts."""
        return int(self.head.num_classes)

    def forward_features(self, images: Tensor) -> Tensor:
        """Return the backbone's features (or tokens) for ``images``, before the head."""
        features: Tensor = self.backbone(images)
        return features

    def forward(self, images: Tensor) -> Tensor:
        """Return logits ``[B, num_classes]`` for ``images``."""
        logits: Tensor = self.head(self.forward_features(images))
        return logits
