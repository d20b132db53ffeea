"""Map downstream labels to the synsets of a pretraining vocabulary.

Each label is resolved by the first rule that applies:

1. **exact**: the label's synset is in the vocabulary. A wnid (``n01440764``) or synset name
   (``tench.n.01``) names its synset; for free text the sense is chosen with the whole label set
   as context (see :mod:`catlip.transfer.senses`).
2. **similar**: otherwise the vocabulary synset with the highest WordNet path similarity to the
   label's synset, if at least ``similarity_threshold`` (the paper's rule); ties prefer a hypernym,
   then the synset counted most often.
3. **average**: a multi-word label that is not a WordNet lemma (``restaurant_kitchen``) uses the
   vocabulary synsets of its parts (adjectives before the head left out), averaged.
4. **unmatched**: nothing found.

Example:
    >>> from catlip.transfer import resolve_labels
    >>> from catlip.vocab import Vocabulary
    >>> vocab = Vocabulary(["n01440764", "n02084071"])
    >>> [m.method for m in resolve_labels(["n01440764", "puppy"], vocab)]
    ['exact', 'similar']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from catlip.transfer.names import (
    ParsedLabel,
    is_modifier,
    parse_label,
    subphrases,
    synset_of_id,
)
from catlip.transfer.senses import Ancestry, choose_senses, viable_candidates
from catlip.vocab._progress import Progress
from catlip.wordnet import synset_name, wnid

if TYPE_CHECKING:
    from catlip.vocab import Vocabulary

__all__ = ["DEFAULT_SIMILARITY_THRESHOLD", "LabelMatch", "Method", "resolve_labels"]

Method = Literal["exact", "similar", "average", "unmatched"]

DEFAULT_SIMILARITY_THRESHOLD = 0.2
"""Smallest path similarity for a "similar" match: at most 4 hypernym/hyponym edges apart."""

T = TypeVar("T")

_MAX_VISITS = 20000  # nodes looked at per "similar" search; bounds the worst case


@dataclass(frozen=True)
class LabelMatch:
    """How one downstream label was resolved.

    Attributes:
        label: The label as given.
        method: ``"exact"``, ``"similar"``, ``"average"`` or ``"unmatched"``.
        wnids: The vocabulary synsets used (one, several for "average", none if unmatched).
        similarity: 1.0 for exact; the path similarity for similar; the mean over the parts for
            average; 0.0 for unmatched.
        names: Synset names of ``wnids`` (``"tench.n.01"``), for a person to check.
    """

    label: str
    method: Method
    wnids: tuple[str, ...]
    similarity: float
    names: tuple[str, ...]

    def __str__(self) -> str:
        if self.method == "unmatched":
            return f"{self.label!r}: unmatched"
        targets = ", ".join(f"{n} ({w})" for n, w in zip(self.names, self.wnids, strict=True))
        return f"{self.label!r}: {self.method} {self.similarity:.2f} -> {targets}"


def check_labels(labels: Sequence[str]) -> list[str]:
    """Validate a label list: a non-empty sequence of non-blank strings (repeats are allowed)."""
    if isinstance(labels, str) or not isinstance(labels, Sequence):
        raise TypeError(f"labels must be a sequence of str, got {type(labels).__name__}")
    if not labels:
        raise ValueError("labels is empty: give one label per output class of the classifier")
    for label in labels:
        if not isinstance(label, str):
            raise TypeError(f"labels must be str, got {type(label).__name__}: {label!r}")
        if not label.strip():
            raise ValueError("labels contains a blank label: every class needs a name or wnid")
    return list(labels)


class _VocabIndex:
    """Membership and scaled counts of a vocabulary, by wnid."""

    def __init__(self, vocab: Vocabulary) -> None:
        wnids = getattr(vocab, "wnids", None)
        if wnids is None:
            raise TypeError(f"vocab must be a catlip.vocab.Vocabulary, got {type(vocab).__name__}")
        self.order = {w: i for i, w in enumerate(wnids)}
        counts = getattr(vocab, "counts", None)
        self.counts: dict[str, int] = dict(zip(wnids, counts, strict=True)) if counts else {}
        top = max(self.counts.values(), default=0)
        self._scale = math.log1p(top) if top > 0 else 0.0

    def has(self, synset: Any) -> bool:
        return wnid(synset) in self.order

    def scaled_count(self, synset: Any) -> float:
        if not self._scale:
            return 0.0
        return math.log1p(self.counts.get(wnid(synset), 0)) / self._scale

    def preference(self, synset: Any, hops_up: int) -> tuple[int, int, int]:
        """Sort key among equally similar synsets: hypernyms, then most counted, then order."""
        key = wnid(synset)
        return (0 if hops_up else 1, -self.counts.get(key, 0), self.order[key])


def nearest_in_vocab(
    synset: Any, index: _VocabIndex, max_hops: int, ancestry: Ancestry
) -> tuple[Any, int] | None:
    """The vocabulary synset fewest edges away (going up to a common ancestor, then down).

    This is NLTK's noun ``path_similarity`` distance, searched outward level by level from the
    synset, so the cost depends on the neighbourhood, not on the vocabulary size.
    """
    up = ancestry.up(synset)
    # Per ancestor: its descendants at depth (distance - hops up), grown one level per distance.
    frontiers: dict[Any, list[Any]] = {a: [a] for a in up}
    seen: dict[Any, set[Any]] = {a: {a} for a in up}
    visits = 0
    for distance in range(1, max_hops + 1):
        best: list[tuple[tuple[int, int, int], Any]] = []
        for ancestor, hops_up in up.items():
            if hops_up > distance:
                continue
            if hops_up == distance:
                level = [ancestor]
            else:
                level = _grow(frontiers, seen, ancestor)
                visits += len(level)
            for node in level:
                if node is not synset and index.has(node):
                    best.append((index.preference(node, hops_up if node is ancestor else 0), node))
        if best:
            return min(best, key=lambda item: item[0])[1], distance
        if visits > _MAX_VISITS:
            return None
    return None


def _grow(frontiers: dict[Any, list[Any]], seen: dict[Any, set[Any]], ancestor: Any) -> list[Any]:
    """The next level of ``ancestor``'s descendants (nodes first reached at that depth)."""
    below = []
    marks = seen[ancestor]
    for node in frontiers[ancestor]:
        for child in node.hyponyms() + node.instance_hyponyms():
            if child not in marks:
                marks.add(child)
                below.append(child)
    frontiers[ancestor] = below
    return below


