"""Make ``src/catlip/data/wordnet-3.0.zip``, the WordNet 3.0 that ships inside catlip's wheel.

Reads an NLTK ``wordnet`` data package (a ``corpora/wordnet`` folder of Princeton WordNet 3.0's
database files), checks that it is version 3.0 with 82,115 noun synsets, and writes the files
catlip and NLTK's reader open, unchanged, into a zip with deflate compression (level 9). The
archive is reproducible: fixed member order, timestamps and permissions. WordNet's licence goes
into the archive (``LICENSE``) and beside it (``src/catlip/data/WORDNET-LICENSE``).

Run: ``python tools/bundle_wordnet.py [--source PATH/corpora/wordnet]`` (prints JSON; the default
source is ``../shared/nltk_data/corpora/wordnet`` beside the checkout).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from catlip.wordnet._bundle import ARCHIVE, MEMBERS  # noqa: E402

LICENSE_SOURCE = "LICENSE.debian-copyright"  # the name in NLTK's and Debian's packages
NOUN_SYNSETS = 82_115


def _check(source: Path) -> None:
    noun = (source / "data.noun").read_bytes()
    if b"WordNet 3.0 Copyright" not in noun[:4096]:
        sys.exit(f"{source} is not WordNet 3.0")
    found = len(re.findall(rb"^\d{8} ", noun, re.MULTILINE))
    if found != NOUN_SYNSETS:
        sys.exit(f"{source}/data.noun has {found} noun synsets, WordNet 3.0 has {NOUN_SYNSETS}")


def main() -> None:
    """Write the archive and the licence beside it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--source", type=Path, default=REPO.parent / "shared/nltk_data/corpora/wordnet"
    )
    parser.add_argument("--out", type=Path, default=REPO / "src/catlip/data")
    args = parser.parse_args()
    _check(args.source)
    target = args.out / ARCHIVE
    partial = target.with_suffix(".partial")
    digests = {}
    with zipfile.ZipFile(partial, "w") as archive:
        for name in MEMBERS:
            data = (args.source / (LICENSE_SOURCE if name == "LICENSE" else name)).read_bytes()
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=9)
            digests[name] = hashlib.sha256(data).hexdigest()
    partial.replace(target)
    shutil.copyfile(args.source / LICENSE_SOURCE, args.out / "WORDNET-LICENSE")
    print(
        json.dumps(
            {
                "archive": str(target.relative_to(REPO)),
                "bytes": target.stat().st_size,
                "sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
                "members": digests,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
