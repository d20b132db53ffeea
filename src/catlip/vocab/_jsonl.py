"""JSON lines caption files: one JSON object per line, the caption in a field."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

from catlip.vocab._lines import open_input

if TYPE_CHECKING:
    from catlip.vocab.readers import FileReader, Record

__all__ = ["read_jsonl"]


def read_jsonl(reader: FileReader, field: str, key: str | int | None) -> Iterator[Record]:
    """Stream the caption records of a JSON lines file (caption ``field``, key field ``key``)."""
    key_field = None if key is None else str(key)
    with open_input(reader.path) as f:
        for number, line in reader.lines(f):
            if not line.strip():
                continue
            if not reader.selector.take():
                continue
            try:
                obj = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                reader.bad(f"{number}", f"not valid JSON ({exc})")
                continue
            except RecursionError:
                reader.bad(f"{number}", "JSON nested too deeply to read")
                continue
            if not isinstance(obj, dict):
                reader.bad(f"{number}", f"not a JSON object but {type(obj).__name__}")
                continue
            caption = obj.get(field)
            if not isinstance(caption, str):
                reader.bad(f"{number}", f"no string field {field!r}")
                continue
            sample = f"{reader.name}:{number}"
            if key_field is not None:
                value = obj.get(key_field)
                if value is None or isinstance(value, (dict, list)):
                    reader.bad(f"{number}", f"no key field {key_field!r}")
                    continue
                sample = str(value)
            yield reader.good(sample, caption)
