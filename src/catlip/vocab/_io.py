"""File helpers shared by the vocabulary, counts and label files: safe writes, JSON reading."""

from __future__ import annotations

import contextlib
import json
import numbers
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from catlip.errors import OutputPathError, VocabularyFileError
from catlip.wordnet import is_wnid

__all__ = ["aligned_counts", "atomic_write", "check_output", "check_wnid", "read_json_file"]


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
    all. The temporary name starts with ``.`` and ends with ``.tmp``. A symbolic link is
    followed: the file it points to is replaced, the link stays. A ``path`` that exists but is
    no regular file (``/dev/stdout``, a named pipe, a device) is written through, in place,
    never replaced.

    Args:
        path: The destination file.
        binary: Open in binary mode (default: UTF-8 text with ``\\n`` newlines).

    Yields:
        The open temporary file (or the special file itself).

    Example:
        >>> import tempfile, pathlib
        >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
        >>> with atomic_write(target) as f:
        ...     _ = f.write("done")
        >>> target.read_text()
        'done'
    """
    found = _stat(path)
    if found is not None and not stat.S_ISREG(found.st_mode):
        if stat.S_ISDIR(found.st_mode):
            raise IsADirectoryError(f"cannot write {path}: it is a folder; name a file in it")
        with open(path, "wb" if binary else "w", **_text_options(binary)) as special:
            yield special
        return
    target = Path(os.path.realpath(path))
    folder = target.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot write {target}: the folder {folder} does not exist")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        handle: IO[Any] = os.fdopen(fd, "wb" if binary else "w", **_text_options(binary))
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


def _stat(path: str | os.PathLike[str]) -> os.stat_result | None:
    """``os.stat`` (links followed), or ``None`` if there is nothing (or nothing reachable)."""
    try:
        return os.stat(path)
    except OSError:
        return None


def _text_options(binary: bool) -> dict[str, Any]:
    return {} if binary else {"encoding": "utf-8", "newline": "\n"}


def check_output(
    path: str | os.PathLike[str],
    *,
    inputs: Iterable[str | os.PathLike[str]] = (),
    suffixes: Sequence[str] = (),
) -> Path:
    """Check, before any work, that writing ``path`` (with :func:`atomic_write`) is safe.

    Args:
        path: The output file.
        inputs: The files the command reads: the output must be none of them (after following
            links; a hard link is the same file too).
        suffixes: The extensions that fit the output's format (``(".json",)``); a regular file
            with another extension is refused (one without an extension is accepted).

    Returns:
        The file that will be written: ``path``, or the file a symbolic link points to. A path
        that is no regular file (``/dev/stdout``, a named pipe) is written through, in place.

    Raises:
        OutputPathError: ``path`` is one of ``inputs``, a folder, in a folder that does not
            exist, or has an extension that contradicts the format.

    Example:
        >>> check_output("vocab.json", inputs=["captions.txt"], suffixes=[".json"]).name
        'vocab.json'
        >>> check_output("vocab.yaml", suffixes=[".json"])
        Traceback (most recent call last):
        ...
        catlip.errors.OutputPathError: the output vocab.yaml is written as .json: name it vocab.json
    """
    given = Path(path)
    found = _stat(given)
    if found is not None:
        for item in inputs:
            seen = _stat(item)
            if seen is not None and (seen.st_dev, seen.st_ino) == (found.st_dev, found.st_ino):
                raise OutputPathError(
                    f"the output {given} is the input {item}: writing it would destroy the "
                    "input; choose another output file"
                )
    if found is not None and stat.S_ISDIR(found.st_mode):
        raise OutputPathError(f"the output {given} is a folder: name a file, like {given / 'out'}")
    if found is not None and not stat.S_ISREG(found.st_mode):
        return given  # /dev/stdout, a named pipe: written through
    target = Path(os.path.realpath(given))
    if not target.parent.is_dir():
        raise OutputPathError(
            f"the folder of the output {given} ({target.parent}) does not exist: create it first"
        )
    suffix = given.suffix.lower()
    if suffixes and suffix and suffix not in suffixes:
        raise OutputPathError(
            f"the output {given} is written as {' or '.join(suffixes)}: name it "
            f"{given.with_suffix(suffixes[0]).name}"
        )
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read_json_file(
    path: str | os.PathLike[str], *, what: str, fmt: str | tuple[str, ...]
) -> dict[str, Any]:
    """Read a catlip JSON file and check its ``format`` field.

    Args:
        path: The file.
        what: What the file should be, for messages ("vocabulary file").
        fmt: The expected ``format`` value (or values).

    Returns:
        The parsed top-level object.

    Raises:
        VocabularyFileError: The file is missing, not valid JSON (corrupt or truncated), not an
            object, or of another format.
    """
    file = Path(path)
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise VocabularyFileError(f"{what} {file} does not exist: check the path") from None
    except OSError as exc:
        raise VocabularyFileError(f"cannot read {what} {file}: {exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise VocabularyFileError(
            f"{file} is not a catlip {what}: it is {_binary_kind(raw)}, not JSON text"
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        kind = _text_kind(text)
        if kind:
            raise VocabularyFileError(
                f"{file} is not a catlip {what}: it looks like {kind}"
            ) from None
        raise VocabularyFileError(
            f"{what} {file} is corrupt or truncated (invalid JSON at line {exc.lineno}, "
            f"column {exc.colno}: {exc.msg}); rebuild it or restore it from a copy"
        ) from None
    except RecursionError:
        raise VocabularyFileError(
            f"{file} is not a catlip {what}: its JSON is nested too deeply to read"
        ) from None
    wanted = (fmt,) if isinstance(fmt, str) else fmt
    if not isinstance(data, dict) or data.get("format") not in wanted:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        known = _KINDS.get(found) if isinstance(found, str) else None
        if known:
            raise VocabularyFileError(f"{file} is not a catlip {what}: it is {known}")
        raise VocabularyFileError(
            f"{file} is not a catlip {what} (expected format {' or '.join(map(repr, wanted))}, "
            f"found {found!r}); "
            "pass the file written by catlip"
        )
    return data


_KINDS = {
    "catlip.vocabulary": "a vocabulary file (from `catlip vocab build`)",
    "catlip.synset-counts": "a synset counts file (from `catlip vocab count`; make a vocabulary "
    "of it with `catlip vocab build --from-counts`)",
    "catlip.labels": "a label file (from `catlip label`)",
}


def _binary_kind(raw: bytes) -> str:
    if raw.startswith(b"PK"):
        return "a zip archive (such as an .npz label file)"
    if raw.startswith(b"\x1f\x8b"):
        return "gzip-compressed (decompress it first)"
    return "a binary file"


def _text_kind(text: str) -> str:
    """What a text file that is not one JSON document looks like ("" when it is JSON gone bad)."""
    first = text.removeprefix("\ufeff").split("\n", 1)[0]
    try:
        head = json.loads(first)
    except (ValueError, RecursionError):
        head = None
    if isinstance(head, dict):
        kind = _KINDS.get(head.get("format"))  # type: ignore[arg-type]
        return kind or "JSON lines (one object per line), such as a caption file"
    if not text.lstrip().startswith(("{", "[")):
        return "plain text, such as a caption file"
    return ""


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
