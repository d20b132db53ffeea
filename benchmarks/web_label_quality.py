"""Label quality on real web alt-text: a blind, judged audit of LAION captions.

A fixed random sample of ``laion-sample-1000.parquet`` (column ``TEXT``) is labelled by every system
below; their labels are pooled per caption and each (caption, synset) pair is judged once, blind
(the judge never learns which system proposed it), by the rule book in
``benchmarks/data/web_audit/RULES.md``: ``correct``, ``wrong_sense`` or ``spurious``. Verdicts are
kept as data (``judgments.jsonl``: row, wnid, verdict, judge), so the figures are recomputed after
every change; pairs a new extractor proposes that nobody judged yet are listed with ``--unjudged``.
A pair judged twice counts with its first verdict; the second measures how much judges agree.

- precision = correct labels / labels the system proposed;
- found = correct labels the system proposed / correct labels proposed by any system judged.

Systems: ``default`` (``SynsetExtractor()`` as it is now), ``v0.1`` (the 0.1 default's labels,
frozen in ``labels_v0_1.jsonl``) and ``reference`` (the paper's labeller).

The rows not in the sample are the development set: rules are developed there, never on the audit.

Usage:
    python benchmarks/web_label_quality.py [--parquet PATH]       # default: ../shared's LAION file
    python benchmarks/web_label_quality.py --unjudged todo.jsonl   # pairs still to judge, shuffled
    python benchmarks/web_label_quality.py --quick                 # 25 captions, for CI
Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
AUDIT = HERE / "data" / "web_audit"
PARQUET = REPO.parent / "shared" / "data" / "web-alt-text" / "laion-sample-1000.parquet"
os.environ.setdefault("NLTK_DATA", str(REPO.parent / "shared" / "nltk_data"))

from catlip.text import SynsetExtractor, synset  # noqa: E402

SAMPLE_SEED = 0
SAMPLE_SIZE = 400
VERDICTS = ("correct", "wrong_sense", "spurious")


def read_captions(path: Path) -> list[str]:
    """Every ``TEXT`` value of the parquet file, in row order (``None`` read as ``""``)."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        sys.exit('this benchmark reads parquet: pip install "catlip[parquet]" (pyarrow)')
    return [text or "" for text in pq.read_table(path, columns=["TEXT"]).column("TEXT").to_pylist()]


def audit_rows(total: int) -> list[int]:
    """The audited rows: a fixed random sample; the other rows are the development set."""
    return sorted(random.Random(SAMPLE_SEED).sample(range(total), SAMPLE_SIZE))


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def system_labels(captions: list[str], rows: list[int]) -> dict[str, dict[int, list[str]]]:
    """Each system's labels for each audited row."""
    frozen = {r["row"]: r["labels"] for r in read_jsonl(AUDIT / "labels_v0_1.jsonl")}
    default, reference = SynsetExtractor(), SynsetExtractor.reference()
    return {
        "default": {row: default(captions[row]) for row in rows},
        "v0.1": {row: frozen[row] for row in rows if row in frozen},
        "reference": {row: reference(captions[row]) for row in rows},
    }


def score(
    labels: dict[str, dict[int, list[str]]], verdicts: dict[tuple[int, str], str]
) -> dict[str, Any]:
    """Precision and share of all correct labels found, per system."""
    correct = {
        pair
        for system in labels.values()
        for row, wnids in system.items()
        for pair in ((row, w) for w in wnids)
        if verdicts.get(pair) == "correct"
    }
    results: dict[str, Any] = {}
    for name, system in labels.items():
        pairs = [(row, w) for row, wnids in system.items() for w in wnids]
        tally = Counter(verdicts.get(pair, "unjudged") for pair in pairs)
        judged = len(pairs) - tally["unjudged"]
        found = sum(1 for pair in pairs if pair in correct)
        results[name] = {
            "captions": len(system),
            "labels": len(pairs),
            **{v: tally[v] for v in (*VERDICTS, "unjudged")},
            "precision": round(tally["correct"] / judged, 3) if judged else None,
            "found": round(found / len(correct), 3) if correct else None,
        }
    results["correct_labels_pooled"] = len(correct)
    return results


def agreement(judgments: list[dict[str, Any]]) -> dict[str, Any]:
    """How often two judges of the same pair agree: on the verdict, and on correct or not."""
    by_pair: dict[tuple[int, str], list[str]] = {}
    for j in judgments:
        by_pair.setdefault((j["row"], j["wnid"]), []).append(j["verdict"])
    doubles = [v[:2] for v in by_pair.values() if len(v) > 1]
    if not doubles:
        return {"pairs_judged_twice": 0}
    return {
        "pairs_judged_twice": len(doubles),
        "same_verdict": round(sum(a == b for a, b in doubles) / len(doubles), 3),
        "same_correct_or_not": round(
            sum((a == "correct") == (b == "correct") for a, b in doubles) / len(doubles), 3
        ),
    }


def unjudged(
    captions: list[str],
    labels: dict[str, dict[int, list[str]]],
    verdicts: dict[tuple[int, str], str],
) -> list[dict[str, Any]]:
    """The pooled (caption, synset) pairs without a verdict, shuffled so no system shows."""
    pairs = sorted(
        {(row, w) for s in labels.values() for row, ws in s.items() for w in ws} - verdicts.keys()
    )
    random.Random(1).shuffle(pairs)
    todo = []
    for row, w in pairs:
        s = synset(w)
        todo.append(
            {
                "row": row,
                "caption": captions[row],
                "wnid": w,
                "synset": s.name(),
                "lemmas": [lemma.replace("_", " ") for lemma in s.lemma_names()],
                "gloss": s.definition(),
            }
        )
    return todo


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parquet", type=Path, default=PARQUET)
    parser.add_argument("--unjudged", type=Path, help="write the pairs still to judge (JSONL)")
    parser.add_argument("--quick", action="store_true", help="the first 25 audited captions only")
    args = parser.parse_args()

    captions = read_captions(args.parquet)
    rows = audit_rows(len(captions))[: 25 if args.quick else None]
    labels = system_labels(captions, rows)
    judgments = read_jsonl(AUDIT / "judgments.jsonl")
    verdicts: dict[tuple[int, str], str] = {}
    for j in judgments:  # the first verdict on a pair counts; later ones measure agreement
        verdicts.setdefault((j["row"], j["wnid"]), j["verdict"])
    if args.unjudged:
        todo = unjudged(captions, labels, verdicts)
        args.unjudged.write_text("".join(json.dumps(t) + "\n" for t in todo), encoding="utf-8")
        print(f"{len(todo)} pairs to judge -> {args.unjudged}", file=sys.stderr)
    audit = {"rows": len(rows), "seed": SAMPLE_SEED, "agreement": agreement(judgments)}
    print(json.dumps({"audit": audit, **score(labels, verdicts)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
