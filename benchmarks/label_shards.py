"""Peak memory of per-shard labels vs one label file, at 5 and 50 shards.

Writes synthetic webdataset shards (``--samples`` per shard; each sample a tiny JPEG and a
Flickr8k caption, keys unique over the corpus), labels them with ``catlip label``, and runs the
training data path of ``examples/pretrain_ddp.py --labels``, each step in a fresh process whose
peak RSS (``VmHWM``) is read at its end:

- ``label``: ``catlip label SHARDS --per-shard -o DIR`` vs ``catlip label SHARDS -o all.npz``
  (the baseline: one file, the same labels);
- ``loader``: the example's ``CaptionStream`` (in-process, ``num_workers=0``) over every sample
  of every shard, labelled from ``--labels DIR`` (``ShardLabels``: one shard in memory) vs
  ``--labels all.npz`` (one dict of every key);
- ``train``: ``pretrain_ddp.py --workers 0`` for a few steps with either ``--labels``.

Per step and mode it prints peak RSS at 5 and 50 shards, the ratio 50/5 and the growth per
extra sample: memory independent of the number of shards shows as a ratio of about 1. Both sizes
cycle through the same distinct captions (the labeller memoizes per word), so only the number of
samples and shards differs. Medians over ``--repeats`` (RSS barely
varies between runs; the median guards against a stray outlier).

Usage: python benchmarks/label_shards.py [--samples 2000] [--repeats 3] [--out results.json]
       [--quick]   (--samples 4 --repeats 1, one training step of 8: checks the script runs, for
       CI; no figures)
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CATLIP_SHARED", REPO.parent / "shared"))
FLICKR = SHARED / "data/flickr8k/Flickr8k.token.txt"
SHARD_COUNTS = (5, 50)


def peak_rss_mb() -> float:
    """This process's peak resident set size in MiB (``VmHWM``; ``ru_maxrss`` elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def make_shards(folder: Path, *, count: int, samples: int, distinct: int) -> list[str]:
    """``count`` shards; captions cycle through the first ``distinct`` Flickr8k captions."""
    from PIL import Image

    lines = FLICKR.read_text().splitlines()
    captions = [line.split("\t", 1)[1] for line in lines if "\t" in line][:distinct]
    jpeg = io.BytesIO()
    Image.new("RGB", (16, 16), (120, 60, 30)).save(jpeg, format="JPEG")
    image = jpeg.getvalue()
    folder.mkdir(parents=True)
    paths = []
    for shard in range(count):
        path = folder / f"shard-{shard:06d}.tar"
        with tarfile.open(path, "w") as tar:
            for i in range(samples):
                key = f"{shard:06d}{i:06d}"
                text = captions[(shard * samples + i) % len(captions)].encode()
                for name, data in ((f"{key}.jpg", image), (f"{key}.txt", text)):
                    info = tarfile.TarInfo(name)
                    info.size = len(data)
                    tar.addfile(info, io.BytesIO(data))
        paths.append(str(path))
    return paths


