"""The one writer of catlip's files (counts, vocabulary, labels) and their provenance header.

Every file starts with the same header: ``format``, ``version``, the format's sizes, then its
:class:`~catlip.vocab.Provenance` fields under fixed keys. :func:`write_file` writes the header
and a body atomically in one of three layouts: a JSON document (counts and vocabulary files:
one header key per line, then one entry per line), JSON lines (``.jsonl`` label files) or a
numpy ``.npz`` archive with the header as a JSON string (``.npz`` label files).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from catlip.errors import VocabularyFileError
from catlip.vocab._io import atomic_write
from catlip.vocab.provenance import Provenance

__all__ = [
    "COUNTS_KEYS",
    "LABELS_KEYS",
    "VOCABULARY_KEYS",
    "file_header",
    "json_document",
    "provenance_from_header",
    "read_provenance",
    "write_file",
]

# Header key -> Provenance field. Label files name the fingerprint "vocabulary" (as 0.1 did).
_FIELDS = {
    "catlip_version": "catlip_version",
    "wordnet_version": "wordnet_version",
    "extractor": "extractor_settings",
    "min_count": "min_count",
    "max_size": "max_size",
    "num_captions": "num_captions",
    "fingerprint": "fingerprint",
    "vocabulary": "fingerprint",
}
_STRINGS = ("catlip_version", "wordnet_version", "fingerprint")

COUNTS_KEYS = ("catlip_version", "wordnet_version", "extractor", "num_captions")
"""The provenance a counts file records."""
VOCABULARY_KEYS = (
    "catlip_version",
    "wordnet_version",
    "extractor",
    "min_count",
    "max_size",
    "num_captions",
    "fingerprint",
)
"""The provenance a vocabulary file records."""
LABELS_KEYS = ("catlip_version", "wordnet_version", "extractor", "vocabulary")
"""The provenance a label file records."""


def file_header(
    fmt: str,
    version: int,
    provenance: Provenance,
    keys: Sequence[str],
    sizes: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The header of a file: format, version, ``sizes``, then ``provenance`` under ``keys``.

    Extractor settings are written with sorted keys, so equal settings give equal bytes.
    """
    header: dict[str, Any] = {"format": fmt, "version": version, **(sizes or {})}
    for key in keys:
        value = getattr(provenance, _FIELDS[key])
        if isinstance(value, Mapping):
            value = json.loads(json.dumps(dict(value), sort_keys=True))
        header[key] = value
    return header


def provenance_from_header(
    header: Mapping[str, Any], keys: Sequence[str], *, bad: Callable[[str], Exception]
) -> Provenance:
    """The :class:`Provenance` in a file's header (a key the file lacks reads as ``None``).

    Raises:
        Exception: ``bad(problem)`` when a field has the wrong type.
    """
    values: dict[str, Any] = {}
    for key in keys:
        value = header.get(key)
        if value is None:
            values[_FIELDS[key]] = None
            continue
        if key == "extractor":
            ok = isinstance(value, dict)
        elif key in _STRINGS or key == "vocabulary":
            ok = isinstance(value, str)
        else:
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        if not ok:
            raise bad(f"{key!r} is {value!r}")
        values[_FIELDS[key]] = value
    return Provenance(**values)


def json_document(
    header: Mapping[str, Any], member: str, entries: Iterable[str], bracket: Literal["{", "["]
) -> str:
    """A JSON document: ``header`` one key per line, then ``member`` with one entry per line.

    ``entries`` are JSON texts (``'"n02084071": 3'`` for an object, values for a list).
    """
    lines = ["{"]
    lines += [f"  {json.dumps(k)}: {json.dumps(v, sort_keys=True)}," for k, v in header.items()]
    close = "}" if bracket == "{" else "]"
    body = ",\n".join("    " + e for e in entries)
    lines.append(f"  {json.dumps(member)}: {bracket}" + (f"\n{body}\n  {close}" if body else close))
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_file(
    path: str | os.PathLike[str],
    header: Mapping[str, Any],
    *,
    member: tuple[str, Literal["{", "["]] | None = None,
    lines: Iterable[str] = (),
    arrays: Mapping[str, Any] | None = None,
) -> Path:
    r"""Write ``header`` and a body to ``path`` atomically (a temporary file, then a rename).

    The body picks the layout:

    - ``member=(name, bracket)``: a JSON document (:func:`json_document`) whose member ``name``
      holds ``lines`` (counts and vocabulary files);
    - ``arrays``: a compressed ``.npz`` archive of the arrays plus ``header`` as a JSON string;
    - else JSON lines: the header on the first line, then ``lines`` (streamed; an exception
      while they are produced leaves no file).

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Example:
        >>> import tempfile, pathlib
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "x.jsonl"
        >>> _ = write_file(out, {"format": "demo", "version": 1}, lines=['{"key": "a"}'])
        >>> out.read_text()
        '{"format": "demo", "version": 1}\n{"key": "a"}\n'
    """
    target = Path(path)
    if arrays is not None:
        import numpy as np

        with atomic_write(target, binary=True) as f:
            np.savez_compressed(f, header=np.array(json.dumps(header)), **arrays)
    elif member is not None:
        text = json_document(header, member[0], lines, member[1])
        with atomic_write(target) as f:
            f.write(text)
    else:
        with atomic_write(target) as f:
            f.write(json.dumps(header) + "\n")
            for line in lines:
                f.write(line + "\n")
    return target


def read_provenance(path: str | os.PathLike[str]) -> Provenance:
    """See :meth:`Provenance.read`."""
    file = Path(path)
    if file.suffix in (".jsonl", ".npz"):
        from catlip.vocab.labelfiles import read_label_header

        return provenance_from_header(read_label_header(file), LABELS_KEYS, bad=_bad(file))
    from catlip.vocab._io import read_json_file
    from catlip.vocab.counts import COUNTS_FORMAT
    from catlip.vocab.vocabulary import VOCABULARY_FORMAT

    formats = (VOCABULARY_FORMAT, COUNTS_FORMAT)
    data = read_json_file(file, what="vocabulary or counts file", fmt=formats)
    keys = VOCABULARY_KEYS if data["format"] == VOCABULARY_FORMAT else COUNTS_KEYS
    return provenance_from_header(data, keys, bad=_bad(file))


def _bad(file: Path) -> Callable[[str], VocabularyFileError]:
    def bad(problem: str) -> VocabularyFileError:
        return VocabularyFileError(f"{file} has an invalid provenance header ({problem})")

    return bad
