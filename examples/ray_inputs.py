"""Caption files as a Ray Dataset, read the way the ``catlip`` command reads them.

Shared by ``ray_vocab.py`` and ``ray_label.py``. The dataset has a ``caption`` column and, when
asked for, a ``key`` column, in input order:

- parquet files are read by Ray (``ray.data.read_parquet``, only the needed columns, split by
  row group); the caption column is ``--column`` or the one of ``text``, ``TEXT``, ``caption``
  the files have; when they have a ``status`` column (img2dataset), only ``success`` rows count;
  rows without a caption are skipped and reported;
- every other file (text, CSV/TSV, JSON lines, ``.tar`` shards, gzipped or not) is read by
  :func:`catlip.vocab.read_records`, one Ray task per file, so empty lines, line ends, byte-order
  marks, gzip and bad records are handled exactly as ``catlip vocab build`` handles them.
  (``ray.data.read_text`` would not do: it splits lines on ``\\r`` and Unicode breaks too, keeps
  byte-order marks and fails a whole file on one undecodable line.)
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

from catlip.errors import InputFormatError
from catlip.vocab import CAPTION_COLUMNS, read_records

KEY_COLUMNS = ("key", "uid")
CHUNK = 4096  # captions per batch of a non-parquet file


def start_ray(address: str | None, *, num_cpus: int | None = None) -> Any:
    """Connect to a Ray cluster at ``address``, or start a local Ray instance."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise SystemExit('this example needs Ray Data: pip install "ray[data]"') from None
    if address:
        ray.init(address=address)
    else:
        ray.init(num_cpus=num_cpus or os.cpu_count() or 1, include_dashboard=False)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True  # rows in input order, as the CLI reads them
    context.enable_progress_bars = False
    return ray


def is_parquet(path: str) -> bool:
    return path.lower().endswith(".parquet")


def caption_dataset(
    ray: Any, paths: list[str], *, column: str | None, key: str | None = None, keys: bool = False
) -> Any:
    """A dataset of ``caption`` (and ``key``) rows over ``paths``, in order."""
    for path in paths:
        if not os.path.isfile(path):
            raise SystemExit(f"error: input {path} does not exist or is not a file")
    parts: list[Any] = []
    run: list[str] = []
    for path in [*paths, None]:  # consecutive files of one kind make one dataset
        if run and (path is None or is_parquet(path) != is_parquet(run[0])):
            read = _parquet if is_parquet(run[0]) else _files
            parts.append(read(ray, run, column=column, key=key, keys=keys))
            run = []
        if path is not None:
            run.append(path)
    return parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]


def _parquet(ray: Any, paths: list[str], *, column: str | None, key: str | None, keys: bool) -> Any:
    import pyarrow.parquet as pq

    names = pq.read_schema(paths[0]).names
    caption = column or _find(names, CAPTION_COLUMNS, "caption", paths[0])
    wanted = {caption: "caption"}
    if keys:
        wanted[key or _find(names, KEY_COLUMNS, "key", paths[0])] = "key"
    status = "status" in names
    for name in [*wanted, *(["status"] if status else [])]:
        if name not in names:
            raise SystemExit(f"error: {paths[0]} has no column {name!r} (columns: {names})")
    ds = ray.data.read_parquet(
        [os.path.abspath(p) for p in paths], columns=[*wanted, *(["status"] if status else [])]
    )
    return ds.map_batches(_select, fn_kwargs={"rename": wanted}, batch_format="pyarrow")


def _select(batch: Any, rename: dict[str, str]) -> Any:
    """Keep successful rows that have a caption; name the columns ``caption`` (and ``key``)."""
    import pyarrow.compute as pc

    caption = next(old for old, new in rename.items() if new == "caption")
    counted = pc.equal(batch["status"], "success") if "status" in batch.schema.names else None
    has_caption = pc.is_valid(batch[caption])
    keep = has_caption if counted is None else pc.and_(counted, has_caption)
    missing = pc.sum(pc.invert(has_caption) if counted is None else pc.and_(counted, pc.invert(has_caption))).as_py()
    if missing:
        print(f"warning: skipped {missing} row(s) without a caption", file=sys.stderr)
    batch = batch.filter(keep).select(list(rename))
    return batch.rename_columns([rename[name] for name in batch.schema.names])


def _files(ray: Any, paths: list[str], *, column: str | None, key: str | None, keys: bool) -> Any:
    items = [{"path": path, "absolute": os.path.abspath(path)} for path in paths]
    options = {"column": column, "key": key}
    return ray.data.from_items(items).map_batches(
        _read_file, fn_kwargs={"options": options, "keys": keys}, batch_size=1
    )


def _read_file(batch: dict[str, Any], options: dict[str, Any], keys: bool) -> Iterator[dict[str, Any]]:
    """All records of one file, in chunks, keyed as the CLI keys them (by the given path)."""
    from catlip.vocab import ReadReport

    name, absolute = str(batch["path"][0]), str(batch["absolute"][0])
    column, key = options["column"], options["key"]
    report = ReadReport()
    records = read_records(
        [absolute],
        column=column,
        field=column,
        key=key,
        report=report,
    )
    captions: list[str] = []
    names: list[str] = []
    prefix = absolute + ":"
    try:
        for record in records:
            captions.append(record.caption)
            if keys:  # FILE:LINE keys name the file as the user did, not its absolute path
                k = record.key
                names.append(name + k[len(absolute) :] if k.startswith(prefix) else k)
            if len(captions) == CHUNK:
                yield _chunk(captions, names, keys)
                captions, names = [], []
    except InputFormatError as exc:
        raise SystemExit(f"error: {exc}") from None
    if captions:
        yield _chunk(captions, names, keys)
    if report.num_bad:
        print(f"{name}: {report.summary()}", file=sys.stderr)


def _chunk(captions: list[str], names: list[str], keys: bool) -> dict[str, Any]:
    import numpy as np

    out = {"caption": np.array(captions, dtype=object)}
    if keys:
        out["key"] = np.array(names, dtype=object)
    return out


def _find(names: list[str], candidates: tuple[str, ...], what: str, path: str) -> str:
    found = [name for name in candidates if name in names]
    if len(found) != 1:
        option = "--column" if what == "caption" else "--key"
        raise SystemExit(
            f"error: cannot tell the {what} column of {path} (columns: {', '.join(names)}): "
            f"pass {option}"
        )
    return found[0]
