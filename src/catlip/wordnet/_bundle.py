"""The WordNet 3.0 files shipped inside catlip: ``catlip/data/wordnet-3.0.zip``.

The archive holds Princeton WordNet 3.0's database files as NLTK's ``wordnet`` data package
(``corpora/wordnet``) has them, byte for byte (synset offsets are byte positions), each deflated
(10.7 MB instead of 36 MB; LZMA would make 7.9 MB but decompresses about 3x slower, and every
process that labels captions pays that at start), and WordNet's licence as ``LICENSE``.
``tools/bundle_wordnet.py`` makes it. Members are decompressed when first read; the data files
(which the readers keep for the whole process) are cached here so the extractor and NLTK's
reader share one copy.

Example:
    >>> read("lexnames").split()[:3]
    [b'00', b'adj.all', b'3']
"""

from __future__ import annotations

import importlib.resources
import os
import threading
import zipfile
import zlib
from importlib.abc import Traversable

from catlip.errors import MissingResourceError

__all__ = ["ARCHIVE", "MEMBERS", "prefetch", "read"]

ARCHIVE = "wordnet-3.0.zip"
"""The archive's file name in ``catlip/data``."""

MEMBERS = (
    "LICENSE",
    "lexnames",
    *(f"index.{pos}" for pos in ("noun", "verb", "adj", "adv")),
    *(f"data.{pos}" for pos in ("noun", "verb", "adj", "adv")),
    *(f"{pos}.exc" for pos in ("noun", "verb", "adj", "adv")),
    "index.sense",
    "cntlist.rev",
)
"""The files the archive holds: what catlip's readers and NLTK's ``WordNetCorpusReader`` open
(the verb-frame sentence files and the unsorted ``cntlist`` are left out: nothing reads them)."""

_CACHED = frozenset(f"data.{pos}" for pos in ("noun", "verb", "adj", "adv"))
_cache: dict[str, bytes] = {}
# Members being read by a prefetch thread, and what it read (the bytes, or the error to raise).
_pending: dict[str, threading.Thread] = {}
_prefetched: dict[str, bytes | MissingResourceError] = {}
_lock = threading.Lock()
_fork_hook = False


def _archive() -> Traversable:
    return importlib.resources.files("catlip") / "data" / ARCHIVE


def _reset_lock_after_fork() -> None:
    # A thread of the parent may have held the lock when it forked; the child has no such thread,
    # nor the parent's prefetch threads: what they had not finished is read again when needed.
    global _lock
    _lock = threading.Lock()
    _pending.clear()
    _prefetched.clear()


def _hook_fork() -> None:
    global _fork_hook
    if not _fork_hook and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_reset_lock_after_fork)
        _fork_hook = True


def prefetch(*names: str) -> None:
    """Start reading ``names`` in a background thread, for a later :func:`read` to take.

    Decompression releases the GIL, so the big files (``data.noun``, ``index.sense``) inflate on
    another core while this thread parses the others: a process's first caption comes sooner.
    Names already read, being read, or not bundled are skipped.

    Example:
        >>> prefetch("data.noun")
        >>> len(read("data.noun")) > 15_000_000
        True
    """
    with _lock:
        wanted = [n for n in names if n in MEMBERS and n not in _cache and n not in _pending]
        if not wanted:
            return
        _hook_fork()
        thread = threading.Thread(
            target=_prefetch, args=(wanted,), name="catlip-wordnet-prefetch", daemon=True
        )
        for name in wanted:
            _pending[name] = thread
        thread.start()


def _prefetch(names: list[str]) -> None:
    for name in names:
        try:
            data: bytes | MissingResourceError = _read_member(name)
        except MissingResourceError as exc:
            data = exc
        _prefetched[name] = data


def _take_prefetched(name: str) -> bytes | None:
    """The prefetched bytes of ``name`` (waiting for its thread), or None if not prefetched."""
    thread = _pending.get(name)
    if thread is None:
        return None
    thread.join()
    with _lock:
        _pending.pop(name, None)
        data = _prefetched.pop(name, None)
    if isinstance(data, MissingResourceError):
        raise data
    return data


def read(name: str) -> bytes:
    """Return the bytes of one bundled WordNet file (``"index.noun"``).

    Args:
        name: One of :data:`MEMBERS`.

    Raises:
        KeyError: ``name`` is not a bundled file.
        MissingResourceError: The archive is missing or corrupt (a damaged installation).
    """
    if name not in MEMBERS:
        raise KeyError(name)
    data = _cache.get(name)
    if data is not None:
        return data
    data = _take_prefetched(name)
    with _lock:
        cached = _cache.get(name)
        if cached is not None:
            return cached
        if data is None:
            data = _read_member(name)
        if name in _CACHED:
            _cache[name] = data
        _hook_fork()
    return data


def _read_member(name: str) -> bytes:
    archive = _archive()
    try:
        with archive.open("rb") as raw, zipfile.ZipFile(raw) as members:
            return members.read(name)
    except (OSError, KeyError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise MissingResourceError(
            f"catlip's bundled WordNet ({archive}) is missing or corrupt (reading {name}: "
            f"{exc}): reinstall catlip (pip install --force-reinstall catlip)."
        ) from None
