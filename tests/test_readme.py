"""The README's quick start is real code: identical to examples/quickstart.py, and it runs."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import REPO

QUICKSTART = REPO / "examples" / "quickstart.py"


def _readme_snippet() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(
        r"<!-- quickstart:begin -->\n```python\n(.*?)```\n<!-- quickstart:end -->", text, re.S
    )
    assert found, "README.md lost its quick-start markers"
    return found.group(1)


def test_readme_quickstart_is_examples_quickstart() -> None:
    snippet = _readme_snippet()
    assert QUICKSTART.read_text(encoding="utf-8").endswith(snippet)
    assert len(snippet.splitlines()) <= 17


def test_quickstart_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(QUICKSTART)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "dog.n.01" in result.stdout and "sofa.n.01" in result.stdout
