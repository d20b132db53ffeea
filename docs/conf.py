"""Sphinx configuration for the catlip documentation."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

from catlip import __version__  # noqa: E402

project = "catlip"
author = "The catlip developers"
copyright = "2026, The catlip developers"
release = __version__
version = ".".join(__version__.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "sphinx.ext.graphviz",
    "cli_reference",
]

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_format = "short"
autodoc_default_options = {"members": True, "show-inheritance": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False

nitpicky = True
# Third-party types cannot be resolved offline (no intersphinx): don't report them.
nitpick_ignore_regex = [
    (r"py:.*", r"(torch|nltk|numpy|np|argparse|os|pathlib|collections|typing|typing_extensions)\..*"),
    (r"py:.*", r"(Tensor|LongTensor|Module|Linear|Generator|PathLike|Path|Synset|WordNetCorpusReader)"),
    (r"py:.*", r"(PerceptronTagger|Iterable|Iterator|Sequence|Mapping|Callable|Any|Self|TypeAlias)"),
    (r"py:.*", r"(optional|default|dtype|device|ndarray|T|Literal)"),
    (r"py:.*", r"(PIL\..*|Image)"),
]

templates_path: list[str] = []
exclude_patterns = ["_build"]
html_theme = "furo"
html_title = f"catlip {release}"
html_static_path = ["_static"]
