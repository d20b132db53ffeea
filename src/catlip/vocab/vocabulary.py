"""The synset vocabulary: which WordNet synsets are classes, and in which order.

A :class:`Vocabulary` is an immutable, ordered list of wnids (``n02084071``), optionally with the
number of captions each synset was seen in, and its :class:`~catlip.vocab.Provenance` (the
extractor settings that turned captions into synsets, the WordNet version, how it was pruned).
Index ``i`` is output ``i`` of the classification head.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from catlip.errors import VocabularyMismatchError
from catlip.vocab._io import aligned_counts, check_wnid
from catlip.vocab.provenance import Provenance, vocabulary_provenance

if TYPE_CHECKING:
    from catlip.text import SynsetExtractor

__all__ = ["VOCABULARY_FORMAT", "VOCABULARY_VERSION", "Vocabulary"]

VOCABULARY_FORMAT = "catlip.vocabulary"
"""The ``format`` field of a vocabulary file."""
VOCABULARY_VERSION = 1
"""The newest vocabulary file version this catlip reads and the one it writes."""


class Vocabulary:
    """An immutable, ordered set of WordNet noun synsets: the classes of CatLIP pre-training.

    Args:
        wnids: The synsets in class order (``"n"`` + 8-digit WordNet 3.0 offset), no duplicates.
        counts: How many captions each synset was seen in: a sequence aligned with ``wnids`` or a
            mapping from wnid (``None``: unknown).
        provenance: How it was made (default ``Provenance()``); :meth:`encode_caption` uses its
            ``extractor_settings``; its ``fingerprint`` is ignored. catlip 0.1's keywords
            ``extractor_settings``, ``min_count``, ``max_size``, ``num_captions`` still work,
            deprecated.

    Two vocabularies are equal when their wnids, counts and extractor settings are.

    Example:
        >>> vocab = Vocabulary(["n02084071", "n02121808"], [120, 80])
        >>> len(vocab), "n02084071" in vocab, vocab.index("n02121808")
        (2, True, 1)
        >>> vocab.encode(["n02121808", "n09999999", "n02084071"])  # unknown wnids are dropped
        [1, 0]
    """

    def __init__(
        self,
        wnids: Sequence[str],
        counts: Sequence[int] | Mapping[str, int] | None = None,
        *,
        provenance: Provenance | None = None,
        **deprecated: Any,
    ) -> None:
        if isinstance(wnids, str):
            raise TypeError("wnids must be a sequence of wnids, not a single string")
        provenance = vocabulary_provenance(provenance, deprecated)
        ids = tuple(check_wnid(w) for w in wnids)
        index = {w: i for i, w in enumerate(ids)}
        if len(index) != len(ids):  # the first wnid not at its last position repeats
            twice = next(w for i, w in enumerate(ids) if index[w] != i)
            raise ValueError(f"wnids must be unique, but {twice} appears more than once")
        self._wnids = ids
        self._index = index
        self._counts = aligned_counts(ids, counts)
        fingerprint = hashlib.sha256("\n".join(ids).encode("ascii")).hexdigest()[:16]
        self._provenance = dataclasses.replace(provenance, fingerprint=fingerprint)
        self._extractor: SynsetExtractor | None = None
        self._names: tuple[str, ...] | None = None

    # -- construction -----------------------------------------------------------------------

    @classmethod
    def from_counts(
        cls,
        counts: Mapping[str, int],
        *,
        min_count: int = 1,
        max_size: int | None = None,
        extractor_settings: Mapping[str, Any] | None = None,
    ) -> Vocabulary:
        """Prune synset counts into a vocabulary: keep synsets with ``count >= min_count``.

        The order is deterministic: count descending, then wnid ascending. ``max_size`` then keeps
        the first ``max_size`` of that order. The paper prunes synsets seen fewer than ``V`` times,
        so its ``V = 500`` is ``min_count=500``; the released DataComp vocabulary is
        ``max_size=24320``.

        Args:
            counts: A :class:`~catlip.vocab.SynsetCounts` (its extractor settings and caption count
                are carried over) or any mapping wnid -> count.
            min_count: Keep synsets seen in at least this many captions (``>= 1``).
            max_size: Keep at most this many synsets (``None``: no limit).
            extractor_settings: Overrides the settings taken from ``counts``.

        Returns:
            The vocabulary (possibly empty when nothing reaches ``min_count``).

        Example:
            >>> counts = {"n02084071": 5, "n02121808": 2, "n01503061": 5}
            >>> Vocabulary.from_counts(counts, min_count=3).wnids
            ('n01503061', 'n02084071')
        """
        from catlip.vocab._pruning import prune_counts

        wnids, kept, provenance = prune_counts(
            counts, min_count=min_count, max_size=max_size, extractor_settings=extractor_settings
        )
        return cls(wnids, kept, provenance=provenance)

    @classmethod
    def from_corenet(
        cls,
        path: str | os.PathLike[str],
        *,
        extractor_settings: Mapping[str, Any] | None = None,
        allow_mismatch: bool = False,
    ) -> Vocabulary:
        """Read the vocabulary pickle released with the CatLIP paper (CoreNet).

        The file is a pickled ``dict`` mapping ``"n<offset>"`` (offset not zero-padded) to a count,
        in class order. It is read with a restricted unpickler that builds only dicts, strings and
        integers, so a malicious file cannot run code. Ids are normalized to 8 digits; the order
        of the file is kept (it is the order of the released classification head).

        Args:
            path: The ``.pkl`` file.
            extractor_settings: The extractor settings to attach (``None``: the default).
            allow_mismatch: Load even if some ids are not WordNet 3.0 noun synsets (a file made
                with another WordNet version).

        Returns:
            The vocabulary, with counts.

        Raises:
            VocabularyFileError: The file is not such a pickle (or holds other object types), or
                names synsets WordNet 3.0 does not have (and ``allow_mismatch`` is false).

        Example:
            >>> vocab = Vocabulary.from_corenet("vocab.pkl")  # doctest: +SKIP
        """
        from catlip.vocab._vocabfile import read_corenet_vocabulary

        return read_corenet_vocabulary(
            path, extractor_settings=extractor_settings, allow_mismatch=allow_mismatch
        )

    # -- container protocol -----------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._wnids)

    def __contains__(self, wnid: object) -> bool:
        return wnid in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._wnids)

    def __getitem__(self, index: int) -> str:
        return self._wnids[index]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Vocabulary):
            return NotImplemented
        return (
            self._wnids == other._wnids
            and self._counts == other._counts
            and self._provenance.extractor_settings == other._provenance.extractor_settings
        )

    def __hash__(self) -> int:
        return hash(self._wnids)

    def __repr__(self) -> str:
        head = ", ".join(self._wnids[:3]) + (", ..." if len(self) > 3 else "")
        return f"Vocabulary([{head}], size={len(self)})"

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_extractor"] = None  # rebuilt on first use in the receiving process
        state["_names"] = None
        return state

    # -- properties -------------------------------------------------------------------------

    @property
    def wnids(self) -> tuple[str, ...]:
        """The synsets in class order."""
        return self._wnids

    @property
    def counts(self) -> tuple[int, ...] | None:
        """Captions each synset was seen in, aligned with :attr:`wnids` (``None``: unknown)."""
        return self._counts

    @property
    def provenance(self) -> Provenance:
        """How the vocabulary was made; its ``fingerprint`` is :attr:`fingerprint`."""
        return self._provenance

    @property
    def extractor_settings(self) -> dict[str, Any] | None:
        """The extractor settings the vocabulary was built with (``None``: the default)."""
        settings = self._provenance.extractor_settings
        return None if settings is None else dict(settings)

    @property
    def metadata(self) -> dict[str, int | None]:
        """How it was built (``min_count``, ``max_size``, ``num_captions``; ``None`` if unknown)."""
        p = self._provenance
        return {"min_count": p.min_count, "max_size": p.max_size, "num_captions": p.num_captions}

    @property
    def fingerprint(self) -> str:
        """A short hash of the class order; label files record it to detect a wrong vocabulary."""
        return self._provenance.fingerprint  # type: ignore[return-value]  # set in __init__

    @property
    def extractor(self) -> SynsetExtractor:
        """The extractor :meth:`encode_caption` uses (built from the settings on first use)."""
        if self._extractor is None:
            from catlip.text import SynsetExtractor

            settings = self._provenance.extractor_settings
            try:
                self._extractor = (
                    SynsetExtractor()
                    if settings is None
                    else SynsetExtractor.from_settings(settings)
                )
            except (TypeError, ValueError) as exc:
                raise VocabularyMismatchError(
                    f"this vocabulary's extractor settings cannot be used here ({exc})"
                ) from None
        return self._extractor

    # -- encoding ---------------------------------------------------------------------------

    def index(self, wnid: str) -> int:
        """Return the class index of ``wnid``.

        Raises:
            KeyError: ``wnid`` is not in the vocabulary.

        Example:
            >>> Vocabulary(["n02084071", "n02121808"]).index("n02121808")
            1
        """
        try:
            return self._index[wnid]
        except KeyError:
            raise KeyError(f"{wnid!r} is not in this vocabulary of {len(self)} synsets") from None

    def encode(
        self, wnids: Iterable[str], *, unknown: Literal["ignore", "error"] = "ignore"
    ) -> list[int]:
        """Map wnids to class indices, in the given order.

        Args:
            wnids: Synset ids, for example an extractor's output for one caption.
            unknown: ``"ignore"`` drops wnids not in the vocabulary (pruned synsets: the normal
                case for caption labels); ``"error"`` raises ``KeyError`` instead.

        Returns:
            The indices.

        Example:
            >>> Vocabulary(["n02084071", "n02121808"]).encode(["n02121808", "n02084071"])
            [1, 0]
        """
        if unknown not in ("ignore", "error"):
            raise ValueError(f"unknown must be 'ignore' or 'error', got {unknown!r}")
        if isinstance(wnids, str):
            raise TypeError("encode takes a sequence of wnids, not a single string")
        if unknown == "error":
            return [self.index(w) for w in wnids]
        get = self._index.get
        return [i for i in map(get, wnids) if i is not None]

    def encode_caption(self, caption: str) -> list[int]:
        """Extract a caption's synsets (with this vocabulary's extractor) and encode them.

        Args:
            caption: Raw caption text.

        Returns:
            The class indices of the caption's synsets that are in the vocabulary, in order of
            first appearance, without duplicates.

        Example:
            >>> vocab = Vocabulary(["n02084071"])
            >>> vocab.encode_caption("a dog runs on the beach")  # doctest: +SKIP
            [0]
        """
        return self.encode(self.extractor(caption))

    def decode(self, indices: Iterable[int]) -> list[str]:
        """Map class indices back to wnids; negative indices (padding) are skipped.

        Raises:
            IndexError: An index is ``>= len(self)``.

        Example:
            >>> Vocabulary(["n02084071", "n02121808"]).decode([1, -1])
            ['n02121808']
        """
        out: list[str] = []
        size = len(self._wnids)
        for raw in indices:
            i = int(raw)
            if i < 0:
                continue
            if i >= size:
                raise IndexError(f"class index {i} is out of range for {size} synsets")
            out.append(self._wnids[i])
        return out

    def names(self) -> tuple[str, ...]:
        """Human-readable WordNet names (``"dog.n.01"``), aligned with :attr:`wnids`.

        Loads WordNet on first call; a wnid that is not a WordNet 3.0 noun gets ``"?"``.

        Example:
            >>> Vocabulary(["n02084071"]).names()
            ('dog.n.01',)
        """
        if self._names is None:
            from catlip.wordnet import synset_names

            self._names = synset_names(self._wnids)
        return self._names

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the vocabulary as a versioned, human-readable JSON file (atomically).

        One synset per line, with its WordNet name for humans (so saving loads WordNet); the
        format is described in the guide (:doc:`/vocab`).

        Args:
            path: The destination (conventionally ``vocab.json``).

        Returns:
            ``path`` as a :class:`~pathlib.Path`.

        Example:
            >>> vocab = Vocabulary(["n02084071"], [3])
            >>> vocab.save("vocab.json")  # doctest: +SKIP
            PosixPath('vocab.json')
        """
        from catlip.vocab._vocabfile import write_vocabulary

        return write_vocabulary(self, path)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        extractor: SynsetExtractor | Mapping[str, Any] | None = None,
        allow_mismatch: bool = False,
    ) -> Vocabulary:
        """Read a vocabulary file written by :meth:`save`.

        Args:
            path: The file.
            extractor: The extractor (or its settings) the caller labels captions with. When
                given, it must have the settings the vocabulary was built with.
            allow_mismatch: Load even if the extractor settings or the WordNet version differ,
                or some wnids are not WordNet 3.0 noun synsets (the vocabulary keeps its own
                settings).

        Returns:
            The vocabulary.

        Raises:
            VocabularyFileError: The file is missing, corrupt, truncated or of an unknown version,
                or names synsets WordNet 3.0 does not have (and ``allow_mismatch`` is false).
            VocabularyMismatchError: Extractor settings or WordNet version differ (and
                ``allow_mismatch`` is false).

        Example:
            >>> vocab = Vocabulary.load("vocab.json")  # doctest: +SKIP
        """
        from catlip.vocab._vocabfile import read_vocabulary

        return read_vocabulary(path, extractor=extractor, allow_mismatch=allow_mismatch)
