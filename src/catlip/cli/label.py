"""``catlip label``: placeholder until its issue lands."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``label`` subcommand."""
    parser = subparsers.add_parser("label", help="(not yet available)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Not yet available."""
    raise SystemExit("catlip label: not yet available in this version")
