"""The example's data path: caption shards -> decoded, labelled batches, resumable exactly.

Inputs are webdataset-style ``.tar`` shards (img2dataset's layout: ``KEY.jpg`` next to ``KEY.txt``
or ``KEY.json``) read with the ``webdataset`` library, or a CSV/TSV table of ``image_path,caption``
rows for small sets (the table counts as one shard).

The stream is split into ``world_size * num_workers`` *logical streams*. With at least that many
shards, each stream owns ``shards[i::n]`` and shuffles their order every epoch; with fewer shards,
every stream reads all of them and keeps the samples whose index within the shard is ``i mod n``.
Streams never end (they loop over epochs), so every rank can take the same number of steps. Each
batch carries its stream's *cursor* (epoch, shard position, next sample), which is all a checkpoint
needs to continue the same sequence: no shuffle buffer, and augmentation randomness is a function of
(seed, epoch, sample key).

Labels come from a *labeler* called with (shard, key, caption) (``labelers.py``: computed from
the caption or looked up in ``catlip label``'s files); a sample the files lack is skipped as
``unlabelled``. Captions are read by :func:`catlip.vocab.decode_caption`, the rule ``catlip
label`` uses; a sample whose caption is missing or not UTF-8 is skipped as ``bad_caption``, and a
tar member whose name has no sample key (``README``; webdataset drops it) is counted as
``no_key``.

Example:
    >>> stream = CaptionStream(["a.tar"], labeler=labels_of, batch_size=8, image_size=64)
    >>> batch = next(iter(stream))  # {"images": uint8 [8, 3, 64, 64], "labels": [8, K], ...}
"""

from __future__ import annotations

import csv
import glob
import io
import math
import random
import re
import tarfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

import torch
from PIL import Image
from torch.utils.data import IterableDataset, get_worker_info

from catlip.errors import InputFormatError
from catlip.vocab import decode_caption

if TYPE_CHECKING:
    from labelers import Labeler  # examples/labelers.py

__all__ = [
    "IMAGE_MEAN",
    "IMAGE_STD",
    "CaptionStream",
    "Cursor",
    "Sample",
    "decode_image",
    "expand_data",
    "read_caption_table",
]

Cursor = tuple[int, int, int]  # (epoch, position in this epoch's shard order, next sample index)
# (key, image bytes, caption): None when the image is missing / the caption missing or unreadable
Sample = tuple[str, bytes | None, str | None]

IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "webp")
IMAGE_MEAN = (0.485, 0.456, 0.406)  # ImageNet statistics; batches stay uint8 until the device
IMAGE_STD = (0.229, 0.224, 0.225)
TABLE_SUFFIXES = (".csv", ".tsv")


def _brace_ranges(pattern: str) -> list[str]:
    """Expand numeric ranges as webdataset does: ``a-{000..002}.tar`` -> three names."""
    match = re.search(r"\{(\d+)\.\.(\d+)\}", pattern)
    if match is None:
        return [pattern]
    first, last = match.group(1), match.group(2)
    head, tail = pattern[: match.start()], pattern[match.end() :]
    numbers = range(int(first), int(last) + 1)
    return [name for n in numbers for name in _brace_ranges(f"{head}{n:0{len(first)}d}{tail}")]


def expand_data(spec: str) -> list[str]:
    """Expand ``--train-data``: comma-separated globs / brace ranges of shards, or one table.

    Raises:
        SystemExit: Nothing matches, or a table is mixed with shards.
    """
    paths: list[str] = []
    for part in spec.split(","):
        for pattern in _brace_ranges(part.strip()):
            matches = sorted(glob.glob(pattern))
            if not matches:
                raise SystemExit(f"--train-data: nothing matches {pattern!r}")
            paths.extend(matches)
    tables = [p for p in paths if p.endswith(TABLE_SUFFIXES)]
    if tables and len(paths) > 1:
        raise SystemExit("--train-data: give either .tar shards or a single CSV/TSV table")
    if not tables:
        try:
            import webdataset  # noqa: F401  (fail here, not in a loader worker)
        except ImportError:
            raise SystemExit(
                "reading .tar shards needs webdataset: pip install 'catlip[webdataset]'"
            ) from None
    return paths


