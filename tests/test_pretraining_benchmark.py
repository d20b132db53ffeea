"""The pre-training benchmark (benchmarks/pretraining) end to end on real pictures, tiny settings.

``run.py --quick`` pre-trains catlip and clip on a few hundred Flickr8k photos and evaluates on a
subset of Imagenette; these tests check the pipeline and the results schema, not accuracies.
``evaluate.py`` must also work, unchanged, on a folder whose classes are plain labels.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CATLIP_SHARED", REPO.parent / "shared"))
BENCH = REPO / "benchmarks" / "pretraining"
FLICKR, IMAGENETTE = SHARED / "data" / "flickr8k", SHARED / "data" / "imagenette"

pytestmark = pytest.mark.slow
pytest.importorskip("PIL", reason="the benchmark decodes images with Pillow: pip install pillow")
pytest.importorskip("tokenizers", reason="the CLIP baseline needs: pip install tokenizers")


def run(*args: object) -> None:
    command = [sys.executable, *map(str, args)]
    result = subprocess.run(
        command, env=dict(os.environ), capture_output=True, text=True, timeout=900, cwd=REPO
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"


def fraction(value: Any) -> bool:
    return isinstance(value, float) and 0.0 <= value <= 1.0


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    for needed in (FLICKR, IMAGENETTE):
        if not needed.exists():
            pytest.skip(f"{needed} is not present (shared data sets live beside the repository)")
    out = tmp_path_factory.mktemp("pretraining") / "run"
    run(
        BENCH / "run.py", "--captioned", FLICKR, "--downstream", IMAGENETTE, "--out", out, "--quick"
    )
    return out


def check_schema(results: dict[str, Any]) -> None:
    methods = results["methods"]
    assert set(methods) == {"catlip", "clip", "random"}
    for method in methods.values():
        assert fraction(method["linear_probe_top1"])
    for method in ("catlip", "clip"):
        assert fraction(methods[method]["zero_shot_top1"])
    shots = methods["catlip"]["few_shot_top1"]
    assert set(shots) == {"1", "2", "5", "10"}
    for row in shots.values():
        for init in ("transfer_init", "random_init"):
            assert fraction(row[init])
            assert row[f"{init}_std"] >= 0.0 and not math.isnan(row[f"{init}_std"])
    assert results["downstream"]["few_shot_draws"] >= 5


def test_quick_run_writes_the_schema(quick_run: Path) -> None:
    results = json.loads((quick_run / "results.json").read_text())
    check_schema(results)
    speed = results["images_per_second"]
    assert speed["catlip"] > 0 and speed["clip"] > 0
    assert results["images_per_second_ratio"] == pytest.approx(speed["catlip"] / speed["clip"])
    # The trend of claim 1: catlip and clip at three points of training, the same points.
    seen = {m: [p["images_seen"] for p in results["trend"][m]] for m in ("catlip", "clip")}
    assert len(seen["catlip"]) == 3 and seen["catlip"] == seen["clip"]
    assert seen["catlip"][-1] == results["pretraining"]["images_seen"]
    assert results["timing"]["total_cpu_s"] > 0 and results["timing"]["total_wall_s"] > 0
    assert sum(results["downstream"]["transfer_init"]["counts"].values()) == 10


def test_figures_from_a_result(quick_run: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    run(BENCH / "figures.py", quick_run / "results.json", "--out", tmp_path)
    assert (tmp_path / "linear_probe.png").stat().st_size > 0
    assert (tmp_path / "few_shot.png").stat().st_size > 0


def test_evaluate_on_plain_label_folders(quick_run: Path, tmp_path: Path) -> None:
    plain = {"n03028079": "church", "n03445777": "golf ball", "n03417042": "garbage_truck"}
    for split, count in (("train", 6), ("val", 3)):
        for wnid, label in plain.items():
            target = tmp_path / "folder" / split / label
            target.mkdir(parents=True)
            for image in sorted((IMAGENETTE / split / wnid).iterdir())[:count]:
                shutil.copy(image, target / image.name)
    out = tmp_path / "plain.json"
    run(
        BENCH / "evaluate.py",
        "--run",
        quick_run,
        "--downstream",
        tmp_path / "folder",
        "--out",
        out,
        "--draws",
        "5",
    )
    results = json.loads(out.read_text())
    check_schema(results)
    assert results["downstream"]["readable_names"] == ["church", "garbage truck", "golf ball"]
    assert results["downstream"]["val_images"] == 9
