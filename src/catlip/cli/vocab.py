"""``catlip vocab``: count synsets in captions, merge counts, build and inspect vocabularies."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from catlip.cli._common import (
    INPUT_HELP,
    add_input_arguments,
    add_jobs_argument,
    check_output,
    expand_inputs,
    num_processes,
    read_options,
    report_bad_records,
    terminate_cleanly,
)
from catlip.errors import InputFormatError
from catlip.vocab.captionfiles import CaptionFiles
from catlip.vocab.counts import SynsetCounts, count_synsets, merge
from catlip.vocab.readers import ReadReport, detect_format
from catlip.vocab.vocabulary import Vocabulary

COUNT_EXAMPLE = """examples:
  catlip vocab count captions.txt.gz -o counts.json -j 8
  catlip vocab count Flickr8k.token.txt -o counts.json  # KEY<TAB>CAPTION lines, told apart
  catlip vocab count shards/*.tar --shard 3/16 --shard-by file -o counts-03.json  # job 3 of 16
  catlip vocab count 's3://bucket/img2dataset/*.parquet' -o counts.json  # status success only

"""
MERGE_EXAMPLE = """example:
  catlip vocab merge counts-*.json -o counts.json
  catlip vocab build --from-counts counts.json --min-count 500 -o vocab.json
"""
BUILD_EXAMPLE = """examples:
  catlip vocab build captions.txt -o vocab.json --min-count 2 -j 8
  catlip vocab build shards/*.tar -o vocab.json --min-count 500 --max-size 24320
  catlip vocab build laion/*.parquet -o vocab.json --min-count 500  # the TEXT column
  catlip vocab build --from-counts counts.json -o vocab.json --min-count 2

--min-count V keeps synsets seen in at least V captions (the paper prunes synsets seen fewer
than V = 500 times: --min-count 500). Order: count descending, then wnid.

"""
STATS_EXAMPLE = """example:
  catlip vocab stats vocab.json --top 20
  catlip vocab stats counts.json
"""


def register(subparsers: Any) -> None:
    """Add ``vocab`` and its subcommands."""
    vocab = subparsers.add_parser(
        "vocab",
        help="count synsets, merge counts, build and inspect vocabularies",
        description="Turn a caption corpus into a synset vocabulary (count -> merge -> build).",
        epilog=BUILD_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = vocab.add_subparsers(dest="vocab_command", metavar="SUBCOMMAND", required=True)

    count = _parser(commands, "count", "count per-caption synsets in captions", COUNT_EXAMPLE)
    add_input_arguments(count)
    add_jobs_argument(count)
    _add_extractor_arguments(count)
    count.add_argument("-o", "--output", required=True, help="counts file to write (.json)")
    count.set_defaults(func=run_count)

    merge_parser = _parser(commands, "merge", "add up counts files (of shards)", MERGE_EXAMPLE)
    merge_parser.add_argument("counts", nargs="+", metavar="COUNTS", help="counts files")
    merge_parser.add_argument("-o", "--output", required=True, help="counts file to write")
    merge_parser.set_defaults(func=run_merge)

    build = _parser(commands, "build", "count and prune into a vocabulary", BUILD_EXAMPLE)
    add_input_arguments(build, optional=True)
    build.add_argument("--from-counts", metavar="COUNTS", help="prune this counts file instead")
    add_jobs_argument(build)
    _add_extractor_arguments(build)
    build.add_argument(
        "--min-count",
        type=int,
        default=1,
        metavar="V",
        help="keep synsets seen in >= V captions (default 1)",
    )
    build.add_argument("--max-size", type=int, default=None, metavar="K", help="keep the top K")
    build.add_argument("-o", "--output", required=True, help="vocabulary file to write (.json)")
    build.set_defaults(func=run_build)

    stats = _parser(commands, "stats", "size, top synsets, count histogram", STATS_EXAMPLE)
    stats.add_argument("file", metavar="FILE", help="a vocabulary or counts file")
    stats.add_argument("--top", type=int, default=20, metavar="N", help="list the N most frequent")
    stats.set_defaults(func=run_stats)


def _parser(commands: Any, name: str, summary: str, example: str) -> argparse.ArgumentParser:
    epilog = example + ("\n" + INPUT_HELP if name in ("count", "build") else "")
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=summary,
        description=summary[0].upper() + summary[1:] + ".",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def _add_extractor_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("synset extraction")
    group.add_argument(
        "--pos",
        choices=("wordnet", "tagger", "none"),
        default=None,
        help="how nouns are found (default: wordnet sense counts; see SynsetExtractor)",
    )
    group.add_argument("--reference", action="store_true", help="use the paper's baseline labeller")
    group.add_argument(
        "--extractor",
        metavar="JSON",
        default=None,
        help="SynsetExtractor options or full settings as a JSON object (or @file.json)",
    )


def make_extractor(args: argparse.Namespace) -> Any:
    """The ``SynsetExtractor`` the extraction options describe."""
    from catlip.text import SynsetExtractor

    options: dict[str, Any] = {}
    if args.extractor:
        text = args.extractor
        if text.startswith("@"):
            try:
                text = Path(text[1:]).read_text(encoding="utf-8")
            except OSError as exc:
                raise SystemExit(f"catlip: error: cannot read --extractor file: {exc}") from None
        try:
            options = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SystemExit(f"catlip: error: --extractor is not valid JSON ({exc})") from None
        if not isinstance(options, dict):
            raise SystemExit("catlip: error: --extractor must be a JSON object")
    if args.pos is not None:
        options["pos"] = args.pos
    if args.reference:
        options["reference"] = True
    try:
        if "algorithm" in options:
            return SynsetExtractor.from_settings(options)
        return SynsetExtractor(**options)
    except (TypeError, ValueError) as exc:
        raise SystemExit(f"catlip: error: bad extractor options: {exc}") from None


def _count(args: argparse.Namespace) -> SynsetCounts:
    extractor = make_extractor(args)
    report = ReadReport()
    # Checks that every input exists first.
    files = CaptionFiles(expand_inputs(args.inputs), report=report, **read_options(args))
    started = time.perf_counter()
    try:
        extractor("a dog")  # load WordNet (and the tagger) before counting, and time it apart
    except ValueError as exc:  # options checked against WordNet, such as an unknown override
        raise SystemExit(f"catlip: error: bad extractor options: {exc}") from None
    _say(args, f"loaded WordNet and the extractor tables in {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    jobs = num_processes(args)
    counts = count_synsets(files, extractor=extractor, num_workers=jobs, progress=not args.quiet)
    elapsed = time.perf_counter() - started
    report_bad_records(args, report)
    rate = counts.num_captions / max(elapsed, 1e-9)
    unit = _record_unit(args)
    _say(
        args,
        f"counted {counts.num_captions:,} {unit} in {elapsed:.2f} s ({rate:,.0f} {unit}/s): "
        f"{len(counts):,} synsets",
    )
    return counts


def _record_unit(args: argparse.Namespace) -> str:
    """What the records are: samples (of tar shards, all their captions together) or captions."""
    try:
        kinds = {args.format or detect_format(path) for path in expand_inputs(args.inputs)}
    except InputFormatError:
        return "captions"
    return "samples" if kinds == {"tar"} else "captions"


def _say(args: argparse.Namespace, message: str) -> None:
    if not getattr(args, "quiet", False):
        print(f"catlip vocab {args.vocab_command}: {message}", file=sys.stderr)


def run_count(args: argparse.Namespace) -> int:
    """Run ``catlip vocab count``."""
    args.inputs = expand_inputs(args.inputs)  # once: a remote glob lists a bucket
    check_output(args, inputs=args.inputs, suffixes=(".json",))
    with terminate_cleanly():
        counts = _count(args)
        counts.save(args.output)
    _say(args, f"wrote {args.output}")
    return 0


def run_merge(args: argparse.Namespace) -> int:
    """Run ``catlip vocab merge``."""
    check_output(args, inputs=expand_inputs(args.counts), suffixes=(".json",))
    with terminate_cleanly():
        total = merge(SynsetCounts.load(path) for path in expand_inputs(args.counts))
        total.save(args.output)
    print(
        f"catlip vocab merge: {len(args.counts)} files, {total.num_captions:,} captions, "
        f"{len(total):,} synsets -> {args.output}",
        file=sys.stderr,
    )
    return 0


def run_build(args: argparse.Namespace) -> int:
    """Run ``catlip vocab build``."""
    if args.min_count < 1:
        raise SystemExit("catlip vocab build: error: --min-count must be >= 1")
    if args.max_size is not None and args.max_size < 1:
        raise SystemExit("catlip vocab build: error: --max-size must be >= 1")
    if bool(args.inputs) == bool(args.from_counts):
        raise SystemExit("catlip vocab build: error: give INPUT files or --from-counts, not both")
    args.inputs = expand_inputs(args.inputs)  # once: a remote glob lists a bucket
    inputs = [args.from_counts] if args.from_counts else args.inputs
    check_output(args, inputs=inputs, suffixes=(".json",))
    with terminate_cleanly():
        counts = SynsetCounts.load(args.from_counts) if args.from_counts else _count(args)
        vocab = Vocabulary.from_counts(counts, min_count=args.min_count, max_size=args.max_size)
        if not len(vocab):
            top = counts.most_common(1)
            most = f"the most frequent synset has {top[0][1]}" if top else "no synset was found"
            raise InputFormatError(
                f"no synset is in >= {args.min_count} captions ({most}): lower --min-count"
            )
        vocab.save(args.output)
    _say(args, f"{len(vocab):,} synsets (of {len(counts):,}) -> {args.output}")
    return 0


def run_stats(args: argparse.Namespace) -> int:
    """Run ``catlip vocab stats``."""
    path = Path(args.file)
    try:
        kind = json.loads(path.read_text(encoding="utf-8")).get("format")
    except (OSError, ValueError, AttributeError, RecursionError):
        kind = None  # Vocabulary.load says what is wrong
    if kind == "catlip.synset-counts":
        counts = SynsetCounts.load(path)
        ranked = counts.most_common()
        print(f"synset counts: {path}")
        print(f"captions:      {counts.num_captions:,}")
        print(f"synsets:       {len(counts):,}")
        extractor, made = counts.extractor_settings, counts.provenance
    else:
        vocab = Vocabulary.load(path)
        counts_of = vocab.counts or (0,) * len(vocab)
        ranked = list(zip(vocab.wnids, counts_of, strict=True))
        meta = vocab.metadata
        print(f"vocabulary:    {path}")
        print(f"size:          {len(vocab):,}   fingerprint {vocab.fingerprint}")
        if meta["num_captions"] is not None:
            print(f"captions:      {meta['num_captions']:,}")
        print(f"pruning:       min_count={meta['min_count']} max_size={meta['max_size']}")
        extractor, made = vocab.extractor_settings, vocab.provenance
    catlip_version = made.catlip_version or "0.1 (not recorded)"
    print(f"made with:     catlip {catlip_version}, WordNet {made.wordnet_version}")
    print(f"extractor:     {json.dumps(extractor, sort_keys=True)}")
    _print_top(ranked[: max(args.top, 0)])
    _print_histogram([c for _, c in ranked])
    return 0


def _print_top(ranked: list[tuple[str, int]]) -> None:
    if not ranked:
        return
    from catlip.wordnet import synset_names

    names = synset_names(w for w, _ in ranked)
    print(f"\ntop {len(ranked)}:")
    print(f"  {'rank':>5}  {'wnid':<10} {'count':>10}  name")
    for rank, ((wnid, count), name) in enumerate(zip(ranked, names, strict=True)):
        print(f"  {rank:>5}  {wnid:<10} {count:>10,}  {name}")


def _print_histogram(values: list[int]) -> None:
    if not values or max(values) == 0:
        return
    bins: dict[int, int] = {}
    for value in values:
        low = 1 << (max(value, 1).bit_length() - 1)
        bins[low] = bins.get(low, 0) + 1
    widest = max(bins.values())
    print("\ncount histogram (synsets per count range):")
    for low in sorted(bins):
        label = f"{low:,}" if low == 1 else f"{low:,}-{2 * low - 1:,}"
        bar = "#" * max(1, round(40 * bins[low] / widest))
        print(f"  {label:>17}  {bins[low]:>7,}  {bar}")
