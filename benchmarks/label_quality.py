"""Label quality on coco-mini: caption labels vs COCO object annotations, default vs reference.

Per image, the union of its captions' labels is compared with its annotated categories (mapped by
hand to WordNet in benchmarks/data/coco_categories.json). A label covers a category when it is
the category's synset or a hyponym of it (man -> person).

- recall = covered annotated categories / annotated categories (summed over images);
- precision = among labels that cover *some* of the 80 categories, the fraction that cover one
  annotated on that image.

Usage: python benchmarks/label_quality.py [--coco ../shared/data/coco-mini] [--quick]
(--quick: the first 40 images only: checks the script runs, for CI; no figures.)
Prints JSON: one entry per extractor configuration, plus the reference's known-bad words.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
os.environ.setdefault("NLTK_DATA", str(REPO.parent / "shared" / "nltk_data"))

from catlip.text import SynsetExtractor, synset  # noqa: E402

BAD_WORDS = [
    "white",
    "black",
    "red",
    "are",
    "over",
    "out",
    "young",
    "playing",
    "i",
    "may",
    "can",
    "like",
]


def load_coco(root: Path) -> tuple[dict[int, list[str]], dict[int, set[int]]]:
    captions: dict[int, list[str]] = defaultdict(list)
    objects: dict[int, set[int]] = defaultdict(set)
    for split in ("train2017", "val2017"):
        notes = root / "annotations"
        for item in json.loads((notes / f"captions_{split}.json").read_text())["annotations"]:
            captions[item["image_id"]].append(item["caption"])
        for item in json.loads((notes / f"instances_{split}.json").read_text())["annotations"]:
            objects[item["image_id"]].add(item["category_id"])
    return dict(captions), {image: objects.get(image, set()) for image in captions}


def category_wnids() -> dict[str, int]:
    table = json.loads((HERE / "data" / "coco_categories.json").read_text())
    return {c["wnid"]: c["id"] for c in table["categories"]}


class Coverage:
    """label wnid -> the COCO category ids it covers (itself or a hypernym is the category)."""

    def __init__(self, categories: dict[str, int]) -> None:
        self.categories = categories
        self.memo: dict[str, frozenset[int]] = {}

    def __call__(self, label: str) -> frozenset[int]:
        if label not in self.memo:
            node = synset(label)
            ancestors = {node, *node.closure(lambda s: s.hypernyms() + s.instance_hypernyms())}
            ids = {self.categories.get(f"n{s.offset():08d}") for s in ancestors}
            self.memo[label] = frozenset(i for i in ids if i is not None)
        return self.memo[label]


def score(
    extractor: SynsetExtractor,
    captions: dict[int, list[str]],
    objects: dict[int, set[int]],
    coverage: Coverage,
) -> dict[str, Any]:
    annotated = covered = relevant = correct = labels_total = 0
    start = time.perf_counter()
    for image, texts in captions.items():
        labels: set[str] = set()
        for text in texts:
            labels.update(extractor(text))
        labels_total += len(labels)
        truth = objects[image]
        hit: set[int] = set()
        for label in labels:
            cats = coverage(label)
            if cats:
                relevant += 1
                if cats & truth:
                    correct += 1
                hit |= cats & truth
        annotated += len(truth)
        covered += len(hit)
    return {
        "recall": round(covered / annotated, 4),
        "precision": round(correct / relevant, 4),
        "labels_per_image": round(labels_total / len(captions), 2),
        "seconds": round(time.perf_counter() - start, 2),
    }


def bad_labels(extractor: SynsetExtractor) -> dict[str, list[str]]:
    sentences = [f"{w}" for w in BAD_WORDS] + [
        "a white dog and a black cat are over there",
        "a young man is playing out in the red car",
        "i may like it",
        "the boy can swim",
        "people like to eat",
    ]
    found: dict[str, list[str]] = {}
    for text in sentences:
        for label in extractor(text):
            names = [n.name().lower() for n in synset(label).lemmas()]
            for word in BAD_WORDS:
                if word in names:
                    found.setdefault(word, []).append(synset(label).name())
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coco", type=Path, default=REPO.parent / "shared" / "data" / "coco-mini")
    parser.add_argument(
        "--quick", action="store_true", help="the first 40 images: for CI, no figures"
    )
    args = parser.parse_args()
    captions, objects = load_coco(args.coco)
    if args.quick:
        captions = dict(list(captions.items())[:40])
        objects = {image: objects[image] for image in captions}
    coverage = Coverage(category_wnids())
    configs = {
        "default": SynsetExtractor(),
        "reference": SynsetExtractor.reference(),
        "pos_tagger": SynsetExtractor(pos="tagger"),
        "pos_none": SynsetExtractor(pos="none"),
        "first_sense": SynsetExtractor(concrete_share=None, builtin_overrides=False),
        "no_compounds": SynsetExtractor(compounds=False),
    }
    results: dict[str, Any] = {
        **({"quick": True} if args.quick else {}),
        "dataset": str(args.coco.name),
        "images": len(captions),
        "captions": sum(len(t) for t in captions.values()),
        "annotated_categories": sum(len(o) for o in objects.values()),
    }
    for name, extractor in configs.items():
        results[name] = score(extractor, captions, objects, coverage)
        print(f"{name}: {results[name]}", file=sys.stderr)
    results["bad_labels_default"] = bad_labels(configs["default"])
    results["bad_labels_reference"] = sorted(bad_labels(configs["reference"]))
    d, r = results["default"], results["reference"]
    results["default_beats_reference"] = (
        d["recall"] > r["recall"] and d["precision"] > r["precision"]
    )
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
