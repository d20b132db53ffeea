"""Throughput, scaling and peak memory of `catlip vocab build`, and of the library beside it.

Builds a corpus by repeating the Flickr8k captions (../shared/data/flickr8k/Flickr8k.token.txt,
40,460 human captions) to ~200k lines, runs `catlip vocab build` as a subprocess with -j1 and -j2,
and a Python script that does the same through the library,
`count_synsets(CaptionFiles([corpus]), num_workers=2)` then `Vocabulary.from_counts` (`lib2`),
`--repeats` times each, alternating, after one untimed warm-up run that also caches the bytecode,
as an installed package has it, and prints JSON:

- captions/s end to end (wall time of the command, WordNet loading included) and for the counting
  phase alone (the command's own "counted N captions in T s" line, WordNet loading excluded),
  medians over the repeats, the -j2 / -j1 and lib2 / -j1 ratios, and lib2 / -j2 (1.0: the
  library is as fast as the command);
- whether the -j1, -j2 and lib2 vocabulary files are byte-identical;
- peak RSS of `vocab build -j1` at two corpus sizes (1x and 5x the captions, same distinct
  synsets): memory is bounded by the number of distinct synsets, not the number of captions;
- the machine's own two-process speedup on a pure-Python loop, measured before each pair of
  builds (2.0 = two free cores): on a shared host the second core is not always whole, and that
  bounds any -j2.

Usage: python benchmarks/vocab_build.py [--repeats 7] [--copies 5] [--pos wordnet|tagger] [--quick]
(--quick: 3,000 captions, --copies 1 --repeats 1, no warm-up and no memory sweep: checks the
script runs, for CI; no figures.)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FLICKR = (
    Path(os.environ.get("CATLIP_SHARED", REPO.parent / "shared"))
    / "data/flickr8k/Flickr8k.token.txt"
)
COUNTED = re.compile(r"counted ([\d,]+) captions in ([\d.]+) s")
LOADED = re.compile(r"extractor tables in ([\d.]+) s")


def _captions() -> list[str]:
    lines = FLICKR.read_text(encoding="utf-8").splitlines()
    return [line.split("\t", 1)[1] for line in lines if "\t" in line]


# What a library user writes: no gc.freeze(), no command-line code; the same two lines on stderr.
_LIBRARY = """
import sys, time
from catlip.text import SynsetExtractor
from catlip.vocab import CaptionFiles, Vocabulary, count_synsets

