"""Columns and batches as data engines hand them over: pyarrow, pandas, numpy, dicts, lists.

pyarrow and pandas are imported only when an object of theirs is passed in (told by the module
its type comes from).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from catlip.errors import InputFormatError

__all__ = [
    "CAPTION_COLUMNS",
    "caption_column",
    "caption_strings",
    "column_like",
    "column_values",
    "is_iterator",
    "one_row",
    "with_column",
]

CAPTION_COLUMNS: tuple[str, ...] = ("text", "TEXT", "caption")
"""Caption column names looked for when none is given: DataComp and Ray's ``read_text``
(``text``), LAION (``TEXT``), img2dataset and COCO-style files (``caption``)."""


def _library(obj: object) -> str:
    return type(obj).__module__.partition(".")[0]


def column_values(captions: Any) -> list[Any]:
    """The column's values as a list, nulls as ``None``."""
    library = _library(captions)
    if library == "pyarrow":
        import pyarrow as pa

        if isinstance(captions, (pa.Array, pa.ChunkedArray)):
            kind = captions.type
            if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)) and not (
                hasattr(pa.types, "is_string_view") and pa.types.is_string_view(kind)
            ):
                raise InputFormatError(
                    f"the caption column holds {kind}, not strings: name the caption column"
                )
            return list(captions.to_pylist())
    elif library == "pandas":
        import pandas as pd

        if isinstance(captions, pd.Series):
            return [None if _pandas_null(v, pd.NA) else v for v in captions.tolist()]
    elif library == "numpy":
        if getattr(captions, "ndim", 1) != 1:
            raise ValueError(f"a caption column is 1-D, got shape {captions.shape}")
        return [None if _pandas_null(v, None) else v for v in captions.tolist()]
    if isinstance(captions, (str, bytes)):
        raise TypeError("captions must be a column of captions, not a single string")
    if not isinstance(captions, Sequence) and not hasattr(captions, "__iter__"):
        raise TypeError(f"captions must be a column of captions, got {type(captions).__name__}")
    return list(captions)


def _pandas_null(value: object, na: object) -> bool:
    return value is None or value is na or (isinstance(value, float) and math.isnan(value))


def caption_strings(values: list[Any], missing: str) -> list[str]:
    strings: list[str] = []
    for index, value in enumerate(values):
        if isinstance(value, str):
            strings.append(value)
        elif value is None:
            if missing == "error":
                raise InputFormatError(
                    f"caption {index} of the batch is null: filter such rows first, or pass "
                    "missing='skip'"
                )
        else:
            raise TypeError(f"caption {index} must be a str, got {type(value).__name__}")
    return strings


def column_like(captions: Any, rows: list[Any], *, indices: bool) -> Any:
    """``rows`` as the same kind of column as ``captions``."""
    library = _library(captions)
    if library == "pyarrow":
        import pyarrow as pa

        return pa.array(rows, type=pa.list_(pa.int32() if indices else pa.string()))
    if library == "pandas":
        import pandas as pd

        if isinstance(captions, pd.Series):
            return pd.Series(rows, index=captions.index, dtype=object, name="labels")
    if library == "numpy":
        return _object_array(rows)
    return rows


def _object_array(values: list[Any]) -> Any:
    import numpy as np

    out = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):  # item by item: equal-length lists must stay lists
        out[i] = value
    return out


def _names(batch: Any) -> list[str]:
    library = _library(batch)
    if library == "pyarrow":
        return list(batch.schema.names)
    if library == "pandas":
        return [str(name) for name in batch.columns]
    if isinstance(batch, Mapping):
        return [str(name) for name in batch]
    raise TypeError(
        "a batch is a pyarrow Table or RecordBatch, a pandas DataFrame or a dict of columns, "
        f"got {type(batch).__name__}"
    )


def caption_column(batch: Any, column: str | None) -> Any:
    names = _names(batch)
    if column is None:
        found = [name for name in CAPTION_COLUMNS if name in names]
        if len(found) != 1:
            problem = (
                f"several caption columns ({', '.join(found)})"
                if found
                else f"no column named {' or '.join(CAPTION_COLUMNS)}"
            )
            raise InputFormatError(
                f"the batch has {problem}; its columns are {', '.join(names)}: name the caption "
                "column (column=...)"
            )
        column = found[0]
    elif column not in names:
        raise InputFormatError(
            f"the batch has no column {column!r}; its columns are {', '.join(names)}"
        )
    return batch[column]


def with_column(batch: Any, name: str, values: Any) -> Any:
    if name in _names(batch):
        raise ValueError(f"the batch already has a column {name!r}: pass another output name")
    library = _library(batch)
    if library == "pyarrow":
        import pyarrow as pa

        if isinstance(batch, pa.Table):
            return batch.append_column(name, values)
        return pa.RecordBatch.from_arrays([*batch.columns, values], [*batch.schema.names, name])
    if library == "pandas":
        return batch.assign(**{name: values.to_numpy() if hasattr(values, "to_numpy") else values})
    return {**batch, name: values}


def one_row(batch: Any, name: str, value: str) -> Any:
    library = _library(batch)
    if library == "pyarrow":
        import pyarrow as pa

        if isinstance(batch, pa.RecordBatch):
            return pa.RecordBatch.from_pydict({name: [value]})
        return pa.table({name: [value]})
    if library == "pandas":
        import pandas as pd

        return pd.DataFrame({name: [value]})
    return {name: _object_array([value])}


def is_iterator(batch: object) -> bool:
    return isinstance(batch, Iterator)
