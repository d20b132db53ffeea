"""Label caption files with Ray Data: the label file ``catlip label`` writes, made by a Ray pool.

::

    python examples/ray_label.py --vocab vocab.json --input 'shards/*.tar' --output labels.npz
    python examples/ray_label.py --vocab vocab.json --input datacomp/*.parquet --key uid \\
        --output labels.npz --address auto

Each actor labels batches with :class:`catlip.vocab.BatchLabeller` (built once per actor, with
the vocabulary's extractor settings); rows keep input order and the driver streams them into
:func:`catlip.vocab.save_labels` (``.jsonl`` or ``.npz``). Keys are those of ``catlip label``:
``FILE:LINE`` for text files, the key column or field otherwise; parquet files need a key column
(``key``, ``uid`` or ``--key``). Inputs as in ``ray_vocab.py``. Needs ``pip install "ray[data]"``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator

from catlip.vocab import BatchLabeller, Vocabulary, save_labels
from ray_inputs import caption_dataset, map_with_actors, start_ray


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vocab", required=True, help="vocabulary file (.json)")
    parser.add_argument("--input", nargs="+", required=True, metavar="PATH", help="caption files")
    parser.add_argument("--column", default=None, help="caption column (or JSON field)")
    parser.add_argument("--key", default=None, help="key column (or JSON field)")
    parser.add_argument("--output", required=True, help="label file to write (.jsonl or .npz)")
    parser.add_argument("--address", default=None, help="Ray cluster address (default: local)")
    parser.add_argument("--num-cpus", type=int, default=None, help="CPUs of a local Ray instance")
    parser.add_argument("--actors", type=int, default=None, help="labelling actors (default: CPUs)")
    parser.add_argument("--batch-size", type=int, default=4096, help="captions per batch")
    args = parser.parse_args(argv)
    if not args.output.endswith((".jsonl", ".npz")) or args.output in args.input:
        parser.error("--output must be a new .jsonl or .npz file, not one of the inputs")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    vocab = Vocabulary.load(args.vocab)
    ray = start_ray(args.address, num_cpus=args.num_cpus)
    started = time.perf_counter()
    captions = caption_dataset(ray, args.input, column=args.column, key=args.key, keys=True)
    labelled = map_with_actors(
        ray, captions, BatchLabeller, {"vocab": vocab, "column": "caption"}, args
    )

    def rows() -> Iterator[tuple[str, list[int]]]:
        for batch in labelled.iter_batches(batch_format="pyarrow", batch_size=None):
            yield from zip(batch["key"].to_pylist(), batch["labels"].to_pylist(), strict=True)

    try:
        written = save_labels(args.output, rows(), vocab=vocab)
    except ValueError as exc:  # a duplicate key or a bad index: nothing was written
        raise SystemExit(f"error: {exc}") from None
    print(
        f"ray_label: {written:,} samples in {time.perf_counter() - started:.1f} s -> {args.output}",
        file=sys.stderr,
    )
    ray.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
