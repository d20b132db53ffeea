"""Where a training sample's labels come from: a *labeler* called with (shard, key, caption).

Labels are computed from the caption in the DataLoader workers (:class:`CaptionLabels`), looked
up in label files loaded whole (:class:`FileLabels`), or looked up in the current shard's file of
a ``catlip label --per-shard`` folder (:class:`ShardFileLabels`: memory independent of the corpus
size). A labeler returns ``None`` for a sample the files lack; the stream
(``data_pipeline.py``) skips it as ``unlabelled`` and :func:`unlabelled_warning` says why.

Example:
    >>> labeler = make_labeler(None, vocab, shards)  # computed from the captions
    >>> labeler("a-000.tar", "00001", "a dog on a beach")  # vocabulary indices
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from catlip.vocab import ShardLabels, Vocabulary, load_labels

__all__ = [
    "CaptionLabels",
    "FileLabels",
    "Labeler",
    "ShardFileLabels",
    "make_labeler",
    "unlabelled_warning",
]

# (shard, key, caption) -> vocabulary indices, or None when a label file has no entry for the key
Labeler = Callable[[str, str, str], list[int] | None]


class CaptionLabels:
    """Labels computed on the fly in the DataLoader workers: ``vocab.encode_caption``."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab

    def __call__(self, shard: str, key: str, caption: str) -> list[int]:
        return self.vocab.encode_caption(caption)


class FileLabels:
    """Labels precomputed by ``catlip label``: a lookup by sample key (``None``: no entry)."""

    def __init__(self, paths: list[Path], vocab: Vocabulary) -> None:
        self.table: dict[str, list[int]] = {}
        for path in paths:  # one file per `catlip label --shard I/N` job is fine
            self.table.update(load_labels(path, vocab=vocab))  # checks the vocabulary matches

    def __call__(self, shard: str, key: str, caption: str) -> list[int] | None:
        return self.table.get(key)

    def some_key(self, shard: str) -> str | None:
        """A key the files hold, to show beside a key they lack."""
        return next(iter(self.table), None)


class ShardFileLabels:
    """Labels from ``catlip label --per-shard``: each worker loads only its current shard's file."""

    def __init__(self, folder: Path, vocab: Vocabulary, shards: list[str]) -> None:
        self.labels = ShardLabels(folder, vocab=vocab)
        missing = self.labels.missing(shards)
        if missing:  # now, not hours into the run when a worker reaches the shard
            raise SystemExit(
                f"--labels {folder}: {len(missing)} of {len(shards)} shards have no label file "
                f"(first: {missing[0]} -> {self.labels.path(missing[0])}); label them with "
                f"`catlip label SHARDS --per-shard -o {folder}`"
            )

    def __call__(self, shard: str, key: str, caption: str) -> list[int] | None:
        return self.labels.get(shard, key)

    def some_key(self, shard: str) -> str | None:
        """A key of ``shard``'s label file, to show beside a key it lacks."""
        return next(iter(self.labels.shard(shard)), None)


def unlabelled_warning(labeler: Labeler, share: float, missed: tuple[str, str] | None) -> str:
    """The warning for samples the label files lack: how many, and the keys on both sides.

    ``missed`` is one ``(shard, key)`` that had no entry. A share of misses above a percent or
    so almost always means the label files' keys are not the shards' keys (other shards, or
    keys written another way), and training on would skip those samples all run long.
    """
    message = f"warning: {share:.1%} of the samples read have no entry in the --labels files"
    if missed is not None:
        shard, key = missed
        some_key = getattr(labeler, "some_key", lambda shard: None)(shard)
        held = "no keys at all" if some_key is None else f"keys such as {some_key!r}"
        message += f" (sample {key!r} of {shard}: the label files hold {held})"
    return (
        f"{message}. They are skipped and counted (samples_unlabelled in log.jsonl). The label "
        "files' keys must be the shards' sample keys: label these shards with `catlip label` "
        "and pass its output to --labels. (Shown once.)"
    )


def make_labeler(labels: list[Path] | None, vocab: Vocabulary, shards: list[str]) -> Labeler:
    """Labels on the fly (``labels`` empty), from label files, or from a per-shard label folder.

    Raises:
        SystemExit: A folder is mixed with files, or some shard has no label file in the folder.
    """
    if not labels:
        vocab.encode_caption("a photo")  # load WordNet once here; forked workers share it
        return CaptionLabels(vocab)
    if any(path.is_dir() for path in labels):
        if len(labels) > 1:
            raise SystemExit("--labels: give one folder (from --per-shard) or label files")
        return ShardFileLabels(labels[0], vocab, shards)
    return FileLabels(labels, vocab)
