"""Sweeps behind the curves in benchmarks/README.md, each measured in this run; prints JSON.

1. Loss memory vs vocabulary size: extra peak memory of forward+backward beyond the logits and
   their gradient, sparse vs dense CatLIP loss, B=256, V from 1k to 64k (benchmarks/loss.py's
   measuring functions).
2. ``catlip vocab build -j1`` peak RSS vs corpus size: 1x to 10x the Flickr8k captions (same
   distinct captions, so the distinct synsets stay fixed while the corpus grows).
3. Labelling throughput vs processes: ``SynsetExtractor.batch`` on the 40,460 Flickr8k captions
   with 1 and 2 processes (median of 7; token memo warm, as in text_throughput.py).

Usage: python benchmarks/plots.py [--out benchmarks]   (writes loss_memory.png, vocab_memory.png,
workers.png; needs matplotlib)
       python benchmarks/plots.py --quick   (3,000 captions, small sizes, one repeat: checks the
       script runs, for CI; draws into a temporary folder unless --out is given; no figures)
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import vocab_build  # noqa: E402


def loss_memory(vocab_sizes: list[int], batch: int = 256, k: int = 16) -> dict[str, Any]:
    import torch

    import loss as loss_bench

    device = torch.device("cpu")
    rows = []
    for vocab in vocab_sizes:
        cases = loss_bench.cases(batch, vocab, k, device, seed=vocab)
        row: dict[str, Any] = {"vocab": vocab}
        for name in ("sparse", "dense"):
            make, step, grad_bytes = cases[name]
            row[f"{name}_extra_mib"] = round(
                (loss_bench.peak_bytes(make, step, device) - grad_bytes) / 2**20, 3
            )
        rows.append(row)
    return {"batch": batch, "labels_per_row": k, "rows": rows}


def vocab_memory(copies: list[int], limit: int | None = None) -> dict[str, Any]:
    captions = vocab_build._captions()[:limit]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for n in copies:
            corpus = Path(folder) / f"corpus{n}.txt"
            corpus.write_text("\n".join(captions * n) + "\n", encoding="utf-8")
            run = vocab_build._build(corpus, Path(folder) / "vocab.json", 1, "wordnet")
            rows.append({"captions": len(captions) * n, "peak_rss_mib": run["peak_rss_mib"]})
    return {"rows": rows}


def workers(repeats: int = 7, limit: int | None = None) -> dict[str, Any]:
    from catlip.text import SynsetExtractor

    captions = vocab_build._captions()[:limit]
    extractor = SynsetExtractor()
    extractor.batch(captions)  # as in text_throughput.py: tables loaded, token memo warm
    rows = []
    for processes in (1, 2):
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            extractor.batch(captions, num_workers=processes)
            times.append(time.perf_counter() - start)
        rows.append(
            {
                "processes": processes,
                "captions_per_s": round(len(captions) / statistics.median(times)),
            }
        )
    return {"captions": len(captions), "rows": rows}


def draw(result: dict[str, Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result["loss_memory"]["rows"]
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for name, label in (("dense", "dense targets"), ("sparse", "sparse targets (catlip)")):
        ax.plot(
            [r["vocab"] for r in rows], [r[f"{name}_extra_mib"] for r in rows], "o-", label=label
        )
    ax.set(xscale="log", yscale="log", xlabel="vocabulary size V", ylabel="extra peak memory (MiB)")
    ax.set_title(f"CatLIP loss, B={result['loss_memory']['batch']}, forward+backward", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "loss_memory.png", dpi=120)

    rows = result["vocab_memory"]["rows"]
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot([r["captions"] / 1000 for r in rows], [r["peak_rss_mib"] for r in rows], "o-")
    ax.set(xlabel="captions in the corpus (thousands)", ylabel="peak RSS (MiB)", ylim=(0, None))
    ax.set_title("catlip vocab build -j1: memory vs corpus size", fontsize=10)
    fig.tight_layout()
    fig.savefig(out / "vocab_memory.png", dpi=120)

    rows = result["workers"]["rows"]
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.bar([str(r["processes"]) for r in rows], [r["captions_per_s"] for r in rows])
    ax.set(xlabel="processes (2-core machine)", ylabel="captions / s")
    ax.set_title("SynsetExtractor.batch throughput", fontsize=10)
    fig.tight_layout()
    fig.savefig(out / "workers.png", dpi=120)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="folder for the PNG files (default: benchmarks)")
    parser.add_argument(
        "--quick", action="store_true", help="small sweeps, one repeat: for CI, no figures"
    )
    args = parser.parse_args()
    if args.quick:
        with tempfile.TemporaryDirectory() as folder:  # never the committed PNGs
            result = {"quick": True, "vocab_memory": vocab_memory([1, 2], limit=3000)}
            result["loss_memory"] = loss_memory([256, 1024], batch=16)
            result["workers"] = workers(repeats=1, limit=3000)
            draw(result, args.out or Path(folder))
        print(json.dumps(result, indent=2))
        return 0
    # The memory sweep runs first, from a small process: a child's peak RSS includes the
    # parent's pages until it execs, and torch would add hundreds of MiB.
    result = {"vocab_memory": vocab_memory([1, 2, 5, 10])}
    result["loss_memory"] = loss_memory([1024, 4096, 16384, 24320, 65536])
    result["workers"] = workers()
    draw(result, args.out or HERE)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
