"""Precomputed label files: sample key -> class indices, so training never parses captions.

Two formats, chosen by the file name:

- ``.jsonl``: a header line ``{"format": "catlip.labels", "version": 1, "num_classes": V,
  "num_samples": N, "catlip_version": ..., "wordnet_version": ..., "extractor": {...},
  "vocabulary": FINGERPRINT}`` (``num_samples`` is in the header of ``.npz`` only; the
  provenance fields after it are the vocabulary's, :class:`~catlip.vocab.Provenance`), then one
  line per sample: ``{"key": "000123", "labels": [4, 17]}``. Streams; greppable.
- ``.npz`` (numpy, no pickle): ``keys`` (unicode array), ``offsets`` (int64, ``N + 1``),
  ``indices`` (int32); sample ``i`` has ``indices[offsets[i]:offsets[i + 1]]``; ``header`` holds
  the same JSON header. Compact and fast to load.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from catlip._engine import map_chunks, num_processes
from catlip._version import __version__
from catlip.errors import VocabularyFileError, VocabularyMismatchError
from catlip.vocab._files import LABELS_KEYS, file_header, write_file
from catlip.vocab._progress import Progress
from catlip.vocab.readers import Record
from catlip.vocab.vocabulary import Vocabulary

__all__ = ["LABELS_FORMAT", "LABELS_VERSION", "label_records", "load_labels", "save_labels"]

LABELS_FORMAT = "catlip.labels"
"""The ``format`` field of a label file's header."""
LABELS_VERSION = 1
"""The label file version this catlip writes (and the newest it reads)."""


def _kind(path: Path) -> str:
    if path.suffix == ".jsonl":
        return "jsonl"
    if path.suffix == ".npz":
        return "npz"
    raise ValueError(f"label files are .jsonl or .npz, got {path.name}")


def _header(vocab: Vocabulary, **sizes: int) -> dict[str, Any]:
    # The labels are made now, by this catlip, the way the vocabulary says.
    provenance = dataclasses.replace(vocab.provenance, catlip_version=__version__)
    sizes = {"num_classes": len(vocab), **sizes}
    return file_header(LABELS_FORMAT, LABELS_VERSION, provenance, LABELS_KEYS, sizes)


def save_labels(
    path: str | os.PathLike[str],
    labels: Iterable[tuple[str, Sequence[int]]],
    *,
    vocab: Vocabulary,
) -> int:
    """Write ``(key, indices)`` pairs to a ``.jsonl`` or ``.npz`` label file (atomically).

    Args:
        path: The destination; its suffix picks the format.
        labels: The samples, streamed (``.jsonl``) or gathered (``.npz``).
        vocab: The vocabulary the indices refer to (its size and
            :attr:`~catlip.vocab.Vocabulary.provenance`, fingerprint included, go in the
            header).

    Returns:
        The number of samples written.

    Raises:
        ValueError: Two samples have the same key, or an index is out of range; nothing is
            written then.

    Example:
        >>> vocab = Vocabulary(["n02084071", "n02121808"])
        >>> save_labels("labels.jsonl", [("a", [1, 0]), ("b", [])], vocab=vocab)  # doctest: +SKIP
        2
    """
    target = Path(path)
    kind = _kind(target)
    size = len(vocab)
    seen: set[str] = set()

    def checked() -> Iterator[tuple[str, list[int]]]:
        for key, indices in labels:
            if key in seen:
                raise ValueError(f"two samples have the key {key!r}; sample keys must be unique")
            seen.add(key)
            row = [int(i) for i in indices]
            if any(i < 0 or i >= size for i in row):
                raise ValueError(f"sample {key!r} has an index out of range [0, {size}): {row}")
            yield key, row

    if kind == "jsonl":
        rows = (
            json.dumps({"key": key, "labels": row}, separators=(",", ":")) for key, row in checked()
        )
        write_file(target, _header(vocab), lines=rows)
        return len(seen)

    import numpy as np

    keys: list[str] = []
    offsets = [0]
    flat: list[int] = []
    for key, row in checked():
        keys.append(key)
        flat.extend(row)
        offsets.append(len(flat))
    arrays = {
        "keys": np.array(keys, dtype=str) if keys else np.zeros(0, dtype="<U1"),
        "offsets": np.array(offsets, dtype=np.int64),
        "indices": np.array(flat, dtype=np.int32),
    }
    write_file(target, _header(vocab, num_samples=len(keys)), arrays=arrays)
    return len(keys)


