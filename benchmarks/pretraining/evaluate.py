"""Evaluate the backbones of a ``run.py`` folder on a labelled image folder; write JSON.

For every saved backbone (catlip and clip at each checkpoint, random): a linear probe on frozen,
standardised features (full-batch L-BFGS logistic regression; its L2 chosen on a held-out part of
the downstream train split, then refit on all of it; val is only ever scored). For the last catlip
backbone, few-shot classifiers trained on 1/2/5/10 images a class drawn from the train split
(``--draws`` draws): Transfer Init (rows copied from the CatLIP head with
``catlip.transfer.transfer_init``) against a random init, with the same recipe, whose learning rate
and number of steps are chosen for each init on the held-out part. Zero-shot: catlip with the
head's rows (``catlip.transfer.zero_shot_classifier``), clip with its text tower on
"a photo of a {label}.".

Class folders are named by a wnid (``n01440764``) or a plain label (``golden retriever``,
``golden_retriever``); catlip resolves either with ``catlip.transfer``; CLIP reads the wnid's first
WordNet lemma.

Usage:
    python benchmarks/pretraining/evaluate.py --run RUN --downstream ../shared/data/imagenette \\
        --out RUN/results.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import statistics
import sys
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from models import CLIPModel, TextTower, build_backbone  # noqa: E402
from tokenizer import encode, load_tokenizer  # noqa: E402

from catlip.heads import CatLIPHead  # noqa: E402
from catlip.transfer import transfer_init, zero_shot_classifier  # noqa: E402
from catlip.vocab import Vocabulary  # noqa: E402
from data import decode_images, normalise, read_labelled_folder  # noqa: E402

SHOTS = (1, 2, 5, 10)
L2_GRID = (1e-5, 1e-4, 1e-3, 1e-2, 1e-1)
FEW_SHOT_LRS = (1e-3, 1e-2, 1e-1)
FEW_SHOT_STEPS = (10, 30, 100, 300)
WNID = re.compile(r"n\d{8}")


def readable(folder: str) -> str:
    """A class folder's readable name: a wnid's first WordNet lemma, else the folder name."""
    if WNID.fullmatch(folder):
        from nltk.corpus import wordnet

        synset = wordnet.synset_from_pos_and_offset("n", int(folder[1:]))
        return str(synset.lemma_names()[0]).replace("_", " ")
    return folder.replace("_", " ")


def split_held_out(targets: Tensor, fraction: float, seed: int) -> tuple[Tensor, Tensor]:
    """Indices of a seeded per-class split of the train set into (fit, held-out)."""
    generator = torch.Generator().manual_seed(seed)
    fit, held = [], []
    for c in targets.unique().tolist():
        index = (targets == c).nonzero().flatten()
        index = index[torch.randperm(len(index), generator=generator)]
        n = max(1, round(fraction * len(index)))
        held.append(index[:n])
        fit.append(index[n:])
    return torch.cat(fit), torch.cat(held)


def accuracy(logits: Tensor, targets: Tensor) -> float:
    return float((logits.argmax(1) == targets).float().mean())


def logistic_regression(x: Tensor, y: Tensor, classes: int, l2: float) -> nn.Linear:
    """Full-batch L-BFGS multinomial logistic regression, ``mean CE + l2/2 * |W|^2``."""
    model = nn.Linear(x.shape[1], classes)
    nn.init.zeros_(model.weight)
    nn.init.zeros_(model.bias)
    optimizer = torch.optim.LBFGS(
        model.parameters(), lr=1.0, max_iter=300, history_size=20, line_search_fn="strong_wolfe"
    )

    def closure() -> Tensor:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y) + 0.5 * l2 * model.weight.square().sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    return model


def linear_probe(
    train: Tensor, y: Tensor, val: Tensor, y_val: Tensor, fit: Tensor, held: Tensor
) -> dict[str, Any]:
    """Choose L2 on (fit, held-out), refit on all train features, score val."""
    classes = int(y.max()) + 1

    def standardise(reference: Tensor, *xs: Tensor) -> list[Tensor]:
        mean, std = reference.mean(0), reference.std(0).clamp_min(1e-6)
        return [(x - mean) / std for x in xs]

    a, b = standardise(train[fit], train[fit], train[held])
    held_acc = {
        l2: accuracy(logistic_regression(a, y[fit], classes, l2)(b), y[held]) for l2 in L2_GRID
    }
    best = max(L2_GRID, key=lambda l2: (held_acc[l2], l2))
    a, b = standardise(train, train, val)
    top1 = accuracy(logistic_regression(a, y, classes, best)(b), y_val)
    return {
        "top1": top1,
        "held_out_top1": held_acc[best],
        "l2": best,
        "held_out_by_l2": {str(k): v for k, v in held_acc.items()},
    }


def draw_shots(targets: Tensor, pool: Tensor, shots: int, seed: int) -> Tensor:
    generator = torch.Generator().manual_seed(seed)
    chosen = []
    for c in targets.unique().tolist():
        index = pool[targets[pool] == c]
        chosen.append(index[torch.randperm(len(index), generator=generator)[:shots]])
    return torch.cat(chosen)


def few_shot_curve(
    init: nn.Linear, x: Tensor, y: Tensor, scored: list[tuple[Tensor, Tensor]], lr: float
) -> list[list[float]]:
    """Full-batch Adam on the shots from ``init``; accuracy on each ``scored`` set at each of
    ``FEW_SHOT_STEPS``."""
    model = nn.Linear(init.in_features, init.out_features)
    model.load_state_dict(init.state_dict())
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    curve = []
    for step in range(1, max(FEW_SHOT_STEPS) + 1):
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step in FEW_SHOT_STEPS:
            with torch.no_grad():
                curve.append([accuracy(model(s), t) for s, t in scored])
    return curve


def few_shot(
    features: Tensor,
    y: Tensor,
    val: Tensor,
    y_val: Tensor,
    fit: Tensor,
    held: Tensor,
    inits: dict[str, Any],
    *,
    draws: int,
    seed: int,
) -> dict[str, Any]:
    """Few-shot top-1 per shots and init: recipe (lr, steps) chosen on held-out, val mean/std."""
    results: dict[str, Any] = {}
    for shots in SHOTS:
        row: dict[str, Any] = {}
        for name, make_init in inits.items():
            held_scores: dict[tuple[float, int], list[float]] = {}
            val_scores: dict[tuple[float, int], list[float]] = {}
            for draw in range(draws):
                index = draw_shots(y, fit, shots, seed=seed + 1000 * shots + draw)
                init = make_init(draw)
                for lr in FEW_SHOT_LRS:
                    curve = few_shot_curve(
                        init,
                        features[index],
                        y[index],
                        [(features[held], y[held]), (val, y_val)],
                        lr,
                    )
                    for steps, (h, v) in zip(FEW_SHOT_STEPS, curve, strict=True):
                        held_scores.setdefault((lr, steps), []).append(h)
                        val_scores.setdefault((lr, steps), []).append(v)
            best = max(held_scores, key=lambda k: statistics.mean(held_scores[k]))
            row[name] = statistics.mean(val_scores[best])
            row[f"{name}_std"] = statistics.stdev(val_scores[best]) if draws > 1 else 0.0
            row[f"{name}_recipe"] = {"lr": best[0], "steps": best[1]}
            row[f"{name}_held_out"] = statistics.mean(held_scores[best])
        results[str(shots)] = row
    return results


@torch.no_grad()
def features_of(backbone: nn.Module, pixels: Tensor, device: torch.device) -> Tensor:
    backbone.eval()
    chunks = [backbone(normalise(p.to(device))).float().cpu() for p in torch.split(pixels, 256)]
    return torch.cat(chunks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("Usage:")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--run", type=Path, required=True, help="a run.py output folder")
    add("--downstream", type=Path, required=True, help="folder with train/<class>/, val/<class>/")
    add("--out", type=Path, required=True, help="JSON file to write")
    add("--device", default=None, help="default: the run's")
    add("--draws", type=int, default=10, help="few-shot draws of the shots")
    add("--held-out", type=float, default=0.2, help="fraction of train used to choose settings")
    add("--max-per-class", type=int, default=0, help="use at most N images a class per split")
    add("--seed", type=int, default=0)
    add(
        "--tune",
        action="store_true",
        help="never read val/: score on the held-out part of train (for choosing settings)",
    )
    add("--threads", type=int, default=0, help="torch CPU threads (0: leave as is)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.draws < 5:
        raise SystemExit("--draws: at least 5 draws of the shots")

    config = json.loads((args.run / "config.json").read_text())
    device = torch.device(args.device or config["device"])
    vocab = Vocabulary.load(args.run / "vocab.json")
    tokenizer = load_tokenizer(str(args.run / "tokenizer.json"))
    classes, train, val = read_labelled_folder(args.downstream)
    if args.max_per_class:
        train, val = (
            [
                item
                for c in range(len(classes))
                for item in [t for t in split if t[1] == c][: args.max_per_class]
            ]
            for split in (train, val)
        )
    size = int(config["image_size"])
    cache = args.run / "cache"
    train_pixels = decode_images([p for p, _ in train], size, cache=cache)
    y = torch.tensor([c for _, c in train])
    fit, held = split_held_out(y, args.held_out, args.seed)
    if args.tune:  # the held-out part plays val; settings are chosen inside the rest
        val_pixels, y_val = train_pixels[held], y[held]
        train_pixels, y = train_pixels[fit], y[fit]
        fit, held = split_held_out(y, args.held_out, args.seed + 1)
    else:
        val_pixels = decode_images([p for p, _ in val], size, cache=cache)
        y_val = torch.tensor([c for _, c in val])
    catlip_labels = [c if WNID.fullmatch(c) else c.replace("_", " ") for c in classes]
    names = [readable(c) for c in classes]
    print(f"{len(classes)} classes {names}: {len(y)} train, {len(y_val)} scored", file=sys.stderr)

    widths = tuple(int(w) for w in config["widths"].split(","))

    def backbone() -> nn.Module:
        net, _ = build_backbone(
            config["backbone"], widths=widths, depth=config["depth"], image_size=size
        )
        return net.to(device)

    def text_tower() -> TextTower:
        return TextTower(
            tokenizer.get_vocab_size(),
            context=config["context"],
            width=config["text_width"],
            layers=config["text_layers"],
            heads=config["text_heads"],
        )

    width = int(config["feature_width"])
    points = sorted(
        (int(f.stem.split("_")[1]), f.stem.split("_")[0], f)
        for f in (args.run / "checkpoints").glob("*.pt")
    )
    data_key = hashlib.sha1(
        "\n".join(f"{p}:{c}" for p, c in [*train, *val]).encode()
        + f"{args.tune}:{args.held_out}:{args.seed}".encode()
    ).hexdigest()[:16]

    def cached(checkpoint: Path, split: str, net: nn.Module, pixels: Tensor) -> Tensor:
        """Features of a checkpoint on a split, cached beside the run's decoded images."""
        stat = checkpoint.stat()
        key = f"{checkpoint.stem}_{stat.st_size}_{stat.st_mtime_ns}_{data_key}_{split}"
        path = cache / f"features_{key}.pt"
        if path.exists():
            return torch.load(path)  # type: ignore[no-any-return]
        value = features_of(net, pixels, device)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        torch.save(value, tmp)
        os.replace(tmp, path)
        return value

    trend: dict[str, list[dict[str, Any]]] = {"catlip": [], "clip": [], "random": []}
    last: dict[str, Any] = {}
    for seen, method, file in points:
        state = torch.load(file, map_location=device)
        entry: dict[str, Any] = {"images_seen": seen}
        if method == "clip":
            model = CLIPModel(backbone(), width, text_tower(), embed_dim=config["embed_dim"])
            model.load_state_dict(state["model"])
            model.eval()
            net = model.backbone
        else:
            net = backbone()
            net.load_state_dict(state["backbone"])
        features = cached(file, "train", net, train_pixels)
        val_features = cached(file, "val", net, val_pixels)
        if method == "clip":
            tokens, eot = encode(
                tokenizer, [f"a photo of a {n}." for n in names], context=config["context"]
            )
            with torch.no_grad():
                text = model.encode_text(tokens.to(device), eot.to(device)).cpu()
                image = F.normalize(model.image_projection(val_features.to(device)), dim=-1)
            entry["zero_shot_top1"] = accuracy(image.cpu() @ text.T, y_val)
        probe = linear_probe(features, y, val_features, y_val, fit, held)
        entry.update({"linear_probe_top1": probe.pop("top1"), "linear_probe": probe})
        if method == "catlip":
            head = CatLIPHead(width, len(vocab))
            head.load_state_dict(state["head"])
            zero = zero_shot_classifier(head, vocab, catlip_labels, unmatched="zero")
            with torch.no_grad():
                entry["zero_shot_top1"] = accuracy(zero(val_features), y_val)
                # Diagnostic: the head's biases carry Flickr8k's label frequencies.
                entry["zero_shot_top1_without_bias"] = accuracy(val_features @ zero.weight.T, y_val)
            last["catlip"] = (head, features, val_features)
        trend[method].append(entry)
        print(f"{method} @ {seen}: {json.dumps(entry)}", file=sys.stderr)

    head, features, val_features = last["catlip"]
    reports: list[Any] = []

    # Few-shot classifiers see standardised features, as the linear probe does (raw features
    # train badly from any init); the statistics come from the unlabelled train images. Transfer
    # Init rows are folded into that space so that the initial logits are the head's:
    # W x + b = (W * std) z + (b + W mean), with z = (x - mean) / std.
    mean, std = features.mean(0), features.std(0).clamp_min(1e-6)

    def transfer(draw: int) -> nn.Linear:
        classifier = nn.Linear(width, len(classes))
        generator = torch.Generator().manual_seed(args.seed + draw)
        reports.append(
            transfer_init(classifier, catlip_labels, head=head, vocab=vocab, generator=generator)
        )
        with torch.no_grad():
            classifier.bias += classifier.weight @ mean
            classifier.weight *= std
        return classifier

    def random_init(draw: int) -> nn.Linear:
        torch.manual_seed(args.seed + draw)
        return nn.Linear(width, len(classes))

    shots = few_shot(
        (features - mean) / std,
        y,
        (val_features - mean) / std,
        y_val,
        fit,
        held,
        {"transfer_init": transfer, "random_init": random_init},
        draws=args.draws,
        seed=args.seed,
    )
    methods = {
        "catlip": {
            "linear_probe_top1": trend["catlip"][-1]["linear_probe_top1"],
            "few_shot_top1": shots,
            "zero_shot_top1": trend["catlip"][-1]["zero_shot_top1"],
        },
        "clip": {
            "linear_probe_top1": trend["clip"][-1]["linear_probe_top1"],
            "zero_shot_top1": trend["clip"][-1]["zero_shot_top1"],
        },
        "random": {"linear_probe_top1": trend["random"][-1]["linear_probe_top1"]},
    }
    report = reports[0]
    results = {
        "methods": methods,
        "trend": trend,
        "downstream": {
            "folder": str(args.downstream),
            "classes": classes,
            "readable_names": names,
            "train_images": len(y),
            "val_images": len(y_val),
            "scored_on": "held-out part of train" if args.tune else "val",
            "held_out_images": len(held),
            "few_shot_draws": args.draws,
            "transfer_init": {
                "counts": report.counts,
                "matches": [
                    {"label": m.label, "method": m.method, "synsets": list(m.names)}
                    for m in report.matches
                ],
            },
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(f".{args.out.name}.tmp")
    tmp.write_text(json.dumps(results, indent=2) + "\n")
    os.replace(tmp, args.out)
    print(json.dumps(methods, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
