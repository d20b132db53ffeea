"""``.. catlip-cli::``: the command-line reference, generated from catlip's own argparse parsers."""

from __future__ import annotations

import argparse
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective


def _subcommands(parser: argparse.ArgumentParser, prefix: str) -> list[tuple[str, str]]:
    pages = [(prefix, parser.format_help())]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                pages += _subcommands(sub, f"{prefix} {name}")
    return pages


class CatlipCli(SphinxDirective):
    """Render ``catlip --help`` and every subcommand's ``--help``, each under its own heading."""

    def run(self) -> list[nodes.Node]:
        from catlip.cli import build_parser

        result: list[nodes.Node] = []
        for command, text in _subcommands(build_parser(), "catlip"):
            section = nodes.section(ids=[nodes.make_id(command)])
            section += nodes.title(text=command)
            section += nodes.literal_block(text, text)
            result.append(section)
        return result


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("catlip-cli", CatlipCli)
    return {"parallel_read_safe": True}