def resolve_labels(
    labels: Sequence[str],
    vocab: Vocabulary,
    *,
    similarity_threshold: float = DEFAULT_SIMILARITY_THRESHOLD,
    context: bool = True,
    progress: bool = False,
) -> list[LabelMatch]:
    """Resolve downstream labels to vocabulary synsets.

    Args:
        labels: One label per downstream class: wnids, synset names or class names as a data set
            writes them (``"great white shark"``, ``"restaurant_kitchen"``, ``"bat_(animal)"``).
        vocab: The pretraining vocabulary (the head's classes).
        similarity_threshold: Smallest path similarity for a "similar" match, in ``(0, 1]``.
        context: Choose the senses of ambiguous names using the other labels as context; ``False``
            resolves each label on its own.
        progress: Show progress on stderr (worth it for thousands of labels).

    A label may appear more than once (CLIP's ImageNet names have two "missile" classes): every
    copy gets the same match, and the copies count once as context. A label of more than
    :data:`~catlip.transfer.names.MAX_LABEL_WORDS` words is a sentence rather than a class name:
    it is matched only as a wnid, synset name or vocabulary id, else it is unmatched.

    Returns:
        One :class:`LabelMatch` per label, in order (repeated labels included).

    Raises:
        TypeError: ``labels`` is not a sequence of str, or ``vocab`` is not a vocabulary.
        ValueError: ``labels`` is empty or has blanks, or the threshold is out of range.

    Example:
        >>> from catlip.transfer import resolve_labels
        >>> from catlip.vocab import Vocabulary
        >>> vocab = Vocabulary(["n01580077", "n02084071"])  # jay (the bird), dog
        >>> print(resolve_labels(["jay", "dog"], vocab)[0])
        'jay': exact 1.00 -> jay.n.02 (n01580077)
    """
    labels = check_labels(labels)
    if not isinstance(similarity_threshold, int | float) or not 0.0 < similarity_threshold <= 1.0:
        raise ValueError(f"similarity_threshold must be in (0, 1], got {similarity_threshold!r}")
    distinct = list(dict.fromkeys(labels))
    if len(distinct) < len(labels):
        # Resolve each label once, so that copies match alike and weigh once as context.
        resolved = resolve_labels(
            distinct, vocab, similarity_threshold=similarity_threshold, context=context
        )
        by_label = dict(zip(distinct, resolved, strict=True))
        return [by_label[label] for label in labels]
    index = _VocabIndex(vocab)
    max_hops = math.floor(1.0 / similarity_threshold - 1.0 + 1e-9)
    ancestry = Ancestry()

    parsed = [parse_label(label) for label in labels]
    with Progress(enabled=progress, unit="labels", desc="finding senses") as bar:
        options = [_ticked(bar, viable_candidates(p, ancestry=ancestry)) for p in parsed]
    # Labels with no sense of their own are resolved from their parts, which join the context.
    parts: dict[int, list[ParsedLabel]] = {}
    for i, (p, found) in enumerate(zip(parsed, options, strict=True)):
        if p.synset_id is None and not found and " " in p.names[0] and not p.too_long:
            name = p.names[0]
            pieces = [phrase for phrase, _ in subphrases(name)] or name.split()
            # Adjectives before the head ("green iguana", "African rock python") are not the class.
            kept = [x for x in pieces if name.endswith(x) or " " in x or not is_modifier(x)]
            parts[i] = [parse_label(piece) for piece in kept]
    extra = [piece for pieces in parts.values() for piece in pieces]
    chosen = choose_senses(
        [*parsed, *extra],
        context=context,
        in_vocab=index.has,
        vocab_count=index.scaled_count,
        ancestry=ancestry,
        options=[*options, *(viable_candidates(x, ancestry=ancestry) for x in extra)],
    )
    part_senses = iter(chosen[len(parsed) :])

    def match_synset(synset: Any) -> tuple[Any, float] | None:
        if index.has(synset):
            return synset, 1.0
        found = nearest_in_vocab(synset, index, max_hops, ancestry)
        return None if found is None else (found[0], 1.0 / (1.0 + found[1]))

    matches: list[LabelMatch] = []
    bar = Progress(enabled=progress, unit="labels", desc="matching")
    for i, (label, p) in enumerate(zip(labels, parsed, strict=True)):
        bar.update(1)
        if label.strip() in index.order:
            matches.append(_match(label, "exact", [(synset_of_id(label.strip()), 1.0)], label))
            continue
        if i in parts:
            senses_of_parts = [next(part_senses) for _ in parts[i]]
            hits = [h for h in (match_synset(s) for s in senses_of_parts if s) if h is not None]
            matches.append(_match(label, "average", hits) if hits else _unmatched(label))
            continue
        target = synset_of_id(p.synset_id) if p.synset_id is not None else chosen[i]
        hit = None if target is None else match_synset(target)
        if hit is None:
            matches.append(_unmatched(label))
        else:
            matches.append(_match(label, "exact" if hit[1] == 1.0 else "similar", [hit]))
    bar.close()
    return matches


