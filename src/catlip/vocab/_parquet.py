"""Parquet caption tables: DataComp and LAION metadata, img2dataset's per-shard ``.parquet``.

Only the caption, key and status columns are read, one record batch (:data:`BATCH_ROWS` rows) at
a time, so memory is bounded by a row group's pages of those columns, whatever the file's size.
The caption column is ``column`` or the first of :data:`CAPTION_COLUMNS` the file has; the key
column is ``key`` or the first of :data:`KEY_COLUMNS` (else ``FILE:ROW``, ``ROW`` 0-based as in
pandas). img2dataset writes a row for every URL it tried, downloaded or not: when the file has a
``status`` column, only rows whose status equals ``status`` (``"success"``) are records; the
others are counted in ``ReadReport.skipped`` by status (on purpose, so not bad records).
A null caption or key, or a caption over the size cap, is a bad record. pyarrow is the optional
extra ``catlip[parquet]``, imported when a parquet file is read.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from catlip._optional import require
from catlip.errors import InputFormatError
from catlip.vocab._lines import open_raw
from catlip.vocab._remote import is_url

if TYPE_CHECKING:
    from catlip.vocab.readers import FileReader, Record

__all__ = [
    "BATCH_ROWS",
    "CAPTION_COLUMNS",
    "KEY_COLUMNS",
    "STATUS_COLUMN",
    "pyarrow_modules",
    "read_parquet",
]

CAPTION_COLUMNS = ("text", "TEXT", "caption")
"""Caption columns looked for, in order: DataComp (``text``), LAION (``TEXT``), img2dataset."""

KEY_COLUMNS = ("key", "uid")
"""Sample key columns looked for, in order: img2dataset (``key``), DataComp (``uid``)."""

STATUS_COLUMN = "status"
"""img2dataset's download status column (``"success"``, ``"failed_to_download"`` ...)."""

BATCH_ROWS = 8192
"""Rows per record batch read."""


@functools.cache
def pyarrow_modules() -> tuple[Any, Any, Any]:
    """``(pyarrow, pyarrow.compute, pyarrow.parquet)``, or an ImportError that says what to do."""
    modules = [
        require(name, extra="parquet", purpose="reading parquet files")
        for name in ("pyarrow", "pyarrow.compute", "pyarrow.parquet")
    ]
    return modules[0], modules[1], modules[2]


def read_parquet(
    reader: FileReader, column: str | int | None, key: str | int | None, status: str | None
) -> Iterator[Record]:
    """Stream the caption records of a parquet file (see the module's description)."""
    pa, pc, pq = pyarrow_modules()
    with contextlib.ExitStack() as stack:
        source: Any = stack.enter_context(open_raw(reader.path)) if is_url(reader.path) else None
        try:
            table = stack.enter_context(
                pq.ParquetFile(str(reader.path) if source is None else source)
            )
        except (pa.ArrowException, OSError) as exc:
            if reader.selector.take():  # one record, so exactly one shard reports it
                reader.bad("row 0", f"not a parquet file ({exc})")
            return
        names: list[str] = table.schema_arrow.names
        text = _column(reader, names, column, CAPTION_COLUMNS, "caption", "--column")
        _check_text(reader, table.schema_arrow.field(text), "--column")
        ident = next((name for name in KEY_COLUMNS if name in names), None)
        if key is not None:
            ident = _column(reader, names, key, KEY_COLUMNS, "key", "--key")
        state = STATUS_COLUMN if status is not None and STATUS_COLUMN in names else None
        wanted = list(dict.fromkeys(c for c in (text, ident, state) if c is not None))
        batches, row = _batches(table, wanted), 0
        while True:
            try:
                batch = next(batches, None)
            except (pa.ArrowException, OSError) as exc:
                # The unreadable rest counts as one more record, so exactly one shard reports it.
                if reader.selector.take():
                    reader.bad(
                        f"row {row}",
                        f"corrupt parquet data after {row:,} row(s) ({exc}); the rows before it "
                        "were read",
                    )
                return
            if batch is None:
                return
            yield from _batch(reader, batch, row, text, ident, state, status, pa, pc)
            row += batch.num_rows