corpus, out, workers, pos = sys.argv[1:]
start = time.perf_counter()
extractor = SynsetExtractor(pos=pos)
extractor("a dog")
loaded = time.perf_counter() - start
print(f"loaded WordNet and the extractor tables in {loaded:.2f} s", file=sys.stderr)
start = time.perf_counter()
counts = count_synsets(CaptionFiles([corpus]), extractor=extractor, num_workers=int(workers))
elapsed = time.perf_counter() - start
print(f"counted {counts.num_captions:,} captions in {elapsed:.2f} s", file=sys.stderr)
Vocabulary.from_counts(counts, min_count=2).save(out)
"""


def _build(
    corpus: Path, out: Path, jobs: int, pos: str, *, library: bool = False
) -> dict[str, float | str]:
    env = {
        **os.environ,
        "NLTK_DATA": os.environ.get("NLTK_DATA", str(FLICKR.parents[2] / "nltk_data")),
        # Bytecode cached beside the output, as an installed package has it: with
        # PYTHONDONTWRITEBYTECODE (set on these machines) a source checkout would otherwise
        # recompile catlip in every run.
        "PYTHONPYCACHEPREFIX": str(out.parent / "pycache"),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if library:
        command = [sys.executable, "-c", _LIBRARY, str(corpus), str(out), str(jobs), pos]
    else:
        command = [sys.executable, "-m", "catlip", "vocab", "build", str(corpus)]
        command += ["--min-count", "2", "-j", str(jobs), "--pos", pos, "-o", str(out)]
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, _, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.stderr.close() if proc.stderr else None
    counted, loaded = COUNTED.search(err), LOADED.search(err)
    if counted is None or loaded is None:
        raise SystemExit(f"vocab build failed:\n{err}")
    captions = int(counted.group(1).replace(",", ""))
    return {
        "wall_s": round(wall, 3),
        "load_s": float(loaded.group(1)),
        "count_s": float(counted.group(2)),
        "captions": captions,
        "captions_per_s": round(captions / wall, 1),
        "counting_captions_per_s": round(captions / float(counted.group(2)), 1),
        # CPU seconds of the command and its workers: what -j adds in duplicated work.
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        # Linux: the largest resident set among the command and its waited-for workers.
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
    }


_SPIN = [sys.executable, "-c", "sum(range(25_000_000))"]  # ~0.4 s of pure-Python CPU work
_QUICK_SPIN = [sys.executable, "-c", "sum(range(2_500_000))"]


def _machine_speedup(spin: list[str] = _SPIN) -> float:
    """How much faster 2 processes finish 2 units of CPU work than 1 process finishes 1, x2.

    2.0 means two cores' worth of CPU; less, that the second core is partly taken (a shared
    host). It bounds what any -j2 can gain at that moment.
    """
    start = time.perf_counter()
    subprocess.run(spin, check=True)
    one = time.perf_counter() - start
    start = time.perf_counter()
    pair = [subprocess.Popen(spin) for _ in range(2)]
    for proc in pair:
        proc.wait()
    two = time.perf_counter() - start
    return 2 * one / two


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--copies", type=int, default=5, help="Flickr8k repeats (~200k lines)")
    parser.add_argument(
        "--pos", default="wordnet", help="extractor --pos (tagger: ~20x more work per caption)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="3,000 captions, one build each: for CI, no figures"
    )
    args = parser.parse_args()
    captions = _captions()
    if args.quick:
        captions, args.copies, args.repeats = captions[:3000], 1, 1
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        small, large = work / "small.txt", work / "large.txt"
        small.write_text("\n".join(captions) + "\n", encoding="utf-8")
        large.write_text("\n".join(captions * args.copies) + "\n", encoding="utf-8")
        runs: dict[str, list[dict[str, float | str]]] = {"j1": [], "j2": [], "lib2": []}
        if not args.quick:  # files into the page cache; not timed
            _build(large, work / "warm-up.json", 2, args.pos)
        machine: list[float] = []
        for _ in range(args.repeats):
            machine.append(_machine_speedup(_QUICK_SPIN if args.quick else _SPIN))
            for name, jobs, library in (("j1", 1, False), ("j2", 2, False), ("lib2", 2, True)):
                out = work / f"vocab-{name}.json"
                runs[name].append(_build(large, out, jobs, args.pos, library=library))
        memory: dict[str, float | str] = {}
        if not args.quick:  # quick: no sweep, only the timed -j1 runs' peak
            small_run = _build(small, work / "small.json", 1, args.pos)
            memory[f"{len(captions):,} captions"] = small_run["peak_rss_mib"]
        memory |= {
            f"{len(captions) * args.copies:,} captions": statistics.median(
                float(r["peak_rss_mib"]) for r in runs["j1"]
            ),
        }

    def median(jobs: str, key: str) -> float:
        return round(statistics.median(float(r[key]) for r in runs[jobs]), 1)

    def ratio(faster: str, slower: str, key: str = "captions_per_s") -> float:
        return round(median(faster, key) / median(slower, key), 2)

    result = {
        **({"quick": True} if args.quick else {}),
        "benchmark": "catlip vocab build (Flickr8k captions repeated)",
        "corpus_captions": len(captions) * args.copies,
        "extractor_pos": args.pos,
        "distinct_captions": len(set(captions)),
        "repeats": args.repeats,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        "median_captions_per_s": {name: median(name, "captions_per_s") for name in runs},
        "median_counting_captions_per_s": {
            name: median(name, "counting_captions_per_s") for name in runs
        },
        "median_wordnet_load_s": {name: median(name, "load_s") for name in runs},
        "median_cpu_s": {name: median(name, "cpu_s") for name in runs},
        "scaling_j2_over_j1": ratio("j2", "j1"),
        "scaling_j2_over_j1_counting": ratio("j2", "j1", "counting_captions_per_s"),
        # count_synsets(CaptionFiles(...), num_workers=2) through the library.
        "scaling_lib2_over_j1": ratio("lib2", "j1"),
        "scaling_lib2_over_j1_counting": ratio("lib2", "j1", "counting_captions_per_s"),
        # 1.0: the library is as fast as the command (end to end; counting alone).
        "library_over_cli_j2": ratio("lib2", "j2"),
        "library_over_cli_j2_counting": ratio("lib2", "j2", "counting_captions_per_s"),
        # The fastest run of each: close to the ratio with both cores free when the host takes
        # the second core now and then (which slows -j2 runs only).
        "scaling_j2_over_j1_fastest_runs": round(
            min(float(r["wall_s"]) for r in runs["j1"])
            / min(float(r["wall_s"]) for r in runs["j2"]),
            2,
        ),
        # The same ratio for a perfectly parallel pure-Python loop, measured before each pair of
        # builds: what the machine itself gives two processes during this run.
        "machine_two_process_speedup": round(statistics.median(machine), 2),
        "machine_two_process_speedup_runs": [round(m, 2) for m in machine],
        "identical_outputs": len({r["sha256"] for rs in runs.values() for r in rs}) == 1,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "peak_rss_mib_j1": memory,
        "runs": runs,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
