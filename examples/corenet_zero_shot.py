"""Zero-shot and few-shot (Transfer Init) accuracy of a released CatLIP model on an image folder.

Loads one of the paper's CoreNet checkpoints (vit_base.pt, vit_large.pt, vit_huge.pt) with
``catlip.corenet`` and its vocabulary (datacomp_1_2B_vocab.pkl), then measures

1. zero-shot accuracy: each class's classifier row is the head row of its synset
   (``catlip.transfer.zero_shot_classifier``), no training at all;
2. few-shot accuracy, the paper's Fig. 5 experiment: a linear classifier on the frozen features,
   trained on k images per class, started from Transfer Init (``catlip.transfer.transfer_init``)
   or from random weights, averaged over ``--draws`` random draws of the k images (the same draws
   for both).

The folder holds one sub-folder per class, named by wnid (``n01440764``) or by label
(``golden_retriever``; underscores become spaces), either directly or under ``train/`` and
``val/``. Without ``val/``, a seeded ``--val-fraction`` of each class is held out. Features are
computed once, on CPU or ``--device``; ``--max-val-per-class`` bounds the cost on large folders.

Usage:
    python examples/corenet_zero_shot.py --checkpoint vit_base.pt \\
        --vocab datacomp_1_2B_vocab.pkl --data ../shared/data/imagenette --shots 1,2,4,8
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import statistics
import sys
from collections import Counter
from pathlib import Path

import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from catlip.corenet import load_model, load_vocabulary, preprocess
from catlip.heads import CatLIPClassifier
from catlip.transfer import resolve_labels, transfer_init, zero_shot_classifier
from transfer import Split, accuracy, read_image_folder


@torch.no_grad()
def extract_features(
    model: CatLIPClassifier, paths: list[Path], *, batch_size: int, device: torch.device
) -> torch.Tensor:
    """Backbone features of the images at ``paths``, in order (CoreNet's eval preprocessing)."""
    chunks = []
    for start in range(0, len(paths), batch_size):
        batch = []
        for path in paths[start : start + batch_size]:
            with Image.open(path) as image:
                batch.append(preprocess(image))
        chunks.append(model.backbone(torch.stack(batch).to(device)).float().cpu())
        print(f"  features {min(start + batch_size, len(paths))}/{len(paths)}", file=sys.stderr)
    return torch.cat(chunks) if chunks else torch.empty(0, model.head.in_features)


def draw_shots(train: Split, num_classes: int, shots: int, seed: str) -> list[int]:
    """Indices into ``train`` of ``shots`` images per class (fewer if a class has fewer)."""
    by_class: list[list[int]] = [[] for _ in range(num_classes)]
    for index, (_, label) in enumerate(train):
        by_class[label].append(index)
    rng = random.Random(seed)
    return [i for members in by_class for i in rng.sample(members, min(shots, len(members)))]


def first_per_class(split: Split, limit: int) -> Split:
    """The first ``limit`` images of each class of ``split``."""
    seen: Counter[int] = Counter()
    kept = []
    for path, label in split:
        seen[label] += 1
        if seen[label] <= limit:
            kept.append((path, label))
    return kept


def train_linear(
    classifier: nn.Linear,
    features: torch.Tensor,
    targets: torch.Tensor,
    *,
    steps: int,
    lr: float,
    weight_decay: float,
) -> nn.Linear:
    """Full-batch AdamW on cross-entropy; the backbone is frozen (features precomputed)."""
    optimizer = torch.optim.AdamW(classifier.parameters(), lr=lr, weight_decay=weight_decay)
    for _ in range(steps):
        loss = F.cross_entropy(classifier(features), targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
    return classifier


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("Usage:")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--checkpoint", type=Path, required=True, help="CoreNet checkpoint, e.g. vit_base.pt")
    add("--vocab", type=Path, required=True, help="CoreNet vocabulary pickle of the checkpoint")
    add("--data", type=Path, required=True, help="image folder: CLASS/*.jpg, or train/ and val/")
    add("--shots", default="1,2,4,8", help="comma-separated images per class (default 1,2,4,8)")
    add("--draws", type=int, default=3, help="random draws of the few-shot images per k")
    add("--steps", type=int, default=100, help="full-batch AdamW steps of the linear classifier")
    add("--lr", type=float, default=1e-3)
    add("--weight-decay", type=float, default=0.0)
    add("--batch-size", type=int, default=32, help="images per forward pass")
    add("--max-val-per-class", type=int, help="evaluate on at most this many images per class")
    add("--val-fraction", type=float, default=0.2, help="held out when there is no val/")
    add("--device", default="cpu")
    add("--seed", type=int, default=0)
    add("--output", type=Path, help="write the results as JSON here")
    args = parser.parse_args(argv)
    try:
        shots = sorted({int(s) for s in args.shots.split(",") if s.strip()})
    except ValueError:
        parser.error(f"--shots must be comma-separated integers, got {args.shots!r}")
    if not shots or min(shots) < 1 or args.draws < 1:
        parser.error("--shots must be positive integers and --draws at least 1")

    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    model = load_model(args.checkpoint).to(device)
    vocab = load_vocabulary(args.vocab)
    if len(vocab) != model.num_classes:
        raise SystemExit(
            f"--vocab has {len(vocab)} synsets but the checkpoint's head has {model.num_classes} "
            "rows; pass the vocabulary released with the checkpoint"
        )
    labels, train, val = read_image_folder(
        args.data, val_fraction=args.val_fraction, seed=args.seed
    )
    if args.max_val_per_class is not None:
        val = first_per_class(val, args.max_val_per_class)
    print(f"{len(labels)} classes, {len(train)} train / {len(val)} val images", file=sys.stderr)
    for match in resolve_labels(labels, vocab):
        print(f"  {match}", file=sys.stderr)

    val_features = extract_features(
        model, [p for p, _ in val], batch_size=args.batch_size, device=device
    )
    val_targets = torch.tensor([c for _, c in val])
    head = copy.deepcopy(model.head).cpu().float()  # the classifiers train on CPU
    zero_shot = zero_shot_classifier(head, vocab, labels, unmatched="zero")
    with torch.no_grad():
        zero_shot_accuracy = accuracy(zero_shot(val_features), val_targets)
    print(f"zero-shot top-1: {zero_shot_accuracy:.4f} ({len(val)} images)")

    draws = {
        (k, d): draw_shots(train, len(labels), k, f"{args.seed}:{k}:{d}")
        for k in shots
        for d in range(args.draws)
    }
    needed = sorted({i for indices in draws.values() for i in indices})
    train_features = dict(
        zip(
            needed,
            extract_features(
                model, [train[i][0] for i in needed], batch_size=args.batch_size, device=device
            ),
            strict=True,
        )
    )
    results: dict[str, dict[str, list[float]]] = {}
    print(f"{'shots':>5}  {'transfer init':>15}  {'random init':>15}")
    for k in shots:
        scores: dict[str, list[float]] = {"transfer": [], "random": []}
        for d in range(args.draws):
            indices = draws[(k, d)]
            features = torch.stack([train_features[i] for i in indices])
            targets = torch.tensor([train[i][1] for i in indices])
            for init in scores:
                generator = torch.Generator().manual_seed(args.seed * 1000 + d)
                classifier = nn.Linear(model.head.in_features, len(labels))
                if init == "transfer":
                    transfer_init(classifier, labels, head=head, vocab=vocab, generator=generator)
                else:
                    bound = 1 / model.head.in_features**0.5
                    with torch.no_grad():
                        classifier.weight.uniform_(-bound, bound, generator=generator)
                        classifier.bias.uniform_(-bound, bound, generator=generator)
                train_linear(
                    classifier,
                    features,
                    targets,
                    steps=args.steps,
                    lr=args.lr,
                    weight_decay=args.weight_decay,
                )
                with torch.no_grad():
                    scores[init].append(accuracy(classifier(val_features), val_targets))
        results[str(k)] = scores

        def show(values: list[float]) -> str:
            spread = statistics.stdev(values) if len(values) > 1 else 0.0
            return f"{statistics.mean(values):.4f} ± {spread:.4f}"

        print(f"{k:>5}  {show(scores['transfer']):>15}  {show(scores['random']):>15}")

    if args.output:
        report = {
            "checkpoint": str(args.checkpoint),
            "classes": labels,
            "train_images": len(train),
            "val_images": len(val),
            "zero_shot_accuracy": zero_shot_accuracy,
            "few_shot": results,
            "draws": args.draws,
            "steps": args.steps,
        }
        tmp = args.output.with_name(f".{args.output.name}.tmp")
        tmp.write_text(json.dumps(report, indent=2) + "\n")
        os.replace(tmp, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
