"""Transfer a CatLIP checkpoint to a labelled image folder: Transfer Init, then probe or fine-tune.

The downstream classifier starts from the pre-training head: each class name is mapped to WordNet
synsets and its weight row is copied from the matching vocabulary rows (``catlip.transfer``), so the
model classifies sensibly before any training. Then it is trained as a linear probe (frozen
backbone; features are computed once) or fine-tuned end to end. ``--init random`` gives the
baseline to compare with.

The image folder holds one sub-folder per class (``dog/``, ``golden_retriever/``; underscores
become spaces), either directly or under ``train/`` and ``val/``. Without ``val/``, a seeded
``--val-fraction`` of each class is held out.

Usage:
    python examples/transfer.py --checkpoint run/ --vocab vocab.json --data pets/ \\
        --mode linear-probe --epochs 20 --output transfer.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from catlip.heads import CatLIPClassifier, CatLIPHead
from catlip.transfer import transfer_init
from catlip.vocab import Vocabulary
from data_pipeline import IMAGE_MEAN, IMAGE_STD, decode_image
from tiny_vit import build_backbone
from train_utils import find_checkpoints, load_checkpoint, param_groups

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}
MEAN = torch.tensor(IMAGE_MEAN).view(1, 3, 1, 1) * 255
STD = torch.tensor(IMAGE_STD).view(1, 3, 1, 1) * 255

Split = list[tuple[Path, int]]


def read_image_folder(
    root: Path, *, val_fraction: float, seed: int
) -> tuple[list[str], Split, Split]:
    """Class names and ``(path, class)`` lists for training and validation."""
    base = root / "train" if (root / "train").is_dir() else root
    classes = sorted(p.name for p in base.iterdir() if p.is_dir())
    if len(classes) < 2:
        raise SystemExit(f"--data: {base} needs at least two class sub-folders")

    def files(folder: Path) -> list[Path]:
        return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)

    train: Split = []
    val: Split = []
    for index, name in enumerate(classes):
        images = files(base / name)
        if (root / "val").is_dir():
            train += [(p, index) for p in images]
            val += (
                [(p, index) for p in files(root / "val" / name)]
                if (root / "val" / name).is_dir()
                else []
            )
        else:
            random.Random(f"{seed}:{name}").shuffle(images)
            held = max(1, round(len(images) * val_fraction)) if len(images) > 1 else 0
            val += [(p, index) for p in images[:held]]
            train += [(p, index) for p in images[held:]]
    return [name.replace("_", " ") for name in classes], train, val


def load_pretrained(path: Path) -> tuple[CatLIPClassifier, dict[str, Any]]:
    """Rebuild the pre-trained model from a checkpoint file or run folder (newest checkpoint)."""
    if path.is_dir():
        found = find_checkpoints(path / "checkpoints") or find_checkpoints(path)
        if not found:
            raise SystemExit(f"--checkpoint: no step_*.pt under {path}")
        path = found[-1]
    state = load_checkpoint(path)
    config = state["args"]
    backbone, width = build_backbone(config["model"], image_size=config["image_size"])
    model = CatLIPClassifier(backbone, CatLIPHead(width, state["vocab_size"]))
    model.load_state_dict(state["model"])
    print(f"loaded {path} (step {state['step']}, model {config['model']})", file=sys.stderr)
    return model, config


def load_images(split: Split, size: int, *, rng: random.Random | None) -> torch.Tensor:
    """Decode a split to a normalised float batch (augmented when ``rng`` is given)."""
    pixels = torch.stack([decode_image(p.read_bytes(), size, rng) for p, _ in split])
    return (pixels.float() - MEAN) / STD


def accuracy(logits: torch.Tensor, targets: torch.Tensor) -> float:
    return float((logits.argmax(dim=1) == targets).float().mean()) if len(targets) else float("nan")


@torch.no_grad()
def features_of(backbone: nn.Module, images: torch.Tensor, batch_size: int) -> torch.Tensor:
    backbone.eval()
    return torch.cat([backbone(chunk) for chunk in torch.split(images, batch_size)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("Usage:")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--checkpoint", type=Path, required=True, help="pretrain_ddp.py run folder or step_*.pt")
    add("--vocab", type=Path, required=True, help="the vocabulary the checkpoint was trained with")
    add("--data", type=Path, required=True, help="image folder: CLASS/*.jpg, or train/ and val/")
    add("--mode", choices=["linear-probe", "fine-tune"], default="linear-probe")
    add("--init", choices=["transfer", "random"], default="transfer")
    add("--epochs", type=int, default=10)
    add("--lr", type=float, default=1e-3)
    add("--weight-decay", type=float, default=0.05)
    add("--batch-size", type=int, default=64)
    add("--val-fraction", type=float, default=0.2)
    add("--seed", type=int, default=0)
    add("--output", type=Path, help="write the results as JSON here")
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    model, config = load_pretrained(args.checkpoint)
    vocab = Vocabulary.load(args.vocab)
    if len(vocab) != model.num_classes:
        raise SystemExit(
            f"--vocab has {len(vocab)} synsets but the checkpoint's head has {model.num_classes}; "
            "pass the vocabulary used for pre-training"
        )
    labels, train, val = read_image_folder(
        args.data, val_fraction=args.val_fraction, seed=args.seed
    )
    size = int(config["image_size"])
    print(f"{len(labels)} classes, {len(train)} train / {len(val)} val images", file=sys.stderr)

    classifier = nn.Linear(model.head.in_features, len(labels))
    report = None
    if args.init == "transfer":
        generator = torch.Generator().manual_seed(args.seed)
        report = transfer_init(
            classifier, labels, head=model.head, vocab=vocab, generator=generator
        )
        print(report)
    backbone = model.backbone
    val_images = load_images(val, size, rng=None)
    val_targets = torch.tensor([c for _, c in val])
    train_targets = torch.tensor([c for _, c in train])

    def evaluate() -> float:
        backbone.eval()
        with torch.no_grad():
            return accuracy(
                classifier(features_of(backbone, val_images, args.batch_size)), val_targets
            )

    initial = evaluate()
    print(f"val accuracy before training: {initial:.3f}", file=sys.stderr)
    if args.mode == "linear-probe":
        for p in backbone.parameters():
            p.requires_grad_(False)
        train_features = features_of(backbone, load_images(train, size, rng=None), args.batch_size)
        trained: nn.Module = classifier
    else:
        trained = nn.Sequential(backbone, classifier)
    optimizer = torch.optim.AdamW(param_groups(trained, weight_decay=args.weight_decay), lr=args.lr)
    order = torch.Generator().manual_seed(args.seed)
    for epoch in range(args.epochs):
        if args.mode == "fine-tune":  # fresh augmentation every epoch
            inputs = load_images(train, size, rng=random.Random(f"{args.seed}:{epoch}"))
            trained.train()
        else:
            inputs = train_features
        total = 0.0
        for batch in torch.split(torch.randperm(len(train), generator=order), args.batch_size):
            loss = F.cross_entropy(trained(inputs[batch]), train_targets[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            optimizer.step()
            total += loss.item() * len(batch)
        print(
            f"epoch {epoch + 1}/{args.epochs}  loss {total / max(1, len(train)):.4f}",
            file=sys.stderr,
        )

    final = evaluate()
    print(f"val accuracy after {args.mode}: {final:.3f} (before: {initial:.3f})", file=sys.stderr)
    result = {
        "mode": args.mode,
        "init": args.init,
        "classes": labels,
        "train_images": len(train),
        "val_images": len(val),
        "epochs": args.epochs,
        "val_accuracy_before": initial,
        "val_accuracy": final,
        "transfer_report": str(report) if report is not None else None,
    }
    if args.output:
        tmp = args.output.with_name(f".{args.output.name}.tmp")
        tmp.write_text(json.dumps(result, indent=2) + "\n")
        os.replace(tmp, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
