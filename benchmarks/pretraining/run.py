"""Pre-train one image backbone three ways (CatLIP, CLIP, none) on captioned photos, then evaluate.

CatLIP and CLIP are trained in lock-step: every step draws one batch of images with one set of
crops and flips, and each method takes its own optimizer step on it, so both see the same images
in the same order with the same augmentations, from the same initial backbone (same seed), with
the same optimizer (AdamW) and schedule (linear warm-up, cosine decay). The step times are
measured side by side, which makes the images/s ratio robust to a busy machine.

- **catlip**: labels are the WordNet synsets of the union of an image's captions
  (``catlip.text``), pruned to the synsets of at least ``--min-count`` training images
  (``catlip.vocab.Vocabulary``); ``CatLIPHead`` + ``CatLIPLoss``.
- **clip**: a linear projection on the backbone, a small causal text transformer over a BPE
  learned from the training captions, symmetric InfoNCE with a learnable temperature (init 1/0.07,
  clamped at 100, as open_clip); one of the image's captions, drawn at random, per step.
- **random**: the same backbone, untrained.

Backbones are saved at ``--checkpoints`` evenly spaced points of training, then ``evaluate.py``
writes ``RUN/results.json``.

Usage:
    python benchmarks/pretraining/run.py --captioned ../shared/data/flickr8k \\
        --downstream ../shared/data/imagenette --out RUN [--quick] [--device cuda]
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import resource
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import torch
from torch import nn

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import evaluate  # noqa: E402
from models import CLIPModel, TextTower, build_backbone, param_groups  # noqa: E402
from tokenizer import encode, train_tokenizer  # noqa: E402

from catlip.heads import CatLIPHead  # noqa: E402
from catlip.losses import CatLIPLoss  # noqa: E402
from catlip.text import SynsetExtractor  # noqa: E402
from catlip.vocab import Vocabulary, pad_labels  # noqa: E402
from data import augment, decode_images, normalise, read_flickr8k  # noqa: E402

QUICK = {
    "max_images": 256,
    "epochs": 2,
    "batch_size": 32,
    "image_size": 32,
    "widths": "8,16,32,64",
    "text_width": 32,
    "text_layers": 1,
    "text_heads": 2,
    "bpe_vocab": 500,
    "min_count": 3,
    "eval_max_per_class": 12,
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("Usage:")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--captioned", type=Path, required=True, help="Flickr8k folder (captions + images/)")
    add("--downstream", type=Path, required=True, help="folder with train/<class>/, val/<class>/")
    add("--out", type=Path, required=True, help="run folder (created)")
    add("--quick", action="store_true", help="tiny settings: checks the pipeline in ~1 minute")
    add("--device", default="cpu")
    add("--threads", type=int, default=0, help="torch CPU threads (0: all cores)")
    add("--seed", type=int, default=0)
    add("--backbone", default="cnn", help="cnn or tiny_vit")
    add("--widths", default="32,64,128,256", help="cnn channels per stage")
    add("--depth", type=int, default=1, help="cnn convs per stage")
    add("--image-size", type=int, default=48, help="training crop; images are cached at 9/8 of it")
    add("--epochs", type=int, default=10)
    add("--batch-size", type=int, default=128)
    add("--max-images", type=int, default=0, help="use only the first N training images")
    add("--warmup", type=float, default=0.05, help="fraction of steps of linear warm-up")
    add("--lr-catlip", type=float, default=2e-3)
    add("--lr-clip", type=float, default=2e-3)
    add("--wd-catlip", type=float, default=0.05)
    add("--wd-clip", type=float, default=0.05)
    add("--min-count", type=int, default=5, help="keep synsets of at least this many images")
    add("--bpe-vocab", type=int, default=4096)
    add("--context", type=int, default=32)
    add("--text-width", type=int, default=128)
    add("--text-layers", type=int, default=2)
    add("--text-heads", type=int, default=4)
    add("--embed-dim", type=int, default=256)
    add("--init-logit-scale", type=float, default=1 / 0.07)
    add("--checkpoints", type=int, default=3, help="backbones kept at this many points")
    add("--channels-last", action="store_true")
    add("--skip-eval", action="store_true")
    add("--eval-max-per-class", type=int, default=0, help="passed to evaluate.py")
    add("--tune", action="store_true", help="evaluate.py --tune: score on held-out train, not val")
    args = parser.parse_args(argv)
    if args.quick:
        defaults = parser.parse_args(["--captioned", "x", "--downstream", "x", "--out", "x"])
        for key, value in QUICK.items():
            if getattr(args, key) == getattr(defaults, key):
                setattr(args, key, value)
    return args


def label_images(
    captions: list[list[str]], min_count: int
) -> tuple[Vocabulary, list[list[int]], dict[str, Any]]:
    """CatLIP labels: synsets of the union of each image's captions, pruned by image count."""
    extractor = SynsetExtractor()
    flat = [c for caps in captions for c in caps]
    wnids = extractor.batch(flat)
    per_image: list[set[str]] = []
    at = 0
    for caps in captions:
        per_image.append({w for ws in wnids[at : at + len(caps)] for w in ws})
        at += len(caps)
    counts = Counter(w for ws in per_image for w in ws)
    vocab = Vocabulary.from_counts(
        counts, min_count=min_count, extractor_settings=extractor.settings
    )
    labels = [sorted(vocab.encode(ws)) for ws in per_image]
    stats = {
        "synsets": len(vocab),
        "labels_per_image": sum(map(len, labels)) / len(labels),
        "images_without_labels": sum(not x for x in labels),
    }
    return vocab, labels, stats


