"""examples/ray_vocab.py and ray_label.py write what ``catlip vocab build`` and ``catlip label`` do.

Each example starts a local Ray instance (2 CPUs), so these tests take about 10-20 s each; they
are skipped when Ray Data is not installed (``pip install "ray[data]"``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from catlip.cli import main as catlip
from conftest import FLICKR8K, REPO, SHARED

pytestmark = pytest.mark.slow
pytest.importorskip("ray.data", reason='the Ray examples need Ray Data: pip install "ray[data]"')
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

LAION = SHARED / "data" / "web-alt-text" / "laion-sample-1000.parquet"


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO / "examples")]),
    }


def run_example(name: str, *args: object, cwd: Path) -> None:
    command = [sys.executable, str(REPO / "examples" / name), *map(str, args), "--num-cpus", "2"]
    result = subprocess.run(
        command, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr[-4000:]}"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Flickr8k captions as text (with a CRLF, a BOM and an empty line), LAION's parquet and an
    img2dataset-style parquet with failed rows; and a text file of the captions that count."""
    if not FLICKR8K.exists() or not LAION.exists():
        pytest.skip("the shared Flickr8k and LAION data are not present")
    root = tmp_path_factory.mktemp("ray-corpus")
    flickr = [line.split("\t", 1)[1] for line in FLICKR8K.read_text().splitlines()[:400]]
    text = root / "flickr.txt"
    text.write_bytes(
        ("\ufeff" + "\n".join(flickr[:200]) + "\r\n\n" + "\n".join(flickr[200:]) + "\n").encode()
    )
    laion = pq.read_table(LAION, columns=["TEXT"]).column("TEXT").to_pylist()
    shard = root / "shard-00000.parquet"
    status = ["success" if i % 3 else "failed_to_download" for i in range(len(laion))]
    captions = [
        c if s == "success" else (None if i % 2 else c)
        for i, (c, s) in enumerate(zip(laion, status, strict=True))
    ]
    keys = [f"{i:09d}" for i in range(len(laion))]
    pq.write_table(
        pa.table({"key": keys, "caption": captions, "status": status}), shard, row_group_size=300
    )
    # What counts, as text: the BOM, the CRLF and the empty line read as `catlip` reads them.
    same = root / "same.txt"
    kept = [c for c, s in zip(captions, status, strict=True) if s == "success"]
    same.write_bytes(text.read_bytes() + "".join(c + "\n" for c in laion + kept).encode())
    return {"text": text, "laion": LAION, "shard": shard, "same": same, "root": root}


@pytest.fixture(scope="module")
def ray_vocab(corpus: dict[str, Path]) -> Path:
    out = corpus["root"] / "ray-vocab.json"
    inputs = [corpus["text"], corpus["laion"], corpus["shard"]]
    run_example(
        "ray_vocab.py", "--input", *inputs, "--min-count", 1, "--output", out, cwd=corpus["root"]
    )
    return out


def test_ray_vocab_equals_catlip_vocab_build(corpus: dict[str, Path], ray_vocab: Path) -> None:
    expected = corpus["root"] / "cli-vocab.json"
    assert (
        catlip(
            ["vocab", "build", str(corpus["same"]), "--min-count", "1", "-o", str(expected), "-q"]
        )
        == 0
    )
    assert ray_vocab.read_bytes() == expected.read_bytes()


def test_ray_vocab_equals_catlip_vocab_build_on_parquet(
    corpus: dict[str, Path], ray_vocab: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = corpus["root"] / "cli-parquet-vocab.json"
    inputs = [str(corpus[k]) for k in ("text", "laion", "shard")]
    code = catlip(["vocab", "build", *inputs, "--min-count", "1", "-o", str(expected), "-q"])
    if code != 0 and "cannot tell the format" in capsys.readouterr().err:
        pytest.skip("`catlip vocab build` does not read parquet in this checkout yet")
    assert code == 0
    assert ray_vocab.read_bytes() == expected.read_bytes()


def test_ray_label_equals_catlip_label(corpus: dict[str, Path], ray_vocab: Path) -> None:
    root = corpus["root"]
    second = root / "second.txt"
    second.write_text("a dog\n\na cat on a mat\n")
    # Relative names: keys are FILE:LINE as given. The img2dataset shard (keys from its `key`
    # column, failed rows left out) joins when `catlip label` reads parquet.
    names = [corpus["text"].name, corpus["shard"].name, second.name]
    expected, out = root / "cli-labels.jsonl", root / "ray-labels.jsonl"
    cli = [sys.executable, "-m", "catlip", "label", "--vocab", str(ray_vocab), "-q"]
    done = subprocess.run(
        [*cli, *names, "-o", str(expected)], cwd=root, env=_env(), capture_output=True, text=True
    )
    if done.returncode != 0 and "cannot tell the format" in done.stderr:
        names.remove(corpus["shard"].name)  # this checkout's CLI does not read parquet yet
        subprocess.run([*cli, *names, "-o", str(expected)], cwd=root, check=True, env=_env())
    else:
        assert done.returncode == 0, done.stderr
    run_example(
        "ray_label.py", "--vocab", ray_vocab, "--input", *names, "--output", out,
        "--batch-size", 64, cwd=root,
    )  # fmt: skip
    assert out.read_bytes() == expected.read_bytes()
    shard_rows = 666 if corpus["shard"].name in names else 0  # its successful rows
    assert len(out.read_text().splitlines()) == 1 + 400 + 1 + shard_rows + 3  # + the CRLF line
