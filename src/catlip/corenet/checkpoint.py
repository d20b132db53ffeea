"""Read CoreNet's CatLIP ViT checkpoints: key names, shapes, and the architecture they imply.

A released checkpoint (``vit_base.pt`` ...) is a flat ``state_dict`` under CoreNet's module
names. :func:`read_architecture` infers the model's sizes from the tensor shapes and checks that
every key is either a model key or dropped (:data:`DROPPED_PREFIXES`); :func:`convert_state_dict`
renames the model keys to those of a :class:`~catlip.heads.CatLIPClassifier` wrapping a timm
``VisionTransformer`` with a :class:`~catlip.corenet.layers.ConvStemEmbed` (``backbone.*`` and
``head.*``).

Example:
    >>> import torch
    >>> arch = Architecture(width=128, depth=1, num_heads=2, stem_width=32, mlp_width=512,
    ...                     num_positions=196, num_classes=10)
    >>> shapes = expected_shapes(arch)
    >>> shapes["transformer.0.pre_norm_mha.1.qkv_proj.weight"]
    (384, 128)
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import NamedTuple

from torch import Tensor

from catlip.errors import CheckpointError

__all__ = [
    "DROPPED_PREFIXES",
    "HEAD_DIM",
    "VARIANTS",
    "Architecture",
    "convert_state_dict",
    "expected_shapes",
    "read_architecture",
]

VARIANTS: Mapping[str, tuple[int, int, int]] = {
    "base": (768, 12, 12),
    "large": (1024, 24, 16),
    "huge": (1280, 32, 20),
}
"""The released CatLIP ViTs (``vit_base.pt`` ...): name -> (width, depth, heads)."""

HEAD_DIM = 64
"""Width of an attention head in every CatLIP ViT: ``num_heads = width // 64``."""

DROPPED_PREFIXES = ("neural_augmentor.",)
"""Prefixes of the checkpoint keys that are ignored, not being part of the model.

RangeAugment's learned brightness, contrast and noise ranges
(``neural_augmentor.{brightness,contrast,noise}._{low,high}``), used only to augment training
images. BatchNorm ``num_batches_tracked`` counters are loaded when present and set to 0 when
absent (they do not change inference)."""

_OPTIONAL_SUFFIX = ".num_batches_tracked"
_ATTENTION_OUT = ("out_proj_attn", "out_proj")  # flash-attention configs, then the others
_BLOCK = re.compile(r"transformer\.(\d+)\.")
_FIXED = {
    "cls_token": "backbone.cls_token",
    "pos_embed.pos_embed.pos_embed": "backbone.patch_embed.pos_embed",
    "patch_emb.0.block.conv.weight": "backbone.patch_embed.conv1.weight",
    "patch_emb.1.block.conv.weight": "backbone.patch_embed.conv2.weight",
    "patch_emb.2.block.conv.weight": "backbone.patch_embed.proj.weight",
    "patch_emb.2.block.conv.bias": "backbone.patch_embed.proj.bias",
    "post_transformer_norm.weight": "backbone.norm.weight",
    "post_transformer_norm.bias": "backbone.norm.bias",
    "classifier.weight": "head.weight",
    "classifier.bias": "head.bias",
}
_BATCH_NORMS = {"patch_emb.0.block.norm": "backbone.patch_embed.norm1"}
_BATCH_NORMS["patch_emb.1.block.norm"] = "backbone.patch_embed.norm2"
_BN_STATES = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")
_BLOCK_LAYERS = {  # CoreNet module inside transformer.{i} -> timm module inside blocks.{i}
    "pre_norm_mha.0": "norm1",
    "pre_norm_mha.1.qkv_proj": "attn.qkv",
    "pre_norm_mha.1.out_proj_attn": "attn.proj",
    "pre_norm_mha.1.out_proj": "attn.proj",
    "pre_norm_ffn.0": "norm2",
    "pre_norm_ffn.1": "mlp.fc1",
    "pre_norm_ffn.4": "mlp.fc2",
}


class Architecture(NamedTuple):
    """The sizes of a CoreNet CatLIP ViT, as read from a checkpoint's shapes.

    Attributes:
        width: Token width (768, 1024, 1280 for B, L, H).
        depth: Number of transformer blocks.
        num_heads: Attention heads (``width // 64``).
        stem_width: Channels of the convolutional stem (``max(32, width // 4)`` in CoreNet).
        mlp_width: Hidden width of the blocks' MLP (``4 * width``).
        num_positions: Tokens of the learned position embedding (196 = 14 x 14 at 224 px).
        num_classes: Rows of the classifier (24,320 for the DataComp vocabulary).
        variant: ``"base"``, ``"large"`` or ``"huge"`` when the sizes are a released variant's,
            else ``None`` (a property).
    """

    width: int
    depth: int
    num_heads: int
    stem_width: int
    mlp_width: int
    num_positions: int
    num_classes: int

    @property
    def variant(self) -> str | None:
        """``"base"``, ``"large"`` or ``"huge"`` when the sizes are a released variant's."""
        for name, sizes in VARIANTS.items():
            if sizes == (self.width, self.depth, self.num_heads):
                return name
        return None


