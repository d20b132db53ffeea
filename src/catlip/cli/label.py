"""``catlip label``: precompute per-sample class indices, so training never parses captions."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from catlip.cli._common import (
    INPUT_HELP,
    add_input_arguments,
    add_jobs_argument,
    check_output,
    expand_inputs,
    num_workers,
    open_records,
    report_bad_records,
    terminate_cleanly,
)
from catlip.errors import CatlipError
from catlip.vocab.labelfiles import label_records, save_labels
from catlip.vocab.readers import ReadReport
from catlip.vocab.vocabulary import Vocabulary

EXAMPLE = """examples:
  catlip label --vocab vocab.json shards/*.tar -o labels.npz -j 8
  catlip label --vocab vocab.json captions.jsonl --field text --key id -o labels.jsonl

Then in training: labels = catlip.vocab.load_labels("labels.npz")[sample_key]

Captions are labelled with the extractor settings stored in the vocabulary. Sample keys must be
unique. Output: .jsonl (one {"key", "labels"} object per line after a header line) or .npz.

"""


def register(subparsers: Any) -> None:
    """Add the ``label`` subcommand."""
    parser = subparsers.add_parser(
        "label",
        help="precompute class indices per sample (sample key -> indices)",
        description="Label every caption record with the vocabulary's class indices.",
        epilog=EXAMPLE + INPUT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--vocab", required=True, metavar="VOCAB", help="vocabulary file (.json)")
    add_input_arguments(parser, keys=True)
    add_jobs_argument(parser)
    parser.add_argument(
        "--chunk-size",
        type=int,
        default=2048,
        metavar="C",
        help="captions per task sent to a worker process (default 2048)",
    )
    parser.add_argument(
        "-o", "--output", required=True, help="label file to write (.jsonl or .npz)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``catlip label``."""
    if not args.output.endswith((".jsonl", ".npz")):
        raise SystemExit("catlip label: error: --output must end in .jsonl or .npz")
    if args.chunk_size < 1:
        raise SystemExit("catlip label: error: --chunk-size must be >= 1")
    check_output(
        args, inputs=[args.vocab, *expand_inputs(args.inputs)], suffixes=(".jsonl", ".npz")
    )
    vocab = Vocabulary.load(args.vocab)
    report = ReadReport()
    started = time.perf_counter()
    with terminate_cleanly():
        labelled = label_records(
            open_records(args, report),
            vocab,
            num_workers=num_workers(args),
            progress=not args.quiet,
            chunk_size=args.chunk_size,
        )
        try:
            written = save_labels(args.output, labelled, vocab=vocab)
        except CatlipError:
            raise
        except ValueError as exc:
            raise SystemExit(f"catlip label: error: {exc}") from None
        report_bad_records(args, report)
    elapsed = time.perf_counter() - started
    if not args.quiet:
        print(
            f"catlip label: {written:,} samples in {elapsed:.2f} s -> {args.output}",
            file=sys.stderr,
        )
    return 0
