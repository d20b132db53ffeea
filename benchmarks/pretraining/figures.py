"""Plots of a pre-training benchmark result: linear probe vs images seen, few-shot vs shots.

Usage:
    python benchmarks/pretraining/figures.py RUN/results.json [--out benchmarks/pretraining]
    (needs matplotlib)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def plot(results: dict[str, Any], out: Path) -> list[Path]:
    """Write ``linear_probe.png`` and ``few_shot.png`` under ``out``; return their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    trend = results["trend"]
    fig, ax = plt.subplots(figsize=(5.5, 3.6), dpi=120)
    for method, style in (("catlip", "o-"), ("clip", "s-")):
        points = trend[method]
        ax.plot(
            [p["images_seen"] / 1000 for p in points],
            [100 * p["linear_probe_top1"] for p in points],
            style,
            label=method,
        )
    random = 100 * results["methods"]["random"]["linear_probe_top1"]
    ax.axhline(random, color="grey", linestyle="--", label="random init (no pre-training)")
    ax.set_xlabel("pre-training images seen (thousands)")
    ax.set_ylabel("linear probe top-1 (%)")
    ax.set_title("Frozen features on the downstream val split")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    files = [out / "linear_probe.png"]
    fig.savefig(files[0])
    plt.close(fig)

    shots = results["methods"]["catlip"]["few_shot_top1"]
    xs = sorted(shots, key=int)
    fig, ax = plt.subplots(figsize=(5.5, 3.6), dpi=120)
    for key, label, style in (
        ("transfer_init", "Transfer Init (catlip head rows)", "o-"),
        ("random_init", "random init", "s-"),
    ):
        ax.errorbar(
            [int(x) for x in xs],
            [100 * shots[x][key] for x in xs],
            yerr=[100 * shots[x][f"{key}_std"] for x in xs],
            fmt=style,
            capsize=3,
            label=label,
        )
    zero = 100 * results["methods"]["catlip"]["zero_shot_top1"]
    ax.axhline(zero, color="grey", linestyle=":", label="catlip zero-shot (0 images)")
    ax.set_xscale("log")
    ax.set_xticks([int(x) for x in xs], [str(x) for x in xs])
    ax.set_xlabel("training images per class")
    ax.set_ylabel("top-1 (%), mean ± std over draws")
    ax.set_title("Few-shot linear classifier on catlip features")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    files.append(out / "few_shot.png")
    fig.savefig(files[1])
    plt.close(fig)
    return files


def pct(value: float) -> str:
    return f"{100 * value:.1f}"


def table(results: dict[str, Any]) -> str:
    """The headline figures as an RST grid table (top-1 in %, few-shot mean ± std)."""
    m = results["methods"]
    rows = [
        (
            "linear probe",
            pct(m["catlip"]["linear_probe_top1"]),
            pct(m["clip"]["linear_probe_top1"]),
            pct(m["random"]["linear_probe_top1"]),
        ),
        (
            "zero-shot",
            pct(m["catlip"]["zero_shot_top1"]),
            pct(m["clip"]["zero_shot_top1"]),
            "10.0 (chance)" if len(results["downstream"]["classes"]) == 10 else "-",
        ),
    ]
    for shots, row in sorted(m["catlip"]["few_shot_top1"].items(), key=lambda kv: int(kv[0])):
        rows.append(
            (
                f"{shots}-shot, Transfer Init / random init",
                f"{pct(row['transfer_init'])} ± {pct(row['transfer_init_std'])} / "
                f"{pct(row['random_init'])} ± {pct(row['random_init_std'])}",
                "-",
                "-",
            )
        )
    speed = results["images_per_second"]
    rows.append(("pre-training images/s", f"{speed['catlip']:.1f}", f"{speed['clip']:.1f}", "-"))
    header = ("top-1 (%)", "catlip", "clip", "random init")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def fmt(r: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"

    out = [line, fmt(header), line.replace("-", "="), *[x for r in rows for x in (fmt(r), line)]]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--table", action="store_true", help="print the RST table instead")
    args = parser.parse_args(argv)
    results = json.loads(args.results.read_text())
    if args.table:
        print(table(results))
        return 0
    for file in plot(results, args.out):
        print(file)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