def child(kind: str, options: dict[str, Any]) -> dict[str, Any]:
    """One measured step, in this (fresh) process."""
    started = time.perf_counter()
    result: dict[str, Any] = {}
    if kind == "label":
        from catlip.cli import main

        argv = ["label", *options["shards"], "--vocab", options["vocab"], "-q"]
        argv += ["--per-shard", "-o", options["labels"]] if options["per_shard"] else []
        argv += [] if options["per_shard"] else ["-o", options["labels"]]
        assert main(argv) == 0
    elif kind == "loader":
        sys.path.insert(0, str(REPO / "examples"))
        from catlip.vocab import LabelCollate, Vocabulary
        from data_pipeline import CaptionStream
        from labelers import make_labeler

        vocab = Vocabulary.load(options["vocab"])
        shards = options["shards"]
        labeler = make_labeler([Path(options["labels"])], vocab, shards)
        stream = CaptionStream(
            shards,
            labeler=labeler,
            batch_size=256,
            image_size=8,
            collate_labels=LabelCollate().labels,
        )
        seen, used, total = 0, 0, len(shards) * options["samples"]
        for batch in stream:  # endless: stop after one epoch's worth of samples
            used += len(batch["images"])
            seen += len(batch["images"]) + sum(batch["skipped"].values())
            if seen >= total:
                break
        result["samples_used"] = used
        result["samples_read"] = seen
    elif kind == "train":
        sys.path.insert(0, str(REPO / "examples"))
        import pretrain_ddp

        argv = ["--train-data", ",".join(options["shards"]), "--vocab", options["vocab"]]
        argv += ["--labels", options["labels"], "--output", options["output"], "--workers", "0"]
        steps, batch = ("1", "8") if options.get("quick") else ("3", "32")
        argv += ["--model", "tiny", "--image-size", "32", "--batch-size", batch, "--steps", steps]
        argv += ["--log-every", steps]
        assert pretrain_ddp.main(argv) == 0
    else:
        raise SystemExit(f"unknown step {kind}")
    result["seconds"] = time.perf_counter() - started
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def measure(kind: str, options: dict[str, Any]) -> dict[str, Any]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO / "src")}
    command = [sys.executable, __file__, "--child", kind, json.dumps(options)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=2000, help="samples per shard")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    parser.add_argument(
        "--quick", action="store_true", help="4 samples a shard, one repeat: for CI, no figures"
    )
    parser.add_argument("--child", nargs=2, metavar=("KIND", "OPTIONS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], json.loads(args.child[1]))))
        return 0
    if args.quick:
        args.samples, args.repeats = 4, 1

    from catlip.vocab import Vocabulary, count_synsets

    with tempfile.TemporaryDirectory(prefix="label-shards-") as tmp:
        root = Path(tmp)
        # Every size sees the same distinct captions (those of the smallest), so the labeller's
        # per-word memo is the same size: what grows is only the number of samples and shards.
        distinct = min(SHARD_COUNTS) * args.samples
        all_shards = make_shards(
            root / "shards", count=max(SHARD_COUNTS), samples=args.samples, distinct=distinct
        )
        captions = [line.split("\t", 1)[1] for line in FLICKR.read_text().splitlines()[:5000]]
        counts = count_synsets(captions)
        vocab = str(Vocabulary.from_counts(counts, min_count=5).save(root / "vocab.json"))
        runs: dict[str, dict[str, dict[str, list[dict[str, Any]]]]] = {}
        for repeat in range(args.repeats):
            for count in SHARD_COUNTS:
                shards = all_shards[:count]
                for mode in ("per_shard", "single_file"):
                    labels = str(root / f"{mode}-{count}" / "labels")
                    labels += "" if mode == "per_shard" else ".npz"
                    Path(labels).parent.mkdir(exist_ok=True)
                    common = {"shards": shards, "vocab": vocab, "labels": labels}
                    steps = {
                        "label": {**common, "per_shard": mode == "per_shard"},
                        "loader": {**common, "samples": args.samples},
                        "train": {
                            **common,
                            "output": str(root / f"run-{mode}-{count}"),
                            **({"quick": True} if args.quick else {}),
                        },
                    }
                    for kind, options in steps.items():
                        got = measure(kind, options)
                        runs.setdefault(kind, {}).setdefault(mode, {}).setdefault(
                            str(count), []
                        ).append(got)
                        print(f"[{repeat}] {kind} {mode} {count} shards: {got}", file=sys.stderr)

    results: dict[str, Any] = {
        **({"quick": True} if args.quick else {}),
        "samples_per_shard": args.samples,
        "shards": list(SHARD_COUNTS),
        "repeats": args.repeats,
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
        },
    }
    small, large = (str(n) for n in SHARD_COUNTS)
    for kind, modes in runs.items():
        table: dict[str, Any] = {}
        for mode, by_count in modes.items():
            rss = {n: statistics.median(r["peak_rss_mb"] for r in v) for n, v in by_count.items()}
            secs = {n: statistics.median(r["seconds"] for r in v) for n, v in by_count.items()}
            table[mode] = {
                "peak_rss_mb": {n: round(v, 1) for n, v in rss.items()},
                "seconds": {n: round(v, 2) for n, v in secs.items()},
                f"rss_ratio_{large}_vs_{small}": round(rss[large] / rss[small], 3),
                f"rss_growth_mb_{small}_to_{large}": round(rss[large] - rss[small], 1),
                "rss_growth_bytes_per_extra_sample": round(
                    (rss[large] - rss[small]) * 2**20 / ((int(large) - int(small)) * args.samples)
                ),
            }
            extra = by_count[large][0].get("samples_used")
            if extra is not None:
                table[mode]["samples_used_at_largest"] = extra
        table[f"single_file_vs_per_shard_rss_at_{large}"] = round(
            table["single_file"]["peak_rss_mb"][large] / table["per_shard"]["peak_rss_mb"][large], 3
        )
        results[kind] = table
    text = json.dumps(results, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
