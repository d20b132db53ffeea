"""The vocabulary file format: versioned, human-readable JSON, one synset per line."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from json.encoder import encode_basestring_ascii as _json_string
from pathlib import Path
from typing import TYPE_CHECKING, Any

from catlip.errors import VocabularyFileError, VocabularyMismatchError
from catlip.vocab._files import VOCABULARY_KEYS, file_header, provenance_from_header, write_file
from catlip.vocab._io import read_json_file
from catlip.vocab.provenance import Provenance
from catlip.vocab.vocabulary import VOCABULARY_FORMAT, VOCABULARY_VERSION, Vocabulary
from catlip.wordnet import WORDNET_VERSION

if TYPE_CHECKING:
    from catlip.text import SynsetExtractor

__all__ = [
    "check_settings",
    "check_wordnet_nouns",
    "read_corenet_vocabulary",
    "read_vocabulary",
    "write_vocabulary",
]

_FILE = "vocabulary file"


def write_vocabulary(vocab: Vocabulary, path: str | os.PathLike[str]) -> Path:
    """Write ``vocab`` to ``path`` (see :meth:`Vocabulary.save`)."""
    header = file_header(
        VOCABULARY_FORMAT,
        VOCABULARY_VERSION,
        vocab.provenance,
        VOCABULARY_KEYS,
        {"size": len(vocab)},
    )
    names = vocab.names()
    counts = vocab.counts
    # What json.dumps writes for each entry, built directly (wnids never need escaping).
    entries = (
        f'{{"index": {i}, "wnid": "{w}", '
        f'"count": {"null" if counts is None else counts[i]}, "name": {_json_string(names[i])}}}'
        for i, w in enumerate(vocab.wnids)
    )
    return write_file(path, header, member=("synsets", "["), lines=entries)


def read_vocabulary(
    path: str | os.PathLike[str],
    *,
    extractor: SynsetExtractor | Mapping[str, Any] | None = None,
    allow_mismatch: bool = False,
) -> Vocabulary:
    """Read a vocabulary file (see :meth:`Vocabulary.load`)."""
    file = Path(path)
    data = read_json_file(file, what=_FILE, fmt=VOCABULARY_FORMAT)
    vocab = _from_json(file, data)
    if not allow_mismatch:
        version = data.get("wordnet_version")
        if version != WORDNET_VERSION:
            raise VocabularyMismatchError(
                f"{file} was built with WordNet {version}, but catlip uses WordNet "
                f"{WORDNET_VERSION} (synset offsets differ between versions): rebuild it, or "
                "pass allow_mismatch=True to load it anyway"
            )
        check_wordnet_nouns(vocab.wnids, source=f"{_FILE} {file}")
        if extractor is not None:
            check_settings(vocab.extractor_settings, extractor, source=str(file))
    return vocab


def check_settings(
    expected: Mapping[str, Any] | None,
    extractor: SynsetExtractor | Mapping[str, Any],
    *,
    source: str,
) -> None:
    """Raise :class:`~catlip.errors.VocabularyMismatchError` if the settings differ."""
    given = dict(extractor) if isinstance(extractor, Mapping) else dict(extractor.settings)
    wanted = dict(expected) if expected is not None else _default_settings()
    if given == wanted:
        return
    keys = sorted(k for k in set(given) | set(wanted) if given.get(k) != wanted.get(k))
    diff = "; ".join(f"{k}: file {wanted.get(k)!r}, yours {given.get(k)!r}" for k in keys)
    raise VocabularyMismatchError(
        f"{source} was built with other extractor settings ({diff}): use the vocabulary's own "
        "extractor (Vocabulary.extractor), rebuild the vocabulary with your settings, or pass "
        "allow_mismatch=True"
    )


def _default_settings() -> dict[str, Any]:
    from catlip.text import SynsetExtractor

    return dict(SynsetExtractor().settings)


def _from_json(file: Path, data: dict[str, Any]) -> Vocabulary:
    def bad(problem: str) -> VocabularyFileError:
        return VocabularyFileError(
            f"{_FILE} {file} is invalid ({problem}); rebuild it with `catlip vocab build`"
        )

    version = data.get("version")
    if not isinstance(version, int) or version < 1:
        raise bad(f"version {version!r}")
    if version > VOCABULARY_VERSION:
        raise VocabularyFileError(
            f"{file} is a version {version} vocabulary file, but this catlip reads up to version "
            f"{VOCABULARY_VERSION}: upgrade catlip"
        )
    entries = data.get("synsets")
    if not isinstance(entries, list):
        raise bad("no 'synsets' list")
    wnids: list[Any] = []
    counts: list[Any] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or entry.get("index") != i:
            raise bad(f"synset entry {i} is malformed or out of order")
        wnids.append(entry.get("wnid"))
        counts.append(entry.get("count"))
    if data.get("size") != len(wnids):
        raise bad(f"'size' is {data.get('size')!r} but {len(wnids)} synsets are listed")
    has_counts = [c is not None for c in counts]
    if any(has_counts) and not all(has_counts):
        raise bad("some synsets have counts and others do not")
    provenance = provenance_from_header(data, VOCABULARY_KEYS, bad=bad)
    try:
        return Vocabulary(wnids, counts if all(has_counts) else None, provenance=provenance)
    except (TypeError, ValueError) as exc:
        raise bad(str(exc)) from None


def read_corenet_vocabulary(
    path: str | os.PathLike[str],
    *,
    extractor_settings: Mapping[str, Any] | None,
    allow_mismatch: bool,
) -> Vocabulary:
    """Read the paper's vocabulary pickle (see :meth:`Vocabulary.from_corenet`)."""
    from catlip.vocab.corenet import read_corenet_counts

    counts = read_corenet_counts(path)
    if not allow_mismatch:
        check_wordnet_nouns(list(counts), source=f"CoreNet vocabulary {os.fspath(path)}")
    provenance = Provenance(extractor_settings=extractor_settings)
    return Vocabulary(list(counts), list(counts.values()), provenance=provenance)


def check_wordnet_nouns(wnids: Sequence[str], *, source: str) -> None:
    """Raise :class:`~catlip.errors.VocabularyFileError` naming wnids WordNet 3.0 lacks.

    A wnid that is not a WordNet 3.0 noun synset is a class no caption can ever switch on.

    Args:
        wnids: Well-formed wnids in class order.
        source: What they were read from, for the message (``"vocabulary file vocab.json"``).
    """
    from catlip.wordnet import unknown_wnids

    unknown = set(unknown_wnids(wnids))
    if not unknown:
        return
    bad = [f"entry {i} {w}" for i, w in enumerate(wnids) if w in unknown]
    more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
    raise VocabularyFileError(
        f"{source} names {len(bad)} synset(s) that WordNet 3.0 does not have as nouns "
        f"({', '.join(bad[:5])}{more}): it was made with another WordNet version or edited by "
        "hand; rebuild it, or pass allow_mismatch=True to load it anyway"
    )
