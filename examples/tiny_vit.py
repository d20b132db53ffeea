"""A small Vision Transformer, so the examples run with no extra package.

``build_backbone("tiny")`` returns this model; any other name is created with timm (``pip install
timm``) as ``timm.create_model(name, num_classes=0)``, which returns pooled features as well.

Example:
    >>> backbone, width = build_backbone("tiny", image_size=64)
    >>> backbone(torch.zeros(2, 3, 64, 64)).shape
    torch.Size([2, 192])
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint

__all__ = ["TinyViT", "build_backbone"]


class _Block(nn.Module):
    """Pre-norm transformer block: attention and MLP, each with a residual."""

    def __init__(self, width: int, heads: int, mlp_ratio: float) -> None:
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width)
        hidden = int(width * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(width, hidden), nn.GELU(), nn.Linear(hidden, width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        qkv = self.qkv(self.norm1(x)).view(b, n, 3, self.heads, d // self.heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)  # each [B, heads, N, head_dim]
        attn = F.scaled_dot_product_attention(q, k, v)
        x = x + self.proj(attn.transpose(1, 2).reshape(b, n, d))
        out: torch.Tensor = x + self.mlp(self.norm2(x))
        return out


class TinyViT(nn.Module):
    """A plain ViT (patch embedding, class token, pre-norm blocks) returning the class token.

    Args:
        image_size: Input height and width in pixels.
        patch_size: Side of the square patches; must divide ``image_size``.
        width: Embedding dimension (``num_features``).
        depth: Number of transformer blocks.
        heads: Attention heads; must divide ``width``.
        mlp_ratio: MLP hidden size over ``width``.
    """

    def __init__(
        self,
        *,
        image_size: int = 64,
        patch_size: int = 8,
        width: int = 192,
        depth: int = 6,
        heads: int = 3,
        mlp_ratio: float = 4.0,
    ) -> None:
        super().__init__()
        if image_size % patch_size:
            raise ValueError(
                f"image_size {image_size} is not a multiple of patch_size {patch_size}"
            )
        if width % heads:
            raise ValueError(f"width {width} is not a multiple of heads {heads}")
        self.num_features = width
        self.grad_checkpointing = False
        self.patch_embed = nn.Conv2d(3, width, kernel_size=patch_size, stride=patch_size)
        num_patches = (image_size // patch_size) ** 2
        self.cls_token = nn.Parameter(torch.zeros(1, 1, width))
        self.pos_embed = nn.Parameter(torch.randn(1, num_patches + 1, width) * 0.02)
        self.blocks = nn.ModuleList(_Block(width, heads, mlp_ratio) for _ in range(depth))
        self.norm = nn.LayerNorm(width)

    def no_weight_decay(self) -> set[str]:
        """Parameter names that AdamW should not decay (timm's convention)."""
        return {"cls_token", "pos_embed"}

    def set_grad_checkpointing(self, enable: bool = True) -> None:
        """Recompute block activations in the backward pass to save memory (timm's convention)."""
        self.grad_checkpointing = enable

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(images).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
        for block in self.blocks:
            if self.grad_checkpointing and self.training:
                x = checkpoint(block, x, use_reentrant=False)
            else:
                x = block(x)
        features: torch.Tensor = self.norm(x[:, 0])
        return features


def build_backbone(
    name: str, *, image_size: int, grad_checkpointing: bool = False
) -> tuple[nn.Module, int]:
    """Create an image backbone that maps ``[B, 3, H, W]`` images to ``[B, D]`` features.

    Args:
        name: ``"tiny"`` for :class:`TinyViT`, otherwise a timm model name such as
            ``"vit_base_patch16_224"``.
        image_size: Input size in pixels.
        grad_checkpointing: Turn on activation checkpointing.

    Returns:
        The backbone and its feature width ``D``.
    """
    if name == "tiny":
        # 16x16 patches from 64 px up (196 tokens at 224), smaller ones for thumbnails
        patch = next(p for p in (16, 8, 4, 2, 1) if image_size % p == 0 and image_size >= 4 * p)
        model: nn.Module = TinyViT(image_size=image_size, patch_size=patch)
    else:
        try:
            import timm
        except ImportError as exc:
            raise SystemExit(
                f"--model {name} needs timm: pip install 'catlip[timm]' (or use --model tiny)"
            ) from exc
        try:  # ViT-style models take the input size; CNNs do not.
            model = timm.create_model(name, pretrained=False, num_classes=0, img_size=image_size)
        except TypeError:
            model = timm.create_model(name, pretrained=False, num_classes=0)
    if grad_checkpointing:
        model.set_grad_checkpointing(True)  # type: ignore[operator]
    return model, int(model.num_features)  # type: ignore[arg-type]
