"""Synset counts over a caption corpus: how many captions mention each synset.

Counts are per caption (a synset mentioned twice in one caption counts once). Counting streams:
memory grows with the number of distinct synsets (at most ~82k WordNet nouns), never with the
number of captions. Counts of disjoint parts of a corpus add up to the counts of the whole, which
is how a corpus too large for one machine is counted (one job per shard, then :func:`merge`).
"""

from __future__ import annotations

import json
import numbers
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from catlip._version import __version__
from catlip.errors import VocabularyFileError, VocabularyMismatchError
from catlip.vocab._counting import count_captions
from catlip.vocab._files import (
    COUNTS_KEYS,
    file_header,
    json_document,
    provenance_from_header,
    write_file,
)
from catlip.vocab._io import check_wnid, read_json_file
from catlip.vocab.provenance import Provenance
from catlip.wordnet import WORDNET_VERSION

if TYPE_CHECKING:
    from catlip.text import SynsetExtractor

__all__ = ["COUNTS_FORMAT", "COUNTS_VERSION", "SynsetCounts", "count_synsets", "merge"]

COUNTS_FORMAT = "catlip.synset-counts"
"""The ``format`` field of a counts file."""
COUNTS_VERSION = 1
"""The newest counts file version this catlip reads and the one it writes."""

_FILE = "synset counts file"


