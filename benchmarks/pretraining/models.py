"""Image backbones, the CLIP text tower and the two pre-training objectives' model parts.

The benchmark is backbone-agnostic: :func:`build_backbone` takes a name and returns a module that
maps ``[B, 3, H, W]`` images to ``[B, D]`` features, and ``D``. Both methods put their own part
on top of the same backbone: CatLIP a :class:`catlip.heads.CatLIPHead`, CLIP a projection plus a
text tower (:class:`CLIPModel`), trained with the symmetric InfoNCE loss of CLIP / open_clip.

Example:
    >>> backbone, width = build_backbone("cnn", widths=(8, 16))
    >>> backbone(torch.randn(2, 3, 32, 32)).shape
    torch.Size([2, 16])
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

BACKBONES = ("cnn", "tiny_vit")


class ConvNet(nn.Module):
    """A plain CNN: per stage ``depth`` x (3x3 conv, BatchNorm, ReLU), then 2x2 max-pool.

    Global average pooling gives ``widths[-1]`` features.
    """

    def __init__(self, widths: Sequence[int], *, depth: int = 1) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = 3
        for stage, width in enumerate(widths):
            for _ in range(depth):
                layers += [
                    nn.Conv2d(channels, width, 3, padding=1, bias=False),
                    nn.BatchNorm2d(width),
                    nn.ReLU(inplace=True),
                ]
                channels = width
            if stage < len(widths) - 1:
                layers.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers)
        self.width = channels

    def forward(self, x: Tensor) -> Tensor:
        return self.features(x).mean(dim=(2, 3))


def build_backbone(
    name: str, *, widths: Sequence[int] = (32, 64, 128, 256), depth: int = 1, image_size: int = 64
) -> tuple[nn.Module, int]:
    """Return ``(backbone, feature_width)`` for a backbone name.

    ``"cnn"`` is :class:`ConvNet` (``widths``, ``depth`` convs per stage); ``"tiny_vit"`` is the
    examples' TinyViT (``examples/tiny_vit.py``) at ``image_size``.
    """
    if name == "cnn":
        net = ConvNet(widths, depth=depth)
        return net, net.width
    if name == "tiny_vit":
        import sys
        from pathlib import Path

        sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
        from tiny_vit import build_backbone as build_vit

        vit, width = build_vit("tiny", image_size=image_size)
        return vit, int(width)
    raise ValueError(f"unknown backbone {name!r}; choose from {', '.join(BACKBONES)}")


class TextTower(nn.Module):
    """A small causal text transformer (CLIP's design): token + position embeddings, pre-norm
    blocks with a causal mask, final LayerNorm, features of the end-of-text token."""

    def __init__(
        self, vocab_size: int, *, context: int, width: int, layers: int, heads: int
    ) -> None:
        super().__init__()
        self.context = context
        self.token = nn.Embedding(vocab_size, width)
        self.position = nn.Parameter(torch.empty(context, width))
        nn.init.normal_(self.token.weight, std=0.02)
        nn.init.normal_(self.position, std=0.01)
        block = nn.TransformerEncoderLayer(
            width,
            heads,
            dim_feedforward=4 * width,
            dropout=0.0,
            activation="gelu",
            batch_first=True,
            norm_first=True,
        )
        self.blocks = nn.TransformerEncoder(block, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(width)
        mask = torch.full((context, context), float("-inf")).triu(1)
        self.register_buffer("mask", mask, persistent=False)
        self.width = width

    def forward(self, tokens: Tensor, eot: Tensor) -> Tensor:
        """``tokens``: ``[B, context]`` ids; ``eot``: ``[B]`` position of each end-of-text."""
        x = self.token(tokens) + self.position
        x = self.blocks(x, mask=self.mask, is_causal=True)
        x = self.norm(x)
        return x[torch.arange(len(x), device=x.device), eot]


class CLIPModel(nn.Module):
    """Image backbone + projection, text tower + projection, learnable temperature (CLIP)."""

    def __init__(
        self,
        backbone: nn.Module,
        feature_width: int,
        text: TextTower,
        *,
        embed_dim: int,
        init_logit_scale: float = 1 / 0.07,
    ) -> None:
        super().__init__()
        self.backbone = backbone
        self.text = text
        self.image_projection = nn.Linear(feature_width, embed_dim, bias=False)
        self.text_projection = nn.Linear(text.width, embed_dim, bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(init_logit_scale)))

    def encode_image(self, images: Tensor) -> Tensor:
        return F.normalize(self.image_projection(self.backbone(images)), dim=-1)

    def encode_text(self, tokens: Tensor, eot: Tensor) -> Tensor:
        return F.normalize(self.text_projection(self.text(tokens, eot)), dim=-1)

    def forward(self, images: Tensor, tokens: Tensor, eot: Tensor) -> Tensor:
        """The symmetric InfoNCE loss of a batch of matching (image, caption) pairs."""
        image = self.encode_image(images)
        text = self.encode_text(tokens, eot)
        scale = self.logit_scale.exp().clamp(max=100.0)  # as open_clip
        logits = scale * image @ text.T
        target = torch.arange(len(image), device=image.device)
        return (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2


def param_groups(model: nn.Module, weight_decay: float) -> list[dict[str, object]]:
    """AdamW groups: no weight decay on biases, norms, embeddings' positions and temperature."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        (no_decay if p.ndim < 2 or name.endswith("position") else decay).append(p)
    return [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