def read_caption_table(path: str | Path) -> list[tuple[str, str]]:
    """Read ``image_path,caption`` rows (tab-separated for ``.tsv``); an optional header is skipped.

    Relative image paths are resolved against the table's folder.
    """
    path = Path(path)
    delimiter = "\t" if path.suffix == ".tsv" else ","
    rows: list[tuple[str, str]] = []
    with path.open(newline="", encoding="utf-8") as handle:
        for i, row in enumerate(csv.reader(handle, delimiter=delimiter)):
            if not row or (i == 0 and row[0].strip().lower() in {"image_path", "image", "path"}):
                continue
            if len(row) < 2:
                raise ValueError(f"{path}:{i + 1}: expected image_path{delimiter}caption")
            rows.append((str(path.parent / row[0].strip()), row[1]))
    return rows


def _caption_of(sample: dict[str, Any]) -> str | None:
    """The caption by catlip's rule (the one ``catlip label`` uses); ``None``: none readable."""
    try:
        return decode_caption(sample)
    except InputFormatError:  # no caption member, bad bytes, broken JSON: counted as bad_caption
        return None


def _iter_tar(path: str, start: int, skipped: Counter[str]) -> Iterator[tuple[int, Sample]]:
    try:
        from webdataset.tariterators import base_plus_ext, group_by_keys, tar_file_iterator
    except ImportError as exc:
        raise ImportError(
            "reading .tar shards needs webdataset: pip install 'catlip[webdataset]'"
        ) from exc

    def keys(name: str) -> tuple[str | None, str | None]:
        key, ext = base_plus_ext(name)
        if key is None:  # webdataset drops a member without a key (README): count it
            skipped["no_key"] += 1
        return key, ext

    with open(path, "rb") as stream:
        files = ({**f, "__url__": path} for f in tar_file_iterator(stream))
        for index, sample in enumerate(group_by_keys(files, keys=keys)):
            if index < start:
                continue  # resuming: skip without decoding
            image = next((sample[e] for e in IMAGE_EXTENSIONS if e in sample), None)
            yield index, (sample["__key__"], image, _caption_of(sample))


def _iter_table(path: str, start: int, skipped: Counter[str]) -> Iterator[tuple[int, Sample]]:
    for index, (image_path, caption) in enumerate(read_caption_table(path)):
        if index < start:
            continue
        try:
            image: bytes | None = Path(image_path).read_bytes()
        except OSError:
            image = None
        yield index, (image_path, image, caption)


def decode_image(data: bytes, size: int, rng: random.Random | None) -> torch.Tensor:
    """Decode to a ``uint8 [3, size, size]`` tensor: random resized crop + flip, or a centre crop.

    JPEG decoding is done at reduced resolution when the crop allows it (``Image.draft``), which is
    the biggest single saving on the data path for web images much larger than the model input.
    """
    encoded = Image.open(io.BytesIO(data))
    encoded.draft("RGB", (2 * size, 2 * size))
    image = encoded.convert("RGB")
    width, height = image.size
    if rng is None:  # centre crop of the shorter side
        side = min(width, height)
        box = ((width - side) / 2, (height - side) / 2, (width + side) / 2, (height + side) / 2)
        flip = False
    else:  # random resized crop, scale (0.4, 1), aspect ratio (3/4, 4/3)
        area = width * height * rng.uniform(0.4, 1.0)
        ratio = math.exp(rng.uniform(math.log(3 / 4), math.log(4 / 3)))
        w = min(width, round(math.sqrt(area * ratio)))
        h = min(height, round(math.sqrt(area / ratio)))
        left, top = rng.uniform(0, width - w), rng.uniform(0, height - h)
        box = (left, top, left + w, top + h)
        flip = rng.random() < 0.5
    image = image.resize((size, size), Image.Resampling.BILINEAR, box=box)
    if flip:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    pixels = torch.frombuffer(bytearray(image.tobytes()), dtype=torch.uint8)
    return pixels.view(size, size, 3).permute(2, 0, 1).contiguous()


