"""``catlip vocab``: placeholder until its issue lands."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``vocab`` subcommand."""
    parser = subparsers.add_parser("vocab", help="(not yet available)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Not yet available."""
    raise SystemExit("catlip vocab: not yet available in this version")
