"""Every Python block in the docs (``docs/*.rst``) and in ``README.md`` runs as written.

A page's ``.. code-block:: python`` (and ``pycon``, run as a doctest) blocks run in order, in one
namespace, as a reader pasting them into one script would run them: in a fresh process, in an
empty folder that holds only the files the page tells the reader to make first (see
``_sandbox``). A block that cannot run here must say so, with a reason, in an rst comment right
before it, or an HTML comment before a Markdown fence::

    .. skip-test: needs torchrun (one process group per rank)

    .. code-block:: python

    <!-- skip-test: needs a GPU -->

Nothing is skipped silently: a marker without a reason fails, and so does an optional package
the block imports that is missing (the test is then skipped, naming the package).
"""

from __future__ import annotations

import json
import pickle
import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import COCO_MINI, REPO

PAGES = [*sorted((REPO / "docs").glob("*.rst")), REPO / "README.md"]
OPTIONAL = {"timm", "webdataset", "pyarrow", "fsspec", "ray", "PIL"}
_SKIP = re.compile(r"^\s*(?:\.\. skip-test:|<!-- skip-test:)(.*?)(?:-->)?\s*$")


@dataclass
class Block:
    page: str
    line: int  # of the directive or fence, 1-based
    language: str  # python or pycon
    code: str
    skip: str | None  # the reason given, "" when the marker gives none


def _skip_reason(lines: list[str], index: int) -> str | None:
    """The reason of a skip-test marker on the last non-blank line before ``lines[index]``."""
    for line in reversed(lines[:index]):
        if line.strip():
            found = _SKIP.match(line)
            return found.group(1).strip() if found else None
    return None


def _name(path: Path) -> str:
    return path.relative_to(REPO).as_posix() if path.is_relative_to(REPO) else path.name


