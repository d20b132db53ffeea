"""Caption batches from data engines: label or count a column, for Ray Data and Spark.

Web-scale corpora are labelled where they live, in a data engine. These functions take a column
of captions as the engines hand it over (a pyarrow ``Array``, a pandas ``Series``, a numpy array
or a plain list) and return the labels as a column of the same kind, or the synset counts:

- :func:`label_batch`: one label list per caption (wnids, or class indices given a
  :class:`~catlip.vocab.Vocabulary`);
- :func:`count_batch`: a :class:`~catlip.vocab.SynsetCounts`; counts of any split of a corpus
  into batches :func:`~catlip.vocab.merge` into the counts of the whole.

:class:`BatchLabeller` and :class:`BatchCounter` wrap them as small picklable callables for a
whole batch (an Arrow table, a pandas ``DataFrame``, a dict of numpy arrays), so they drop into
Ray Data's ``map_batches`` (as an actor class: each actor builds its extractor once, on its first
batch) and Spark's ``mapInPandas`` (which passes an iterator of DataFrames) as they are. pyarrow
and pandas are imported only when such an object is passed in.

Example:
    >>> from catlip.vocab import Vocabulary, count_batch, label_batch
    >>> label_batch(["a dog on a sofa", "a cat"])  # doctest: +SKIP
    [['n02084071', 'n04256520'], ['n02121620']]
    >>> vocab = Vocabulary(["n02084071", "n02121620"])
    >>> label_batch(["a dog on a sofa", "a cat"], vocab=vocab)  # doctest: +SKIP
    [[0], [1]]
    >>> count_batch(["a dog", "two dogs"])["n02084071"]  # doctest: +SKIP
    2
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal

from catlip.vocab._columns import (
    CAPTION_COLUMNS,
    caption_column,
    caption_strings,
    column_like,
    column_values,
    is_iterator,
    one_row,
    with_column,
)
from catlip.vocab.counts import SynsetCounts, count_synsets
from catlip.vocab.vocabulary import Vocabulary

if TYPE_CHECKING:
    from catlip.text import SynsetExtractor

__all__ = ["CAPTION_COLUMNS", "BatchCounter", "BatchLabeller", "count_batch", "label_batch"]


def label_batch(
    captions: Any,
    *,
    vocab: Vocabulary | None = None,
    extractor: SynsetExtractor | None = None,
    missing: Literal["error", "skip"] = "error",
) -> Any:
    """Label a column of captions: one label list per caption, in order.

    Args:
        captions: A pyarrow ``Array``/``ChunkedArray`` of strings, a pandas ``Series``, a 1-D
            numpy array, or a sequence of str.
        vocab: Labels are this vocabulary's class indices (captions are read with its extractor).
            ``None``: labels are wnids.
        extractor: The extractor (default: the vocabulary's, else ``SynsetExtractor()``); with a
            ``vocab`` it must have the vocabulary's settings.
        missing: A null caption (``None``, ``NaN``, an Arrow null): ``"error"`` raises,
            ``"skip"`` gives that row null labels (``None``).

    Returns:
        The labels, as the same kind of column (a pyarrow ``list<int32>`` or ``list<string>``
        array, a pandas ``Series`` with the input's index, a numpy object array, or a list of
        lists).

    Raises:
        InputFormatError: A caption is null (and ``missing="error"``), or an Arrow column does not
            hold strings.
        TypeError: A caption is neither a str nor null.
        VocabularyMismatchError: ``extractor`` differs from the vocabulary's settings.

    Example:
        >>> from catlip.vocab import Vocabulary, label_batch
        >>> label_batch(["a dog", "a cat"], vocab=Vocabulary(["n02121620"]))  # doctest: +SKIP
        [[], [0]]
    """
    values = column_values(captions)
    strings = caption_strings(values, _check_missing(missing))
    if vocab is not None:
        if extractor is not None:
            from catlip.vocab._vocabfile import check_settings

            check_settings(vocab.extractor_settings, extractor, source="the vocabulary")
        found = (extractor or vocab.extractor).batch(strings)
        rows: list[Any] = [vocab.encode(wnids) for wnids in found]
    else:
        rows = (extractor or _default_extractor()).batch(strings)
    if len(strings) < len(values):  # put the skipped rows back, as nulls
        labelled = iter(rows)
        rows = [None if value is None else next(labelled) for value in values]
    return column_like(captions, rows, indices=vocab is not None)


def count_batch(
    captions: Any,
    *,
    extractor: SynsetExtractor | None = None,
    missing: Literal["error", "skip"] = "error",
) -> SynsetCounts:
    """Count in how many captions of a column each synset appears.

    Counts of the batches of a corpus add up (:func:`~catlip.vocab.merge`) to
    :func:`~catlip.vocab.count_synsets` over the whole, however the corpus is split.

    Args:
        captions: A column of captions, as for :func:`label_batch`.
        extractor: Turns a caption into wnids (default: ``SynsetExtractor()``).
        missing: A null caption: ``"error"`` raises, ``"skip"`` leaves it out (it is not in
            ``num_captions``).

    Returns:
        The counts, with ``num_captions`` and the extractor's settings.

    Raises:
        InputFormatError: A caption is null (and ``missing="error"``), or an Arrow column does not
            hold strings.
        TypeError: A caption is neither a str nor null.

    Example:
        >>> from catlip.vocab import count_batch
        >>> count_batch(["a dog", "two dogs"]).num_captions  # doctest: +SKIP
        2
    """
    strings = caption_strings(column_values(captions), _check_missing(missing))
    return count_synsets(strings, extractor=extractor or _default_extractor())


class _BatchFunction:
    """What the batch callables share: options checked up front, an extractor built lazily."""

    def __init__(
        self,
        column: str | None,
        output: str,
        extractor_settings: Mapping[str, Any] | None,
        missing: Literal["error", "skip"],
    ) -> None:
        self.column = column
        self.output = _check_name(output, "output")
        self.extractor_settings = _settings(extractor_settings)
        self.missing = _check_missing(missing)
        self._extractor: SynsetExtractor | None = None

    def _get_extractor(self) -> SynsetExtractor:
        if self._extractor is None:  # on the first batch, in the actor or task that runs it
            self._extractor = _build_extractor(self.extractor_settings)
        return self._extractor


class BatchLabeller(_BatchFunction):
    """Add a labels column to a batch: a callable for Ray Data ``map_batches`` and Spark.

    Called with one batch (a pyarrow ``Table``/``RecordBatch``, a pandas ``DataFrame`` or a dict
    of numpy arrays, as ``map_batches`` passes them) it returns the batch, of the same kind, with
    the labels column added (see :func:`label_batch`). Called with an iterator of batches (as
    Spark's ``mapInPandas`` passes them) it returns an iterator. The extractor is built on the
    first batch, so an actor pays for its tables once; only the settings are pickled.

    Args:
        vocab: Labels are this vocabulary's class indices (``None``: wnids).
        column: The caption column (default: the batch's one column among
            :data:`CAPTION_COLUMNS`).
        output: The name of the labels column.
        extractor_settings: Without a ``vocab``: the extractor's settings (default: the default
            extractor).
        missing: A null caption: ``"error"`` raises, ``"skip"`` gives it null labels.

    Example:
        >>> import ray  # doctest: +SKIP
        >>> ds = ray.data.read_parquet("laion/*.parquet")  # doctest: +SKIP
        >>> ds = ds.map_batches(  # doctest: +SKIP
        ...     BatchLabeller, fn_constructor_kwargs={"vocab": vocab}, batch_format="pyarrow",
        ...     concurrency=8)
    """

    def __init__(
        self,
        vocab: Vocabulary | None = None,
        *,
        column: str | None = None,
        output: str = "labels",
        extractor_settings: Mapping[str, Any] | None = None,
        missing: Literal["error", "skip"] = "error",
    ) -> None:
        if vocab is not None and not isinstance(vocab, Vocabulary):
            raise TypeError(f"vocab must be a Vocabulary or None, got {type(vocab).__name__}")
        if vocab is not None and extractor_settings is not None:
            raise ValueError(
                "give vocab or extractor_settings, not both (a vocabulary has its own)"
            )
        super().__init__(column, output, extractor_settings, missing)
        self.vocab = vocab

    def __call__(self, batch: Any) -> Any:
        """The batch with a labels column; an iterator of such batches for an iterator."""
        if is_iterator(batch):
            return (self._label(part) for part in batch)
        return self._label(batch)

    def _label(self, batch: Any) -> Any:
        captions = caption_column(batch, self.column)
        if self.vocab is not None:
            labels = label_batch(captions, vocab=self.vocab, missing=self.missing)
        else:
            labels = label_batch(captions, extractor=self._get_extractor(), missing=self.missing)
        return with_column(batch, self.output, labels)


class BatchCounter(_BatchFunction):
    """Count a batch's captions into one row: a callable for Ray Data ``map_batches`` and Spark.

    Called with one batch it returns a one-row batch of the same kind whose ``counts`` column
    holds the batch's :class:`~catlip.vocab.SynsetCounts` as JSON
    (:meth:`~catlip.vocab.SynsetCounts.to_json`); called with an iterator of batches (Spark's
    ``mapInPandas``) it yields one such row per partition. The rows
    :meth:`~catlip.vocab.SynsetCounts.from_json` back and :func:`~catlip.vocab.merge` into the
    corpus's counts.

    Args:
        column: The caption column (default: the batch's one column among
            :data:`CAPTION_COLUMNS`).
        output: The name of the counts column.
        extractor_settings: The extractor's settings (default: the default extractor).
        missing: A null caption: ``"error"`` raises, ``"skip"`` leaves it out.

    Example:
        >>> parts = ds.map_batches(  # doctest: +SKIP
        ...     BatchCounter, batch_format="pyarrow", concurrency=8)
        >>> rows = parts.iter_rows()  # doctest: +SKIP
        >>> counts = merge(SynsetCounts.from_json(r["counts"]) for r in rows)  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        column: str | None = None,
        output: str = "counts",
        extractor_settings: Mapping[str, Any] | None = None,
        missing: Literal["error", "skip"] = "error",
    ) -> None:
        super().__init__(column, output, extractor_settings, missing)

    def __call__(self, batch: Any) -> Any:
        """A one-row batch of counts JSON; for an iterator, one such row for all its batches."""
        if is_iterator(batch):
            return self._count_all(batch)
        return one_row(batch, self.output, self.count(batch).to_json())

    def count(self, batch: Any) -> SynsetCounts:
        """The counts of one batch (of any kind a call takes)."""
        captions = caption_column(batch, self.column)
        return count_batch(captions, extractor=self._get_extractor(), missing=self.missing)

    def _count_all(self, batches: Iterator[Any]) -> Iterator[Any]:
        total, last = None, None
        for batch in batches:
            counts = self.count(batch)
            total, last = counts if total is None else total + counts, batch
        if total is not None:
            yield one_row(last, self.output, total.to_json())


# -- options --------------------------------------------------------------------------------


def _check_missing(missing: object) -> Literal["error", "skip"]:
    if missing not in ("error", "skip"):
        raise ValueError(f"missing must be 'error' or 'skip', got {missing!r}")
    return missing


def _check_name(name: object, what: str) -> str:
    if not isinstance(name, str) or not name:
        raise ValueError(f"{what} must be a non-empty column name, got {name!r}")
    return name


def _settings(settings: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if settings is None:
        return None
    if not isinstance(settings, Mapping):
        raise TypeError(f"extractor_settings must be a mapping, got {type(settings).__name__}")
    _build_extractor(settings)  # bad settings fail here, on the driver, not in every worker
    return dict(settings)


def _build_extractor(settings: Mapping[str, Any] | None) -> SynsetExtractor:
    from catlip.text import SynsetExtractor

    return SynsetExtractor() if settings is None else SynsetExtractor.from_settings(settings)


def _default_extractor() -> SynsetExtractor:
    return _build_extractor(None)
