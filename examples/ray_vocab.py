"""Build a catlip vocabulary with Ray Data over any number of caption files.

The same vocabulary file as ``catlip vocab build`` on the same input, byte for byte, counted by a
pool of Ray actors (each builds its extractor once) on one machine or a cluster::

    python examples/ray_vocab.py --input laion/*.parquet --min-count 500 --output vocab.json
    python examples/ray_vocab.py --input 'shards/*.tar' --min-count 2 --output vocab.json \\
        --address auto     # an existing cluster (`ray start --head`)

Inputs: parquet (caption column ``text``, ``TEXT`` or ``caption``, or ``--column``; only
``status == "success"`` rows when there is a ``status`` column) and every format the ``catlip``
command reads. Each actor counts batches with :class:`catlip.vocab.BatchCounter`; the driver
merges the per-batch :class:`~catlip.vocab.SynsetCounts` as they arrive (memory grows with the
number of synsets, not of captions) and prunes them with ``Vocabulary.from_counts``.

Needs ``pip install "ray[data]"`` (and pyarrow for parquet).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

from catlip.text import SynsetExtractor
from catlip.vocab import BatchCounter, SynsetCounts, Vocabulary, merge
from ray_inputs import caption_dataset, map_with_actors, start_ray

EXTRACTOR = SynsetExtractor()  # the default, as `catlip vocab build` uses


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", nargs="+", required=True, metavar="PATH", help="caption files")
    parser.add_argument("--column", default=None, help="caption column (or JSON field)")
    parser.add_argument("--min-count", type=int, default=1, metavar="V", help="keep count >= V")
    parser.add_argument("--max-size", type=int, default=None, metavar="K", help="keep the top K")
    parser.add_argument("--output", required=True, help="vocabulary file to write (.json)")
    parser.add_argument("--address", default=None, help="Ray cluster address (default: local)")
    parser.add_argument("--num-cpus", type=int, default=None, help="CPUs of a local Ray instance")
    parser.add_argument("--actors", type=int, default=None, help="counting actors (default: CPUs)")
    parser.add_argument("--batch-size", type=int, default=4096, help="captions per batch")
    args = parser.parse_args(argv)
    if args.min_count < 1 or (args.max_size is not None and args.max_size < 1):
        parser.error("--min-count and --max-size must be >= 1")
    if not args.output.endswith(".json") or args.output in args.input:
        parser.error("--output must be a new .json file, not one of the inputs")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ray = start_ray(args.address, num_cpus=args.num_cpus)
    started = time.perf_counter()
    captions = caption_dataset(ray, args.input, column=args.column)
    parts = map_with_actors(ray, captions, BatchCounter, {"column": "caption"}, args)
    # One JSON row per batch, merged as they stream in (an empty input merges to nothing).
    rows = (
        SynsetCounts.from_json(text)
        for batch in parts.iter_batches(batch_format="pyarrow", batch_size=None)
        for text in batch["counts"].to_pylist()
    )
    counts = merge(itertools.chain([SynsetCounts(extractor_settings=EXTRACTOR.settings)], rows))
    vocab = Vocabulary.from_counts(counts, min_count=args.min_count, max_size=args.max_size)
    if not len(vocab):
        top = counts.most_common(1)
        most = f"the most frequent synset has {top[0][1]}" if top else "no synset was found"
        raise SystemExit(f"error: no synset is in >= {args.min_count} captions ({most})")
    vocab.save(Path(args.output))
    elapsed = time.perf_counter() - started
    print(
        f"ray_vocab: {counts.num_captions:,} captions in {elapsed:.1f} s, {len(vocab):,} synsets "
        f"(of {len(counts):,}) -> {args.output}",
        file=sys.stderr,
    )
    ray.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
