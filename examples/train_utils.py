"""Training plumbing for the examples: process group, optimizer groups, schedule, checkpoints.

Example:
    >>> optimizer = torch.optim.AdamW(param_groups(model, weight_decay=0.2), lr=1e-3)
    >>> schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, WarmupCosine(warmup=10, total=100))
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import nn

__all__ = [
    "WarmupCosine",
    "all_mean",
    "all_objects",
    "checksum",
    "default_workers",
    "find_checkpoints",
    "get_rng_state",
    "load_checkpoint",
    "load_newest_checkpoint",
    "param_groups",
    "plain_types",
    "read_log",
    "save_checkpoint",
    "set_rng_state",
    "setup_distributed",
]

_CHECKPOINT = re.compile(r"step_(\d+)\.pt$")


def param_groups(model: nn.Module, *, weight_decay: float) -> list[dict[str, Any]]:
    """Two AdamW groups: decay for weight matrices, none for norms, biases and 1-D parameters.

    Names listed by a module's ``no_weight_decay()`` (timm's convention: position embeddings,
    class tokens) are not decayed either.
    """
    skip: set[str] = set()
    for prefix, module in model.named_modules():
        names = getattr(module, "no_weight_decay", None)
        if callable(names):
            skip.update(f"{prefix}.{n}" if prefix else n for n in names())
    decay: list[nn.Parameter] = []
    no_decay: list[nn.Parameter] = []
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        bare = name.removeprefix("_orig_mod.").removeprefix("module.")
        (no_decay if param.ndim <= 1 or bare in skip else decay).append(param)
    return [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]


class WarmupCosine:
    """Learning-rate factor: linear warm-up to 1, then cosine decay to ``min_ratio``.

    A picklable callable for ``torch.optim.lr_scheduler.LambdaLR`` (its state travels with the
    scheduler's ``state_dict``).
    """

    def __init__(self, *, warmup: int, total: int, min_ratio: float = 0.0) -> None:
        self.warmup, self.total, self.min_ratio = warmup, total, min_ratio

    def __call__(self, step: int) -> float:
        if step < self.warmup:
            return (step + 1) / self.warmup
        progress = min(1.0, (step - self.warmup) / max(1, self.total - self.warmup))
        cosine = 0.5 * (1.0 + np.cos(np.pi * progress))
        return float(self.min_ratio + (1.0 - self.min_ratio) * cosine)


def get_rng_state() -> dict[str, Any]:
    """Python, NumPy, torch (and CUDA) generator states as plain lists and numbers.

    Plain types pickle through ``all_gather_object`` and load with ``weights_only=True``.
    """
    kind, keys, pos, has_gauss, gauss = np.random.get_state(legacy=True)
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": (kind, np.asarray(keys).tolist(), pos, has_gauss, gauss),
        "torch": torch.get_rng_state().tolist(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state().tolist()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`get_rng_state` returned."""
    random.setstate(_tuples(state["python"]))
    kind, keys, pos, has_gauss, gauss = state["numpy"]
    np.random.set_state((kind, np.array(keys, dtype=np.uint32), pos, has_gauss, gauss))
    torch.set_rng_state(torch.tensor(state["torch"], dtype=torch.uint8))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state(torch.tensor(state["cuda"], dtype=torch.uint8))


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list | tuple) else value


def find_checkpoints(folder: Path) -> list[Path]:
    """Checkpoints ``step_*.pt`` in ``folder``, oldest step first."""
    found = [
        (int(m.group(1)), p) for p in folder.glob("step_*.pt") if (m := _CHECKPOINT.search(p.name))
    ]
    return [p for _, p in sorted(found)]


