"""Provenance: how a vocabulary, synset counts or label file was made.

One small, immutable record shared by the three file formats: which extractor settings turned
captions into synsets, which WordNet the synset ids refer to, which catlip made the data, which
vocabulary (by fingerprint) it belongs to, and how a vocabulary was pruned. Loading a file keeps
its provenance and saving writes it back unchanged, so a vocabulary made with WordNet 3.1 stays
labelled 3.1.
"""

from __future__ import annotations

import copy
import json
import os
import types
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from catlip._version import __version__
from catlip.wordnet import WORDNET_VERSION

__all__ = ["Provenance"]


@dataclass(frozen=True, kw_only=True)
class Provenance:
    """How a vocabulary, its synset counts or a label file was made (immutable).

    Every field may be ``None`` (unknown): a file written by catlip 0.1 has no
    ``catlip_version``, and its label files have no WordNet version or extractor settings.

    Args:
        extractor_settings: The :attr:`catlip.text.SynsetExtractor.settings` that turned captions
            into synsets (``None``: the default extractor). Kept as a read-only copy.
        wordnet_version: The WordNet version the synset ids refer to.
        catlip_version: The catlip version that made the data (default: this one). Loading
            and saving a file keeps it.
        fingerprint: The :attr:`~catlip.vocab.Vocabulary.fingerprint` of the vocabulary the
            data is (a vocabulary) or refers to (a label file); ``None`` for counts.
        num_captions: How many captions were counted.
        min_count: The ``min_count`` a vocabulary was pruned with.
        max_size: The ``max_size`` a vocabulary was pruned with.

    Example:
        >>> from catlip.vocab import Provenance, Vocabulary
        >>> vocab = Vocabulary(["n02084071"], provenance=Provenance(min_count=5))
        >>> vocab.provenance.min_count, vocab.provenance.wordnet_version
        (5, '3.0')
        >>> vocab.provenance.fingerprint == vocab.fingerprint
        True
    """

    extractor_settings: Mapping[str, Any] | None = None
    wordnet_version: str | None = WORDNET_VERSION
    catlip_version: str | None = __version__
    fingerprint: str | None = None
    num_captions: int | None = None
    min_count: int | None = None
    max_size: int | None = None

    def __post_init__(self) -> None:
        settings = self.extractor_settings
        if settings is not None:
            if not isinstance(settings, Mapping):
                raise TypeError(
                    f"extractor_settings must be a mapping or None, got {type(settings).__name__}"
                )
            try:
                json.dumps(dict(settings), sort_keys=True)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"extractor_settings must be JSON data ({exc})") from None
            # A deep copy behind a read-only view: a Provenance never changes under its owner.
            frozen = types.MappingProxyType(copy.deepcopy(dict(settings)))
            object.__setattr__(self, "extractor_settings", frozen)
        for name in ("wordnet_version", "catlip_version", "fingerprint"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{name} must be a string or None, got {value!r}")
        for name in ("num_captions", "min_count", "max_size"):
            value = getattr(self, name)
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or value < 0
            ):
                raise ValueError(f"{name} must be a non-negative integer or None, got {value!r}")

    def __hash__(self) -> int:
        return hash(tuple(_plain(getattr(self, f.name)) for f in fields(self)))

    def __repr__(self) -> str:
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            shown.append(f"{f.name}={dict(value) if isinstance(value, Mapping) else value!r}")
        return f"Provenance({', '.join(shown)})"

    def __reduce__(self) -> tuple[Any, ...]:
        # A read-only mapping does not pickle: rebuild from plain values.
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        if self.extractor_settings is not None:
            values["extractor_settings"] = dict(self.extractor_settings)
        return (_rebuild, (values,))

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> Provenance:
        """Read the provenance recorded in a vocabulary, counts or label file.

        Only the header is read (of a label file, the first line or the ``header`` array).

        Args:
            path: A vocabulary or counts ``.json`` file, or a ``.jsonl`` or ``.npz`` label file.

        Returns:
            What the file records; fields it does not record are ``None``.

        Raises:
            VocabularyFileError: The file is missing, corrupt or none of the three formats.

        Example:
            >>> Provenance.read("labels.npz").wordnet_version  # doctest: +SKIP
            '3.0'
        """
        from catlip.vocab._files import read_provenance

        return read_provenance(path)


def _plain(value: object) -> object:
    """A hashable, readable stand-in for a field (settings as canonical JSON text)."""
    if isinstance(value, Mapping):
        return json.dumps(dict(value), sort_keys=True)
    return value


def _rebuild(values: dict[str, Any]) -> Provenance:
    return Provenance(**values)


_DEPRECATED = ("extractor_settings", "min_count", "max_size", "num_captions")


def vocabulary_provenance(given: object, keywords: dict[str, Any]) -> Provenance:
    """The provenance of a new :class:`~catlip.vocab.Vocabulary`, checked.

    ``keywords`` are catlip 0.1's loose ``Vocabulary`` keywords (deprecated: they warn), which
    describe the same provenance.
    """
    if keywords:
        for name in keywords:
            if name not in _DEPRECATED:
                raise TypeError(f"Vocabulary() got an unexpected keyword argument {name!r}")
        if given is not None:
            raise TypeError(f"pass provenance= or {', '.join(keywords)}, not both")
        shown = ", ".join(f"{k}=..." for k in keywords)
        warnings.warn(
            f"Vocabulary({shown}) is deprecated: pass provenance=Provenance({shown}) "
            "(catlip.vocab.Provenance)",
            DeprecationWarning,
            stacklevel=3,
        )
        return Provenance(**keywords)
    if given is None:
        return Provenance()
    if not isinstance(given, Provenance):
        raise TypeError(f"provenance must be a Provenance, got {type(given).__name__}")
    return given
