"""Optional dependencies: imported on first use, with one message that says what to install.

Example:
    >>> json = require("json", extra="none", purpose="this example")
    >>> json.dumps([1])
    '[1]'
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["require"]


def require(module: str, *, extra: str, purpose: str) -> ModuleType:
    """Import ``module``, or raise an ImportError that names the catlip extra to install.

    Args:
        module: Dotted module name (``"pyarrow.parquet"``).
        extra: The ``catlip[...]`` extra that installs it.
        purpose: What needs it, as the start of a sentence (``"reading parquet files"``).

    Raises:
        ImportError: ``module`` cannot be imported; the message says
            ``pip install "catlip[extra]"``.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        package = module.split(".", 1)[0]
        raise ImportError(
            f"{purpose} needs {package}, which cannot be imported ({exc}): "
            f'pip install "catlip[{extra}]"'
        ) from None
