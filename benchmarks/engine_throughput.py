"""Captions per second per core through the batch API, and what a billion captions costs.

One process, one core: what each Ray actor or Spark task does. With the default extractor:

1. Start-up: build the extractor and label one caption (reads the WordNet files it uses).
2. LAION cold: the 1,000 captions of ``laion-sample-1000.parquet`` counted by ``count_batch``
   from an Arrow column, first pass (their words are new: the per-token memo is empty).
3. LAION warm: the same captions again (median of 5 passes; the memo holds their words, as in a
   long job whose vocabulary of words has saturated).
4. Flickr8k: warm up on the first 10,000 captions, then count the other 30,460 (new captions,
   mostly known words) in 5 slices (median); then, all warm, time on each slice in turn
   ``count_batch``, ``label_batch`` with a vocabulary and a plain
   ``[extractor(c) for c in captions]`` loop (the batch API's overhead).

Then core-hours per billion captions = 1e9 / rate / 3600, and a cost at ``--usd-per-core-hour``
(default 0.045: on-demand x86 compute in 2026 is about $0.04-0.05 per vCPU-hour).

Usage: python benchmarks/engine_throughput.py [--captions FLICKR] [--laion PARQUET] [--quick]
(--quick: 200 LAION and 1,500 Flickr8k captions, one warm pass: checks the script runs, for CI;
no figures.)
Prints JSON. On a busy machine rates are low and noisy: the ratios from one run are the claim.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
os.environ.setdefault("NLTK_DATA", str(SHARED / "nltk_data"))

from catlip.text import SynsetExtractor  # noqa: E402
from catlip.vocab import Vocabulary, count_batch, label_batch  # noqa: E402


def rate(seconds: float, n: int) -> float:
    return round(n / seconds, 1)


def timed(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def per_billion(captions_per_s: float, usd: float) -> dict[str, float]:
    core_hours = 1e9 / captions_per_s / 3600
    return {"core_hours": round(core_hours, 1), "usd": round(core_hours * usd, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captions", default=SHARED / "data/flickr8k/Flickr8k.token.txt")
    parser.add_argument("--laion", default=SHARED / "data/web-alt-text/laion-sample-1000.parquet")
    parser.add_argument("--usd-per-core-hour", type=float, default=0.045)
    parser.add_argument(
        "--quick", action="store_true", help="tiny inputs, one pass: for CI, no figures"
    )
    args = parser.parse_args()
    import pyarrow as pa
    import pyarrow.parquet as pq

    extractor = SynsetExtractor()
    startup = timed(lambda: extractor("a dog"))
    laion = pq.read_table(args.laion, columns=["TEXT"]).column("TEXT")
    if args.quick:
        laion = laion.slice(0, 200)
    laion_cold = timed(lambda: count_batch(laion, extractor=extractor))
    laion_warm = statistics.median(
        timed(lambda: count_batch(laion, extractor=extractor))
        for _ in range(1 if args.quick else 5)
    )

    lines = Path(args.captions).read_text(encoding="utf-8").splitlines()
    flickr = [line.split("\t", 1)[1] for line in lines if "\t" in line]
    warm, rest = flickr[:10_000], flickr[10_000:]
    if args.quick:
        warm, rest = flickr[:1000], flickr[1000:1500]
    vocab = Vocabulary.from_counts(count_batch(warm, extractor=extractor), min_count=5)
    slices = [pa.array(rest[i::5]) for i in range(5)]
    # First pass: new captions (words new to the memo appear), count_batch only.
    new = [timed(lambda: count_batch(column, extractor=extractor)) for column in slices]  # noqa: B023
    plain, counted, labelled = [], [], []
    for column in slices:  # then, all warm, the three ways alternated on each slice
        captions = column.to_pylist()
        plain.append(timed(lambda: [extractor(c) for c in captions]))  # noqa: B023
        counted.append(timed(lambda: count_batch(column, extractor=extractor)))  # noqa: B023
        labelled.append(timed(lambda: label_batch(column, vocab=vocab)))  # noqa: B023
    n = len(slices[0])
    flickr_count = rate(statistics.median(new), n)
    results = {
        **({"quick": True} if args.quick else {}),
        "cpu_count": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "startup_s": round(startup, 3),
        "captions_per_s_per_core": {
            "laion_cold_count_batch": rate(laion_cold, len(laion)),
            "laion_warm_count_batch": rate(laion_warm, len(laion)),
            "flickr8k_new_count_batch": flickr_count,
            "flickr8k_warm_count_batch": rate(statistics.median(counted), n),
            "flickr8k_warm_label_batch_vocab": rate(statistics.median(labelled), n),
            "flickr8k_warm_plain_loop": rate(statistics.median(plain), n),
        },
        "batch_api_overhead_vs_plain_loop": round(
            statistics.median(counted) / statistics.median(plain), 3
        ),
        "usd_per_core_hour": args.usd_per_core_hour,
        "per_billion_captions": {
            "laion_cold": per_billion(len(laion) / laion_cold, args.usd_per_core_hour),
            "laion_warm": per_billion(len(laion) / laion_warm, args.usd_per_core_hour),
            "flickr8k": per_billion(flickr_count, args.usd_per_core_hour),
        },
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
