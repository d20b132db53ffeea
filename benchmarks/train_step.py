"""Images/s of one training step: CatLIP (image tower + head + BCE) vs CLIP (+ text tower).

Both steps use the same image tower, batch, optimizer (AdamW) and precision; CLIP adds a text tower
and the symmetric InfoNCE loss over the batch, CatLIP adds a linear head over a synset vocabulary
(24,320 classes by default: the released DataComp vocabulary) and BCE with sparse targets. With
open_clip installed (``pip install open-clip-torch``) the CLIP step is open_clip's model and
``ClipLoss`` and CatLIP uses ``model.visual``; otherwise both use built-in towers of the same shapes
(ViT-B/16 image tower, CLIP's 12-layer 512-wide text tower over 77 tokens).

This is one process: it measures compute per step, not the all-gather of features that multi-GPU
CLIP also needs (CatLIP has none). Steps alternate between the two methods; the script prints JSON
with the median step time, images/s and the ratio.

Usage:
    python benchmarks/train_step.py                       # ViT-B/16 at 224, batch 32
    python benchmarks/train_step.py --preset small --batch-size 16 --repeats 5   # quick, on CPU
    python benchmarks/train_step.py --device cuda --batch-size 256
    python benchmarks/train_step.py --quick   # tiny towers on CPU, one step: for CI, no figures
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
from catlip.heads import CatLIPHead
from catlip.losses import catlip_loss
from tiny_vit import TinyViT

# image: (width, depth, heads, patch); text: (width, depth, heads); open_clip config name
PRESETS = {
    "base": ((768, 12, 12, 16), (512, 12, 8), "ViT-B-16"),
    "small": ((384, 6, 6, 16), (256, 6, 4), None),
}
CONTEXT, TOKENS = 77, 49408


class TextTower(nn.Module):
    """CLIP's text tower shape: token + position embedding, causal transformer, EOT token."""

    def __init__(self, width: int, depth: int, heads: int, embed_dim: int) -> None:
        super().__init__()
        self.tokens = nn.Embedding(TOKENS, width)
        self.position = nn.Parameter(torch.randn(CONTEXT, width) * 0.01)
        layer = nn.TransformerEncoderLayer(
            width,
            heads,
            4 * width,
            dropout=0.0,
            activation="gelu",
            batch_first=True,
            norm_first=True,
        )
        self.blocks = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(width)
        self.proj = nn.Linear(width, embed_dim, bias=False)
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(CONTEXT))

    def forward(self, text: torch.Tensor) -> torch.Tensor:
        x = self.blocks(self.tokens(text) + self.position, mask=self.mask, is_causal=True)
        out: torch.Tensor = self.proj(self.norm(x[torch.arange(len(text)), text.argmax(dim=-1)]))
        return out


