"""Forward+backward time and peak memory of the CatLIP loss (sparse vs dense) and CLIP's loss.

Three losses over the same batch size B:

- ``sparse``: ``catlip_loss(logits, indices)``, ``indices`` a ``LongTensor[B, K]`` padded with -1.
- ``dense``: build the ``[B, V]`` multi-hot target from the same index lists (as a user would:
  zeros + index_put of the valid labels), then ``catlip_loss(logits, target)``, i.e.
  ``F.binary_cross_entropy_with_logits(reduction="sum") / B``. Target construction is timed.
- ``clip``: CLIP's contrastive loss on two ``[B, 512]`` embedding sets: L2-normalise, scaled
  ``B x B`` similarity, symmetric cross-entropy (single process: no all-gather).

Time: median over ``--repeats`` runs of forward+backward (fresh leaf tensors each run, created
outside the timed region). Peak memory ("extra"): the most bytes allocated at once *during*
forward+backward, beyond the inputs (allocated before) and minus the inputs' gradients (which
backward must produce anyway: one fp32 ``[B, V]`` tensor for the BCE losses, two ``[B, 512]``
for CLIP). On CPU it comes from ``torch.profiler`` with ``profile_memory=True``: the CPU
allocator reports every allocation and free to the profiler, whose ``[memory]`` events carry a
running "Total Allocated" counter of memory allocated since profiling started; the peak of that
counter is the peak of the region. On CUDA it is ``torch.cuda.max_memory_allocated`` minus the
allocation before the region. Memory is measured in separate runs from timing.

Labels: synthetic, seeded: each row has 0..K distinct-ish labels drawn uniformly from V (K=16 by
default, ~8 on average, a few duplicates), padded with -1, like ``catlip.vocab.pad_labels``
output. V=24,320 is the size of the released DataComp vocabulary.

Usage: python benchmarks/loss.py [--batch-sizes 256 1024] [--vocab 24320] [--repeats 9]
       [--labels 16] [--threads N] [--quick]
(--quick: V=512, B=64 and 1024, one repeat, CPU only: checks the script runs, for CI; no figures.)
Prints JSON. On CPU the "done_when" block checks the issue's criteria at B=1024; where CUDA is
available it also runs B=1024 on the GPU.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from catlip.losses import catlip_loss

EMBED_DIM = 512


def make_indices(batch: int, vocab: int, k: int, gen: torch.Generator) -> torch.Tensor:
    counts = torch.randint(0, k + 1, (batch,), generator=gen)
    indices = torch.randint(0, vocab, (batch, k), generator=gen)
    indices[torch.arange(k)[None, :] >= counts[:, None]] = -1
    return indices


def multi_hot(indices: torch.Tensor, vocab: int) -> torch.Tensor:
    target = torch.zeros(indices.shape[0], vocab, device=indices.device)
    rows = torch.arange(indices.shape[0], device=indices.device)[:, None].expand_as(indices)
    valid = indices >= 0
    target[rows[valid], indices[valid]] = 1.0
    return target


def clip_loss(image: torch.Tensor, text: torch.Tensor, scale: float = 100.0) -> torch.Tensor:
    image, text = F.normalize(image, dim=-1), F.normalize(text, dim=-1)
    logits = scale * image @ text.T
    labels = torch.arange(len(image), device=image.device)
    return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2


def cases(
    batch: int, vocab: int, k: int, device: torch.device, seed: int
) -> dict[str, tuple[Callable[[], list[torch.Tensor]], Callable[[list[torch.Tensor]], None], int]]:
    """name -> (make fresh leaf inputs, forward+backward on them, bytes of their gradients)."""
    gen = torch.Generator().manual_seed(seed)
    logits = torch.randn(batch, vocab, generator=gen).to(device)
    indices = make_indices(batch, vocab, k, gen).to(device)
    image = torch.randn(batch, EMBED_DIM, generator=gen).to(device)
    text = torch.randn(batch, EMBED_DIM, generator=gen).to(device)

    def leaf(*tensors: torch.Tensor) -> Callable[[], list[torch.Tensor]]:
        return lambda: [t.clone().requires_grad_(True) for t in tensors]

    def sparse(x: list[torch.Tensor]) -> None:
        catlip_loss(x[0], indices).backward()

    def dense(x: list[torch.Tensor]) -> None:
        catlip_loss(x[0], multi_hot(indices, vocab)).backward()

    def clip(x: list[torch.Tensor]) -> None:
        clip_loss(x[0], x[1]).backward()

    bv = batch * vocab * 4
    return {
        "sparse": (leaf(logits), sparse, bv),
        "dense": (leaf(logits), dense, bv),
        "clip": (leaf(image, text), clip, 2 * batch * EMBED_DIM * 4),
    }


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def median_seconds(
    steps: dict[str, tuple[Callable[[], list[torch.Tensor]], Callable[[list[torch.Tensor]], None]]],
    device: torch.device,
    repeats: int,
) -> dict[str, float]:
    """Median forward+backward time per case; cases are interleaved (rotating order) so a
    shared machine's load hits them alike; two warm-up rounds are dropped."""
    times: dict[str, list[float]] = {name: [] for name in steps}
    names = list(steps)
    for i in range(repeats + 2):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            make, step = steps[name]
            inputs = make()
            sync(device)
            start = time.perf_counter()
            step(inputs)
            sync(device)
            if i > 1:
                times[name].append(time.perf_counter() - start)
            del inputs
    return {name: statistics.median(t) for name, t in times.items()}


