"""Evaluation preprocessing of the released CatLIP models, without torchvision.

CoreNet evaluates them on RGB pixels scaled to ``[0, 1]`` with **no mean/std normalisation**,
after resizing the shorter side to 232 pixels (bilinear) and cropping the centre 224 x 224.

Example:
    >>> import torch
    >>> from catlip.corenet import preprocess
    >>> preprocess(torch.randint(0, 256, (3, 300, 400), dtype=torch.uint8)).shape
    torch.Size([3, 224, 224])
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import Tensor

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = ["CROP_SIZE", "RESIZE_SIZE", "preprocess"]

RESIZE_SIZE = 232
"""Shorter side after resizing, in pixels."""

CROP_SIZE = 224
"""Side of the centre crop, in pixels."""


def _resized(height: int, width: int, short: int) -> tuple[int, int]:
    # The shorter side becomes `short`; the longer one is scaled and truncated (torchvision's rule).
    if height <= width:
        return short, int(short * width / height)
    return int(short * height / width), short


def _crop_box(height: int, width: int, crop: int) -> tuple[int, int]:
    return round((height - crop) / 2), round((width - crop) / 2)


def preprocess(
    image: Tensor | Image, *, resize_size: int = RESIZE_SIZE, crop_size: int = CROP_SIZE
) -> Tensor:
    """Resize the shorter side to ``resize_size`` (bilinear), centre-crop, scale to ``[0, 1]``.

    A PIL image is converted to RGB and resized with PIL's bilinear filter, as CoreNet's PIL
    pipeline does. A tensor ``[3, H, W]`` or ``[B, 3, H, W]`` (uint8 in ``[0, 255]``, or float
    in ``[0, 1]``) is resized with ``F.interpolate(mode="bilinear", antialias=True)``, which
    follows PIL's filter closely but not bit for bit. No mean/std normalisation is applied: the
    released models expect raw ``[0, 1]`` pixels.

    Args:
        image: A ``PIL.Image.Image`` or an image tensor, channels first.
        resize_size: Shorter side after resizing.
        crop_size: Side of the square centre crop (at most ``resize_size``).

    Returns:
        Float tensor ``[3, crop, crop]`` (``[B, 3, crop, crop]`` for a batch) in ``[0, 1]``.

    Raises:
        TypeError: ``image`` is neither a tensor nor a PIL image.
        ValueError: The sizes are not positive with ``crop_size <= resize_size``, or the tensor
            is not ``[3, H, W]`` / ``[B, 3, H, W]``.

    Example:
        >>> import torch
        >>> preprocess(torch.rand(2, 3, 240, 320)).shape
        torch.Size([2, 3, 224, 224])
    """
    if not 0 < crop_size <= resize_size:
        raise ValueError(
            f"need 0 < crop_size <= resize_size, got crop_size={crop_size}, "
            f"resize_size={resize_size}"
        )
    if isinstance(image, Tensor):
        return _preprocess_tensor(image, resize_size, crop_size)
    try:
        from PIL.Image import Image, Resampling
    except ImportError:
        raise TypeError(
            f"image must be a tensor or a PIL image, got {type(image).__name__}"
        ) from None
    if not isinstance(image, Image):
        raise TypeError(f"image must be a tensor or a PIL image, got {type(image).__name__}")
    rgb = image.convert("RGB")
    height, width = _resized(rgb.height, rgb.width, resize_size)
    top, left = _crop_box(height, width, crop_size)
    rgb = rgb.resize((width, height), Resampling.BILINEAR)
    rgb = rgb.crop((left, top, left + crop_size, top + crop_size))
    pixels = torch.frombuffer(bytearray(rgb.tobytes()), dtype=torch.uint8)
    return pixels.view(crop_size, crop_size, 3).permute(2, 0, 1).float().div_(255)


def _preprocess_tensor(image: Tensor, resize_size: int, crop_size: int) -> Tensor:
    if image.dim() not in (3, 4) or image.shape[-3] != 3:
        raise ValueError(
            f"image tensor must be [3, H, W] or [B, 3, H, W] RGB, got shape {tuple(image.shape)}"
        )
    batch = image.unsqueeze(0) if image.dim() == 3 else image
    pixels = batch.float() / 255 if batch.dtype == torch.uint8 else batch.float()
    height, width = _resized(batch.shape[-2], batch.shape[-1], resize_size)
    pixels = F.interpolate(
        pixels, size=(height, width), mode="bilinear", align_corners=False, antialias=True
    )
    top, left = _crop_box(height, width, crop_size)
    out = pixels[..., top : top + crop_size, left : left + crop_size].clamp_(0, 1)
    return out[0] if image.dim() == 3 else out
