"""NLTK's ``WordNetCorpusReader`` over catlip's bundled WordNet 3.0: ``Synset`` objects.

The reader's files come from the bundle (:mod:`catlip.wordnet._bundle`), never from
``NLTK_DATA``: catlip accepts WordNet 3.0 only, and ships it, so a WordNet elsewhere on NLTK's
search path is ignored (NLTK's own ``nltk.corpus.wordnet`` still finds that one for your code).
The reader is loaded once per process, on first use (about 1 s); synset lookups are serialized
by a lock (NLTK reads a synset by seek + readline on a shared stream), and a forked child gets a
new lock and its own streams.

Example:
    >>> from catlip.wordnet import reader
    >>> reader().synset("dog.n.01").offset()
    2084071
"""

from __future__ import annotations

import io
import os
import threading
import warnings
from typing import TYPE_CHECKING, Any

from catlip.errors import MissingResourceError
from catlip.wordnet import _bundle
from catlip.wordnet.db import check_version

if TYPE_CHECKING:
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

__all__ = ["reader"]

_lock = threading.RLock()
_reader: WordNetCorpusReader | None = None
_fork_hook_registered = False


def _reopen_files_after_fork() -> None:
    global _lock
    _lock = threading.RLock()
    loaded = _reader
    if loaded is not None:
        loaded._data_file_map = {}
        loaded._key_count_file = None
        loaded._key_synset_file = None
        loaded._catlip_lock = threading.RLock()


def _make_reader() -> WordNetCorpusReader:
    from nltk.corpus.reader.wordnet import WordNetCorpusReader
    from nltk.data import PathPointer, SeekableUnicodeStreamReader

    def open_member(name: str, encoding: str | None) -> Any:
        try:
            data = _bundle.read(name)
        except KeyError:
            raise OSError(f"catlip's bundled WordNet has no file {name!r}") from None
        stream = io.BytesIO(data)  # shares the cached bytes, no copy
        return SeekableUnicodeStreamReader(stream, encoding) if encoding else stream

    class _BundlePointer(PathPointer):  # type: ignore[misc]
        """A file of the bundle, as NLTK's path pointers name files."""

        def __init__(self, name: str = "") -> None:
            self.name = name
            self.path = f"catlip/data/{_bundle.ARCHIVE}/{name}".rstrip("/")

        def open(self, encoding: str | None = None) -> Any:
            return open_member(self.name, encoding)

        def file_size(self) -> int:
            return len(_bundle.read(self.name))

        def join(self, fileid: str) -> _BundlePointer:
            return _BundlePointer(f"{self.name}/{fileid}".lstrip("/"))

    class _BundledWordNet(WordNetCorpusReader):  # type: ignore[misc]
        """WordNet that reads the bundle and serializes its file reads."""

        _catlip_lock = threading.RLock()

        def open(self, file: str) -> Any:
            # The bundle is catlip's own package data, not a path on NLTK's search path, so
            # NLTK's path checks (which apply to files it finds there) have nothing to check.
            return open_member(file, self._encoding)

        def synset_from_pos_and_offset(self, pos: str, offset: int) -> Any:
            with self._catlip_lock:
                return super().synset_from_pos_and_offset(pos, offset)

        def lemma_count(self, lemma: Any) -> int:
            with self._catlip_lock:
                return int(super().lemma_count(lemma))

        def lemma_from_key(self, key: str) -> Any:
            with self._catlip_lock:
                return super().lemma_from_key(key)

        def get_version(self) -> str:
            with self._catlip_lock:
                return str(super().get_version())

        def map_wn(self, version: str = "wordnet") -> None:
            # NLTK maps other WordNet versions' sense keys onto this one for its multilingual
            # (OMW) functions, which catlip never uses; skipping it halves the load time.
            return None

    with warnings.catch_warnings():
        # catlip does not use the multilingual (OMW) functions, so NLTK's warning is noise.
        warnings.filterwarnings("ignore", message=".*multilingual functions.*")
        loaded = _BundledWordNet(_BundlePointer(), None)
    loaded._catlip_lock = threading.RLock()
    return loaded


def reader() -> WordNetCorpusReader:
    """Return the process-wide NLTK WordNet 3.0 reader over the bundled files.

    Labelling captions does not need it (:mod:`catlip.wordnet.db` reads the files the extractor
    uses, without NLTK); ``Synset`` objects, similarities and the reference labeller do.

    Returns:
        NLTK's ``WordNetCorpusReader``, with synset lookups serialized by a lock.

    Raises:
        MissingResourceError: The bundled WordNet is missing or corrupt (a damaged installation).
        ResourceVersionError: The bundled WordNet is not version 3.0 (a damaged installation).

    Example:
        >>> from catlip.wordnet import reader
        >>> reader().get_version()
        '3.0'
    """
    global _reader, _fork_hook_registered
    loaded = _reader
    if loaded is not None:
        return loaded
    with _lock:
        if _reader is None:
            try:
                candidate = _make_reader()
                version = candidate.get_version()
            except (OSError, ValueError, AssertionError) as exc:
                raise MissingResourceError(
                    f"catlip's bundled WordNet is incomplete or corrupt ({exc}): reinstall catlip."
                ) from exc
            check_version(version)
            if not _fork_hook_registered and hasattr(os, "register_at_fork"):
                os.register_at_fork(after_in_child=_reopen_files_after_fork)
                _fork_hook_registered = True
            _reader = candidate
        return _reader
