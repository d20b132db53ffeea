"""Label resolution accuracy and Transfer Init speed (catlip.transfer).

Accuracy: the fraction of labels resolved to their ground-truth synset, on label sets that ship
with synsets, against a vocabulary of every WordNet 3.0 noun synset (so only the sense choice and
the name lookup are measured), compared with the first-WordNet-sense baseline measured in the same
run (the label with ``_``/spaces joined, a ``(hint)`` dropped, first noun sense):

- ``transfer_imagenet1k.json``: the 1,000 ImageNet-1k wnids (timm) with open_clip's CLIP-style
  class names (``great white shark``, ``kite (bird of prey)``, ``red wolf or maned wolf``);
- ``transfer_lvis_v1.json``: LVIS v1's 1,202 detection categories with their synsets
  (``bat_(animal)``, ``bow_(weapon)``), from detectron2's category metadata;
- ``coco_categories.json``: COCO's 80 categories, mapped by hand (written for catlip.text; never
  used to tune anything here).

Speed: ``transfer_init`` of a 1,000-label classifier (the ImageNet class names) from a
24,320-row head whose vocabulary is WordNet's 24,320 most frequent noun synsets, after WordNet is
loaded: in a fresh process (cold: NLTK has read no synset yet; the target is < 2 s), and in this
process (first call, then the median of repeated calls). open_clip repeats two ImageNet names
("missile", "sunglasses"); there the second class is given by its wnid.

Run: ``python benchmarks/label_resolution.py`` (prints JSON). Needs NLTK_DATA with WordNet 3.0.
``--quick``: the first 60 labels of each set, WordNet's first 10,000 noun synsets as both
vocabularies (head of 5,000 rows), one repeat: checks the script runs, for CI; no figures.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from catlip.text import wnid
from catlip.transfer import resolve_labels, transfer_init
from catlip.vocab import Vocabulary
from catlip.wordnet import reader

if TYPE_CHECKING:
    from nltk.corpus.reader.wordnet import Synset

DATA = Path(__file__).resolve().parent / "data"
SETS = {
    "imagenet1k_clip_names": ("transfer_imagenet1k.json", "classes"),
    "lvis_v1": ("transfer_lvis_v1.json", "categories"),
    "coco_80": ("coco_categories.json", "categories"),
}
HEAD_ROWS = 24320
FEATURES = 768
REPEATS = 3
QUICK_LABELS, QUICK_SYNSETS, QUICK_HEAD_ROWS = 60, 10_000, 5_000


def load(file: str, key: str) -> list[tuple[str, str]]:
    rows = json.loads((DATA / file).read_text(encoding="utf-8"))[key]
    return [(row["name"], row["wnid"]) for row in rows]


def first_sense(label: str) -> str | None:
    name = label.split("(")[0].strip(" _").replace(" ", "_")
    senses = reader().synsets(name, pos="n")
    return wnid(senses[0]) if senses else None


def accuracy(rows: list[tuple[str, str]], vocab: Vocabulary) -> dict[str, Any]:
    # open_clip's ImageNet names repeat two ("missile", "sunglasses"): resolve each name once and
    # score every class (so one of each pair is necessarily wrong).
    labels = list(dict.fromkeys(name for name, _ in rows))
    baseline = sum(first_sense(name) == w for name, w in rows) / len(rows)
    result: dict[str, Any] = {"labels": len(rows), "first_sense": round(baseline, 4)}
    for context in (False, True):
        start = time.perf_counter()
        by_name = dict(zip(labels, resolve_labels(labels, vocab, context=context), strict=True))
        seconds = time.perf_counter() - start
        right = sum(by_name[name].wnids == (w,) for name, w in rows) / len(rows)
        key = "catlip_context" if context else "catlip_no_context"
        result[key] = round(right, 4)
        result[f"{key}_seconds"] = round(seconds, 3)
    result["ratio_vs_first_sense"] = round(result["catlip_context"] / baseline, 3)
    return result


def frequent_noun_vocabulary(size: int, synsets: Iterable[Synset] | None = None) -> Vocabulary:
    """WordNet's ``size`` noun synsets with the highest tagged-corpus counts (ties: file order)."""
    scored = []
    nouns = reader().all_synsets("n") if synsets is None else synsets
    for position, synset in enumerate(nouns):
        count = sum(lemma.count() for lemma in synset.lemmas())
        scored.append((-count, position, wnid(synset)))
    scored.sort()
    return Vocabulary([w for _, _, w in scored[:size]])


