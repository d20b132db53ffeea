"""Caption files as a Ray Dataset, read the way the ``catlip`` command reads them.

Shared by ``ray_vocab.py`` and ``ray_label.py``. The dataset has a ``caption`` column and, when
asked for, a ``key`` column, in input order. Each file is read by one Ray task, in batches, so
any number of files (shards) spread over the cluster:

- parquet files with pyarrow, only the needed columns, one row-group batch at a time; the
  caption column is ``--column`` or the one of ``text``, ``TEXT``, ``caption`` the file has, the
  key column ``--key``, ``key`` or ``uid``; when there is a ``status`` column (img2dataset),
  only ``success`` rows count; rows without a caption are skipped and reported;
- every other file (text, CSV/TSV, JSON lines, ``.tar`` shards, gzipped or not) with
  :func:`catlip.vocab.read_records`, so empty lines, line ends, byte-order marks, gzip and bad
  records are handled exactly as ``catlip vocab build`` handles them.

Why not ``ray.data.read_text`` / ``read_parquet``: ``read_text`` splits lines on ``\\r`` and
Unicode line breaks too, keeps byte-order marks and fails a whole file on one undecodable line,
so its captions are not the CLI's. And once here, Ray 2.60's ``read_parquet`` of two files failed
with ``ImportError: cannot import name 'HTTPFileSystem'`` (fsspec installed without aiohttp,
imported from two path-resolving threads at once); it did not recur, but reading each file in
one task keeps clear of it.
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
        import ray.data
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


def map_with_actors(ray: Any, dataset: Any, cls: type, kwargs: dict[str, Any], args: Any) -> Any:
    """``dataset.map_batches`` through a pool of ``cls`` actors (``args.actors``, default: CPUs)."""
    actors = args.actors or max(1, int(ray.cluster_resources().get("CPU", 1)))
    return dataset.map_batches(
        cls,
        fn_constructor_kwargs=kwargs,
        batch_size=args.batch_size,
        batch_format="pyarrow",
        concurrency=(1, actors),  # from 1 actor: the tasks that read files need CPUs too
    )


def is_parquet(path: str) -> bool:
    return path.lower().endswith(".parquet")


def caption_dataset(
    ray: Any, paths: list[str], *, column: str | None, key: str | None = None, keys: bool = False
) -> Any:
    """A dataset of ``caption`` (and ``key``) rows over ``paths``, in order: one task per file."""
    for path in paths:
        if not os.path.isfile(path):
            raise SystemExit(f"error: input {path} does not exist or is not a file")
    items = [{"path": path, "absolute": os.path.abspath(path)} for path in paths]
    options = {"column": column, "key": key, "keys": keys}
    return ray.data.from_items(items, override_num_blocks=len(items)).map_batches(
        _read_file, fn_kwargs={"options": options}, batch_size=1
    )


def _read_file(batch: dict[str, Any], options: dict[str, Any]) -> Iterator[dict[str, Any]]:
    name, absolute = str(batch["path"][0]), str(batch["absolute"][0])
    read = _read_parquet if is_parquet(name) else _read_records
    for captions, names in read(name, absolute, options):
        out = {"caption": _objects(captions)}
        if options["keys"]:
            out["key"] = _objects(names)
        yield out


def _read_parquet(
    name: str, absolute: str, options: dict[str, Any]
) -> Iterator[tuple[list[str], list[str]]]:
    """Successful rows that have a caption, in row-group batches (only the needed columns)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    file = pq.ParquetFile(absolute)
    names = file.schema_arrow.names
    caption = options["column"] or _find(names, CAPTION_COLUMNS, "caption", name)
    key = (options["key"] or _find(names, KEY_COLUMNS, "key", name)) if options["keys"] else None
    status = "status" if "status" in names else None
    wanted = [c for c in (caption, key, status) if c is not None]
    for column in wanted:
        if column not in names:
            raise SystemExit(f"error: {name} has no column {column!r} (columns: {names})")
    missing = 0
    for batch in file.iter_batches(batch_size=CHUNK, columns=wanted):
        counted = pc.equal(batch[status], "success") if status else None
        has_caption = pc.is_valid(batch[caption])
        keep = has_caption if counted is None else pc.and_(counted, has_caption)
        dropped = pc.invert(has_caption)
        missing += pc.sum(dropped if counted is None else pc.and_(counted, dropped)).as_py() or 0
        kept = batch.filter(keep)
        keys = [str(k) for k in kept[key].to_pylist()] if key else []
        yield kept[caption].to_pylist(), keys
    if missing:
        print(f"{name}: skipped {missing:,} row(s) without a caption", file=sys.stderr)


def _read_records(
    name: str, absolute: str, options: dict[str, Any]
) -> Iterator[tuple[list[str], list[str]]]:
    """All records of a file catlip reads, keyed as the CLI keys them (by the given path)."""
    from catlip.vocab import ReadReport

    report = ReadReport()
    column = options["column"]
    records = read_records(
        [absolute], column=column, field=column, key=options["key"], report=report
    )
    captions: list[str] = []
    names: list[str] = []
    prefix = absolute + ":"
    try:
        for record in records:
            captions.append(record.caption)
            if options["keys"]:  # FILE:LINE keys name the file as the user did
                k = record.key
                names.append(name + k[len(absolute) :] if k.startswith(prefix) else k)
            if len(captions) == CHUNK:
                yield captions, names
                captions, names = [], []
    except InputFormatError as exc:
        raise SystemExit(f"error: {exc}") from None
    if captions:
        yield captions, names
    if report.num_bad:
        print(f"{name}: {report.summary()}", file=sys.stderr)


def _objects(values: list[str]) -> Any:
    import numpy as np

    return np.array(values, dtype=object)


def _find(names: list[str], candidates: tuple[str, ...], what: str, path: str) -> str:
    found = [name for name in candidates if name in names]
    if len(found) != 1:
        option = "--column" if what == "caption" else "--key"
        raise SystemExit(
            f"error: cannot tell the {what} column of {path} (columns: {', '.join(names)}): "
            f"pass {option}"
        )
    return found[0]