def plain_types(value: Any) -> Any:
    """``value`` (``vars(args)``) in plain types, so checkpoints load with ``weights_only=True``."""
    if isinstance(value, dict):
        return {k: plain_types(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_types(v) for v in value]
    return str(value) if isinstance(value, Path) else value


def save_checkpoint(state: dict[str, Any], folder: Path, *, step: int, keep: int) -> Path:
    """Write ``folder/step_XXXXXXXX.pt`` atomically, then delete all but the newest ``keep``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"step_{step:08d}.pt"
    tmp = folder / f".{path.name}.tmp"
    try:
        torch.save(state, tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    for old in find_checkpoints(folder)[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)
    return path


def load_checkpoint(path: Path, *, device: torch.device | str = "cpu") -> dict[str, Any]:
    """Load a checkpoint written by :func:`save_checkpoint` (tensors and plain containers only)."""
    return torch.load(path, map_location=device, weights_only=True)  # type: ignore[no-any-return]


def load_newest_checkpoint(
    folder: Path, *, warn: Callable[[str], None], device: torch.device | str = "cpu"
) -> tuple[Path, dict[str, Any]] | None:
    """The newest checkpoint in ``folder`` that loads, and its state; ``None`` if there is none.

    Checkpoints are written atomically, but a file can still be cut short later (a full disk, an
    interrupted copy): such a one is skipped, and ``warn`` is told which and why.

    Raises:
        SystemExit: There are checkpoints, but none of them loads.
    """
    checkpoints = find_checkpoints(folder)
    failures = []
    for path in reversed(checkpoints):
        try:
            return path, load_checkpoint(path, device=device)
        except (OSError, RuntimeError, EOFError, ValueError, pickle.UnpicklingError) as exc:
            reason = str(exc).split(". ")[0]  # torch's first sentence says what; the rest guesses
            warn(f"resume: skipping {path}: it does not load ({type(exc).__name__}: {reason})")
            failures.append(path.name)
    if checkpoints:
        raise SystemExit(
            f"resume: no checkpoint in {folder} loads ({', '.join(failures)}): move them away "
            "to start from step 0, or restore one from a backup"
        )
    return None


def read_log(path: Path, *, until_step: int, warn: Callable[[str], None]) -> list[str]:
    """The lines of a ``log.jsonl`` up to ``until_step`` (a resumed run rewrites the rest).

    A last line cut short (the run was killed while writing it) is dropped, and ``warn`` is told.

    Raises:
        SystemExit: Some other line is not JSON (the file is not this run's log).
    """
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    kept = []
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            if number == len(lines):
                warn(f"resume: {path}: dropping its torn last line ({exc})")
                break
            raise SystemExit(f"resume: {path}, line {number} is not JSON ({exc})") from None
        if record["step"] <= until_step:
            kept.append(line)
    return kept


def checksum(model: nn.Module) -> str:
    """A hex digest of every parameter and buffer, to check that DDP replicas are identical."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(
            tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
        )
    return digest.hexdigest()[:16]


def default_workers(*, most: int = 4) -> int:
    """DataLoader workers per process: this machine's CPUs shared among its ranks, at most ``most``.

    torchrun's ``LOCAL_WORLD_SIZE`` says how many ranks share the machine; the CPUs are those
    this process may run on (its affinity, where the platform has one). ``0`` (load in the
    training process) when there are fewer CPUs than ranks.
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cpus = os.cpu_count() or 1
    ranks = max(1, int(os.environ.get("LOCAL_WORLD_SIZE", "1")))
    return min(most, cpus // ranks)


def setup_distributed() -> tuple[int, int, torch.device]:
    """Join the process group torchrun describes (or none for plain ``python``)."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank, local_rank = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available():
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    if world_size > 1:
        backend = "nccl" if device.type == "cuda" else "gloo"
        dist.init_process_group(backend, device_id=device if device.type == "cuda" else None)
    return rank, world_size, device


def all_mean(values: list[float], device: torch.device, world_size: int) -> list[float]:
    """Average each value over the ranks."""
    tensor = torch.tensor(values, dtype=torch.float64, device=device)
    if world_size > 1:
        dist.all_reduce(tensor)
        tensor /= world_size
    return tensor.tolist()


def all_objects(obj: Any, world_size: int) -> list[Any]:
    """Every rank's ``obj`` (picklable), in rank order."""
    if world_size == 1:
        return [obj]
    gathered: list[Any] = [None] * world_size
    dist.all_gather_object(gathered, obj)
    return gathered
