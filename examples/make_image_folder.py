"""Cut COCO object annotations into an image folder (``OUT/CLASS/*.jpg``) for a downstream task.

``examples/transfer.py`` reads such a folder; this makes one from ``../shared/data/coco-mini`` (or
any COCO-format folder), so the tutorial runs with no download.

Usage:
    python examples/make_image_folder.py --coco ../shared/data/coco-mini --out crops \
        --categories person car dog --per-class 12
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def coco_crops(
    coco: Path, out: Path, wanted: set[str], *, per_class: int, size: int = 48, min_side: int = 24
) -> dict[str, int]:
    """Write up to ``per_class`` object crops per category to ``out/<category>/<id>.jpg``.

    Returns:
        How many crops each category got (annotations in id order: deterministic).
    """
    from PIL import Image

    instances = json.loads((coco / "annotations" / "instances_val2017.json").read_text("utf-8"))
    names = {c["id"]: c["name"] for c in instances["categories"]}
    files = {i["id"]: i["file_name"] for i in instances["images"]}
    counts = dict.fromkeys(wanted, 0)
    for ann in sorted(instances["annotations"], key=lambda a: a["id"]):
        name = names[ann["category_id"]]
        x, y, w, h = ann["bbox"]
        if name not in wanted or w < min_side or h < min_side or counts[name] >= per_class:
            continue
        with Image.open(coco / "val2017" / files[ann["image_id"]]) as image:
            crop = image.convert("RGB").crop((int(x), int(y), int(x + w), int(y + h)))
        (out / name).mkdir(parents=True, exist_ok=True)
        crop.resize((size, size)).save(out / name / f"{ann['id']}.jpg")
        counts[name] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--coco", type=Path, required=True, help="COCO folder (val2017 + annotations)"
    )
    parser.add_argument("--out", type=Path, required=True, help="output image folder")
    parser.add_argument("--categories", nargs="+", required=True, help="COCO category names")
    parser.add_argument("--per-class", type=int, default=12, help="crops per category")
    parser.add_argument("--size", type=int, default=48, help="crop side in pixels")
    args = parser.parse_args(argv)
    counts = coco_crops(
        args.coco, args.out, set(args.categories), per_class=args.per_class, size=args.size
    )
    print(json.dumps(counts, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