def schedule(step: int, total: int, warmup: int) -> float:
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))


def cpu_seconds() -> float:
    self, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return self.ru_utime + self.ru_stime + children.ru_utime + children.ru_stime


def flops_per_image(model: nn.Module, loss_of: Any, batch: int) -> float:
    """Forward + backward FLOPs of one training step of a copy of ``model``, per image."""
    from torch.utils.flop_counter import FlopCounterMode

    model = copy.deepcopy(model)
    with FlopCounterMode(display=False) as counter:
        loss_of(model).backward()
    return counter.get_total_flops() / batch


def pretrain(args: argparse.Namespace) -> dict[str, Any]:
    device = torch.device(args.device)
    widths = tuple(int(w) for w in args.widths.split(","))
    out: Path = args.out
    (out / "checkpoints").mkdir(parents=True, exist_ok=True)

    data = read_flickr8k(args.captioned, split="train")
    paths = list(data)[: args.max_images or None]
    captions = [data[p] for p in paths]
    started = time.perf_counter()
    vocab, labels, label_stats = label_images(captions, args.min_count)
    vocab.save(out / "vocab.json")
    tokenizer = train_tokenizer([c for caps in captions for c in caps], vocab_size=args.bpe_vocab)
    tokenizer.save(str(out / "tokenizer.json"))
    per_image = max(map(len, captions))
    flat = [caps[i % len(caps)] for caps in captions for i in range(per_image)]
    tokens, eots = encode(tokenizer, flat, context=args.context)
    tokens, eots = tokens.view(len(paths), per_image, -1), eots.view(len(paths), per_image)
    targets = pad_labels(labels)
    print(f"labels: {label_stats} ({time.perf_counter() - started:.1f}s)", file=sys.stderr)

    cache_size = args.image_size * 9 // 8
    pixels = decode_images(paths, cache_size, cache=out / "cache")
    print(f"{len(paths)} images decoded at {cache_size}px", file=sys.stderr)

    def backbone() -> tuple[nn.Module, int]:
        torch.manual_seed(args.seed)  # the same initial weights for every method
        return build_backbone(
            args.backbone, widths=widths, depth=args.depth, image_size=args.image_size
        )

    random_net, width = backbone()
    torch.save({"backbone": random_net.state_dict()}, out / "checkpoints" / "random_0.pt")
    net, _ = backbone()
    catlip = nn.ModuleDict({"backbone": net, "head": CatLIPHead(width, len(vocab))}).to(device)
    net, _ = backbone()
    text = TextTower(
        tokenizer.get_vocab_size(),
        context=args.context,
        width=args.text_width,
        layers=args.text_layers,
        heads=args.text_heads,
    )
    clip = CLIPModel(
        net, width, text, embed_dim=args.embed_dim, init_logit_scale=args.init_logit_scale
    ).to(device)
    if args.channels_last:
        catlip, clip = (
            catlip.to(memory_format=torch.channels_last),
            clip.to(memory_format=torch.channels_last),
        )
    loss_fn = CatLIPLoss()
    optimizers = {
        "catlip": torch.optim.AdamW(param_groups(catlip, args.wd_catlip), lr=args.lr_catlip),
        "clip": torch.optim.AdamW(param_groups(clip, args.wd_clip), lr=args.lr_clip),
    }
    steps_per_epoch = len(paths) // args.batch_size
    total = steps_per_epoch * args.epochs
    warmup = max(1, round(args.warmup * total))
    schedulers = {
        k: torch.optim.lr_scheduler.LambdaLR(o, lambda s: schedule(s, total, warmup))
        for k, o in optimizers.items()
    }
    keep = {round(total * (i + 1) / args.checkpoints) for i in range(args.checkpoints)}
    generator = torch.Generator().manual_seed(args.seed)
    times: dict[str, list[float]] = {"catlip": [], "clip": []}
    losses: dict[str, list[float]] = {"catlip": [], "clip": []}
    step = 0

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize()

    def catlip_loss(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return loss_fn(catlip["head"](catlip["backbone"](x)), y)

    def timed(name: str, loss_of: Any, *inputs: torch.Tensor) -> None:
        sync()
        tic = time.perf_counter()
        loss = loss_of(*inputs)
        optimizers[name].zero_grad(set_to_none=True)
        loss.backward()
        optimizers[name].step()
        sync()
        times[name].append(time.perf_counter() - tic)
        losses[name].append(loss.detach().item())
        schedulers[name].step()

    probe = torch.arange(8)
    x = normalise(augment(pixels[probe], args.image_size, torch.Generator())).to(device)
    flops = {
        "catlip": flops_per_image(
            catlip, lambda m: loss_fn(m["head"](m["backbone"](x)), targets[probe].to(device)), 8
        ),
        "clip": flops_per_image(
            clip, lambda m: m(x, tokens[probe, 0].to(device), eots[probe, 0].to(device)), 8
        ),
    }
    print(f"training FLOPs per image: {flops}", file=sys.stderr)
    catlip.train()
    clip.train()
    for epoch in range(args.epochs):
        order = torch.randperm(len(paths), generator=generator)
        for batch in order[: steps_per_epoch * args.batch_size].view(-1, args.batch_size):
            x = normalise(augment(pixels[batch], args.image_size, generator)).to(device)
            if args.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            y = targets[batch].to(device)
            pick = torch.randint(0, per_image, (len(batch),), generator=generator)
            tok, eot = tokens[batch, pick].to(device), eots[batch, pick].to(device)
            timed("catlip", catlip_loss, x, y)
            timed("clip", clip, x, tok, eot)
            step += 1
            if step in keep:
                seen = step * args.batch_size
                torch.save(
                    {
                        "backbone": catlip["backbone"].state_dict(),
                        "head": catlip["head"].state_dict(),
                        "images_seen": seen,
                    },
                    out / "checkpoints" / f"catlip_{seen}.pt",
                )
                torch.save(
                    {"model": clip.state_dict(), "images_seen": seen},
                    out / "checkpoints" / f"clip_{seen}.pt",
                )
        recent = slice(-steps_per_epoch, None)
        print(
            f"epoch {epoch + 1}/{args.epochs}  "
            f"catlip loss {statistics.mean(losses['catlip'][recent]):.3f}  "
            f"clip loss {statistics.mean(losses['clip'][recent]):.3f}  "
            f"temp {clip.logit_scale.exp().item():.1f}  "
            f"step s: catlip {statistics.median(times['catlip'][recent]):.3f} "
            f"clip {statistics.median(times['clip'][recent]):.3f}",
            file=sys.stderr,
        )

    warm = min(len(times["catlip"]) - 1, max(2, len(times["catlip"]) // 20))
    speed = {k: args.batch_size / statistics.median(t[warm:]) for k, t in times.items()}
    # Each step's two timings are taken seconds apart, under the same load: their ratio is the
    # estimate least moved by other processes on the machine.
    paired = [c / k for k, c in zip(times["catlip"][warm:], times["clip"][warm:], strict=True)]
    return {
        "images_per_second": speed,
        "images_per_second_ratio": speed["catlip"] / speed["clip"],
        "images_per_second_ratio_paired": statistics.median(paired),
        "training_flops_per_image": flops,
        "pretraining": {
            "images": len(paths),
            "steps": total,
            "images_seen": total * args.batch_size,
            "labels": label_stats,
            "bpe_vocab": tokenizer.get_vocab_size(),
            "parameters": {
                "backbone": sum(p.numel() for p in random_net.parameters()),
                "catlip_head": sum(p.numel() for p in catlip["head"].parameters()),
                "clip_text_tower_and_projections": sum(
                    p.numel() for n, p in clip.named_parameters() if not n.startswith("backbone")
                ),
            },
            "final_loss": {k: statistics.mean(v[-steps_per_epoch:]) for k, v in losses.items()},
            "final_logit_scale": clip.logit_scale.exp().item(),
            "timed_steps_after_warmup": len(times["catlip"]) - warm,
            "step_seconds": {k: [round(t, 4) for t in v] for k, v in times.items()},
        },
        "feature_width": width,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads or os.cpu_count() or 1)
    wall, cpu = time.perf_counter(), cpu_seconds()
    args.out.mkdir(parents=True, exist_ok=True)
    config = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    summary = pretrain(args)
    config["feature_width"] = summary.pop("feature_width")
    (args.out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    timing = {
        "pretrain_wall_s": time.perf_counter() - wall,
        "pretrain_cpu_s": cpu_seconds() - cpu,
    }
    (args.out / "pretraining.json").write_text(json.dumps({**summary, **timing}, indent=2) + "\n")
    if args.skip_eval:
        return 0
    eval_argv = ["--run", str(args.out), "--downstream", str(args.downstream)]
    eval_argv += ["--out", str(args.out / "results.json")]
    if args.eval_max_per_class:
        eval_argv += ["--max-per-class", str(args.eval_max_per_class)]
    if args.quick:
        eval_argv += ["--draws", "5"]
    if args.tune:
        eval_argv.append("--tune")
    code = evaluate.main(eval_argv)
    results = json.loads((args.out / "results.json").read_text())
    summary["pretraining"].pop("step_seconds")  # in RUN/pretraining.json only
    results.update(summary)
    results["timing"] = {
        **timing,
        "total_wall_s": time.perf_counter() - wall,
        "total_cpu_s": cpu_seconds() - cpu,
        "threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
    }
    results["config"] = config
    tmp = args.out / ".results.json.tmp"
    tmp.write_text(json.dumps(results, indent=2) + "\n")
    os.replace(tmp, args.out / "results.json")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
