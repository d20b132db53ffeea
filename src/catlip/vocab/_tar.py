"""Webdataset / img2dataset ``.tar`` shards: samples are runs of members ``KEY.ext``.

A sample's caption is its ``KEY.txt`` member, else the caption field of its ``KEY.json`` member;
other members (``.jpg``) are skipped without being read. The archive is streamed.
"""

from __future__ import annotations

import json
import re
import tarfile
import zlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from catlip.errors import InputFormatError

if TYPE_CHECKING:
    from catlip.vocab.readers import FileReader, Record

__all__ = ["decode_caption", "read_tar", "split_key"]


def decode_caption(sample: Mapping[str, bytes], *, field: str = "caption") -> str:
    r"""Return a webdataset sample's caption: its ``txt`` member, else ``field`` of its ``json``.

    This is the one caption rule of catlip's tar reading (``read_records``, ``catlip vocab``,
    ``catlip label``) and of the training example, so that a sample gets the same labels
    whether they are computed on the fly or read from label files. ``sample`` maps a member's
    lowercased extension to its bytes, as webdataset's samples do.

    The bytes must be UTF-8 (the ``json`` member: any encoding JSON allows); a caption with bad
    bytes is never repaired or guessed at: it raises, and every catlip reader counts the sample
    as a bad record (the training example counts it as ``bad_caption``). Surrounding whitespace
    is removed.

    Raises:
        InputFormatError: No ``txt`` or ``json`` member, bytes that are not UTF-8, a ``json``
            member that is not JSON or has no string ``field``.

    Example:
        >>> decode_caption({"jpg": b"...", "txt": b"a dog on a sofa\n"})
        'a dog on a sofa'
        >>> decode_caption({"json": b'{"caption": "a cat", "url": "x"}'})
        'a cat'
    """
    if "txt" in sample:
        data = bytes(sample["txt"])
        try:
            return data.decode("utf-8").strip()
        except UnicodeDecodeError as exc:
            raise InputFormatError(
                f"the .txt caption is not UTF-8 ({exc.reason} at byte {exc.start})"
            ) from None
    if "json" not in sample:
        raise InputFormatError("no caption member (KEY.txt or KEY.json)")
    try:
        obj = json.loads(bytes(sample["json"]))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputFormatError(f"the .json member is not UTF-8 JSON ({exc})") from None
    except RecursionError:
        raise InputFormatError("the .json member is nested too deeply to read") from None
    caption = obj.get(field) if isinstance(obj, dict) else None
    if not isinstance(caption, str):
        raise InputFormatError(f"the .json member has no string field {field!r}")
    return caption.strip()


def read_tar(reader: FileReader, field: str) -> Iterator[Record]:
    """Stream the samples of a webdataset tar shard (grouped members ``KEY.ext``).

    Members are grouped by :func:`split_key`. A member whose name has no key (``README``) is
    reported as a bad record, not skipped silently; it does not end the sample around it (as
    in webdataset, which drops it).
    """
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
                split = split_key(member.name)
                if split is None:
                    if reader.selector.take():
                        reader.bad(
                            member.name,
                            "member name has no sample key (webdataset names members KEY.ext); "
                            "webdataset skips it, and so does catlip",
                        )
                    continue
                sample, ext = split
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
    captions = {name: blob for name, blob in members.items() if isinstance(blob, bytes)}
    try:
        caption = decode_caption(captions, field=field)
    except InputFormatError as exc:
        reader.bad(sample, str(exc))
        return
    yield reader.good(sample, caption)


# webdataset's key rule (``tariterators.base_plus_ext``), which is what its readers group by:
# the key ends at a dot that follows a run of non-dots and opens a last part holding no "/".
# ``.`` does not match a newline, exactly as in webdataset, so names with one agree too.
_KEY_RULE = re.compile(r"((?:.*/)?[^.]+)\.([^/]*)")


def split_key(name: str) -> tuple[str, str] | None:
    """Split a tar member name into its sample key and extension, as webdataset does.

    The extension is lowercased (webdataset groups with ``lcase=True``). A name that has no key
    under webdataset's rule (``README``, ``.hidden``) gives ``None``: webdataset drops such
    members, and :func:`read_tar` reports them.

    Example:
        >>> split_key("dir/00001.seg.JPG"), split_key("./00001.jpg"), split_key("README")
        (('dir/00001', 'seg.jpg'), ('./00001', 'jpg'), None)
    """
    found = _KEY_RULE.fullmatch(name)
    return None if found is None else (found.group(1), found.group(2).lower())
