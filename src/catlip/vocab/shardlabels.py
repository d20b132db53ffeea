"""Per-shard label files: one ``.labels.npz`` per input shard, read back one shard at a time.

A single label file holds every sample of the corpus in one dict when it is loaded; at web scale
(a billion samples) that does not fit. Labelled shard by shard, the labels of ``shards/x.tar``
live in ``LABELS_DIR/x.labels.npz`` (:func:`shard_labels_path`: the shard's file name without
its extension, plus ``.labels.npz``), and a training data loader keeps only the labels of the
shard it is reading (:class:`ShardLabels`), so its memory does not grow with the corpus.

Example:
    >>> shard_labels_path("shards/shard-000123.tar", "labels").as_posix()
    'labels/shard-000123.labels.npz'
"""

from __future__ import annotations

import contextlib
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import groupby
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from catlip.errors import VocabularyFileError
from catlip.vocab._io import check_output
from catlip.vocab.labelfiles import label_records, load_labels, save_labels
from catlip.vocab.readers import Record, read_records
from catlip.vocab.vocabulary import Vocabulary

__all__ = ["SHARD_LABELS_SUFFIX", "ShardLabels", "label_shards", "shard_labels_path"]

SHARD_LABELS_SUFFIX = ".labels.npz"
"""What :func:`shard_labels_path` puts after a shard's stem."""

_COMPRESSED = (".gz",)


def shard_labels_path(shard: str | os.PathLike[str], folder: str | os.PathLike[str]) -> Path:
    """The label file of ``shard`` in ``folder``: its name less its extension + ``.labels.npz``.

    ``.gz`` is looked through (``captions.jsonl.gz`` -> ``captions.labels.npz``); a URL
    (``s3://bucket/shards/x.tar``) is named by the last part of its path.

    Args:
        shard: A shard's path or URL.
        folder: The folder holding the label files.

    Returns:
        ``folder / (stem + ".labels.npz")``.

    Example:
        >>> shard_labels_path("s3://bucket/laion/00042.tar.gz", "/data/labels").as_posix()
        '/data/labels/00042.labels.npz'
    """
    text = os.fspath(shard)
    name = PurePosixPath(urlsplit(text).path).name if "://" in text else Path(text).name
    for suffix in _COMPRESSED:
        name = name.removesuffix(suffix)
    stem = PurePosixPath(name).stem if "." in name.lstrip(".") else name
    if not stem:
        raise ValueError(f"cannot name a label file after {text!r}: it has no file name")
    return Path(folder) / f"{stem}{SHARD_LABELS_SUFFIX}"


def _check_outputs(shards: Sequence[str | os.PathLike[str]], folder: Path) -> list[Path]:
    """The shards' label files, checked: distinct, and none of them is a shard (a link to one).

    One pass over the shards, not one per output: a shard list can be very long.
    """
    outputs: list[Path] = []
    owner: dict[Path, str] = {}
    for shard in shards:
        out = shard_labels_path(shard, folder)
        if out in owner:
            raise ValueError(
                f"the shards {owner[out]} and {os.fspath(shard)} would both write {out.name}: "
                "shard file names (less their extension) must be unique"
            )
        owner[out] = os.fspath(shard)
        outputs.append(out)
    identities: dict[tuple[int, int], str] = {}
    for shard in shards:
        with contextlib.suppress(OSError, ValueError):  # remote or missing: not a local file
            found = os.stat(shard)
            identities[(found.st_dev, found.st_ino)] = os.fspath(shard)
    for out in outputs:
        try:
            found = os.stat(out)
        except OSError:
            continue  # not written yet
        same = identities.get((found.st_dev, found.st_ino))
        check_output(out, inputs=[same] if same else [], suffixes=(".npz",))
    return outputs


