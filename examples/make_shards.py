"""Write webdataset-style ``.tar`` shards from COCO captions or an ``image_path,caption`` table.

The layout is img2dataset's: one sample per image, stored as ``KEY.jpg`` (the image), ``KEY.txt``
(its caption) and ``KEY.json`` (metadata: key, source file, and every caption). For COCO, which has
five captions per image, ``--captions all`` (the default) puts all five in ``KEY.txt``, one a line,
so the labels see every noun people used; ``--captions first`` keeps one, like web alt-text. Samples
are shuffled with ``--seed`` before sharding (web shards are in random order too), and every shard
is written to a temporary file first, so a shard either exists whole or not at all.

Usage:
    python examples/make_shards.py --coco ../shared/data/coco-mini --out shards/
    python examples/make_shards.py --table pairs.csv --out shards/ --shard-size 1000
    catlip vocab build 'shards/*.tar' -o vocab.json --min-count 2
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
import tarfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from data_pipeline import read_caption_table

# (key, image path, captions, extra metadata)
Record = tuple[str, Path, list[str], dict[str, object]]


def coco_records(root: Path, *, captions: str) -> list[Record]:
    """One record per captioned image of every ``annotations/captions_*.json`` split."""
    files = sorted((root / "annotations").glob("captions_*.json"))
    if not files:
        raise SystemExit(f"--coco: no annotations/captions_*.json under {root}")
    records: list[Record] = []
    for file in files:
        split = file.stem.removeprefix("captions_")
        data = json.loads(file.read_text(encoding="utf-8"))
        by_image: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for ann in data["annotations"]:
            by_image[ann["image_id"]].append((ann["id"], ann["caption"].strip()))
        for image in data["images"]:
            texts = [text for _, text in sorted(by_image.get(image["id"], []))]
            if not texts:
                continue  # uncaptioned images carry no labels
            key = f"{image['id']:012d}"
            path = root / split / image["file_name"]
            chosen = texts if captions == "all" else texts[:1]
            meta = {"image_id": image["id"], "split": split, "captions": texts}
            records.append((key, path, chosen, meta))
    return records


def table_records(path: Path) -> list[Record]:
    """One record per ``image_path,caption`` row, keyed by row number."""
    rows = read_caption_table(path)
    return [(f"{i:09d}", Path(p), [caption], {}) for i, (p, caption) in enumerate(rows)]


def image_bytes(path: Path, resize: int) -> bytes:
    """The file's bytes, or a JPEG re-encode whose shorter side is at most ``resize`` pixels."""
    if resize <= 0 and path.suffix.lower() in {".jpg", ".jpeg"}:
        return path.read_bytes()
    with Image.open(path) as image:
        image = image.convert("RGB")
        if resize > 0 and min(image.size) > resize:
            scale = resize / min(image.size)
            image = image.resize(
                (round(image.width * scale), round(image.height * scale)), Image.Resampling.BICUBIC
            )
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=90)
        return out.getvalue()


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), 0, 0o444  # reproducible bytes
    tar.addfile(info, io.BytesIO(data))


def write_shard(path: Path, records: Iterable[Record], *, resize: int) -> int:
    """Write one shard atomically; returns the number of samples written."""
    tmp = path.with_name(f".{path.name}.tmp")
    count = 0
    try:
        with tarfile.open(tmp, "w", format=tarfile.USTAR_FORMAT) as tar:
            for key, image_path, texts, meta in records:
                _add(tar, f"{key}.jpg", image_bytes(image_path, resize))
                _add(tar, f"{key}.txt", "\n".join(texts).encode("utf-8"))
                record = {"key": key, "source": str(image_path), "caption": texts[0], **meta}
                _add(tar, f"{key}.json", json.dumps(record, sort_keys=True).encode("utf-8"))
                count += 1
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return count


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("Usage:")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--coco", type=Path, help="COCO folder (annotations/captions_*.json)")
    source.add_argument("--table", type=Path, help="CSV/TSV of image_path,caption rows")
    parser.add_argument("--out", type=Path, required=True, help="output folder for the shards")
    parser.add_argument(
        "--captions",
        choices=["all", "first"],
        default="all",
        help="COCO: all five captions per image (default) or the first",
    )
    parser.add_argument("--shard-size", type=int, default=32, help="samples per shard")
    parser.add_argument(
        "--resize",
        type=int,
        default=0,
        help="re-encode so the shorter side is at most this many pixels",
    )
    parser.add_argument("--prefix", default=None, help="shard name prefix (default: source name)")
    parser.add_argument("--seed", type=int, default=0, help="sample order shuffle seed")
    args = parser.parse_args(argv)
    if args.shard_size < 1:
        parser.error("--shard-size must be at least 1")

    if args.coco is not None:
        records, prefix = coco_records(args.coco, captions=args.captions), args.coco.name
    else:
        records, prefix = table_records(args.table), args.table.stem
    if not records:
        raise SystemExit("no captioned images found")
    random.Random(args.seed).shuffle(records)
    prefix = args.prefix or prefix
    args.out.mkdir(parents=True, exist_ok=True)
    chunks = [records[i : i + args.shard_size] for i in range(0, len(records), args.shard_size)]
    for i, chunk in enumerate(chunks):
        path = args.out / f"{prefix}-{i:06d}.tar"
        write_shard(path, chunk, resize=args.resize)
        print(f"[{i + 1}/{len(chunks)}] {path} ({len(chunk)} samples)", file=sys.stderr)
    print(f"wrote {len(records)} samples in {len(chunks)} shards to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