def peak_bytes(
    make: Callable[[], list[torch.Tensor]],
    step: Callable[[list[torch.Tensor]], None],
    device: torch.device,
) -> int:
    inputs = make()
    if device.type == "cuda":
        sync(device)
        before = torch.cuda.memory_allocated(device)
        torch.cuda.reset_peak_memory_stats(device)
        step(inputs)
        sync(device)
        return int(torch.cuda.max_memory_allocated(device) - before)
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step(inputs)
    fd, path = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    try:
        prof.export_chrome_trace(path)
        with open(path, encoding="utf-8") as f:
            events = json.load(f)["traceEvents"]
    finally:
        os.remove(path)
    memory = [e["args"] for e in events if e.get("name") == "[memory]"]
    if not memory:
        return 0
    # "Total Allocated" is a process-wide counter that only moves while profiling: the region's
    # peak is its maximum minus its value before the region's first allocation.
    start = memory[0]["Total Allocated"] - memory[0]["Bytes"]
    return int(max(m["Total Allocated"] for m in memory) - start)


def run(batch: int, vocab: int, k: int, device: torch.device, repeats: int) -> dict[str, Any]:
    one_bv = batch * vocab * 4
    all_cases = cases(batch, vocab, k, device, seed=batch)
    seconds = median_seconds({n: (c[0], c[1]) for n, c in all_cases.items()}, device, repeats)
    out: dict[str, Any] = {}
    for name, (make, step, grad_bytes) in all_cases.items():
        extra = peak_bytes(make, step, device) - grad_bytes
        out[name] = {
            "fwd_bwd_ms": round(seconds[name] * 1e3, 2),
            "peak_extra_mb": round(extra / 2**20, 2),
            "peak_extra_fraction_of_fp32_BxV": round(extra / one_bv, 4),
        }
    out["ratios"] = {
        "time_sparse_over_dense": round(
            out["sparse"]["fwd_bwd_ms"] / out["dense"]["fwd_bwd_ms"], 3
        ),
        "extra_memory_sparse_over_dense": round(
            out["sparse"]["peak_extra_mb"] / out["dense"]["peak_extra_mb"], 4
        ),
        "time_sparse_over_clip": round(out["sparse"]["fwd_bwd_ms"] / out["clip"]["fwd_bwd_ms"], 2),
    }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[256, 1024])
    parser.add_argument("--vocab", type=int, default=24320)
    parser.add_argument("--labels", type=int, default=16, help="K, labels per row before padding")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch's default)")
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes, one repeat, CPU: for CI, no figures"
    )
    args = parser.parse_args()
    if args.quick:
        args.batch_sizes, args.vocab, args.repeats = [64, 1024], 512, 1
    if args.threads:
        torch.set_num_threads(args.threads)

    report: dict[str, Any] = {
        **({"quick": True} if args.quick else {}),
        "config": {
            "vocab": args.vocab,
            "labels_per_row_max": args.labels,
            "repeats": args.repeats,
            "torch": torch.__version__,
            "cpu_threads": torch.get_num_threads(),
            "memory_method": "cpu: torch.profiler allocator events; cuda: max_memory_allocated",
        },
        "cpu": {},
    }
    cpu = torch.device("cpu")
    for batch in args.batch_sizes:
        report["cpu"][f"B={batch}"] = run(batch, args.vocab, args.labels, cpu, args.repeats)
        print(f"done B={batch} on cpu", file=sys.stderr)
    if 1024 in args.batch_sizes:
        at = report["cpu"]["B=1024"]
        report["done_when"] = {
            "sparse_time_le_0.6x_dense": at["ratios"]["time_sparse_over_dense"] <= 0.6,
            "sparse_extra_memory_lt_5pct_of_BxV": at["sparse"]["peak_extra_fraction_of_fp32_BxV"]
            < 0.05,
        }
    if torch.cuda.is_available() and not args.quick:
        gpu = torch.device("cuda")
        report["cuda"] = {
            "device": torch.cuda.get_device_name(gpu),
            "B=1024": run(1024, args.vocab, args.labels, gpu, args.repeats),
        }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
