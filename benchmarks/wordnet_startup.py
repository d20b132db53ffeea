"""First use of the bundled WordNet: a fresh process labels one caption, then loads NLTK's reader.

catlip ships WordNet 3.0 as a deflate zip (``catlip/data/wordnet-3.0.zip``); the baseline is the
same code reading the same files unzipped from an NLTK data folder (catlip 0.1's set-up, which
needed ``catlip download``), timed alternately in fresh processes. Reported: medians of
``--repeats`` runs of (a) import + ``SynsetExtractor()`` + one caption (target: < 2 s) and
(b) the first ``catlip.wordnet.reader()`` synset after that; the bundle's size beside them.

Usage: python benchmarks/wordnet_startup.py [--folder ../shared/nltk_data/corpora/wordnet]
       [--repeats 5] [--quick]   (--quick: one run of each, for CI; no figures)
Prints JSON. Timings on a busy machine are noisy: compare ratios from one run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CODE = """
import sys, time
folder = sys.argv[1]
if folder:  # the baseline: the same readers over the unzipped files
    import pathlib, catlip.wordnet._bundle as b
    b.read = lambda name: (pathlib.Path(folder) / name).read_bytes()
start = time.perf_counter()
from catlip.text import SynsetExtractor
labels = SynsetExtractor()("A dog chases a frisbee in the park.")
first = time.perf_counter() - start
from catlip.wordnet import reader
start = time.perf_counter()
reader().synset("dog.n.01")
print(first, time.perf_counter() - start)
"""


def _run(folder: str, home: str) -> tuple[float, float]:
    env = {k: v for k, v in os.environ.items() if k != "NLTK_DATA"}
    env.update(HOME=home, PYTHONPATH=str(REPO / "src"))
    out = subprocess.run(
        [sys.executable, "-c", CODE, folder], env=env, capture_output=True, text=True, check=True
    )
    first, reader = out.stdout.split()
    return float(first), float(reader)


def main() -> None:
    """Time both set-ups alternately and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", default=str(REPO.parent / "shared/nltk_data/corpora/wordnet"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--quick", action="store_true", help="--repeats 1: checks the script runs (CI); no figures"
    )
    args = parser.parse_args()
    if args.quick:
        args.repeats = 1
    runs: dict[str, list[tuple[float, float]]] = {"bundle": [], "folder": []}
    with tempfile.TemporaryDirectory() as home:
        for _ in range(args.repeats):
            runs["bundle"].append(_run("", home))
            runs["folder"].append(_run(args.folder, home))
    result = {
        name: {
            "first_caption_s": round(statistics.median(r[0] for r in times), 3),
            "nltk_reader_s": round(statistics.median(r[1] for r in times), 3),
        }
        for name, times in runs.items()
    }
    result["first_caption_ratio"] = round(
        result["bundle"]["first_caption_s"] / result["folder"]["first_caption_s"], 2
    )
    archive = REPO / "src/catlip/data/wordnet-3.0.zip"
    result["bundle_mb"] = round(archive.stat().st_size / 1e6, 2)
    result["repeats"] = args.repeats
    if args.quick:
        result["quick"] = True
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
