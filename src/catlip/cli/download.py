"""``catlip download``: fetch the NLTK data catlip needs (the POS tagger; WordNet ships inside)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from catlip.resources import PACKAGES, download

EXAMPLE = """example:
  catlip download                      # into NLTK's default folder (e.g. ~/nltk_data)
  catlip download --dir /data/nltk     # then: export NLTK_DATA=/data/nltk
"""


def register(subparsers: Any) -> None:
    """Add the ``download`` subcommand."""
    parser = subparsers.add_parser(
        "download",
        help="download NLTK's POS tagger, for pos='tagger' and the reference (no-op when present)",
        description="Download exactly the NLTK packages catlip can use: "
        + ", ".join(r.package for r in PACKAGES)
        + " (only SynsetExtractor(pos='tagger') and the paper's reference labeller need it). "
        "Does nothing for packages already installed. WordNet 3.0 needs no download: it ships "
        "inside catlip.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--dir",
        metavar="DIR",
        default=None,
        help="nltk_data folder to install into (default: NLTK's search path / download folder)",
    )
    parser.add_argument("--index-url", default=None, help=argparse.SUPPRESS)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``catlip download``."""
    fetched = download(directory=args.dir, index_url=args.index_url)
    where = f" in {args.dir}" if args.dir else ""
    if fetched:
        print(f"downloaded {', '.join(fetched)}{where}", file=sys.stderr)
    else:
        print(f"all NLTK data catlip needs is already installed{where}", file=sys.stderr)
    return 0
