"""The counting behind :func:`catlip.vocab.count_synsets`, in one process or many.

Caption files (:class:`~catlip.vocab.CaptionFiles`) are counted by processes that each read their
own share (:func:`catlip._engine.run_parts`): nobody spends a core sending captions to the
others. Any other iterable of captions can only be read here, so chunks of it go to the workers
(:func:`catlip._engine.map_chunks`). Counting is a sum, so either way the result is that of one
process, whatever ``num_workers`` is.
"""

from __future__ import annotations

import pickle
from collections import Counter
from collections.abc import Callable, Iterable
from itertools import chain
from typing import TYPE_CHECKING, Any

from catlip._engine import Part, chunked, map_chunks, num_processes, run_parts
from catlip.vocab._progress import Progress
from catlip.vocab.captionfiles import CaptionFiles, PartReport, merge_reports

if TYPE_CHECKING:
    from catlip.text import SynsetExtractor
    from catlip.text.lexicon import Lexicon

__all__ = ["count_captions"]

_TICK = 2048  # captions counted between progress updates (and checks on the workers)
_SHARE_BYTES = 32 << 20  # word analyses one counting part hands on, at most


def count_captions(
    captions: Iterable[str],
    extractor: SynsetExtractor,
    *,
    num_workers: int,
    progress: bool,
    chunk_size: int,
) -> tuple[Counter[str], int]:
    """Count the captions in which each wnid appears: ``(counts, number of captions)``.

    Raises:
        WorkerError: A worker process died (killed, or out of memory).
    """
    if num_processes(num_workers) > 1:
        extractor("a dog")  # load WordNet (and the tagger) here, once: forked workers inherit it
    with Progress(enabled=progress, unit="captions", desc="counting") as bar:
        if isinstance(captions, CaptionFiles):
            return _count_files(captions, extractor, num_workers, bar)
        total: Counter[str] = Counter()
        num_captions = 0
        strings = (_check_caption(c) for c in captions)
        for size, part in map_chunks(
            _count_chunk, strings, state=extractor, num_workers=num_workers, chunk_size=chunk_size
        ):
            total.update(part)
            num_captions += size
            bar.update(size)
        return total, num_captions


def _count_chunk(extractor: Callable[[str], list[str]], captions: list[str]) -> Counter[str]:
    # The extractor returns unique wnids, so each caption adds at most 1 per synset.
    return Counter(chain.from_iterable(map(extractor, captions)))


def _count_files(
    files: CaptionFiles, extractor: SynsetExtractor, num_workers: int, bar: Progress
) -> tuple[Counter[str], int]:
    parts = run_parts(
        _count_part,
        (files, extractor),
        num_workers=num_workers,
        what="a counting process",
        on_progress=lambda done: bar.update(done - bar.count),
    )
    total: Counter[str] = Counter()
    for counts, _, _ in parts:
        total.update(counts)
    reports = [report for _, _, report in parts if report is not None]
    if reports:
        merge_reports(reports, files.report)
    return total, sum(number for _, number, _ in parts)


def _count_part(
    state: tuple[CaptionFiles, Callable[[str], list[str]]], part: Part
) -> tuple[dict[str, int], int, PartReport | None]:
    """Count part ``part.index`` of the files: (counts, captions, its report to merge)."""
    files, extractor = state
    mine = PartReport(part.index, part.count)
    alone = part.count == 1
    report = files.report if alone else mine
    counts: Counter[str] = Counter()
    number = 0
    captions = files._part(part.index, part.count, part.claim, report)
    lexicon = None if alone else _lexicon(extractor)
    posted = 0
    # Short chunks first when sharing, so the processes hand on the frequent words early.
    for chunk in chunked(captions, _TICK, first=_TICK if lexicon is None else _TICK // 8):
        counts.update(chain.from_iterable(map(extractor, chunk)))
        number += len(chunk)
        part.tick(len(chunk))
        if lexicon is not None:
            posted += _share_analyses(lexicon, part, post=posted < _SHARE_BYTES)
    return dict(counts), number, None if alone else mine


def _lexicon(extractor: Callable[[str], list[str]]) -> Lexicon | None:
    """The tables whose word analyses the parts hand on; None for the reference, which has none."""
    from catlip.text import SynsetExtractor

    if not isinstance(extractor, SynsetExtractor) or extractor._reference:
        return None
    return extractor._tables()


def _share_analyses(lexicon: Lexicon, part: Part, *, post: bool) -> int:
    """Take the other parts' word analyses and, if ``post``, hand on this part's new ones.

    See :mod:`catlip.text.handover`. Returns the bytes handed on. The words worth handing on are
    the frequent ones, met early; on a web-scale corpus the new words of later ticks are mostly
    met once, so a part stops posting after :data:`_SHARE_BYTES` (its journal stays bounded).
    """
    from catlip.text import handover

    size = 0
    if post:
        analyses = handover.learned(lexicon)
        if any(analyses):
            message = pickle.dumps(analyses, protocol=pickle.HIGHEST_PROTOCOL)
            part.share(message)
            size = len(message)
    for message in part.shared():
        handover.adopt(lexicon, pickle.loads(message))
    return size


def _check_caption(caption: Any) -> str:
    if not isinstance(caption, str):
        raise TypeError(f"captions must be strings, got {type(caption).__name__}: {caption!r}")
    return caption
