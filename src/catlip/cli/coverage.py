"""``catlip coverage``: how much of a downstream label set a vocabulary covers."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from catlip.errors import InputFormatError

EXAMPLE = """examples:
  catlip coverage --vocab vocab.json imagenet_classes.txt
  catlip coverage --vocab vocab.json lvis.txt --show all
  catlip coverage --vocab vocab.json labels.txt --json > coverage.json

LABELS.txt has one label per line: a wnid (n01440764), a synset name (tench.n.01) or a class name
as the data set writes it (great white shark, bat_(animal)). Blank lines and lines starting with #
are skipped; a repeated label is resolved once and listed. Each label is resolved like Transfer
Init does: exact (its synset is in the vocabulary), similar (the most path-similar vocabulary
synset), average (the parts of a multi-word name), or unmatched.
"""


def register(subparsers: Any) -> None:
    """Add the ``coverage`` subcommand."""
    parser = subparsers.add_parser(
        "coverage",
        help="which downstream labels a vocabulary has (exact / similar / average / none)",
        description="Resolve a label file against a vocabulary and report the overlap.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--vocab", required=True, metavar="VOCAB", help="vocabulary file (.json)")
    parser.add_argument("labels", metavar="LABELS.txt", help="label file, one label per line")
    parser.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="smallest path similarity for a 'similar' match (default: 0.2)",
    )
    parser.add_argument(
        "--no-context",
        action="store_true",
        help="resolve each label alone (do not use the label set to choose senses)",
    )
    parser.add_argument(
        "--show",
        choices=("summary", "all"),
        default="summary",
        help="'summary': counts and examples; 'all': also one line per label (tab-separated)",
    )
    parser.add_argument("--json", action="store_true", help="print the full report as JSON")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    parser.set_defaults(func=run)


def read_label_file(path: str | Path) -> list[str]:
    """Read one label per line; skip blank lines and ``#`` comments.

    Raises:
        InputFormatError: The file is missing, not UTF-8, or holds no label.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFormatError(f"label file {file} does not exist") from None
    except UnicodeDecodeError as exc:
        raise InputFormatError(f"label file {file} is not UTF-8 text ({exc.reason})") from None
    except OSError as exc:  # a folder, no permission
        raise InputFormatError(f"cannot read label file {file}: {exc.strerror}") from None
    labels = [line.strip() for line in text.splitlines()]
    labels = [label for label in labels if label and not label.startswith("#")]
    if not labels:
        raise InputFormatError(f"label file {file} has no labels: write one label per line")
    return labels


def _looks_like_a_sentence(label: str) -> bool:
    """A caption rather than a class name: many words, or a sentence's end."""
    words = label.split()
    return len(words) >= 6 or (len(words) >= 3 and label.rstrip().endswith((".", "!", "?")))


def run(args: argparse.Namespace) -> int:
    """Run ``catlip coverage``."""
    from catlip.transfer import DEFAULT_SIMILARITY_THRESHOLD, coverage
    from catlip.vocab import Vocabulary

    labels = read_label_file(args.labels)
    vocab = Vocabulary.load(args.vocab)
    threshold = DEFAULT_SIMILARITY_THRESHOLD if args.threshold is None else args.threshold
    if not 0.0 < threshold <= 1.0:
        raise SystemExit(f"catlip coverage: error: --threshold must be in (0, 1], got {threshold}")
    started = time.perf_counter()
    if not args.quiet:
        print(
            f"catlip coverage: resolving {len(labels):,} labels against {len(vocab):,} synsets "
            "(loading WordNet) ...",
            file=sys.stderr,
        )
    sentences = [label for label in labels if _looks_like_a_sentence(label)]
    if len(sentences) * 5 >= len(labels):
        print(
            f"catlip coverage: warning: {len(sentences):,} of {len(labels):,} labels look like "
            f"sentences ({sentences[0][:60]!r}): LABELS.txt should hold class names, one a line, "
            "not captions",
            file=sys.stderr,
        )
    report = coverage(
        labels,
        vocab,
        similarity_threshold=threshold,
        context=not args.no_context,
        progress=not args.quiet,
    )
    if args.json:
        json.dump(report.to_dict(), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print(report)
        if args.show == "all":
            print("label\tmethod\tsimilarity\twnids\tnames")
            for m in report.matches:
                print(
                    f"{m.label}\t{m.method}\t{m.similarity:.3f}\t"
                    f"{','.join(m.wnids)}\t{','.join(m.names)}"
                )
    if not args.quiet:
        print(f"catlip coverage: done in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0
