"""Read the vocabulary pickle released with the CatLIP paper (CoreNet), safely.

The released file is a pickled ``dict`` mapping ``"n<offset>"`` (offset not zero-padded, e.g.
``"n2084071"``) to the number of captions the synset was seen in, ordered like the classification
head. Unpickling runs code chosen by the file's author, so catlip reads it with an unpickler that
refuses every global: only the built-in dict, str and int opcodes can build anything.
"""

from __future__ import annotations

import io
import os
import pickle
from pathlib import Path
from typing import Any, NoReturn

from catlip.errors import VocabularyFileError
from catlip.wordnet import is_wnid

__all__ = ["read_corenet_counts"]


class _DataOnlyUnpickler(pickle.Unpickler):
    """An unpickler that loads no classes or functions (so no ``__reduce__`` code runs)."""

    def find_class(self, module: str, name: str) -> NoReturn:
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}: only data is allowed")

    def persistent_load(self, pid: Any) -> NoReturn:
        raise pickle.UnpicklingError("refusing persistent ids: only data is allowed")


def read_corenet_counts(path: str | os.PathLike[str]) -> dict[str, int]:
    """Read a CoreNet vocabulary pickle into ``{wnid: count}`` with 8-digit wnids, in file order.

    Args:
        path: The ``.pkl`` file.

    Returns:
        The counts, keys normalized to ``n`` + 8 digits, in the file's order.

    Raises:
        VocabularyFileError: The file is missing, not a pickle, holds anything but a dict of
            str -> int, or has keys that are not ``n<offset>``.

    Example:
        >>> counts = read_corenet_counts("vocab.pkl")  # doctest: +SKIP
    """
    file = Path(path)

    def bad(problem: str) -> VocabularyFileError:
        return VocabularyFileError(
            f"{file} is not a CatLIP/CoreNet vocabulary pickle ({problem}); pass the released "
            "vocabulary file (a pickled dict of 'n<offset>' -> count)"
        )

    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise VocabularyFileError(f"cannot read CoreNet vocabulary {file}: {exc}") from None
    try:
        data = _DataOnlyUnpickler(io.BytesIO(raw)).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError, KeyError) as exc:
        raise bad(str(exc) or type(exc).__name__) from None
    if not isinstance(data, dict):
        raise bad(f"it holds a {type(data).__name__}, not a dict")
    counts: dict[str, int] = {}
    for key, value in data.items():
        if not isinstance(key, str) or not isinstance(value, int) or isinstance(value, bool):
            raise bad(f"entry {key!r}: {value!r} is not str -> int")
        wnid = "n" + key[1:].zfill(8)  # "n2084071" -> "n02084071"
        if not key.startswith("n") or len(key) < 2 or not is_wnid(wnid):
            raise bad(f"key {key!r} is not 'n<offset>' (up to 8 digits 0-9)")
        if wnid in counts:
            raise bad(f"{key!r} and another key are the same synset {wnid}")
        counts[wnid] = value
    return counts