def expected_shapes(
    arch: Architecture, *, attention_out: Mapping[int, str] | None = None
) -> dict[str, tuple[int, ...]]:
    """CoreNet key -> tensor shape of every model key of a checkpoint of ``arch``.

    Args:
        arch: The sizes.
        attention_out: Block index -> name of its attention output projection
            (``"out_proj_attn"``, the default, or ``"out_proj"``).

    Returns:
        Shapes of the model keys, BatchNorm ``num_batches_tracked`` included (scalars).
    """
    c, s = arch.width, arch.stem_width
    shapes: dict[str, tuple[int, ...]] = {
        "cls_token": (1, 1, c),
        "pos_embed.pos_embed.pos_embed": (1, 1, arch.num_positions, c),
        "patch_emb.0.block.conv.weight": (s, 3, 4, 4),
        "patch_emb.1.block.conv.weight": (s, s, 2, 2),
        "patch_emb.2.block.conv.weight": (c, s, 2, 2),
        "patch_emb.2.block.conv.bias": (c,),
        "post_transformer_norm.weight": (c,),
        "post_transformer_norm.bias": (c,),
        "classifier.weight": (arch.num_classes, c),
        "classifier.bias": (arch.num_classes,),
    }
    for norm in _BATCH_NORMS:
        shapes.update({f"{norm}.{state}": (s,) for state in _BN_STATES[:4]})
        shapes[f"{norm}.num_batches_tracked"] = ()
    out = attention_out or {}
    for i in range(arch.depth):
        layers = {
            "pre_norm_mha.0": (c, c),
            "pre_norm_mha.1.qkv_proj": (3 * c, c),
            f"pre_norm_mha.1.{out.get(i, _ATTENTION_OUT[0])}": (c, c),
            "pre_norm_ffn.0": (c, c),
            "pre_norm_ffn.1": (arch.mlp_width, c),
            "pre_norm_ffn.4": (c, arch.mlp_width),
        }
        for name, (rows, cols) in layers.items():
            is_norm = name.endswith(".0")
            shapes[f"transformer.{i}.{name}.weight"] = (rows,) if is_norm else (rows, cols)
            shapes[f"transformer.{i}.{name}.bias"] = (rows,)
    return shapes


def _shape(state_dict: Mapping[str, Tensor], key: str, dims: int) -> tuple[int, ...]:
    shape = tuple(state_dict[key].shape)
    if len(shape) != dims:
        raise CheckpointError(
            f"checkpoint key {key!r} has shape {list(shape)}, expected {dims} dimensions: this is "
            "not a CoreNet CatLIP ViT checkpoint"
        )
    return shape


def _key_list(keys: set[str] | list[str], limit: int = 12) -> str:
    ordered = sorted(keys)
    shown = ", ".join(repr(k) for k in ordered[:limit])
    return shown + (f" (and {len(ordered) - limit} more)" if len(ordered) > limit else "")