def rst_blocks(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks = []
    for i, line in enumerate(lines):
        found = re.match(r"^(\s*)\.\. code-block:: (python|pycon)\s*$", line)
        if not found:
            continue
        indent, body = len(found.group(1)), []
        for text in lines[i + 1 :]:
            if text.strip() and len(text) - len(text.lstrip()) <= indent:
                break
            body.append(text)
        code = textwrap.dedent("\n".join(body)).strip("\n")
        blocks.append(
            Block(_name(path), i + 1, found.group(2), code + "\n", _skip_reason(lines, i))
        )
    return blocks


def markdown_blocks(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks = []
    for i, line in enumerate(lines):
        found = re.match(r"^```(python|pycon)\s*$", line)
        if not found:
            continue
        end = lines.index("```", i + 1)
        code = "\n".join(lines[i + 1 : end]) + "\n"
        blocks.append(Block(_name(path), i + 1, found.group(1), code, _skip_reason(lines, i)))
    return blocks


def page_blocks(path: Path) -> list[Block]:
    return markdown_blocks(path) if path.suffix == ".md" else rst_blocks(path)


RUNNABLE = [page for page in PAGES if any(b.skip is None for b in page_blocks(page))]


# A page's blocks as one script: each block compiled under its own name (the page and line), so
# a traceback points into the docs; pycon blocks run through doctest in the same namespace.
_RUNNER = """
import doctest, json, sys
namespace = {"__name__": "__main__"}
for block in json.load(open(sys.argv[1], encoding="utf-8")):
    where = f"{block['page']}, block at line {block['line']}"
    print(f"--- {where}", flush=True)
    if block["language"] == "python":
        exec(compile(block["code"], where, "exec"), namespace)
        continue
    test = doctest.DocTestParser().get_doctest(block["code"], namespace, where, where, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test, clear_globs=False)
    if runner.failures:
        sys.exit(f"{runner.failures} doctest example(s) failed in {where}")
"""


@pytest.fixture(scope="session")
def sandbox_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The files pages tell the reader to make before their Python blocks, made once.

    - ``vocab.json``: ``catlip vocab build`` on the coco-mini captions (tutorial step 2);
    - ``run/checkpoints/step_00000020.pt``: what ``pretrain_ddp.py --steps 20`` saves (tutorial
      step 3), with the library's own ``CatLIPClassifier`` (a stand-in backbone) and a random head;
    - ``vocab.pkl``: the released CoreNet vocabulary's format (wnid without padding -> count), a
      few entries instead of a download;
    - ``vit_base.pt``, ``datacomp_1_2B_vocab.pkl``, ``dog.jpg``: the CoreNet page's downloads, as a
      tiny random checkpoint under CoreNet's key names, a six-synset vocabulary and a coco-mini
      picture.
    """
    import torch

    from catlip.cli import main as catlip
    from catlip.heads import CatLIPClassifier, CatLIPHead
    from catlip.vocab import Vocabulary

    if not COCO_MINI.exists():
        pytest.skip(f"{COCO_MINI} is not present (the shared data sets live beside the repository)")
    root = tmp_path_factory.mktemp("docs-sandbox")
    annotations = json.loads((COCO_MINI / "annotations" / "captions_val2017.json").read_text())
    captions = root / "captions.txt"
    captions.write_text("".join(a["caption"].strip() + "\n" for a in annotations["annotations"]))
    assert catlip(["vocab", "build", str(captions), "-o", str(root / "vocab.json"), "-q"]) == 0
    captions.unlink()
    vocab = Vocabulary.load(root / "vocab.json")
    model = CatLIPClassifier(torch.nn.Identity(), CatLIPHead(64, len(vocab)))
    (root / "run" / "checkpoints").mkdir(parents=True)
    torch.save({"model": model.state_dict()}, root / "run" / "checkpoints" / "step_00000020.pt")
    corenet = {"n2084071": 120, "n2121620": 80, "n4256520": 30}  # dog, cat, sofa
    (root / "vocab.pkl").write_bytes(pickle.dumps(corenet))
    # The CoreNet page's downloads: a tiny random checkpoint under CoreNet's key names and a
    # vocabulary of the synsets its examples name; a real picture for its dog.jpg.
    from test_corenet import corenet_state_dict

    released = {"n1440764": 90, "n2102040": 80, "n2979186": 70, "n3000684": 60, "n3028079": 50}
    released["n2084071"] = 40  # tench, springer, cassette player, chain saw, church; dog
    (root / "datacomp_1_2B_vocab.pkl").write_bytes(pickle.dumps(released))
    state = corenet_state_dict(64, 1, num_classes=len(released))
    torch.save(state, root / "vit_base.pt")
    shutil.copy(next((COCO_MINI / "val2017").glob("*.jpg")), root / "dog.jpg")
    return root


@pytest.mark.slow
@pytest.mark.parametrize("page", RUNNABLE, ids=[p.name for p in RUNNABLE])
def test_python_blocks_run(page: Path, sandbox_files: Path, tmp_path: Path) -> None:
    blocks = [b for b in page_blocks(page) if b.skip is None]
    sandbox = tmp_path / "sandbox"
    shutil.copytree(sandbox_files, sandbox)
    script = tmp_path / "blocks.json"
    script.write_text(json.dumps([vars(b) for b in blocks]), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", _RUNNER, str(script)],
        cwd=sandbox,
        capture_output=True,
        text=True,
        timeout=300,
    )
    missing = re.search(r"ModuleNotFoundError: No module named '([\w.]+)'", result.stderr)
    if result.returncode and missing and missing.group(1).split(".")[0] in OPTIONAL:
        pytest.skip(f"{page.name} needs {missing.group(1)}: pip install it to run its blocks")
    assert result.returncode == 0, f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def test_skipped_blocks_say_why() -> None:
    blocks = [b for page in PAGES for b in page_blocks(page)]
    assert len(blocks) >= 10, "the block parser found too few blocks: is it broken?"
    unexplained = [f"{b.page}:{b.line}" for b in blocks if b.skip == ""]
    assert not unexplained, f"skip-test markers without a reason: {unexplained}"


def test_parser_reads_markers_and_blocks(tmp_path: Path) -> None:
    page = tmp_path / "page.rst"
    page.write_text(
        "Text\n\n.. code-block:: python\n\n   x = 1\n\n   y = x\n\nAfter.\n\n"
        ".. skip-test: needs a GPU\n\n.. code-block:: python\n\n   import cuda\n\n"
        ".. skip-test:\n\n.. code-block:: pycon\n\n   >>> 1\n   1\n"
    )
    blocks = rst_blocks(page)
    assert [(b.line, b.language, b.skip) for b in blocks] == [
        (3, "python", None),
        (13, "python", "needs a GPU"),
        (19, "pycon", ""),
    ]
    assert blocks[0].code == "x = 1\n\ny = x\n"


def _shell_blocks(path: Path) -> list[str]:
    """The bash blocks of a page, continuation lines joined."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        bodies = re.findall(r"^```(?:bash|console)\n(.*?)^```", text, re.S | re.M)
    else:
        found = re.findall(r"^\.\. code-block:: (?:bash|console)\n\n((?:   .*\n|\n)+)", text, re.M)
        bodies = [textwrap.dedent(body) for body in found]
    return [body.replace("\\\n", " ") for body in bodies]


def _outputs(command: str) -> list[str]:
    """The files and folders a documented command writes (its ``--out``/``-o``/``--output``)."""
    return [m.strip("'\"") for m in re.findall(r"(?:--out|--output|-o)\s+(\S+)", command)]


QUICK_PAGES = [REPO / "README.md", REPO / "docs" / "tutorial.rst"]


@pytest.mark.parametrize("page", QUICK_PAGES, ids=[p.name for p in QUICK_PAGES])
def test_walkthrough_inputs_are_made_first(page: Path) -> None:
    """Each folder a walk-through passes as ``--data`` was written by an earlier command."""
    for block in _shell_blocks(page):
        made: set[str] = set()
        for line in block.splitlines():
            for data in re.findall(r"--data\s+(\S+)", line):
                assert data.rstrip("/") in made, f"{page.name}: nothing makes {data}: {line}"
            made.update(out.rstrip("/") for out in _outputs(line))


@pytest.mark.parametrize("page", QUICK_PAGES, ids=[p.name for p in QUICK_PAGES])
def test_gitignore_covers_what_the_walkthroughs_write(page: Path) -> None:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs a git checkout")
    written = [out for block in _shell_blocks(page) for out in _outputs(block)]
    assert written, f"found no output in {page.name}'s commands"
    for out in written:
        path = out if Path(out).suffix else f"{out.rstrip('/')}/file"  # a folder: a file in it
        check = subprocess.run(["git", "check-ignore", "-q", path], cwd=REPO)
        assert check.returncode == 0, f"{out} (written by {page.name}) is not in .gitignore"


def test_the_papers_threshold_is_min_count_500(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """V = 500 prunes synsets seen fewer than 500 times: ``--min-count 500`` keeps a count of 500.

    The code, the CLI help and every page say the same (they once said ``--min-count 501``).
    """
    from catlip.cli import main as catlip
    from catlip.vocab import SynsetCounts, Vocabulary

    counts = SynsetCounts({"n02084071": 500, "n02121620": 499, "n04256520": 501}, num_captions=900)
    assert Vocabulary.from_counts(counts, min_count=500).wnids == ("n04256520", "n02084071")
    counts.save(tmp_path / "counts.json")
    argv = ["vocab", "build", "--from-counts", str(tmp_path / "counts.json"), "--min-count", "500"]
    assert catlip([*argv, "-o", str(tmp_path / "vocab.json"), "-q"]) == 0
    assert Vocabulary.load(tmp_path / "vocab.json").wnids == ("n04256520", "n02084071")

    capsys.readouterr()
    with pytest.raises(SystemExit):
        catlip(["vocab", "build", "--help"])
    help_text = capsys.readouterr().out
    assert "--min-count 500)" in help_text
    texts = {p.name: p.read_text(encoding="utf-8") for p in PAGES} | {"help": help_text}
    texts["vocabulary.py"] = (REPO / "src" / "catlip" / "vocab" / "vocabulary.py").read_text()
    for name, text in texts.items():
        assert not re.search(r"min[-_]count[ =]501", text), f"{name} still says 501"
