"""How fast can the default label web captions it has never seen, if every word were analysed ahead?

Issue 13 asks for 20x the reference's captions/s on unseen web captions (cold, one process).
``text_throughput.py`` measures about 4x on the LAION sample, against 14x once the same captions'
words are known (warm). The gap is the analysis of each new word as written (base forms, senses,
multiword nouns, name and verb facts: 20 to 50 us each). This script measures the most a table made
ahead of time could give, side by side with the reference in one process:

1. ``cold``: the default on the LAION captions after the usual 10,000 Flickr8k captions, as
   ``text_throughput.py`` does it.
2. ``prewarmed``: a second lexicon (same options, so the same labels) that has first analysed
   every one-word WordNet lemma of every part of speech and its regular inflections ('-s', '-es',
   '-ies', '-ed', '-ing'), each in lower case and capitalized, about 840,000 words as written:
   more than any table catlip could ship. Then the LAION captions, cold for what is left.
3. ``warm``: the default again on the same captions (every word now known).

For each, the median captions/s over 5 slices, alternating with the reference, and the ratio. It
also counts what the prewarmed lexicon still had to analyse: the written forms (names, codes,
numbers, other languages) and the runs of words (multiword nouns, places) of web text that no
word list holds.

Usage:
    python benchmarks/web_cold_bound.py [--laion PATH] [--quick]
Prints JSON (--quick: 100 captions and a 2,000-word table, for CI: no figures).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("NLTK_DATA", str(REPO.parent / "shared" / "nltk_data"))

sys.path.insert(0, str(Path(__file__).resolve().parent))
from catlip.text import SynsetExtractor  # noqa: E402
from catlip.text.lexicon import Lexicon, LexiconOptions  # noqa: E402
from catlip.text.webwords import word_facts  # noqa: E402
from text_throughput import compare  # noqa: E402

SHARED = REPO.parent / "shared" / "data"


def word_list(limit: int | None = None) -> list[str]:
    """Every one-word WordNet lemma (any part of speech) and its regular inflections, sorted."""
    from nltk.corpus import wordnet

    lemmas = {
        lemma
        for pos in "nvar"
        for lemma in wordnet.all_lemma_names(pos)
        if "_" not in lemma and lemma.isascii()
    }
    words = set(lemmas)
    for lemma in lemmas:
        words.update((lemma + "s", lemma + "es", lemma + "ed", lemma + "ing"))
        if lemma.endswith("y"):
            words.add(lemma[:-1] + "ies")
    return sorted(words)[:limit]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--laion", type=Path, default=SHARED / "web-alt-text" / "laion-sample-1000.parquet"
    )
    parser.add_argument("--quick", action="store_true", help="tiny inputs, for CI: no figures")
    args = parser.parse_args()
    try:
        import pyarrow.parquet as pq
    except ImportError:
        print(json.dumps({"skipped": "pyarrow is not installed: pip install 'catlip[parquet]'"}))
        return 0
    laion = [
        t or "" for t in pq.read_table(args.laion, columns=["TEXT"]).column("TEXT").to_pylist()
    ]
    flickr_file = SHARED / "flickr8k" / "Flickr8k.token.txt"
    flickr = [
        line.split("\t", 1)[1]
        for line in flickr_file.read_text(encoding="utf-8").splitlines()
        if "\t" in line
    ]
    flickr = flickr[: 100 if args.quick else 10_000]
    laion = laion[: 100 if args.quick else None]
    slices = 1 if args.quick else 5

    default, reference = SynsetExtractor(), SynsetExtractor.reference()
    for caption in flickr:
        default(caption)
        reference(caption)
    result: dict[str, Any] = {"quick": True} if args.quick else {}
    result["captions"] = len(laion)
    result["cold"] = compare(default, reference, laion, slices)

    # Same options but for the memo bound (never reached here): another lexicon, the same labels.
    lexicon = Lexicon(LexiconOptions(max_memo=2_000_000))
    prewarmed = SynsetExtractor()
    prewarmed._lexicon = lexicon  # a benchmark's peek: the extractor's lexicon, swapped
    for caption in flickr:
        prewarmed(caption)
    words = word_list(2_000 if args.quick else None)
    start = time.perf_counter()
    for word in words:
        word_facts(word, False, lexicon)
        word_facts(word.capitalize(), False, lexicon)
    seconds = time.perf_counter() - start
    sizes = [len(memo) for memo in lexicon.handover_memos()]
    result["prewarmed"] = {
        "words": len(words),
        "written_forms": 2 * len(words),
        "prewarm_s": round(seconds, 1),
        **compare(prewarmed, reference, laion, slices),
    }
    after = [len(memo) for memo in lexicon.handover_memos()]
    result["prewarmed"]["still_new_per_caption"] = {
        name: round((b - a) / len(laion), 2)
        for name, a, b in zip(
            ("tokens", "written_forms", "written_forms_all_caps", "word_runs", "places"),
            sizes,
            after,
            strict=True,
        )
    }
    result["warm"] = compare(default, reference, laion, slices)
    if any(prewarmed(c) != default(c) for c in laion):
        raise SystemExit("the prewarmed lexicon changed labels: a bug")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