def distinct_imagenet_labels(imagenet: list[tuple[str, str]]) -> list[str]:
    seen: set[str] = set()
    labels = []
    for name, w in imagenet:  # a repeated name is given as its wnid, so labels are distinct
        labels.append(w if name in seen else name)
        seen.add(name)
    return labels


def cold_transfer_seconds(vocab_wnids: list[str], limit: int | None) -> dict[str, float]:
    """Time one transfer_init in a fresh process, after WordNet is loaded (no synset cache)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "wnids.json"
        path.write_text(json.dumps(vocab_wnids), encoding="utf-8")
        done = subprocess.run(
            [sys.executable, __file__, "--cold", str(path), *([str(limit)] if limit else [])],
            check=True,
            capture_output=True,
            text=True,
        )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def run_cold(path: str, limit: int | None = None) -> int:
    vocab = Vocabulary(json.loads(Path(path).read_text(encoding="utf-8")))
    labels = distinct_imagenet_labels(load(*SETS["imagenet1k_clip_names"])[:limit])
    head = torch.nn.Linear(FEATURES, len(vocab))
    classifier = torch.nn.Linear(FEATURES, len(labels))
    reader()
    start, cpu_start = time.perf_counter(), time.process_time()
    transfer_init(classifier, labels, head=head, vocab=vocab)
    seconds = {
        "seconds": round(time.perf_counter() - start, 3),
        "cpu_seconds": round(time.process_time() - cpu_start, 3),
    }
    print(json.dumps(seconds))
    return 0


def main(quick: bool = False) -> int:
    limit, repeats = (QUICK_LABELS, 1) if quick else (None, REPEATS)
    start = time.perf_counter()
    reader()
    report: dict[str, Any] = {"quick": True} if quick else {}
    report["wordnet_load_seconds"] = round(time.perf_counter() - start, 2)
    nouns = list(islice(reader().all_synsets("n"), QUICK_SYNSETS if quick else None))
    everything = Vocabulary([wnid(s) for s in nouns])
    which = "the first" if quick else "all"
    report["accuracy_vocab"] = f"{which} {len(everything)} WordNet 3.0 noun synsets"

    imagenet = load(*SETS["imagenet1k_clip_names"])[:limit]
    wnid_matches = resolve_labels([w for _, w in imagenet], everything)
    report["wnid_labels_exact"] = sum(m.method == "exact" for m in wnid_matches) / len(imagenet)
    for name, (file, key) in SETS.items():
        if (DATA / file).exists():
            report[name] = accuracy(load(file, key)[:limit], everything)
        else:
            report[name] = f"skipped: benchmarks/data/{file} is missing"

    rows = QUICK_HEAD_ROWS if quick else HEAD_ROWS
    vocab = frequent_noun_vocabulary(rows, nouns)
    labels = distinct_imagenet_labels(imagenet)
    cold = cold_transfer_seconds(list(vocab.wnids), limit)
    head = torch.nn.Linear(FEATURES, rows)
    times, cpu_times = [], []
    summary = None
    for _ in range(repeats + 1):
        classifier = torch.nn.Linear(FEATURES, len(labels))
        start, cpu_start = time.perf_counter(), time.process_time()
        summary = transfer_init(classifier, labels, head=head, vocab=vocab)
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    assert summary is not None
    report["transfer_init_1000_labels_24320_rows"] = {
        "vocab": f"WordNet's {rows} most frequent noun synsets"
        + (f" (of its first {len(nouns)})" if quick else ""),
        "cold_process_seconds": cold["seconds"],
        "cold_process_cpu_seconds": cold["cpu_seconds"],
        "first_call_seconds": round(times[0], 3),
        "median_seconds": round(statistics.median(times[1:]), 3),
        "median_cpu_seconds": round(statistics.median(cpu_times[1:]), 3),
        "target_seconds": 2.0,
        "counts": summary.counts,
        "in_vocab_right": round(
            sum(
                m.wnids == (w,)
                for m, (_, w) in zip(summary.matches, imagenet, strict=True)
                if w in vocab
            )
            / max(1, sum(w in vocab for _, w in imagenet)),
            4,
        ),
    }
    report["machine"] = (
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    json.dump(report, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    if len(sys.argv) in (3, 4) and sys.argv[1] == "--cold":
        raise SystemExit(run_cold(sys.argv[2], *map(int, sys.argv[3:])))
    raise SystemExit(main(quick=sys.argv[1:] == ["--quick"]))
