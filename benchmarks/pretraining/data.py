"""Data for the pre-training benchmark: captioned photos, labelled folders, a decoded-image cache.

Images are decoded once per resolution into one ``uint8`` tensor ``[N, 3, S, S]`` (shorter side
resized to ``S``, centre crop) and cached as ``.pt`` files, so an epoch costs only compute.
Training crops and flips are drawn on whole batches of that tensor.

Example:
    >>> captions = read_flickr8k("../shared/data/flickr8k", split="train")  # doctest: +SKIP
    >>> len(captions), len(next(iter(captions.values())))  # doctest: +SKIP
    (6000, 5)
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import Tensor

MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1) * 255
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1) * 255
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}
SPLITS = {"train": "trainImages", "dev": "devImages", "test": "testImages"}


def read_flickr8k(root: str | os.PathLike[str], *, split: str) -> dict[Path, list[str]]:
    """Map each image of a Flickr8k split to its captions (``Flickr8k.token.txt`` layout)."""
    root = Path(root)
    names = (root / f"Flickr_8k.{SPLITS[split]}.txt").read_text().split()
    wanted = set(names)
    captions: dict[str, list[str]] = {n: [] for n in names}
    with open(root / "Flickr8k.token.txt", encoding="utf-8") as lines:
        for line in lines:
            key, _, caption = line.rstrip("\n").partition("\t")
            name = key.split("#")[0]
            if name in wanted and caption.strip():
                captions[name].append(caption.strip())
    missing = [n for n, c in captions.items() if not c]
    if missing:
        raise SystemExit(f"{root}: no captions for {len(missing)} images, e.g. {missing[0]}")
    return {root / "images" / n: c for n, c in captions.items()}


def read_labelled_folder(
    root: str | os.PathLike[str],
) -> tuple[list[str], list[tuple[Path, int]], list[tuple[Path, int]]]:
    """Class folder names and ``(path, class)`` lists of ``root/train/<class>/`` and ``val/``."""
    root = Path(root)
    if not (root / "train").is_dir() or not (root / "val").is_dir():
        raise SystemExit(f"--downstream: {root} needs train/<class>/ and val/<class>/ folders")
    classes = sorted(p.name for p in (root / "train").iterdir() if p.is_dir())
    if len(classes) < 2:
        raise SystemExit(f"--downstream: {root}/train needs at least two class folders")

    def files(split: str) -> list[tuple[Path, int]]:
        found = []
        for index, name in enumerate(classes):
            folder = root / split / name
            if folder.is_dir():
                found += [
                    (p, index)
                    for p in sorted(folder.iterdir())
                    if p.suffix.lower() in IMAGE_SUFFIXES
                ]
        return found

    return classes, files("train"), files("val")


def _decode(path: Path, size: int) -> Tensor:
    from PIL import Image

    with Image.open(path) as image:
        image = image.convert("RGB")
        scale = size / min(image.size)
        w, h = max(size, round(image.width * scale)), max(size, round(image.height * scale))
        image = image.resize((w, h), Image.Resampling.BICUBIC)
        left, top = (w - size) // 2, (h - size) // 2
        image = image.crop((left, top, left + size, top + size))
        return torch.frombuffer(bytearray(image.tobytes()), dtype=torch.uint8).view(size, size, 3)


def decode_images(paths: Sequence[Path], size: int, *, cache: Path | None = None) -> Tensor:
    """Decode ``paths`` to ``uint8 [N, 3, size, size]``, cached under ``cache`` if given.

    The cache file name hashes the paths and the size, so a changed list is decoded again.
    """
    key = hashlib.sha1(f"{size}\n".encode() + "\n".join(map(str, paths)).encode()).hexdigest()
    file = cache / f"images_{size}px_{key[:16]}.pt" if cache is not None else None
    if file is not None and file.exists():
        return torch.load(file)
    pixels = torch.stack([_decode(p, size) for p in paths]).permute(0, 3, 1, 2).contiguous()
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
        torch.save(pixels, tmp)
        os.replace(tmp, file)
    return pixels


def normalise(pixels: Tensor) -> Tensor:
    """``uint8`` pixels to ImageNet-normalised floats."""
    return (pixels.float() - MEAN.to(pixels.device)) / STD.to(pixels.device)


def augment(pixels: Tensor, size: int, generator: torch.Generator) -> Tensor:
    """Random ``size`` crop (one offset per image) and horizontal flip of a ``uint8`` batch."""
    n, _, full, _ = pixels.shape
    offsets = torch.randint(0, full - size + 1, (n, 2), generator=generator)
    flips = torch.rand(n, generator=generator) < 0.5
    out = torch.empty(n, 3, size, size, dtype=pixels.dtype)
    for i, ((y, x), flip) in enumerate(zip(offsets.tolist(), flips.tolist(), strict=True)):
        crop = pixels[i, :, y : y + size, x : x + size]
        out[i] = crop.flip(-1) if flip else crop
    return out
