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

__all__ = ["ARCHIVE", "MEMBERS", "read"]

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
_lock = threading.Lock()
_fork_hook = False


def _archive() -> Traversable:
    return importlib.resources.files("catlip") / "data" / ARCHIVE


def _reset_lock_after_fork() -> None:
    # A thread of the parent may have held the lock when it forked; the child has no such thread.
    global _lock
    _lock = threading.Lock()


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
    global _fork_hook
    with _lock:
        data = _cache.get(name)
        if data is None:
            data = _read_member(name)
            if name in _CACHED:
                _cache[name] = data
        if not _fork_hook and hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_reset_lock_after_fork)
            _fork_hook = True
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
