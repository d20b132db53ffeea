"""Remote inputs (``s3://``, ``gs://``, ``hf://``, ``https://``, ``memory://`` ...) through fsspec.

A path is remote when it is a string that starts with a URL scheme (``s3://bucket/key``) or an
fsspec chain (``simplecache::s3://...``); everything else is a local path and never imports
fsspec. fsspec is the optional extra ``catlip[remote]``; a protocol's own package (``s3fs``,
``gcsfs``, ``huggingface_hub``, ``aiohttp``) comes from fsspec's error message when missing.
"""

from __future__ import annotations

import functools
import os
import re
from typing import IO, Any, cast

from catlip._optional import require
from catlip.errors import InputFormatError

__all__ = ["check_url", "glob_urls", "is_url", "open_url", "read_head"]

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*(://|::)")


def is_url(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a remote file (a string with a URL scheme), not a local one.

    Example:
        >>> is_url("s3://bucket/captions.parquet"), is_url("data/captions.txt")
        (True, False)
    """
    return isinstance(path, str) and _URL.match(path) is not None


@functools.cache
def _fsspec() -> Any:
    return require(
        "fsspec", extra="remote", purpose="reading remote paths (s3://, gs://, hf://, https:// ...)"
    )


def _filesystem(url: str) -> tuple[Any, str]:
    """The fsspec filesystem of ``url`` and the path within it."""
    try:
        return cast(tuple[Any, str], _fsspec().core.url_to_fs(url))
    except ImportError as exc:  # the protocol's own package (s3fs, gcsfs ...)
        raise ImportError(f"cannot read {url}: {exc}") from None
    except ValueError as exc:  # an unknown protocol
        raise InputFormatError(f"cannot read {url}: {exc}") from None


def check_url(url: str) -> None:
    """Check, without a request, that ``url``'s protocol can be read (fsspec and its package).

    Raises:
        ImportError: fsspec, or the package of the protocol, is not installed.
        InputFormatError: fsspec knows no such protocol.
    """
    _filesystem(url)


def open_url(url: str, *, gzip: bool = False) -> IO[bytes]:
    """Open a remote file for reading bytes, decompressing gzip if ``gzip`` (else as stored).

    Raises:
        InputFormatError: There is no such file.
    """
    _filesystem(url)  # clear errors for a missing fsspec or protocol package
    try:
        opened = _fsspec().open(url, "rb", compression="gzip" if gzip else None)
        return cast(IO[bytes], opened.open())  # closing it closes the whole chain
    except (FileNotFoundError, IsADirectoryError):
        raise InputFormatError(f"input {url} does not exist or is not a file") from None


def read_head(url: str, size: int) -> bytes:
    """The first ``size`` bytes of a remote file (one ranged request, not a read-ahead block).

    Raises:
        InputFormatError: There is no such file.
    """
    fs, path = _filesystem(url)
    try:
        return bytes(fs.cat_file(path, start=0, end=size))
    except (FileNotFoundError, IsADirectoryError):
        raise InputFormatError(f"input {url} does not exist or is not a file") from None


def glob_urls(pattern: str) -> list[str]:
    """The remote files matching a glob ``pattern`` (``s3://bucket/shards/*.parquet``), sorted.

    Example:
        >>> import fsspec
        >>> with fsspec.open("memory://doc/a.txt", "wb") as f:
        ...     _ = f.write(b"a dog")
        >>> glob_urls("memory://doc/*.txt")
        ['memory:///doc/a.txt']
    """
    fs, path = _filesystem(pattern)
    found = fs.glob(path, detail=True)  # one listing: no request per file
    return sorted(fs.unstrip_protocol(name) for name, info in found.items() if _is_file(info))


def _is_file(info: dict[str, Any]) -> bool:
    return info.get("type") != "directory"
