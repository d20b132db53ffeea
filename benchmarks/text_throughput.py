"""Caption labelling throughput: default SynsetExtractor vs the paper's reference, same process.

1. Start-up: build each extractor and label one caption, default first (its figure includes
   reading the WordNet files it uses; the reference's, loading NLTK's WordNet reader and the POS
   tagger). Target: < 5 s.
2. Warm each extractor on the first 10,000 Flickr8k captions.
3. Time both on the other 30,460 captions, which are new to both (only per-token analyses are
   memoized, never whole captions), in 5 slices, alternating extractors; report medians.
4. The same on synthetic web alt-text: the timed captions with HTML entities, URLs, file names,
   capitals, emoji and stock-photo debris added (never seen while the extractor was tuned).
5. The same on real web alt-text: the 1,000 LAION captions of ``laion-sample-1000.parquet``, whose
   words are new to both extractors (cold: the Flickr8k warm-up shares few of them); needs
   pyarrow (``pip install "catlip[parquet]"``), else skipped. catlip 0.1's extractor
   (``web=False``) is timed beside them. Then the same captions again, every word now seen
   (``laion_warm``): the most the cold figure can reach by faster word analysis alone.
6. batch(num_workers=0) vs batch(num_workers=2) on all 40,460 captions (median of 7); the
   captions are already warm (the memo holds their tokens), as in a long labelling job.

Usage: python benchmarks/text_throughput.py [--captions ../shared/data/flickr8k/Flickr8k.token.txt]
    [--laion ../shared/data/web-alt-text/laion-sample-1000.parquet] [--skip-batch] [--quick]
(--quick: 300 Flickr8k and 100 LAION captions, 1 slice, one batch pass on 300 captions: checks
the script runs, for CI; no figures.)
Prints JSON. Timings on a busy machine are noisy: compare ratios from one run, on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("NLTK_DATA", str(REPO.parent / "shared" / "nltk_data"))

from catlip.text import SynsetExtractor  # noqa: E402

DEBRIS = [
    "{c}",
    "{c} - Stock Photo",
    "{C}",
    "IMG_{n}.JPG {c}",
    "{c} | Shutterstock",
    "{c} &amp; more &#8211; photo",
    "{c} http://example.com/p/{n}.jpg",
    "{c} 😀🐶",
    "Photo: {c} (©{n})",
    "<b>{c}</b> #{n}",
    "{c}... 4K-HD wallpaper",
    "{c} in 2019-05-{d}",
]


def web_alt_text(captions: list[str], seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    out = []
    for caption in captions:
        form = rng.choice(DEBRIS)
        out.append(
            form.format(
                c=caption, C=caption.upper(), n=rng.randint(10, 99999), d=rng.randint(10, 28)
            )
        )
    return out


def rate(extractor: SynsetExtractor, captions: list[str]) -> float:
    start = time.perf_counter()
    for caption in captions:
        extractor(caption)
    return len(captions) / (time.perf_counter() - start)


def compare(
    default: SynsetExtractor,
    reference: SynsetExtractor,
    captions: list[str],
    slices: int = 5,
    v0_1: SynsetExtractor | None = None,
) -> dict[str, Any]:
    size = -(-len(captions) // slices)
    parts = [captions[k : k + size] for k in range(0, len(captions), size)]
    fast, slow, old = [], [], []
    for part in parts:
        fast.append(rate(default, part))
        slow.append(rate(reference, part))
        if v0_1 is not None:
            old.append(rate(v0_1, part))
    d, r = statistics.median(fast), statistics.median(slow)
    result = {
        "captions": len(captions),
        "default_captions_per_s": round(d),
        "reference_captions_per_s": round(r),
        "ratio": round(d / r, 1),
    }
    if v0_1 is not None:
        o = statistics.median(old)
        result["v0_1_captions_per_s"] = round(o)
        result["v0_1_ratio"] = round(o / r, 1)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--captions",
        type=Path,
        default=REPO.parent / "shared" / "data" / "flickr8k" / "Flickr8k.token.txt",
    )
    parser.add_argument(
        "--laion",
        type=Path,
        default=REPO.parent / "shared" / "data" / "web-alt-text" / "laion-sample-1000.parquet",
    )
    parser.add_argument("--skip-batch", action="store_true", help="skip the num_workers part")
    parser.add_argument(
        "--quick", action="store_true", help="tiny inputs, one pass: for CI, no figures"
    )
    args = parser.parse_args()
    lines = args.captions.read_text(encoding="utf-8").splitlines()
    captions = [line.split("\t", 1)[1] for line in lines if "\t" in line]
    if args.quick:
        captions = captions[:300]
    warm, timed = captions[:10_000], captions[10_000:]
    if args.quick:
        warm, timed = captions[:100], captions[100:]
    slices = 1 if args.quick else 5

    start = time.perf_counter()
    default = SynsetExtractor()
    default("a dog on a skateboard")
    default_startup = time.perf_counter() - start
    start = time.perf_counter()
    reference = SynsetExtractor.reference()
    reference("a dog on a skateboard")
    reference_startup = time.perf_counter() - start

    for caption in warm:
        default(caption)
        reference(caption)

    result: dict[str, Any] = {
        **({"quick": True} if args.quick else {}),
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "startup_s": {
            "default": round(default_startup, 2),
            "reference_after_default": round(reference_startup, 2),
        },
        "flickr8k": compare(default, reference, timed, slices),
        "web_alt_text_synthetic": compare(default, reference, web_alt_text(timed), slices),
    }
    try:
        import pyarrow.parquet as pq
    except ImportError:
        result["laion"] = "skipped: pyarrow is not installed"
    else:
        laion = pq.read_table(args.laion, columns=["TEXT"]).column("TEXT").to_pylist()
        # catlip 0.1's extractor (web=False) beside them: its own tables, as cold as the others'.
        laion = [text or "" for text in laion][: 100 if args.quick else None]
        v0_1 = SynsetExtractor(web=False)
        result["laion"] = compare(default, reference, laion, slices, v0_1=v0_1)
        result["laion_warm"] = compare(default, reference, laion, slices, v0_1=v0_1)
    if not args.skip_batch:
        times: dict[int, list[float]] = {0: [], 2: []}
        for _ in range(1 if args.quick else 7):
            for workers in (0, 2):
                start = time.perf_counter()
                default.batch(captions, num_workers=workers)
                times[workers].append(time.perf_counter() - start)
        t0, t2 = statistics.median(times[0]), statistics.median(times[2])
        result["batch"] = {
            "captions": len(captions),
            "num_workers_0_s": round(t0, 3),
            "num_workers_2_s": round(t2, 3),
            "speedup": round(t0 / t2, 2),
        }
    result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
