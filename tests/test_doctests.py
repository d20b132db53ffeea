"""Every ``Example:`` in catlip's docstrings runs, against the installed package."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import catlip

SUBMODULES = pkgutil.walk_packages(catlip.__path__, prefix="catlip.")
# catlip.__main__ runs the command line when imported.
MODULES = ["catlip", *sorted(i.name for i in SUBMODULES if not i.name.endswith("__main__"))]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(module, optionflags=flags, verbose=False, report=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
