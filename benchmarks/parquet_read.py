"""Reading img2dataset-style parquet with read_records: records/s and peak RSS vs plain text.

Writes an img2dataset-style parquet file (``key, caption, status, url``; every 5th row a failed
download, row groups of 65,536 rows) of Flickr8k captions repeated to ``--rows`` and to 3x that,
plus a text file of the same successful captions (the baseline), then reads each in a fresh
process with ``read_records`` (nothing else: no synset extraction) and prints JSON: records/s
(median of ``--repeats``), and peak RSS at both sizes (memory must not grow with the file).

    python benchmarks/parquet_read.py --rows 1000000 --repeats 3   # needs pyarrow
    python benchmarks/parquet_read.py --quick   # 2,000 rows, one repeat: for CI, no figures
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FLICKR8K = REPO.parent / "shared" / "data" / "flickr8k" / "Flickr8k.token.txt"

# Peak RSS from VmHWM: ru_maxrss would carry over the parent's peak across fork and exec.
CHILD = """
import re, sys, time
from catlip.vocab import read_records
start = time.perf_counter()
count = sum(1 for _ in read_records([sys.argv[1]]))
elapsed = time.perf_counter() - start
status = open("/proc/self/status").read()
peak = int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) / 1024
print(count, count / elapsed, peak)
"""


def write_inputs(folder: Path, rows: int) -> tuple[Path, Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    lines = FLICKR8K.read_text(encoding="utf-8").splitlines()
    captions = [line.split("\t", 1)[1] for line in lines]
    captions = (captions * (rows // len(captions) + 1))[:rows]
    ok = [i % 5 != 0 for i in range(rows)]
    table = pa.table(
        {
            "key": [f"{i:09d}" for i in range(rows)],
            "caption": captions,
            "status": ["success" if good else "failed_to_download" for good in ok],
            "url": [f"https://example.com/{i}.jpg" for i in range(rows)],
        }
    )
    parquet, text = folder / f"{rows}.parquet", folder / f"{rows}.txt"
    pq.write_table(table, parquet, row_group_size=65_536)
    kept = (c for c, good in zip(captions, ok, strict=True) if good)
    text.write_text("".join(c + "\n" for c in kept), encoding="utf-8")
    return parquet, text


def read(path: Path) -> tuple[int, float, float]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], env=env, check=True, capture_output=True
    )
    count, rate, peak = out.stdout.split()
    return int(count), float(rate), float(peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="2,000 rows, one repeat: checks the script runs (CI); no figures",
    )
    args = parser.parse_args()
    if args.quick:
        args.rows, args.repeats = 2000, 1
    result: dict[str, object] = {"rows": args.rows, "repeats": args.repeats}
    if args.quick:
        result["quick"] = True
    with tempfile.TemporaryDirectory() as tmp:
        for label, rows in (("small", args.rows), ("large", 3 * args.rows)):
            parquet, text = write_inputs(Path(tmp), rows)
            runs = {"parquet": [], "text": []}  # type: dict[str, list[tuple[int, float, float]]]
            for _ in range(args.repeats):  # alternate, so both see the same machine
                runs["parquet"].append(read(parquet))
                runs["text"].append(read(text))
            counts = {kind: {r[0] for r in found} for kind, found in runs.items()}
            assert counts["parquet"] == counts["text"], counts  # the same successful rows
            rates = {kind: statistics.median(r[1] for r in found) for kind, found in runs.items()}
            peaks = {kind: statistics.median(r[2] for r in found) for kind, found in runs.items()}
            result[label] = {
                "rows": rows,
                "records": counts["text"].pop(),
                "records_per_s": {k: round(v) for k, v in rates.items()},
                "parquet_over_text_speed": round(rates["parquet"] / rates["text"], 2),
                "peak_rss_mib": {k: round(v, 1) for k, v in peaks.items()},
            }
    small, large = result["small"], result["large"]
    assert isinstance(small, dict) and isinstance(large, dict)
    result["parquet_peak_rss_large_over_small"] = round(
        large["peak_rss_mib"]["parquet"] / small["peak_rss_mib"]["parquet"], 2
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
