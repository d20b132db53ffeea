"""Load a released CatLIP ViT (CoreNet checkpoint) as a timm ``VisionTransformer`` and a head.

Example:
    >>> from catlip.corenet import load_model
    >>> model = load_model("vit_base.pt")  # doctest: +SKIP
    >>> model.backbone  # a timm VisionTransformer returning [B, 768] features  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import math
import os
import pickle
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from catlip._optional import require
from catlip.corenet.checkpoint import Architecture, convert_state_dict, read_architecture
from catlip.corenet.layers import PATCH_SIZE, ConvStemEmbed, LayerNormFp32
from catlip.errors import CheckpointError
from catlip.heads import CatLIPClassifier, CatLIPHead

__all__ = ["build_backbone", "load_model"]

LAYER_NORM_EPS = 1e-6
"""Epsilon of every LayerNorm of CoreNet's ViT (BatchNorms keep PyTorch's 1e-5)."""

TIMM_MIN_VERSION = "1.0.26"
"""First timm whose ViT keeps the class token when it has no position embedding of its own."""


@functools.cache
def _vision_transformer() -> Any:
    purpose = "catlip.corenet (CoreNet's models as timm ViTs)"
    timm = require("timm", extra="timm", purpose=purpose)
    vit = require("timm.models.vision_transformer", extra="timm", purpose=purpose)
    VisionTransformer = vit.VisionTransformer
    # timm <= 1.0.25 silently drops the class token when a ViT has no position embedding of its
    # own (pos_embed="none"), and pooling would read the first patch token. Probe a one-block
    # model on the meta device (no compute): one 16 px patch must give two tokens.
    with torch.device("meta"):
        probe: Any = _new_vision_transformer(
            VisionTransformer, Architecture(64, 1, 1, 32, 64, 1, 1)
        )
        tokens = probe.forward_features(torch.empty(1, 3, PATCH_SIZE, PATCH_SIZE))
    if tokens.shape[1] != 2:
        raise ImportError(
            f"timm {timm.__version__} drops the class token of ViTs without their own position "
            f'embedding (fixed in timm {TIMM_MIN_VERSION}): pip install -U "catlip[timm]"'
        )
    return VisionTransformer


def _new_vision_transformer(vision_transformer: Any, arch: Architecture) -> nn.Module:
    grid = math.isqrt(arch.num_positions)
    backbone: nn.Module = vision_transformer(
        img_size=grid * PATCH_SIZE,
        patch_size=PATCH_SIZE,
        num_classes=0,
        global_pool="token",
        embed_dim=arch.width,
        depth=arch.depth,
        num_heads=arch.num_heads,
        mlp_ratio=arch.mlp_width / arch.width,
        qkv_bias=True,
        class_token=True,
        pos_embed="none",
        no_embed_class=True,
        fc_norm=False,
        embed_layer=partial(ConvStemEmbed, stem_width=arch.stem_width),
        norm_layer=partial(LayerNormFp32, eps=LAYER_NORM_EPS),
        act_layer=nn.GELU,
    )
    return backbone


def build_backbone(arch: Architecture) -> nn.Module:
    """Build an untrained timm ``VisionTransformer`` shaped and wired like CoreNet's ViT.

    The model returns pooled features ``[B, width]``: the class token after the final
    LayerNorm (``global_pool="token"``, no ``fc_norm``, no classifier). Its stem is a
    :class:`~catlip.corenet.ConvStemEmbed` that also adds the position embedding
    (``backbone.patch_embed.pos_embed``), so timm's ``pos_embed`` is ``None`` and the class token
    gets none. LayerNorms have eps 1e-6 and run in float32; GELU is exact; no dropout. Build
    inside ``with torch.device("meta"):`` to skip allocating weights that will be loaded.

    Args:
        arch: The sizes, as :func:`~catlip.corenet.read_architecture` returns them.

    Returns:
        The ``timm.models.vision_transformer.VisionTransformer``.

    Raises:
        ImportError: timm is not installed, or older than 1.0.26 (``pip install -U
            "catlip[timm]"``).

    Example:
        >>> from catlip.corenet import Architecture, build_backbone
        >>> arch = Architecture(width=64, depth=1, num_heads=1, stem_width=32, mlp_width=256,
        ...                     num_positions=196, num_classes=10)
        >>> backbone = build_backbone(arch)  # doctest: +SKIP
    """
    return _new_vision_transformer(_vision_transformer(), arch)


def _read_checkpoint(path: Path) -> Mapping[str, Tensor]:
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f"checkpoint {path} does not exist") from None
    except (OSError, RuntimeError, pickle.UnpicklingError, EOFError, ValueError) as exc:
        raise CheckpointError(
            f"cannot read checkpoint {path} as a PyTorch state_dict ({exc}); pass a released "
            "CatLIP file (vit_base.pt, vit_large.pt, vit_huge.pt)"
        ) from None
    if not isinstance(state, Mapping):
        raise CheckpointError(
            f"checkpoint {path} holds a {type(state).__name__}, not a state_dict (key -> tensor)"
        )
    return state


def load_model(
    checkpoint: str | os.PathLike[str] | Mapping[str, Tensor], *, variant: str | None = None
) -> CatLIPClassifier:
    """Load a CoreNet CatLIP ViT checkpoint as a timm backbone plus a ``CatLIPHead``.

    The sizes come from the checkpoint's shapes (ViT-B/16, L/16, H/16 or any other width that
    is a multiple of 64). Every key must be a model key, except the dropped ones: RangeAugment's
    ``neural_augmentor.*`` ranges (training-time augmentation). BatchNorm
    ``num_batches_tracked`` counters are optional. Both namings of the attention output
    projection (``out_proj_attn``, ``out_proj``) load.

    The model is in eval mode, on the checkpoint's device (CPU for a file; ``meta`` tensors give
    a ``meta`` model) with its dtype. Feed it RGB images in ``[0, 1]`` without mean/std
    normalisation (:func:`~catlip.corenet.preprocess`); any size works, and sizes other than
    224 px use CoreNet's 1-D resize of the position embedding, so outputs match CoreNet's.

    Args:
        checkpoint: Path of the ``.pt`` file, or its state_dict (not modified, not shared).
        variant: ``"base"``, ``"large"`` or ``"huge"`` to require those sizes.

    Returns:
        ``model(images)`` gives logits ``[B, num_classes]``; ``model.backbone`` is the timm
        ``VisionTransformer`` (features ``[B, width]``); ``model.head`` the classifier whose rows
        :func:`~catlip.transfer.transfer_init` and :func:`~catlip.transfer.zero_shot_classifier`
        use.

    Raises:
        CheckpointError: The file cannot be read, or its keys or shapes are not a CoreNet ViT's
            (the message names the keys).
        ImportError: timm is not installed, or older than 1.0.26 (``pip install -U
            "catlip[timm]"``).
        TypeError: ``checkpoint`` is neither a path nor a mapping.

    Example:
        >>> model = load_model("vit_base.pt", variant="base")  # doctest: +SKIP
        >>> logits = model(preprocess(image).unsqueeze(0))  # doctest: +SKIP
    """
    if isinstance(checkpoint, Mapping):
        state, owned = checkpoint, False
    elif isinstance(checkpoint, (str, os.PathLike)):
        state, owned = _read_checkpoint(Path(checkpoint)), True
    else:
        raise TypeError(
            f"checkpoint must be a path or a state_dict, got {type(checkpoint).__name__}"
        )
    arch = read_architecture(state, variant=variant)
    weights = convert_state_dict(state)
    if not owned:  # the model takes the tensors over (assign=True): copy the caller's
        weights = {key: tensor.detach().clone() for key, tensor in weights.items()}
    for norm in ("norm1", "norm2"):
        counter = f"backbone.patch_embed.{norm}.num_batches_tracked"
        weights.setdefault(
            counter, torch.zeros((), dtype=torch.long, device=state["cls_token"].device)
        )
    with torch.device("meta"):
        model = CatLIPClassifier(build_backbone(arch), CatLIPHead(arch.width, arch.num_classes))
    model.load_state_dict(weights, strict=True, assign=True)
    return model.eval()
