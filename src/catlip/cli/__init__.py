"""The ``catlip`` command line: the data work around CatLIP pre-training.

Each subcommand lives in its own module, which exposes ``register(subparsers)``; the module adds its
parser and sets ``func`` (called with the parsed namespace, returns an exit status).

Example:
    >>> from catlip.cli import main
    >>> main(["--version"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from catlip._version import __version__
from catlip.errors import CatlipError

__all__ = ["build_parser", "main"]

_COMMANDS = ("download", "vocab", "label", "coverage")


def build_parser() -> argparse.ArgumentParser:
    """Return the ``catlip`` argument parser with every subcommand registered.

    Returns:
        The top-level parser (also used to generate the CLI reference in the docs).

    Example:
        >>> from catlip.cli import build_parser
        >>> build_parser().prog
        'catlip'
    """
    parser = argparse.ArgumentParser(
        prog="catlip",
        description="Data tools for CatLIP pre-training: NLTK data, synset vocabularies, labels.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"catlip {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in _COMMANDS:
        importlib.import_module(f"catlip.cli.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``catlip`` command line.

    Args:
        argv: The arguments (default: ``sys.argv[1:]``).

    Returns:
        0 on success, 1 when a catlip error (or a missing optional package) was reported, 130
        on Ctrl-C (or SIGTERM), and 141 when the reader of stdout went away.

    Example:
        >>> from catlip.cli import main
        >>> main(["download", "--help"])  # doctest: +SKIP
    """
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except CatlipError as exc:
        print(f"catlip {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except ImportError as exc:  # a missing optional extra: the message says what to install
        print(f"catlip {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"catlip {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`catlip vocab stats ... | head`): stop quietly, like Unix tools.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