def label_shards(
    shards: Sequence[str | os.PathLike[str]],
    vocab: Vocabulary,
    folder: str | os.PathLike[str],
    *,
    records: Callable[[str], Iterable[Record]] | None = None,
    num_workers: int = 0,
    progress: bool = False,
    chunk_size: int = 2048,
) -> list[int]:
    """Label every shard into its own ``.labels.npz`` file in ``folder``, one shard at a time.

    Captions stream through one pool of workers for all shards; each shard's file is written
    (atomically) as soon as its last caption is labelled, so memory holds one shard's labels at
    most, and an interrupted run leaves only whole files. A shard without captions gets a file
    with no samples, so a trainer can tell "no samples" from "not labelled".

    Args:
        shards: The input files, each becoming :func:`shard_labels_path` ``(shard, folder)``.
        vocab: The vocabulary; captions are labelled with :meth:`Vocabulary.encode_caption`.
        folder: Where the label files go (it must exist).
        records: Reads one shard's records (default: :func:`read_records` with its defaults).
        num_workers: Processes that label, this one included (``0`` or ``1``: this process
            alone).
        progress: Show progress on stderr.
        chunk_size: Captions per worker task.

    Returns:
        The number of samples written per shard, in ``shards`` order.

    Raises:
        OutputPathError: A label file would overwrite a shard (it is a link to one); checked
            before any work.
        ValueError: Two shards would write the same file, ``folder`` is no folder, or a shard
            has two samples with the same key (that shard's file is then not written).

    Example:
        >>> label_shards(["shards/a.tar", "shards/b.tar"], vocab, "labels")  # doctest: +SKIP
        [1000, 998]
    """
    out_dir = Path(folder)
    if not out_dir.is_dir():
        raise ValueError(f"the label folder {out_dir} does not exist: create it first")
    outputs = _check_outputs(shards, out_dir)
    read = records if records is not None else lambda path: read_records([path])
    owners: deque[int] = deque()  # the shard of each record in flight, in order

    def all_records() -> Iterator[Record]:
        for number, shard in enumerate(shards):
            for record in read(os.fspath(shard)):
                owners.append(number)
                yield record

    counts: list[int] = []

    def save(rows: Iterable[tuple[str, list[int]]]) -> None:
        number = len(counts)
        try:
            counts.append(save_labels(outputs[number], rows, vocab=vocab))
        except ValueError as exc:
            raise ValueError(f"{os.fspath(shards[number])}: {exc}") from None

    labelled = label_records(
        all_records(), vocab, num_workers=num_workers, progress=progress, chunk_size=chunk_size
    )
    for number, rows in groupby(labelled, key=lambda _: owners.popleft()):
        while len(counts) < number:  # shards with no records
            save([])
        save(rows)
    while len(counts) < len(outputs):
        save([])
    return counts


class ShardLabels:
    """Labels from per-shard files, loaded lazily: only the current shard's are held.

    A data loader worker reads one shard after another; :meth:`get` loads a shard's label file
    the first time one of its samples is asked for and drops the previous shard's. Misses (a
    key the shard's file lacks) are counted in ``num_missing``, hits in ``num_found``.

    Args:
        folder: The folder written by :func:`label_shards` (``catlip label --per-shard``).
        vocab: If given, every label file must have been made with this vocabulary.

    Example:
        >>> labels = ShardLabels("labels", vocab=vocab)  # doctest: +SKIP
        >>> labels.get("shards/shard-000123.tar", "000123042")  # doctest: +SKIP
        [4, 17]
    """

    def __init__(self, folder: str | os.PathLike[str], *, vocab: Vocabulary | None = None) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise VocabularyFileError(
                f"the label folder {self.folder} does not exist: write it with "
                "`catlip label --per-shard -o FOLDER`"
            )
        self.vocab = vocab
        self.num_found = 0
        self.num_missing = 0
        self._shard: str | None = None
        self._table: dict[str, list[int]] = {}

    def path(self, shard: str | os.PathLike[str]) -> Path:
        """The label file of ``shard`` (see :func:`shard_labels_path`)."""
        return shard_labels_path(shard, self.folder)

    def missing(self, shards: Iterable[str | os.PathLike[str]]) -> list[str]:
        """The shards that have no label file in the folder (check this before training)."""
        return [os.fspath(s) for s in shards if not self.path(s).is_file()]

    def shard(self, shard: str | os.PathLike[str]) -> dict[str, list[int]]:
        """All labels of ``shard`` (key -> indices), loading them unless they are the current.

        Raises:
            VocabularyFileError: The shard has no label file, or it is corrupt.
            VocabularyMismatchError: The file was made with another vocabulary.
        """
        name = os.fspath(shard)
        if name != self._shard:
            file = self.path(name)
            if not file.is_file():
                raise VocabularyFileError(
                    f"no label file for the shard {name}: expected {file}; label the shard "
                    f"with `catlip label --per-shard -o {self.folder}`"
                )
            self._table = {}  # drop the previous shard first: one shard in memory at a time
            self._shard = None
            self._table = load_labels(file, vocab=self.vocab)
            self._shard = name
        return self._table

    def get(self, shard: str | os.PathLike[str], key: str) -> list[int] | None:
        """The indices of sample ``key`` of ``shard``, or ``None`` (counted) if it has none."""
        found = self.shard(shard).get(key)
        if found is None:
            self.num_missing += 1
        else:
            self.num_found += 1
        return found
