"""The two layers CoreNet's ViT has and timm's does not: its convolutional stem and fp32 LayerNorm.

CoreNet's ViT embeds an image with three strided convolutions (4x4, then 2x2 twice: one token per
16x16 pixels) instead of one 16x16 patch projection, and it resizes its learned position
embedding for other token counts with a 1-D linear resize of the flattened sequence, not a 2-D
resize of the grid. :class:`ConvStemEmbed` does both, so any timm ``VisionTransformer`` built with
``embed_layer=ConvStemEmbed`` and ``pos_embed="none"`` prepends the class token *after* the
position embedding was added, as CoreNet does (the class token has no position embedding).

Example:
    >>> import torch
    >>> stem = ConvStemEmbed(embed_dim=64, stem_width=32)
    >>> stem(torch.rand(2, 3, 224, 160)).shape  # 14 x 10 tokens
    torch.Size([2, 140, 64])
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["ConvStemEmbed", "LayerNormFp32", "resize_pos_embed"]

PATCH_SIZE = 16
"""Pixels per token side: the stem's strides, 4 x 2 x 2."""


def resize_pos_embed(pos_embed: Tensor, num_tokens: int) -> Tensor:
    """Resize a ``[1, M, C]`` position embedding to ``num_tokens`` by 1-D linear interpolation.

    The flattened sequence of ``M`` positions is resampled to ``num_tokens`` positions
    (``align_corners=False``), whatever the image's grid: CoreNet's rule, which differs from a
    2-D resize of the ``sqrt(M) x sqrt(M)`` grid. With ``num_tokens == M`` it is returned as is.

    Args:
        pos_embed: The learned embedding, ``[1, M, C]``.
        num_tokens: Tokens of the image, ``h * w``.

    Returns:
        ``[1, num_tokens, C]``.

    Example:
        >>> import torch
        >>> resize_pos_embed(torch.arange(4.0).view(1, 4, 1), 2).flatten().tolist()
        [0.5, 2.5]
    """
    if pos_embed.shape[1] == num_tokens:
        return pos_embed
    resized = F.interpolate(
        pos_embed.transpose(1, 2), size=num_tokens, mode="linear", align_corners=False
    )
    return resized.transpose(1, 2)


def _pair(size: int | tuple[int, int]) -> tuple[int, int]:
    return (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))


class ConvStemEmbed(nn.Module):
    """CoreNet's ViT stem plus its position embedding: images ``[B, 3, H, W]`` to tokens.

    Three convolutions: ``4x4`` stride 4 padding 1 (no bias) + BatchNorm + GELU, ``2x2`` stride 2
    (no bias) + BatchNorm + GELU, ``2x2`` stride 2 to ``embed_dim`` (with bias). The ``h x w``
    output grid is flattened to ``[B, h * w, embed_dim]`` and the position embedding is added,
    resized by :func:`~catlip.corenet.layers.resize_pos_embed` when ``h * w`` differs from the
    trained token count.

    The signature is that of a timm ``embed_layer``; ``patch_size`` must be 16 and
    ``img_size`` (the trained size) sets the length of the position embedding. Any input of at
    least 16 pixels a side works; multiples of 16 give ``H/16 x W/16`` tokens.

    Args:
        img_size: Image size the position embedding was learned for.
        patch_size: Must be 16.
        in_chans: Input channels.
        embed_dim: Token width.
        stem_width: Channels of the first two convolutions (CoreNet: ``max(32, embed_dim // 4)``).
        bias: Accepted for timm's call; the last convolution always has a bias.
        dynamic_img_pad: Must be ``False`` (no padding mode).
        device: Device of the parameters.
        dtype: Dtype of the parameters.

    Attributes:
        pos_embed: ``[1, num_patches, embed_dim]`` learned position embedding.
        num_patches: Trained token count.
        grid_size: Trained token grid.
    """

    def __init__(
        self,
        img_size: int | tuple[int, int] = 224,
        patch_size: int | tuple[int, int] = PATCH_SIZE,
        in_chans: int = 3,
        embed_dim: int = 768,
        *,
        stem_width: int | None = None,
        bias: bool = True,
        dynamic_img_pad: bool = False,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        if _pair(patch_size) != (PATCH_SIZE, PATCH_SIZE):
            raise ValueError(f"ConvStemEmbed: patch_size must be 16, got {patch_size!r}")
        if dynamic_img_pad:
            raise ValueError("ConvStemEmbed: dynamic_img_pad is not supported")
        self.img_size = _pair(img_size)
        self.patch_size = (PATCH_SIZE, PATCH_SIZE)
        self.grid_size = (self.img_size[0] // PATCH_SIZE, self.img_size[1] // PATCH_SIZE)
        self.num_patches = self.grid_size[0] * self.grid_size[1]
        width = max(32, embed_dim // 4) if stem_width is None else stem_width
        factory = {"device": device, "dtype": dtype}
        self.conv1 = nn.Conv2d(in_chans, width, 4, stride=4, padding=1, bias=False, **factory)  # type: ignore[arg-type]
        self.norm1 = nn.BatchNorm2d(width, **factory)  # type: ignore[arg-type]
        self.conv2 = nn.Conv2d(width, width, 2, stride=2, bias=False, **factory)  # type: ignore[arg-type]
        self.norm2 = nn.BatchNorm2d(width, **factory)  # type: ignore[arg-type]
        self.proj = nn.Conv2d(width, embed_dim, 2, stride=2, bias=True, **factory)  # type: ignore[arg-type]
        self.act = nn.GELU()
        self.pos_embed = nn.Parameter(torch.zeros(1, self.num_patches, embed_dim, **factory))  # type: ignore[arg-type]

    def feat_ratio(self, as_scalar: bool = True) -> int | tuple[int, int]:
        """Pixels per token (timm's feature-map reduction)."""
        return PATCH_SIZE if as_scalar else self.patch_size

    def dynamic_feat_size(self, img_size: tuple[int, int]) -> tuple[int, int]:
        """Token grid ``(h, w)`` for an ``img_size`` of ``(H, W)`` pixels."""

        def side(pixels: int) -> int:
            # 4x4 stride 4 padding 1, then two 2x2 stride 2 (floor division at each step)
            return ((pixels - 2) // 4 + 1) // 2 // 2

        return side(img_size[0]), side(img_size[1])

    def forward(self, images: Tensor) -> Tensor:
        """Return ``[B, h * w, embed_dim]`` tokens with the position embedding added."""
        x = self.act(self.norm1(self.conv1(images)))
        x = self.act(self.norm2(self.conv2(x)))
        tokens: Tensor = self.proj(x).flatten(2).transpose(1, 2)
        return tokens + resize_pos_embed(self.pos_embed, tokens.shape[1])


class LayerNormFp32(nn.LayerNorm):
    """LayerNorm computed in float32 whatever the input dtype, the result cast back.

    CoreNet's ViT normalises every token this way (``layer_norm_fp32``), so bf16/fp16 inference
    keeps full-precision statistics.

    Example:
        >>> import torch
        >>> norm = LayerNormFp32(8, eps=1e-6)
        >>> norm(torch.randn(2, 8, dtype=torch.bfloat16)).dtype
        torch.bfloat16
    """

    def forward(self, x: Tensor) -> Tensor:
        """Normalise ``x`` over its last dimensions in float32; return it in ``x.dtype``."""
        weight = None if self.weight is None else self.weight.float()
        bias = None if self.bias is None else self.bias.float()
        out: Tensor = F.layer_norm(x.float(), self.normalized_shape, weight, bias, self.eps)
        return out.to(x.dtype)