class SynsetCounts(Mapping[str, int]):
    """Per-caption synset counts (wnid -> number of captions), with how they were made.

    A read-only mapping; iteration is in wnid order. ``a + b`` adds counts (both must come from
    the same extractor settings and WordNet version).

    Args:
        counts: wnid -> count (zero counts are dropped).
        num_captions: How many captions were counted (including those with no synset).
        extractor_settings: The extractor's :attr:`~catlip.text.SynsetExtractor.settings`.
        wordnet_version: The WordNet version the synset ids refer to.

    Example:
        >>> a = SynsetCounts({"n02084071": 2}, num_captions=3)
        >>> b = SynsetCounts({"n02084071": 1, "n02121808": 1}, num_captions=2)
        >>> total = a + b
        >>> dict(total), total.num_captions
        ({'n02084071': 3, 'n02121808': 1}, 5)
    """

    def __init__(
        self,
        counts: Mapping[str, int] | None = None,
        *,
        num_captions: int = 0,
        extractor_settings: Mapping[str, Any] | None = None,
        wordnet_version: str = WORDNET_VERSION,
    ) -> None:
        items: list[tuple[str, int]] = []
        for wnid, value in (counts or {}).items():
            check_wnid(wnid)
            count = _non_negative_int(value, f"count of {wnid}")
            if count:
                items.append((wnid, count))
        self._counts = dict(sorted(items))
        self.num_captions = _non_negative_int(num_captions, "num_captions")
        self.extractor_settings = None if extractor_settings is None else dict(extractor_settings)
        self.wordnet_version = wordnet_version
        self._catlip_version: str | None = __version__  # a loaded file's is kept

    def __getitem__(self, wnid: str) -> int:
        return self._counts[wnid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._counts)

    def __len__(self) -> int:
        return len(self._counts)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SynsetCounts):
            return NotImplemented
        return (
            self._counts == other._counts
            and self.num_captions == other.num_captions
            and self.extractor_settings == other.extractor_settings
            and self.wordnet_version == other.wordnet_version
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SynsetCounts({len(self)} synsets, num_captions={self.num_captions})"

    def __add__(self, other: SynsetCounts) -> SynsetCounts:
        if not isinstance(other, SynsetCounts):
            return NotImplemented
        return merge([self, other])

    def most_common(self, n: int | None = None) -> list[tuple[str, int]]:
        """The ``n`` most frequent synsets (count descending, then wnid), like ``Counter``'s."""
        ranked = sorted(self._counts.items(), key=lambda item: (-item[1], item[0]))
        return ranked if n is None else ranked[:n]

    @property
    def provenance(self) -> Provenance:
        """How the counts were made (extractor settings, WordNet and catlip version, captions).

        Example:
            >>> SynsetCounts({"n02084071": 2}, num_captions=3).provenance.num_captions
            3
        """
        return Provenance(
            extractor_settings=self.extractor_settings,
            wordnet_version=self.wordnet_version,
            catlip_version=self._catlip_version,
            num_captions=self.num_captions,
        )

    def _header(self) -> dict[str, Any]:
        sizes = {"num_synsets": len(self)}
        return file_header(COUNTS_FORMAT, COUNTS_VERSION, self.provenance, COUNTS_KEYS, sizes)

    def _entries(self) -> Iterator[str]:
        return (f"{json.dumps(w)}: {c}" for w, c in self._counts.items())

    def to_json(self) -> str:
        """The file text :meth:`save` writes: sorted keys, one synset per line, no timestamps."""
        return json_document(self._header(), "counts", self._entries(), "{")

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the counts as JSON (atomically); equal counts give byte-identical files.

        The file holds ``format`` (``"catlip.synset-counts"``), ``version``, ``num_synsets``,
        the :attr:`provenance` (``catlip_version``, ``wordnet_version``, ``extractor``
        settings, ``num_captions``) and ``counts``: an object wnid -> count in wnid order.

        Example:
            >>> SynsetCounts({"n02084071": 2}, num_captions=3).save("counts.json")  # doctest: +SKIP
            PosixPath('counts.json')
        """
        return write_file(path, self._header(), member=("counts", "{"), lines=self._entries())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SynsetCounts:
        """Read a counts file written by :meth:`save`.

        Raises:
            VocabularyFileError: The file is missing, corrupt, truncated or of an unknown version.

        Example:
            >>> counts = SynsetCounts.load("counts.json")  # doctest: +SKIP
        """
        file = Path(path)
        return cls._from_data(read_json_file(file, what=_FILE, fmt=COUNTS_FORMAT), str(file))

    @classmethod
    def from_json(cls, text: str) -> SynsetCounts:
        """Read counts from the text :meth:`to_json` returns (counts sent between processes).

        Raises:
            VocabularyFileError: The text is not counts JSON, or of an unknown version.

        Example:
            >>> counts = SynsetCounts({"n02084071": 2}, num_captions=3)
            >>> SynsetCounts.from_json(counts.to_json()) == counts
            True
        """
        if not isinstance(text, str):
            raise TypeError(f"from_json takes a str, got {type(text).__name__}")
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise VocabularyFileError(f"counts text is not valid JSON ({exc})") from None
        if not isinstance(data, dict) or data.get("format") != COUNTS_FORMAT:
            raise VocabularyFileError(
                f"text is not {COUNTS_FORMAT} JSON (see SynsetCounts.to_json)"
            )
        return cls._from_data(data, "counts text")

    @classmethod
    def _from_data(cls, data: dict[str, Any], file: str) -> SynsetCounts:
        version = data.get("version")
        if not isinstance(version, int) or version < 1 or version > COUNTS_VERSION:
            raise VocabularyFileError(
                f"{file} is a version {version!r} counts file; this catlip reads versions 1 to "
                f"{COUNTS_VERSION}: upgrade catlip or recount"
            )

        def bad(problem: str) -> VocabularyFileError:
            return VocabularyFileError(
                f"{_FILE} {file} is invalid ({problem}); recount it with `catlip vocab count`"
            )

        counts, num_captions = data.get("counts"), data.get("num_captions")
        if not isinstance(counts, dict) or not isinstance(num_captions, int):
            raise bad("a field is missing or of the wrong type")
        provenance = provenance_from_header(data, COUNTS_KEYS, bad=bad)
        if provenance.wordnet_version is None:
            raise bad("no 'wordnet_version'")
        try:
            made = cls(
                counts,
                num_captions=num_captions,
                extractor_settings=provenance.extractor_settings,
                wordnet_version=provenance.wordnet_version,
            )
        except ValueError as exc:
            raise VocabularyFileError(f"{_FILE} {file} is invalid: {exc}") from None
        made._catlip_version = provenance.catlip_version
        return made


def merge(counts: Iterable[SynsetCounts]) -> SynsetCounts:
    """Add up counts of disjoint parts of a corpus (shards, files, nodes).

    Args:
        counts: Counts made with the same extractor settings and WordNet version (any
            iterable, read once: parts are added as they come).

    Returns:
        The summed counts (and summed ``num_captions``).

    Raises:
        VocabularyMismatchError: Two inputs differ in extractor settings or WordNet version.
        ValueError: ``counts`` is empty.

    Example:
        >>> parts = [SynsetCounts({"n02084071": 1}, num_captions=1)] * 3
        >>> merge(parts)["n02084071"]
        3
    """
    first: SynsetCounts | None = None
    total: Counter[str] = Counter()
    num_captions = 0
    # Streams: a billion-caption job merges one part at a time, never holding them all.
    for i, part in enumerate(counts):
        if not isinstance(part, SynsetCounts):
            raise TypeError(f"merge takes SynsetCounts, got {type(part).__name__} at position {i}")
        if first is None:
            first = part
        if part.extractor_settings != first.extractor_settings:
            raise VocabularyMismatchError(
                f"counts {i} were made with extractor settings {part.extractor_settings}, counts "
                f"0 with {first.extractor_settings}: recount every shard with the same settings"
            )
        if part.wordnet_version != first.wordnet_version:
            raise VocabularyMismatchError(
                f"counts {i} use WordNet {part.wordnet_version}, counts 0 WordNet "
                f"{first.wordnet_version}: recount every shard with WordNet {WORDNET_VERSION}"
            )
        total.update(part._counts)
        num_captions += part.num_captions
    if first is None:
        raise ValueError("merge needs at least one SynsetCounts")
    return SynsetCounts(
        total,
        num_captions=num_captions,
        extractor_settings=first.extractor_settings,
        wordnet_version=first.wordnet_version,
    )


def count_synsets(
    captions: Iterable[str],
    *,
    extractor: SynsetExtractor | None = None,
    num_workers: int = 0,
    progress: bool = False,
    chunk_size: int = 2048,
) -> SynsetCounts:
    """Count in how many captions each synset appears, streaming.

    Args:
        captions: Any iterable of caption strings (read lazily, once), or
            :class:`~catlip.vocab.CaptionFiles`: files that the processes split among
            themselves, each reading its own share (the fast way to count files).
        extractor: Turns a caption into its wnids (default: ``SynsetExtractor()``).
        num_workers: Processes that count, this one included: ``0`` or ``1`` counts in this
            process alone, ``N`` in this process and ``N - 1`` workers. Other iterables are
            read here and sent to the workers in chunks of ``chunk_size`` captions (this
            process counts a chunk itself when the workers are busy).
        progress: Show progress on stderr.
        chunk_size: Captions per worker task (iterables other than ``CaptionFiles``).

    Returns:
        The counts, with ``num_captions`` and the extractor's settings. The result does not
        depend on ``num_workers`` or ``chunk_size``.

    Raises:
        WorkerError: A worker process died (killed, or out of memory).

    Example:
        >>> counts = count_synsets(["a dog on a sofa", "two dogs"])  # doctest: +SKIP
        >>> counts["n02084071"], counts.num_captions  # doctest: +SKIP
        (2, 2)
        >>> files = CaptionFiles(["captions.txt"])  # doctest: +SKIP
        >>> counts = count_synsets(files, num_workers=4)  # doctest: +SKIP
    """
    if extractor is None:
        from catlip.text import SynsetExtractor

        extractor = SynsetExtractor()
    total, num_captions = count_captions(
        captions, extractor, num_workers=num_workers, progress=progress, chunk_size=chunk_size
    )
    return SynsetCounts(total, num_captions=num_captions, extractor_settings=extractor.settings)


def _non_negative_int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 0:
        raise ValueError(f"{what} must be a non-negative integer, got {value!r}")
    return int(value)