def load_labels(
    path: str | os.PathLike[str], *, vocab: Vocabulary | None = None
) -> dict[str, list[int]]:
    """Read a label file written by :func:`save_labels` (or ``catlip label``).

    Args:
        path: A ``.jsonl`` or ``.npz`` label file.
        vocab: If given, the file must have been made with this vocabulary.

    Returns:
        Sample key -> class indices, in file order.

    Raises:
        VocabularyFileError: The file is missing, corrupt, truncated or not a label file.
        VocabularyMismatchError: The file was made with another vocabulary than ``vocab``.

    Example:
        >>> labels = load_labels("labels.npz")  # doctest: +SKIP
        >>> labels["000123"]  # doctest: +SKIP
        [4, 17]
    """
    file = Path(path)
    kind = _kind(file)
    with _reading(file):
        header, items = _read_jsonl(file) if kind == "jsonl" else _read_npz(file)
    _check_header(file, header)
    if vocab is not None and header.get("vocabulary") != vocab.fingerprint:
        raise VocabularyMismatchError(
            f"{file} was made with another vocabulary (fingerprint {header.get('vocabulary')}, "
            f"yours {vocab.fingerprint}): relabel with `catlip label --vocab` and your vocabulary"
        )
    out: dict[str, list[int]] = {}
    for key, row in items:
        if key in out:
            raise VocabularyFileError(f"label file {file} has the key {key!r} twice")
        out[key] = row
    return out


def read_label_header(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The header of a label file, checked, without reading its samples.

    Raises:
        VocabularyFileError: The file is missing, corrupt or not a label file.
    """
    file = Path(path)
    kind = _kind(file)
    with _reading(file):
        if kind == "jsonl":
            with open(file, encoding="utf-8") as f:
                header = json.loads(f.readline())
        else:
            import numpy as np

            with np.load(file, allow_pickle=False) as data:
                header = json.loads(str(data["header"]))
    return _check_header(file, header)


@contextlib.contextmanager
def _reading(file: Path) -> Iterator[None]:
    """Turn the errors of reading a label file into one that names it."""
    if not file.is_file():
        raise VocabularyFileError(f"label file {file} does not exist: check the path")
    try:
        yield
    except (OSError, ValueError, KeyError, TypeError, EOFError, RecursionError) as exc:
        raise VocabularyFileError(
            f"label file {file} is corrupt or truncated ({type(exc).__name__}: {exc}); "
            "recreate it with `catlip label`"
        ) from None


def _check_header(file: Path, header: object) -> dict[str, Any]:
    if not isinstance(header, dict) or header.get("format") != LABELS_FORMAT:
        raise VocabularyFileError(f"{file} is not a catlip label file (no catlip.labels header)")
    version = header.get("version")
    if not isinstance(version, int) or not 1 <= version <= LABELS_VERSION:
        raise VocabularyFileError(
            f"{file} is a version {version!r} label file; this catlip reads versions 1 to "
            f"{LABELS_VERSION}: upgrade catlip"
        )
    return header


def _read_jsonl(file: Path) -> tuple[Any, list[tuple[str, list[int]]]]:
    items: list[tuple[str, list[int]]] = []
    with open(file, encoding="utf-8") as f:
        header = json.loads(f.readline())
        for line in f:
            obj = json.loads(line)
            key, row = obj["key"], obj["labels"]
            if not isinstance(key, str) or not all(isinstance(i, int) for i in row):
                raise ValueError(f"malformed sample line {line[:80]!r}")
            items.append((key, row))
    return header, items


def _read_npz(file: Path) -> tuple[Any, list[tuple[str, list[int]]]]:
    import numpy as np

    with np.load(file, allow_pickle=False) as data:
        header = json.loads(str(data["header"]))
        keys = data["keys"].tolist()
        offsets = data["offsets"].tolist()
        indices = data["indices"].tolist()
    if len(offsets) != len(keys) + 1 or (offsets and offsets[-1] != len(indices)):
        raise ValueError("keys, offsets and indices do not match")
    items = [(str(k), indices[offsets[i] : offsets[i + 1]]) for i, k in enumerate(keys)]
    return header, items


def _encode_chunk(vocab: Vocabulary, captions: list[str]) -> list[list[int]]:
    return [vocab.encode_caption(caption) for caption in captions]


def label_records(
    records: Iterable[Record],
    vocab: Vocabulary,
    *,
    num_workers: int = 0,
    progress: bool = False,
    chunk_size: int = 2048,
) -> Iterator[tuple[str, list[int]]]:
    """Encode each record's caption with the vocabulary's extractor, streaming, in order.

    Args:
        records: Records from :func:`~catlip.vocab.read_records`.
        vocab: The vocabulary; captions are labelled with :meth:`Vocabulary.encode_caption`.
        num_workers: Processes that label, this one included: ``0`` or ``1``: this process
            alone; ``N``: this process (which reads ``records``) and ``N - 1`` workers.
        progress: Show progress on stderr.
        chunk_size: Captions per worker task.

    Yields:
        ``(key, indices)`` per record, in input order.

    Example:
        >>> from catlip.vocab import Record, Vocabulary
        >>> vocab = Vocabulary(["n02084071"])
        >>> list(label_records([Record("a", "a dog")], vocab))  # doctest: +SKIP
        [('a', [0])]
    """
    if num_processes(num_workers) > 1:
        vocab.encode_caption("a dog")  # load WordNet here once: forked workers inherit it
    keys: deque[str] = deque()

    def captions() -> Iterator[str]:
        for record in records:
            keys.append(record.key)
            yield record.caption

    with Progress(enabled=progress, unit="captions", desc="labelling") as bar:
        for size, rows in map_chunks(
            _encode_chunk, captions(), state=vocab, num_workers=num_workers, chunk_size=chunk_size
        ):
            for row in rows:
                yield keys.popleft(), row
            bar.update(size)