class BuiltinCLIP(nn.Module):
    """Image tower + text tower + learned temperature, trained with :func:`clip_loss`."""

    def __init__(self, visual: nn.Module, text: nn.Module) -> None:
        super().__init__()
        self.visual, self.text = visual, text
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def forward(self, images: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        return clip_loss(self.visual(images), self.text(text), self.logit_scale)


def clip_loss(image: torch.Tensor, text: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    """Symmetric InfoNCE over the batch (CLIP's objective, single process)."""
    image, text = F.normalize(image, dim=-1), F.normalize(text, dim=-1)
    logits = logit_scale.exp() * image @ text.t()
    targets = torch.arange(len(image), device=image.device)
    return (F.cross_entropy(logits, targets) + F.cross_entropy(logits.t(), targets)) / 2


def build(
    args: argparse.Namespace,
) -> tuple[nn.Module, nn.Module, Callable[..., torch.Tensor], str]:
    """(CLIP model, CatLIP model, CLIP step loss, peer description)."""
    (iw, idepth, iheads, patch), (tw, tdepth, theads), open_clip_name = PRESETS[args.preset]
    embed_dim = 512
    try:
        import open_clip  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        open_clip = None
    if open_clip is not None and open_clip_name and not args.builtin:
        clip = open_clip.create_model(open_clip_name)
        loss = open_clip.ClipLoss()

        def clip_step_loss(images: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
            image_f, text_f, scale = clip(images, text)
            return loss(image_f, text_f, scale)  # type: ignore[no-any-return, unused-ignore]

        visual, width = clip.visual, int(clip.visual.output_dim)
        peer = f"open_clip {open_clip.__version__} {open_clip_name}"
    else:
        image_tower = TinyViT(
            image_size=args.image_size, patch_size=patch, width=iw, depth=idepth, heads=iheads
        )
        visual = nn.Sequential(image_tower, nn.Linear(iw, embed_dim, bias=False))
        clip = BuiltinCLIP(visual, TextTower(tw, tdepth, theads, embed_dim))
        clip_step_loss = clip

        width = embed_dim
        peer = f"built-in towers ({args.preset}: image ViT {iw}x{idepth}, text {tw}x{tdepth})"
    catlip = nn.Sequential(visual, CatLIPHead(width, args.vocab_size))
    return clip, catlip, clip_step_loss, peer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="base")
    parser.add_argument(
        "--builtin", action="store_true", help="built-in towers even with open_clip"
    )
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument("--vocab-size", type=int, default=24320)
    parser.add_argument("--labels-per-image", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick", action="store_true", help="tiny towers on CPU, one step: for CI, no figures"
    )
    args = parser.parse_args(argv)
    if args.quick:  # the small preset's built-in towers, at 32 px, B=2, V=1024
        args.preset, args.builtin, args.device = "small", True, "cpu"
        args.batch_size, args.image_size, args.vocab_size = 2, 32, 1024
        args.repeats, args.warmup = 1, 1

    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    clip, catlip, clip_step_loss, peer = build(args)
    clip.to(device)
    catlip.to(device)
    bf16 = device.type == "cuda" and torch.cuda.is_bf16_supported()
    b = args.batch_size
    images = torch.randn(b, 3, args.image_size, args.image_size, device=device)
    text = torch.randint(1, TOKENS - 1, (b, CONTEXT), device=device)
    text[:, -1] = TOKENS - 1  # end-of-text token, the argmax position
    labels = torch.randint(0, args.vocab_size, (b, args.labels_per_image), device=device)

    steps = {
        "catlip": (catlip, lambda: catlip_loss(catlip(images), labels)),
        "clip": (clip, lambda: clip_step_loss(images, text)),
    }
    optimizers = {k: torch.optim.AdamW(m.parameters(), lr=1e-4) for k, (m, _) in steps.items()}
    times: dict[str, list[float]] = {k: [] for k in steps}

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize()

    for i in range(args.warmup + args.repeats):
        for name, (model, loss_of) in steps.items():  # alternate: shared load hits both
            model.train()
            sync()
            start = time.perf_counter()
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                loss = loss_of()
            loss.backward()
            optimizers[name].step()
            optimizers[name].zero_grad(set_to_none=True)
            sync()
            if i >= args.warmup:
                times[name].append(time.perf_counter() - start)

    result: dict[str, object] = {
        **({"quick": True} if args.quick else {}),
        "benchmark": "train_step",
        "peer": peer,
        "device": str(device),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "machine": platform.machine(),
        "batch_size": b,
        "image_size": args.image_size,
        "vocab_size": args.vocab_size,
        "bf16": bf16,
        "repeats": args.repeats,
    }
    for name, values in times.items():
        median = statistics.median(values)
        result[name] = {
            "median_step_s": round(median, 5),
            "step_s": [round(v, 4) for v in values],
            "images_per_second": round(b / median, 2),
            "parameters_m": round(sum(p.numel() for p in steps[name][0].parameters()) / 1e6, 2),
        }
    result["speedup_catlip_over_clip"] = round(
        statistics.median(times["clip"]) / statistics.median(times["catlip"]), 3
    )
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
