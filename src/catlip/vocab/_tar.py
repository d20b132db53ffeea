"""Webdataset / img2dataset ``.tar`` shards: samples are runs of members ``KEY.ext``.

A sample's caption is its ``KEY.txt`` member, else the caption field of its ``KEY.json`` member;
other members (``.jpg``) are skipped without being read. The archive is streamed.
"""

from __future__ import annotations

import json
import tarfile
import zlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from catlip.vocab.readers import FileReader, Record

__all__ = ["read_tar", "split_key"]


def read_tar(reader: FileReader, field: str) -> Iterator[Record]:
    """Stream the samples of a webdataset tar shard (grouped members ``KEY.ext``)."""
    from catlip.vocab._lines import open_input

    with open_input(reader.path) as raw:
        try:
            archive = tarfile.open(fileobj=raw, mode="r|")  # noqa: SIM115 -- closed with raw
        except tarfile.TarError as exc:
            reader.bad("0", f"not a tar archive ({exc})")
            return
        current: str | None = None
        take = False
        members: dict[str, bytes | int] = {}  # a caption member over the cap: its size
        try:
            for member in archive:
                if not member.isfile():
                    continue
                sample, ext = split_key(member.name)
                if sample != current:
                    if current is not None and take:
                        yield from _sample(reader, current, members, field)
                    current, members = sample, {}
                    take = reader.selector.take()
                if take and ext in ("txt", "json") and member.size > reader.max_record_bytes:
                    members[ext] = member.size  # skipped unread
                elif take and ext in ("txt", "json"):
                    handle = archive.extractfile(member)
                    members[ext] = handle.read() if handle is not None else b""
                elif take:
                    members.setdefault(ext, b"")
        except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
            # The unreadable rest counts as one more record, so exactly one shard reports it.
            if reader.selector.take():
                reader.bad(f"{current or 0}", f"truncated or corrupt archive ({exc})")
            return
        if current is not None and take:
            yield from _sample(reader, current, members, field)


def _sample(
    reader: FileReader, sample: str, members: dict[str, bytes | int], field: str
) -> Iterator[Record]:
    ext = "txt" if "txt" in members else "json"
    data = members.get(ext)
    if isinstance(data, int):
        reader.too_long(f"{sample}.{ext}", data)
        return
    try:
        if ext == "txt" and data is not None:
            yield reader.good(sample, data.decode("utf-8").strip())
            return
        if data is not None:
            obj = json.loads(data)
            caption = obj.get(field) if isinstance(obj, dict) else None
            if isinstance(caption, str):
                yield reader.good(sample, caption)
            else:
                reader.bad(sample, f"{sample}.json has no string field {field!r}")
            return
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        reader.bad(sample, f"caption member is not UTF-8 text / JSON ({exc})")
        return
    except RecursionError:
        reader.bad(sample, f"{sample}.json is nested too deeply to read")
        return
    reader.bad(sample, f"no caption member ({sample}.txt or {sample}.json)")


def split_key(name: str) -> tuple[str, str]:
    """``"dir/00001.seg.jpg"`` -> ``("dir/00001", "seg.jpg")`` (webdataset's key rule)."""
    name = name.removeprefix("./")
    folder, _, base = name.rpartition("/")
    stem, _, ext = base.partition(".")
    return (f"{folder}/{stem}" if folder else stem), ext.lower()
