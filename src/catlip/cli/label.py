"""``catlip label``: precompute per-sample class indices, so training never parses captions."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from catlip.cli._common import (
    INPUT_HELP,
    add_input_arguments,
    add_jobs_argument,
    check_output,
    expand_inputs,
    num_processes,
    open_records,
    read_options,
    report_bad_records,
    terminate_cleanly,
)
from catlip.errors import CatlipError
from catlip.vocab.labelfiles import label_records, save_labels
from catlip.vocab.readers import ReadReport, Record, read_records
from catlip.vocab.shardlabels import label_shards
from catlip.vocab.vocabulary import Vocabulary

EXAMPLE = """examples:
  catlip label --vocab vocab.json shards/*.tar -o labels.npz -j 8
  catlip label --vocab vocab.json captions.jsonl --field text --key id -o labels.jsonl
  catlip label --vocab vocab.json 'shards/*.tar' --per-shard -o labels/ -j 8

Then in training: labels = catlip.vocab.load_labels("labels.npz")[sample_key]
or, per shard:    catlip.vocab.ShardLabels("labels/").get(shard_path, sample_key)

Captions are labelled with the extractor settings stored in the vocabulary. Sample keys must be
unique (per shard with --per-shard). Output: .jsonl (one {"key", "labels"} object per line after
a header line) or .npz. With --per-shard, -o is a folder (created if missing) that gets one
STEM.labels.npz per input, STEM being the input's file name less its extension
(shards/shard-000123.tar -> labels/shard-000123.labels.npz); memory then holds one shard's
labels at a time, and each file appears whole when its shard is done.

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
        "-o",
        "--output",
        required=True,
        help="label file to write (.jsonl or .npz); with --per-shard, the folder for the files",
    )
    parser.add_argument(
        "--per-shard",
        action="store_true",
        help="write one OUTPUT/STEM.labels.npz per input file (for corpora too big for one file)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``catlip label``."""
    if args.chunk_size < 1:
        raise SystemExit("catlip label: error: --chunk-size must be >= 1")
    if args.per_shard:
        shards = _per_shard_inputs(args)
        target = f"{args.output.rstrip(os.sep)}{os.sep}*.labels.npz"
    else:
        if not args.output.endswith((".jsonl", ".npz")):
            raise SystemExit("catlip label: error: --output must end in .jsonl or .npz")
        check_output(
            args, inputs=[args.vocab, *expand_inputs(args.inputs)], suffixes=(".jsonl", ".npz")
        )
        target = args.output
    vocab = Vocabulary.load(args.vocab)
    report = ReadReport()
    options: dict[str, Any] = {
        "num_workers": num_processes(args),
        "progress": not args.quiet,
        "chunk_size": args.chunk_size,
    }
    started = time.perf_counter()
    with terminate_cleanly():
        try:
            if args.per_shard:
                Path(args.output).mkdir(parents=True, exist_ok=True)
                counts = label_shards(
                    shards, vocab, args.output, records=_one_file(args, report), **options
                )
                written, done = sum(counts), f" of {len(counts):,} shard(s)"
            else:
                labelled = label_records(open_records(args, report), vocab, **options)
                written, done = save_labels(args.output, labelled, vocab=vocab), ""
        except CatlipError:
            raise
        except ValueError as exc:
            raise SystemExit(f"catlip label: error: {exc}") from None
        report_bad_records(args, report)
    elapsed = time.perf_counter() - started
    if not args.quiet:
        print(
            f"catlip label: {written:,} samples{done} in {elapsed:.2f} s -> {target}",
            file=sys.stderr,
        )
    return 0


def _per_shard_inputs(args: argparse.Namespace) -> list[str]:
    """The input files this job labels with ``--per-shard`` (checked: ``-o`` is a folder)."""
    if args.shard is not None and args.shard_by != "file":
        raise SystemExit(
            "catlip label: error: --per-shard splits the work by file: add --shard-by file "
            "to --shard (each job then labels whole input files)"
        )
    if Path(args.output).suffix.lower() in (".jsonl", ".npz") or os.path.isfile(args.output):
        raise SystemExit(
            f"catlip label: error: with --per-shard, --output is a folder, not the file "
            f"{args.output}: name a folder, like labels/"
        )
    inputs = expand_inputs(args.inputs)
    return inputs[args.shard[0] :: args.shard[1]] if args.shard else inputs


def _one_file(args: argparse.Namespace, report: ReadReport) -> Callable[[str], Iterator[Record]]:
    """Reads one input file with the command's input options (its records go in ``report``)."""
    options = {**read_options(args), "shard": None, "key": args.key, "report": report}

    def records(path: str) -> Iterator[Record]:
        return read_records([path], **options)

    return records