def _batches(table: Any, columns: list[str]) -> Iterator[Any]:
    """The record batches of ``columns``, one row group at a time.

    One ``iter_batches`` over the whole file keeps every row group's pre-buffered pages until
    the end (pyarrow's default ``pre_buffer=True``): memory grew with the file, 84 MiB of
    captions for 3 million rows. Per row group it stays at one group's pages, and the column
    reads of a group are still coalesced (fewer requests for a remote file). No decoding
    threads: for three columns they gain nothing measurable, and cost about 25 MiB per process
    (``-j 16`` would start 16 thread pools of 16 threads).
    """
    for group in range(table.num_row_groups):
        yield from table.iter_batches(
            batch_size=BATCH_ROWS, row_groups=[group], columns=columns, use_threads=False
        )


def _batch(
    reader: FileReader,
    batch: Any,
    first: int,
    text: str,
    ident: str | None,
    state: str | None,
    status: str | None,
    pa: Any,
    pc: Any,
) -> Iterator[Record]:
    """The records of one record batch (rows ``first`` on) that this shard takes."""
    rows = reader.selector.take_many(batch.num_rows)
    if not rows:
        return
    if len(rows) < batch.num_rows:
        batch = batch.take(pa.array(rows, type=pa.int64()))
    column = batch.column(text)
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    captions = column.to_pylist()
    sizes = pc.binary_length(column).to_pylist()
    keys = batch.column(ident).to_pylist() if ident is not None else None
    states = batch.column(state).to_pylist() if state is not None else None
    skipped, cap, name = reader.report.skipped, reader.max_record_bytes, reader.name
    for i, row in enumerate(rows):
        number = first + row
        if states is not None and states[i] != status:
            found = "null" if states[i] is None else str(states[i])
            skipped[found] = skipped.get(found, 0) + 1
            continue
        caption = captions[i]
        if caption is None:
            reader.bad(f"row {number}", f"null caption (column {text!r})")
            continue
        if sizes[i] > cap:
            reader.too_long(f"row {number}", sizes[i])
            continue
        if keys is None:
            yield reader.good(f"{name}:{number}", caption)
        elif keys[i] is None:
            reader.bad(f"row {number}", f"null key (column {ident!r})")
        else:
            yield reader.good(str(keys[i]), caption)


def _column(
    reader: FileReader,
    names: list[str],
    given: str | int | None,
    defaults: Sequence[str],
    what: str,
    option: str,
) -> str:
    """The column named (or numbered) ``given``, else the first of ``defaults`` in the file."""
    listed = ", ".join(names)
    if given is None:
        found = next((name for name in defaults if name in names), None)
        if found is None:
            raise InputFormatError(
                f"{reader.name} has none of the {what} columns {', '.join(defaults)} (columns: "
                f"{listed}): pass {option} with the {what} column's name"
            )
        return found
    if isinstance(given, int) or (given not in names and given.isdigit()):
        index = int(given)
        if not 0 <= index < len(names):
            raise InputFormatError(
                f"{reader.name} has {len(names)} columns, no column {index} (columns: {listed})"
            )
        return names[index]
    if given not in names:
        raise InputFormatError(
            f"{reader.name} has no column {given!r} (columns: {listed}): pass {option} with one "
            "of these names or a 0-based index"
        )
    return given


def _check_text(reader: FileReader, field: Any, option: str) -> None:
    """Refuse a caption column that does not hold strings."""
    pa = pyarrow_modules()[0]
    kind = field.type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    textual = pa.types.is_string(kind) or pa.types.is_large_string(kind)
    viewed = getattr(pa.types, "is_string_view", None)
    if not (textual or (viewed is not None and viewed(kind))):
        raise InputFormatError(
            f"the caption column {field.name!r} of {reader.name} holds {field.type}, not text: "
            f"pass {option} with the caption column"
        )
