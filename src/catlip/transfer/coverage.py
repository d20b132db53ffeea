"""How much of a downstream label set a pretraining vocabulary covers (the paper's overlap study).

:func:`coverage` resolves the labels like :func:`~catlip.transfer.transfer_init` would and counts
how many are in the vocabulary exactly, through a similar synset, through the average of their
parts, or not at all. ``catlip coverage`` prints the same report for a label file.

Example:
    >>> from catlip.transfer import coverage
    >>> from catlip.vocab import Vocabulary
    >>> vocab = Vocabulary(["n01440764", "n02084071"])
    >>> report = coverage(["dog", "n01440764", "xylophonist-zz"], vocab)
    >>> report.counts
    {'exact': 2, 'similar': 0, 'average': 0, 'unmatched': 1}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from catlip.transfer.names import label_key
from catlip.transfer.resolve import DEFAULT_SIMILARITY_THRESHOLD, LabelMatch, resolve_labels

if TYPE_CHECKING:
    from catlip.vocab import Vocabulary

__all__ = [
    "METHODS",
    "CoverageReport",
    "count_methods",
    "coverage",
    "duplicate_groups",
    "summary_lines",
]

METHODS = ("exact", "similar", "average", "unmatched")
"""The resolution methods, in the order they are tried."""


def count_methods(matches: Sequence[LabelMatch]) -> dict[str, int]:
    """Number of matches per method, every method present, in :data:`METHODS` order."""
    found = dict.fromkeys(METHODS, 0)
    for match in matches:
        found[match.method] += 1
    return found


def duplicate_groups(labels: Sequence[str]) -> tuple[tuple[int, ...], ...]:
    """Positions of labels that name the same class, up to case, spaces and underscores.

    Only groups of two or more are returned, each in label order, in order of first appearance.

    Example:
        >>> duplicate_groups(["missile", "dog", "Missile", "cat", "missile"])
        ((0, 2, 4),)
    """
    groups: dict[str, list[int]] = {}
    for position, label in enumerate(labels):
        groups.setdefault(label_key(label), []).append(position)
    return tuple(tuple(group) for group in groups.values() if len(group) > 1)


def summary_lines(
    matches: Sequence[LabelMatch], *, notes: dict[str, str] | None = None, shown: int = 8
) -> list[str]:
    """Readable lines: a count per method, up to ``shown`` labels per non-exact method, repeats.

    The repeats are the labels that name one class more than once (see :func:`duplicate_groups`).
    """
    counts = count_methods(matches)
    total = max(1, len(matches))
    notes = notes or {}
    lines = []
    for method in METHODS:
        n = counts[method]
        note = f"  ({notes[method]})" if n and method in notes else ""
        lines.append(f"  {method:<9} {n:>6}  {100.0 * n / total:5.1f}%{note}")
    for method in METHODS[1:]:
        listed = [m for m in matches if m.method == method]
        if listed:
            lines.append(f"{method}:")
            lines.extend(f"  {m}" for m in listed[:shown])
            if len(listed) > shown:
                lines.append(f"  ... and {len(listed) - shown} more")
    groups = duplicate_groups([m.label for m in matches])
    if groups:
        classes = sum(len(group) for group in groups)
        lines.append(f"repeated ({len(groups)} names shared by {classes} classes, resolved alike):")
        for group in groups:
            names = " = ".join(
                repr(label) for label in dict.fromkeys(matches[i].label for i in group)
            )
            lines.append(f"  {names}: classes {', '.join(str(i) for i in group)}")
    return lines


@dataclass(frozen=True)
class CoverageReport:
    """How a label set maps onto a vocabulary.

    Attributes:
        matches: One :class:`~catlip.transfer.LabelMatch` per label, in order.
        vocab_size: Number of synsets in the vocabulary.
    """

    matches: tuple[LabelMatch, ...]
    vocab_size: int

    @property
    def counts(self) -> dict[str, int]:
        """Number of labels per method (``{"exact": 70, "similar": 6, ...}``)."""
        return count_methods(self.matches)

    @property
    def fractions(self) -> dict[str, float]:
        """Share of labels per method, each in [0, 1]."""
        return {k: v / len(self.matches) for k, v in self.counts.items()}

    @property
    def vocab_wnids(self) -> tuple[str, ...]:
        """The distinct vocabulary synsets the labels use, in first-use order."""
        return tuple(dict.fromkeys(w for m in self.matches for w in m.wnids))

    @property
    def duplicates(self) -> tuple[tuple[int, ...], ...]:
        """Positions of labels naming one class more than once, up to case and spaces."""
        return duplicate_groups([m.label for m in self.matches])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: sizes, counts, fractions and every match."""
        return {
            "labels": len(self.matches),
            "vocab_size": self.vocab_size,
            "vocab_synsets_used": len(self.vocab_wnids),
            "counts": self.counts,
            "fractions": {k: round(v, 4) for k, v in self.fractions.items()},
            "duplicates": [list(group) for group in self.duplicates],
            "matches": [
                {
                    "label": m.label,
                    "method": m.method,
                    "wnids": list(m.wnids),
                    "names": list(m.names),
                    "similarity": round(m.similarity, 4),
                }
                for m in self.matches
            ],
        }

    def __str__(self) -> str:
        head = (
            f"Coverage of {len(self.matches)} labels by a {self.vocab_size}-synset vocabulary "
            f"({len(self.vocab_wnids)} synsets used)"
        )
        return "\n".join([head, *summary_lines(self.matches)])


def coverage(
    labels: Sequence[str],
    vocab: Vocabulary,
    *,
    similarity_threshold: float = DEFAULT_SIMILARITY_THRESHOLD,
    context: bool = True,
    progress: bool = False,
) -> CoverageReport:
    """Measure which labels a vocabulary has: exactly, via a similar synset, via parts, or not.

    Args:
        labels: The label set (wnids, synset names or class names); a repeated label is resolved
            once and reported in :attr:`CoverageReport.duplicates`.
        vocab: The pretraining vocabulary.
        similarity_threshold: Smallest path similarity for a "similar" match.
        context: Use the label set as context to choose senses.
        progress: Show progress on stderr.

    Returns:
        The :class:`CoverageReport`; ``print(report)`` shows a summary.

    Raises:
        TypeError: ``labels`` is not a sequence of str.
        ValueError: ``labels`` is empty or has blanks.

    Example:
        >>> from catlip.transfer import coverage
        >>> from catlip.vocab import Vocabulary
        >>> coverage(["puppy"], Vocabulary(["n02084071"])).counts["similar"]
        1
    """
    matches = resolve_labels(
        labels,
        vocab,
        similarity_threshold=similarity_threshold,
        context=context,
        progress=progress,
    )
    return CoverageReport(tuple(matches), len(vocab))
