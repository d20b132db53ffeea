"""Write ``src/catlip/data/wordnet_noun_facts.txt.gz`` from catlip's bundled WordNet 3.0.

Usage: python tools/wordnet_noun_facts.py [--out src/catlip/data/wordnet_noun_facts.txt.gz]
Run it whenever ``tools/bundle_wordnet.py`` changes the bundle; ``tests/test_wordnet.py`` checks
that the shipped file is what this computes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from catlip.wordnet import _bundle  # noqa: E402
from catlip.wordnet.db import WordNetDB  # noqa: E402
from catlip.wordnet.nounfacts import FACTS_FILE, write_noun_facts  # noqa: E402


def main() -> None:
    """Compute the facts from the bundle and write them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "src" / "catlip" / "data" / FACTS_FILE)
    args = parser.parse_args()
    facts = WordNetDB(_bundle.read).noun_facts()
    write_noun_facts(facts, args.out)
    print(f"{args.out}: {len(facts.instances)} instances, {len(facts.compound_starts)} words")


if __name__ == "__main__":
    main()