def label_synset(label: str) -> Any | None:
    """Return the noun synset one label names on its own, by :func:`resolve_labels`'s sense rule.

    A wnid or synset name gives its synset; a class name the sense :func:`resolve_labels` would
    choose for it alone (no vocabulary, no other labels as context). ``None`` when the label
    names no noun synset. This backs the deprecated :func:`catlip.text.resolve_label`.
    """
    parsed = parse_label(check_labels([label])[0])
    if parsed.synset_id is not None:
        return synset_of_id(parsed.synset_id)
    return choose_senses([parsed], context=False)[0]


def _ticked(bar: Progress, value: T) -> T:
    bar.update(1)
    return value


def _match(
    label: str, method: Method, hits: list[tuple[Any, float]], raw_wnid: str | None = None
) -> LabelMatch:
    wnids: list[str] = []
    names: list[str] = []
    for synset, _ in hits:
        key = wnid(synset) if synset is not None else str(raw_wnid).strip()
        if key not in wnids:
            wnids.append(key)
            names.append(synset_name(synset.offset()) if synset is not None else key)
    similarity = sum(s for _, s in hits) / len(hits)
    return LabelMatch(label, method, tuple(wnids), similarity, tuple(names))


def _unmatched(label: str) -> LabelMatch:
    return LabelMatch(label, "unmatched", (), 0.0, ())
