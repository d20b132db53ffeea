"""File helpers shared by the vocabulary, counts and label files: atomic writes, JSON reading."""

from __future__ import annotations

import contextlib
import json
import numbers
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from catlip.errors import VocabularyFileError
from catlip.text.ids import is_wnid

__all__ = ["aligned_counts", "atomic_write", "check_wnid", "read_json_file"]


def check_wnid(wnid: object) -> str:
    """Return ``wnid`` if it is a noun wnid (``n`` + 8 ASCII digits), else raise ``ValueError``."""
    if not isinstance(wnid, str) or not is_wnid(wnid):
        raise ValueError(
            f"{wnid!r} is not a WordNet noun id: expected 'n' + 8 digits (0-9), like 'n02084071'"
        )
    return wnid


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], *, binary: bool = False) -> Iterator[IO[Any]]:
    r"""Open a temporary file beside ``path``; on success rename it to ``path``, else delete it.

    Readers never see a half-written file: the file appears complete (``os.replace``) or not at
    all. The temporary name starts with ``.`` and ends with ``.tmp``.

    Args:
        path: The destination file.
        binary: Open in binary mode (default: UTF-8 text with ``\\n`` newlines).

    Yields:
        The open temporary file.

    Example:
        >>> import tempfile, pathlib
        >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
        >>> with atomic_write(target) as f:
        ...     _ = f.write("done")
        >>> target.read_text()
        'done'
    """
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot write {target}: the folder {folder} does not exist")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        if binary:
            handle: IO[Any] = os.fdopen(fd, "wb")
        else:
            handle = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read_json_file(path: str | os.PathLike[str], *, what: str, fmt: str) -> dict[str, Any]:
    """Read a catlip JSON file and check its ``format`` field.

    Args:
        path: The file.
        what: What the file should be, for messages ("vocabulary file").
        fmt: The expected ``format`` value.

    Returns:
        The parsed top-level object.

    Raises:
        VocabularyFileError: The file is missing, not valid JSON (corrupt or truncated), not an
            object, or of another format.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise VocabularyFileError(f"{what} {file} does not exist: check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise VocabularyFileError(f"cannot read {what} {file}: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise VocabularyFileError(
            f"{what} {file} is corrupt or truncated (invalid JSON at line {exc.lineno}, "
            f"column {exc.colno}: {exc.msg}); rebuild it or restore it from a copy"
        ) from None
    if not isinstance(data, dict) or data.get("format") != fmt:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise VocabularyFileError(
            f"{file} is not a catlip {what} (expected format {fmt!r}, found {found!r}); "
            "pass the file written by catlip"
        )
    return data


def aligned_counts(
    wnids: tuple[str, ...], counts: Sequence[int] | Mapping[str, int] | None
) -> tuple[int, ...] | None:
    """Validate ``counts`` and align them with ``wnids`` (``None`` stays ``None``)."""
    if counts is None or not wnids:
        return None  # an empty vocabulary has no counts to keep
    if isinstance(counts, Mapping):
        missing = [w for w in wnids if w not in counts]
        if missing:
            raise ValueError(f"counts has no entry for {missing[0]} (and {len(missing) - 1} more)")
        values: list[object] = [counts[w] for w in wnids]
    else:
        values = list(counts)
        if len(values) != len(wnids):
            raise ValueError(f"counts has {len(values)} entries but wnids has {len(wnids)}")
    out: list[int] = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or int(v) < 0:
            raise ValueError(f"counts must be non-negative integers, got {v!r}")
        out.append(int(v))
    return tuple(out)
