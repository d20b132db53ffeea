"""CatLIP pre-training with DDP: image backbone + CatLIPHead + BCE over WordNet-synset labels.

One process per device. ``torchrun`` sets RANK/WORLD_SIZE/LOCAL_RANK; plain ``python`` runs one
process. NCCL on GPUs, gloo on CPU. Each rank reads its own shards, computes labels in its loader
workers (or reads them from ``catlip label`` files) and trains on a local batch; DDP averages the
gradients, which is all the synchronisation CatLIP needs (no all-gather of features as in CLIP).

``--labels`` takes label files (each loaded whole, for small sets) or one folder written by
``catlip label --per-shard``: then each loader worker holds only the labels of the shard it is
reading, so memory does not grow with the corpus. Samples the label files lack are skipped and
counted (``samples_unlabelled`` in the log), with one warning, naming a key on each side, when
they pass 1% of the samples read in a logging window: the label files' keys are not the shards'.

Usage:
    python examples/make_shards.py --coco ../shared/data/coco-mini --out shards
    catlip vocab build shards/*.tar -o vocab.json --min-count 2
    torchrun --nproc_per_node=2 examples/pretrain_ddp.py --train-data 'shards/*.tar' \\
        --vocab vocab.json --model tiny --batch-size 8 --steps 20 --output run
    # interrupted? the same command with --resume continues from the newest checkpoint in run/
    # web scale: label once per shard, then train from the label folder
    catlip label 'shards/*.tar' --vocab vocab.json --per-shard -o labels/ -j 8
    python examples/pretrain_ddp.py --train-data 'shards/*.tar' --vocab vocab.json \
        --labels labels/ --model tiny --batch-size 8 --steps 20 --output run
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader

sys.path.insert(0, str(Path(__file__).resolve().parent))
from catlip.heads import CatLIPClassifier, CatLIPHead
from catlip.losses import CatLIPLoss
from catlip.vocab import LabelCollate, Vocabulary
from data_pipeline import IMAGE_MEAN, IMAGE_STD, CaptionStream, expand_data
from labelers import Labeler, make_labeler, unlabelled_warning
from tiny_vit import build_backbone
from train_utils import (
    WarmupCosine,
    all_mean,
    all_objects,
    checksum,
    default_workers,
    get_rng_state,
    load_newest_checkpoint,
    param_groups,
    plain_types,
    read_log,
    save_checkpoint,
    set_rng_state,
    setup_distributed,
)

COUNTERS = ("steps", "wait", "images", "skipped", "unlabelled")  # per logging window
UNLABELLED_WARNING = 0.01  # warn when more than this share of the samples read has no label entry


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("Usage:")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add(
        "--train-data",
        required=True,
        nargs="+",
        help="(quoted) globs of .tar shards, or one CSV/TSV table",
    )
    add("--vocab", required=True, type=Path, help="vocabulary from `catlip vocab build`")
    add(
        "--labels",
        type=Path,
        nargs="+",
        help="label files from `catlip label`, or one folder from `catlip label --per-shard` "
        "(else: labels computed on the fly)",
    )
    add("--output", required=True, type=Path, help="run folder: checkpoints, log, summary.json")
    add("--resume", action="store_true", help="continue from the newest checkpoint in --output")
    add("--model", default="vit_base_patch16_224", help="'tiny' (built in) or a timm model name")
    add("--image-size", type=int, default=224)
    add("--batch-size", type=int, default=256, help="images per process per micro-step")
    add("--accum-steps", type=int, default=1, help="micro-steps per optimizer step")
    add("--steps", type=int, required=True, help="optimizer steps in the whole schedule")
    add("--stop-at", type=int, help="exit after this step (to split a run into jobs)")
    add("--lr", type=float, default=1e-3)
    add("--min-lr", type=float, default=1e-6)
    add("--warmup-steps", type=int, help="default: 5%% of --steps")
    add("--weight-decay", type=float, default=0.2)
    add("--beta2", type=float, default=0.999)
    add("--grad-clip", type=float, default=1.0, help="max gradient norm; 0 turns clipping off")
    add("--label-smoothing", type=float, default=0.0)
    add(
        "--precision",
        choices=["auto", "bf16", "fp32"],
        default="auto",
        help="auto: bf16 autocast on GPUs that support it, fp32 otherwise",
    )
    add("--grad-checkpointing", action="store_true", help="activation checkpointing")
    add("--compile", action="store_true", help="torch.compile the model")
    add(
        "--workers",
        type=int,
        default=default_workers(),
        help="DataLoader workers per process (default: the CPUs per process here, at most 4: "
        "%(default)s)",
    )
    add("--seed", type=int, default=0)
    add("--log-every", type=int, default=10)
    add("--save-every", type=int, default=1000)
    add("--keep-checkpoints", type=int, default=2)
    args = parser.parse_args(argv)
    for name in ("batch_size", "accum_steps", "steps", "log_every", "save_every", "image_size"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.warmup_steps is None:
        args.warmup_steps = max(1, args.steps // 20)
    return args


def throughput(windows: list[tuple[float, float]]) -> float:
    seconds = sum(t for _, t in windows)
    return sum(n for n, _ in windows) / seconds if seconds else 0.0


def make_loader(
    args: argparse.Namespace,
    labeler: Labeler,
    rank: int,
    world_size: int,
    data: dict[str, Any],
    device: torch.device,
) -> DataLoader[dict[str, Any]]:
    """This rank's loader, continuing where ``data`` (a checkpoint's data position) left off."""
    data["cursors"] = {int(k): tuple(v) for k, v in data["cursors"].items()}
    stream = CaptionStream(
        expand_data(",".join(args.train_data)),
        labeler=labeler,
        batch_size=args.batch_size,
        image_size=args.image_size,
        collate_labels=LabelCollate().labels,
        seed=args.seed,
        rank=rank,
        world_size=world_size,
        num_workers=args.workers,
        cursors=data["cursors"],
        # the loader takes batches from its workers in turn, starting with worker 0
        first_stream=data["batches"] % max(1, args.workers),
    )
    return DataLoader(
        stream,
        batch_size=None,
        num_workers=args.workers,
        pin_memory=device.type == "cuda",
        prefetch_factor=4 if args.workers else None,
        persistent_workers=args.workers > 0,
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rank, world_size, device = setup_distributed()
    is_main = rank == 0

    def log(message: str) -> None:
        if is_main:
            print(message, file=sys.stderr, flush=True)

    vocab = Vocabulary.load(args.vocab)
    labeler = make_labeler(args.labels, vocab, expand_data(",".join(args.train_data)))

    torch.manual_seed(args.seed)  # identical initial weights on every rank
    backbone, width = build_backbone(
        args.model, image_size=args.image_size, grad_checkpointing=args.grad_checkpointing
    )
    model = CatLIPClassifier(backbone, CatLIPHead(width, len(vocab))).to(device)
    optimizer = torch.optim.AdamW(
        param_groups(model, weight_decay=args.weight_decay), lr=args.lr, betas=(0.9, args.beta2)
    )
    schedule = WarmupCosine(
        warmup=args.warmup_steps, total=args.steps, min_ratio=args.min_lr / args.lr
    )
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    loss_fn = CatLIPLoss(reduction="batch_mean", label_smoothing=args.label_smoothing)

    torch.manual_seed(args.seed + rank)  # from here on, each rank draws its own numbers
    step, epochs = 0, 0
    data: dict[str, Any] = {"batches": 0, "cursors": {}, "skipped": 0}  # this rank's position
    ckpt_dir = args.output / "checkpoints"
    found = load_newest_checkpoint(ckpt_dir, warn=log) if args.resume else None
    if args.resume and world_size > 1:  # every rank must go on from the same step
        names = all_objects(found[0].name if found else None, world_size)
        if len(set(names)) > 1:
            raise SystemExit(f"resume: the ranks found different checkpoints: {names}")
    if found is not None:
        resumed_from, state = found
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        wanted = dict(vars(schedule))
        scheduler.load_state_dict(state["scheduler"])  # this also restores the schedule's shape
        if vars(schedule) != wanted:
            log("resume: --steps/--warmup-steps/--min-lr differ from the checkpoint; using the new")
            vars(schedule).update(wanted)
        step, epochs = state["step"], state["epochs"]
        if state["world_size"] == world_size and state["workers"] == args.workers:
            data = state["data"][rank]
            set_rng_state(state["rng"][rank])
        else:  # cursors belong to a different stream layout: start the next epoch afresh
            log("resume: world size or --workers changed; the data restarts at a new epoch")
            epochs += 1
            data["cursors"] = {i: (epochs, 0, 0) for i in range(max(1, args.workers))}
        log(f"resumed from {resumed_from} at step {step}")
        if step >= min(args.steps, args.stop_at or args.steps):
            log(f"nothing to do: the run is at step {step} already (--steps {args.steps})")
            if world_size > 1:
                dist.destroy_process_group()
            return 0
    elif args.resume:
        log(f"resume: no checkpoint in {ckpt_dir}; starting from step 0")

    train_model: nn.Module = model
    if world_size > 1:
        train_model = DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None
        )
    if args.compile:  # after DDP, so compile sees the bucketed all-reduce
        train_model = torch.compile(train_model)  # type: ignore[assignment]
    no_sync = getattr(getattr(train_model, "_orig_mod", train_model), "no_sync", nullcontext)

    signals = {"received": 0.0}  # SIGTERM/SIGUSR1 (SLURM pre-emption): stop at the next log step;
    # set before the loader forks its workers, so that they survive the signal too
    for number in (signal.SIGTERM, signal.SIGUSR1):
        signal.signal(number, lambda *_: signals.__setitem__("received", 1.0))
    batches = iter(make_loader(args, labeler, rank, world_size, data, device))
    cursors: dict[int, tuple[int, int, int]] = data["cursors"]

    use_bf16 = args.precision == "bf16" or (
        args.precision == "auto" and device.type == "cuda" and torch.cuda.is_bf16_supported()
    )
    mean = torch.tensor(IMAGE_MEAN, device=device).view(1, 3, 1, 1) * 255
    std = torch.tensor(IMAGE_STD, device=device).view(1, 3, 1, 1) * 255
    global_batch = args.batch_size * args.accum_steps * world_size
    log(
        f"world size {world_size}, global batch {global_batch}, vocabulary {len(vocab)}, "
        f"bf16 {use_bf16}, {sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters"
    )

    stop = min(args.steps, args.stop_at or args.steps)
    window = dict.fromkeys(COUNTERS, 0.0)
    window_loss = torch.zeros((), device=device)
    windows: list[tuple[float, float]] = []  # (global images, seconds) per logging window
    last_loss = math.nan
    log_path = args.output / "log.jsonl"
    if is_main:
        args.output.mkdir(parents=True, exist_ok=True)
        kept = read_log(log_path, until_step=step, warn=log) if step else []
        log_path.write_text("".join(line + "\n" for line in kept))
    window_start = time.perf_counter()

    def save() -> None:
        gathered = all_objects({"data": data, "rng": get_rng_state()}, world_size)
        if is_main:
            state = {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "step": step,
                "world_size": world_size,
                "workers": args.workers,
                "epochs": epochs,
                "args": plain_types(vars(args)),
                "vocab_size": len(vocab),
                "width": width,
                "data": [g["data"] for g in gathered],
                "rng": [g["rng"] for g in gathered],
            }
            save_checkpoint(state, ckpt_dir, step=step, keep=args.keep_checkpoints)

    missed: tuple[str, str] | None = None  # a sample the label files lack, for the warning
    warned = False
    while step < stop:
        train_model.train()
        step_loss = torch.zeros((), device=device)
        for micro in range(args.accum_steps):
            wait_start = time.perf_counter()
            batch = next(batches)
            window["wait"] += time.perf_counter() - wait_start
            data["batches"] += 1
            cursors[batch["stream"]] = batch["cursor"]
            epochs = max(epochs, batch["cursor"][0])
            window["skipped"] += sum(batch["skipped"].values())
            window["unlabelled"] += batch["skipped"].get("unlabelled", 0)
            missed = missed or batch["unlabelled_example"]
            data["skipped"] += sum(batch["skipped"].values())
            images = batch["images"].to(device, non_blocking=True).float().sub_(mean).div_(std)
            targets = batch["labels"].to(device, non_blocking=True)
            last_micro = micro == args.accum_steps - 1
            with nullcontext() if last_micro or world_size == 1 else no_sync():
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
                    loss = loss_fn(train_model(images), targets)
                loss_fn.validate_args = False  # first batch checked; each check syncs the GPU
                (loss / args.accum_steps).backward()
            step_loss += loss.detach().float() / args.accum_steps
            window["images"] += images.shape[0]
        if args.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
        lr = scheduler.get_last_lr()[0]  # the rate this step uses
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        window_loss += step_loss  # a device tensor: no host sync until the log step
        window["steps"] += 1

        if step % args.log_every == 0 or step == stop:
            elapsed = time.perf_counter() - window_start
            window_means = [window_loss.item() / window["steps"], *map(window.get, COUNTERS[1:])]
            loss_mean, wait, images_seen, skipped, unlabelled, signalled = all_mean(
                [*window_means, signals["received"]], device, world_size
            )
            record = {
                "step": step,
                "loss": loss_mean,
                "lr": lr,
                "images_per_second": images_seen * world_size / elapsed,
                "data_wait_fraction": wait / elapsed,
                "samples_skipped": skipped * world_size,
                "samples_unlabelled": unlabelled * world_size,
            }
            if unlabelled > UNLABELLED_WARNING * (images_seen + skipped) and not warned:
                log(unlabelled_warning(labeler, unlabelled / (images_seen + skipped), missed))
                warned = True
            last_loss = loss_mean
            windows.append((images_seen * world_size, elapsed))
            if is_main:
                log(
                    f"step {step}/{args.steps}  loss {loss_mean:.4f}  lr {record['lr']:.2e}  "
                    f"{record['images_per_second']:.1f} img/s  data wait {wait / elapsed:.0%}"
                )
                with log_path.open("a") as handle:
                    handle.write(json.dumps(record) + "\n")
            window = dict.fromkeys(window, 0.0)
            window_loss = torch.zeros((), device=device)
            window_start = time.perf_counter()
            if signalled:  # pre-emption: every rank saw the vote, so all stop at this step
                log(f"signal received: checkpointing step {step} and exiting (rerun with --resume)")
                stop = step
        if step % args.save_every == 0 or step == stop:
            save()

    checksums = all_objects(checksum(model), world_size)
    (skipped_mean,) = all_mean([data["skipped"]], device, world_size)
    if is_main:
        summary = {
            "step": step,
            "loss": last_loss,
            "images_per_second": throughput(windows[1:] or windows),  # without start-up
            "samples_skipped": round(skipped_mean * world_size),
            "world_size": world_size,
            "global_batch_size": global_batch,
            "replica_checksums": checksums,
        }
        tmp = args.output / ".summary.json.tmp"
        tmp.write_text(json.dumps(summary, indent=2) + "\n")
        os.replace(tmp, args.output / "summary.json")
        log(f"done: step {step}, loss {last_loss:.4f}; summary in {args.output / 'summary.json'}")
    if world_size > 1:
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