def read_architecture(
    state_dict: Mapping[str, Tensor], *, variant: str | None = None
) -> Architecture:
    """Infer the sizes of a CoreNet ViT checkpoint and check every key and shape against them.

    Args:
        state_dict: The checkpoint (tensors may be on the ``meta`` device).
        variant: ``"base"``, ``"large"`` or ``"huge"`` to require that variant's sizes;
            ``None`` accepts any sizes the shapes imply (``num_heads = width // 64``).

    Returns:
        The architecture.

    Raises:
        CheckpointError: Keys are missing or unknown (each named), a shape does not fit, the
            width is not a multiple of 64, or the sizes are not ``variant``'s.
        ValueError: ``variant`` is not a known name.
    """
    if variant is not None and variant not in VARIANTS:
        raise ValueError(f"variant must be one of {sorted(VARIANTS)} or None, got {variant!r}")
    not_tensors = [k for k, v in state_dict.items() if not isinstance(v, Tensor)]
    if not_tensors or not all(isinstance(k, str) for k in state_dict):
        raise CheckpointError(
            f"checkpoint holds non-tensor entries {_key_list(not_tensors)}: pass a flat CoreNet "
            "state_dict (key -> tensor), such as the released vit_base.pt"
        )
    needed = ["cls_token", "patch_emb.0.block.conv.weight", "classifier.weight"]
    needed += ["pos_embed.pos_embed.pos_embed", "transformer.0.pre_norm_ffn.1.weight"]
    if missing := [k for k in needed if k not in state_dict]:
        raise CheckpointError(
            f"checkpoint lacks {_key_list(missing)}: it is not a CoreNet CatLIP ViT state_dict "
            f"(found keys {_key_list(set(state_dict), limit=6)})"
        )
    width = _shape(state_dict, "cls_token", 3)[-1]
    blocks = {int(m.group(1)) for k in state_dict if (m := _BLOCK.match(k))}
    arch = Architecture(
        width=width,
        depth=max(blocks) + 1,
        num_heads=width // HEAD_DIM,
        stem_width=_shape(state_dict, "patch_emb.0.block.conv.weight", 4)[0],
        mlp_width=_shape(state_dict, "transformer.0.pre_norm_ffn.1.weight", 2)[0],
        num_positions=_shape(state_dict, "pos_embed.pos_embed.pos_embed", 4)[2],
        num_classes=_shape(state_dict, "classifier.weight", 2)[0],
    )
    if width % HEAD_DIM:
        raise CheckpointError(f"checkpoint width {width} is not a multiple of {HEAD_DIM}")
    if math.isqrt(arch.num_positions) ** 2 != arch.num_positions:
        raise CheckpointError(
            f"the position embedding has {arch.num_positions} tokens, not a square grid"
        )
    if variant is not None and VARIANTS[variant] != (arch.width, arch.depth, arch.num_heads):
        raise CheckpointError(
            f"checkpoint is width {arch.width}, depth {arch.depth}, not ViT-{variant} "
            f"{VARIANTS[variant][:2]}: pass variant={arch.variant!r} or None"
        )
    attention_out = {
        i: name
        for i in range(arch.depth)
        for name in reversed(_ATTENTION_OUT)
        if f"transformer.{i}.pre_norm_mha.1.{name}.weight" in state_dict
    }
    expected = expected_shapes(arch, attention_out=attention_out)
    unknown = {k for k in state_dict if k not in expected and not k.startswith(DROPPED_PREFIXES)}
    missing_keys = {k for k in expected if k not in state_dict and not k.endswith(_OPTIONAL_SUFFIX)}
    if unknown or missing_keys:
        problems = [f"unknown keys {_key_list(unknown)}"] if unknown else []
        problems += [f"missing keys {_key_list(missing_keys)}"] if missing_keys else []
        raise CheckpointError(
            f"checkpoint does not match a CoreNet CatLIP ViT (width {arch.width}, depth "
            f"{arch.depth}): {'; '.join(problems)}. Pass the released state_dict unchanged; "
            f"ignored keys start with {DROPPED_PREFIXES}"
        )
    wrong = [
        f"{k}: {list(state_dict[k].shape)} (expected {list(shape)})"
        for k, shape in expected.items()
        if k in state_dict and tuple(state_dict[k].shape) != shape
    ]
    if wrong:
        raise CheckpointError(f"checkpoint shapes do not fit one ViT: {'; '.join(wrong[:8])}")
    return arch


def convert_state_dict(state_dict: Mapping[str, Tensor]) -> dict[str, Tensor]:
    """Rename a checked CoreNet checkpoint's model keys for a ``CatLIPClassifier`` of timm's ViT.

    Dropped keys (:data:`~catlip.corenet.checkpoint.DROPPED_PREFIXES`) are left out;
    ``pos_embed`` is reshaped from ``[1, 1, M, C]`` to ``[1, M, C]`` (a view). Tensors are not
    copied. Call :func:`read_architecture` first: keys it would reject are not handled here.

    Args:
        state_dict: A CoreNet ViT checkpoint.

    Returns:
        ``backbone.*`` and ``head.*`` keys, as ``CatLIPClassifier.state_dict()`` names them.

    Raises:
        CheckpointError: A key is neither a model key nor dropped.
    """
    converted: dict[str, Tensor] = {}
    for key, tensor in state_dict.items():
        if key.startswith(DROPPED_PREFIXES):
            continue
        converted[_convert_key(key)] = tensor
    pos = "backbone.patch_embed.pos_embed"
    if pos in converted:
        converted[pos] = converted[pos].flatten(1, 2)
    return converted


def _convert_key(key: str) -> str:
    if key in _FIXED:
        return _FIXED[key]
    module, _, state = key.rpartition(".")
    if module in _BATCH_NORMS and state in _BN_STATES:
        return f"{_BATCH_NORMS[module]}.{state}"
    match = _BLOCK.match(module)
    if match is not None and state in ("weight", "bias"):
        layer = _BLOCK_LAYERS.get(module[match.end() :])
        if layer is not None:
            return f"backbone.blocks.{match.group(1)}.{layer}.{state}"
    raise CheckpointError(f"checkpoint key {key!r} is not part of a CoreNet CatLIP ViT")