class CaptionStream(IterableDataset[dict[str, Any]]):
    """An endless, deterministic stream of labelled batches for one rank.

    Use with ``DataLoader(stream, batch_size=None, num_workers=W)``: workers build the batches.

    Args:
        sources: ``.tar`` shard paths, or one CSV/TSV table.
        labeler: ``(shard, key, caption) -> indices``: ``Vocabulary.encode_caption`` or a
            lookup in label files (``None``: the files have no entry; counted as
            ``unlabelled``).
        batch_size: Samples per batch.
        image_size: Output side in pixels.
        collate_labels: Turns a list of index lists into a padded ``LongTensor [B, K]``.
        seed: Seeds the shard order and augmentation.
        rank: This process's rank.
        world_size: Number of processes.
        num_workers: DataLoader workers per rank (0 counts as 1).
        cursors: Per logical stream, where to continue (from a checkpoint).
        first_stream: Logical stream served by DataLoader worker 0 (resuming mid-rotation).
    """

    def __init__(
        self,
        sources: list[str],
        *,
        labeler: Labeler,
        batch_size: int,
        image_size: int,
        collate_labels: Callable[[list[list[int]]], torch.Tensor],
        seed: int = 0,
        rank: int = 0,
        world_size: int = 1,
        num_workers: int = 0,
        cursors: dict[int, Cursor] | None = None,
        first_stream: int = 0,
    ) -> None:
        super().__init__()
        self.sources = sources
        self.labeler = labeler
        self.batch_size = batch_size
        self.image_size = image_size
        self.collate_labels = collate_labels
        self.seed = seed
        self.rank = rank
        self.world_size = world_size
        self.num_workers = max(1, num_workers)
        self.cursors = dict(cursors or {})
        self.first_stream = first_stream
        self._read = _iter_table if sources[0].endswith(TABLE_SUFFIXES) else _iter_tar
        self._missed: tuple[str, str] | None = None  # a sample of this batch the labels lack

    def __iter__(self) -> Iterator[dict[str, Any]]:
        info = get_worker_info()
        worker = 0 if info is None else info.id
        local = (worker + self.first_stream) % self.num_workers
        return self._batches(local)

    def _batches(self, local: int) -> Iterator[dict[str, Any]]:
        n_streams = self.world_size * self.num_workers
        stream = self.rank * self.num_workers + local
        if len(self.sources) >= n_streams:
            shards, keep_every, keep_offset = self.sources[stream::n_streams], 1, 0
        else:
            shards, keep_every, keep_offset = self.sources, n_streams, stream
        epoch, position, start = self.cursors.get(local, (0, 0, 0))
        images: list[torch.Tensor] = []
        labels: list[list[int]] = []
        skipped: Counter[str] = Counter()
        while True:
            order = list(range(len(shards)))
            random.Random(f"{self.seed}:{epoch}:{stream}").shuffle(order)
            used_this_epoch = 0
            for pos in range(position, len(order)):
                shard = shards[order[pos]]
                for index, (key, data, caption) in self._read_safely(shard, start, skipped):
                    if index % keep_every != keep_offset:
                        continue
                    example = self._example(shard, key, data, caption, epoch, skipped)
                    if example is None:
                        continue
                    used_this_epoch += 1
                    images.append(example[0])
                    labels.append(example[1])
                    if len(images) == self.batch_size:
                        yield {
                            "images": torch.stack(images),
                            "labels": self.collate_labels(labels),
                            "stream": local,
                            "cursor": (epoch, pos, index + 1),
                            "skipped": dict(skipped),
                            "unlabelled_example": self._missed,  # one (shard, key), or None
                        }
                        images, labels = [], []
                        skipped.clear()
                        self._missed = None
                start = 0
            if used_this_epoch == 0 and position == 0:
                raise RuntimeError(  # not SystemExit: the loader re-raises this in the trainer
                    f"rank {self.rank}: no usable samples in {len(shards)} shard(s) "
                    f"(skipped so far: {dict(skipped)}); check the data and the vocabulary"
                )
            epoch, position = epoch + 1, 0

    def _read_safely(
        self, shard: str, start: int, skipped: Counter[str]
    ) -> Iterator[tuple[int, Sample]]:
        try:
            yield from self._read(shard, start, skipped)
        except (OSError, ValueError, tarfile.TarError):  # truncated or corrupt: skip the rest
            skipped["bad_shard"] += 1

    def _example(
        self,
        shard: str,
        key: str,
        data: bytes | None,
        caption: str | None,
        epoch: int,
        skipped: Counter[str],
    ) -> tuple[torch.Tensor, list[int]] | None:
        if data is None:
            skipped["missing_image"] += 1
            return None
        if caption is None:
            skipped["bad_caption"] += 1
            return None
        if not caption.strip():
            skipped["empty_caption"] += 1
            return None
        indices = self.labeler(shard, key, caption)
        if indices is None:
            skipped["unlabelled"] += 1
            self._missed = self._missed or (shard, key)
            return None
        if not indices:
            skipped["no_labels"] += 1
            return None
        try:
            # Seeded by the sample's name, not its path: the same run gives the same crops
            # wherever the data lives (table keys are image paths).
            rng = random.Random(f"{self.seed}:{epoch}:{PurePath(key).name}")
            image = decode_image(data, self.image_size, rng)
        except Exception:  # PIL raises many types for corrupt files; a long run must go on
            skipped["bad_image"] += 1
            return None
        return image, indices
