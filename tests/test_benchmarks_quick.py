"""Every benchmark script's ``--quick`` mode: tiny inputs, one repeat, the full run's JSON keys.

The full runs (benchmarks/README.md) take minutes and run by hand; these keep the scripts working
against the library. Each script runs as a subprocess, as a user would run it, on the shared data
beside the repository; the checks are on the JSON's shape (ratios present and positive), never
on the figures, and on the committed results and figures being left alone.
(``web_label_quality.py`` and ``pretraining/run.py`` have their own tests.)
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import COCO_MINI, FLICKR8K, REPO, SHARED

BENCH = REPO / "benchmarks"
FLICKR = FLICKR8K
LAION = SHARED / "data" / "web-alt-text" / "laion-sample-1000.parquet"
WORDNET = Path(os.environ["NLTK_DATA"]) / "corpora" / "wordnet"  # conftest sets a fallback
GOLD_CORPORA = [
    Path(os.environ["NLTK_DATA"]) / "corpora" / f"{name}.zip"
    for name in ("brown", "treebank", "conll2000")
]

pytestmark = pytest.mark.slow


def positive(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and value > 0
        and (math.isfinite(value))
    )


def fraction(value: Any) -> bool:
    return isinstance(value, int | float) and 0.0 <= value <= 1.0


def check_engine_throughput(report: dict[str, Any]) -> None:
    assert all(positive(v) for v in report["captions_per_s_per_core"].values())
    assert len(report["captions_per_s_per_core"]) == 6
    assert positive(report["batch_api_overhead_vs_plain_loop"])
    assert positive(report["startup_s"])
    for cost in report["per_billion_captions"].values():
        assert positive(cost["core_hours"]) and positive(cost["usd"])


def check_label_quality(report: dict[str, Any]) -> None:
    assert report["images"] == 40
    for name in ("default", "reference", "pos_tagger", "pos_none", "first_sense", "no_compounds"):
        assert fraction(report[name]["recall"]) and fraction(report[name]["precision"])
        assert positive(report[name]["labels_per_image"])
    assert isinstance(report["bad_labels_default"], dict)
    assert isinstance(report["default_beats_reference"], bool)


def check_label_resolution(report: dict[str, Any]) -> None:
    for name in ("imagenet1k_clip_names", "lvis_v1", "coco_80"):
        row = report[name]
        assert row["labels"] == 60
        assert fraction(row["first_sense"]) and fraction(row["catlip_context"])
        assert row["ratio_vs_first_sense"] >= 0
    transfer = report["transfer_init_1000_labels_24320_rows"]
    for key in ("cold_process_seconds", "first_call_seconds", "median_seconds"):
        assert positive(transfer[key])
    assert sum(transfer["counts"].values()) == 60
    assert fraction(transfer["in_vocab_right"])


def check_label_shards(report: dict[str, Any]) -> None:
    assert report["shards"] == [5, 50] and report["repeats"] == 1
    for kind in ("label", "loader", "train"):
        table = report[kind]
        for mode in ("per_shard", "single_file"):
            assert all(positive(v) for v in table[mode]["peak_rss_mb"].values())
            assert positive(table[mode]["rss_ratio_50_vs_5"])
        assert positive(table["single_file_vs_per_shard_rss_at_50"])
    assert report["loader"]["per_shard"]["samples_used_at_largest"] > 0


def check_loss(report: dict[str, Any]) -> None:
    for batch in ("B=64", "B=1024"):
        row = report["cpu"][batch]
        for name in ("sparse", "dense", "clip"):
            assert positive(row[name]["fwd_bwd_ms"])
        assert all(positive(v) for v in row["ratios"].values())
    assert set(report["done_when"]) == {
        "sparse_time_le_0.6x_dense",
        "sparse_extra_memory_lt_5pct_of_BxV",
    }


def check_parquet_read(report: dict[str, Any]) -> None:
    for size in ("small", "large"):
        assert report[size]["records"] > 0
        assert positive(report[size]["parquet_over_text_speed"])
        assert all(positive(v) for v in report[size]["peak_rss_mib"].values())
    assert positive(report["parquet_peak_rss_large_over_small"])


def check_plots(report: dict[str, Any]) -> None:
    assert all(positive(r["peak_rss_mib"]) for r in report["vocab_memory"]["rows"])
    for row in report["loss_memory"]["rows"]:
        assert positive(row["sparse_extra_mib"]) and positive(row["dense_extra_mib"])
    assert [r["processes"] for r in report["workers"]["rows"]] == [1, 2]
    assert all(positive(r["captions_per_s"]) for r in report["workers"]["rows"])


def check_text_throughput(report: dict[str, Any]) -> None:
    assert all(positive(v) for v in report["startup_s"].values())
    sets = ["flickr8k", "web_alt_text_synthetic"]
    if not isinstance(report["laion"], str):  # a string: skipped, pyarrow is not installed
        sets += ["laion", "laion_warm"]
        assert positive(report["laion"]["v0_1_ratio"])
    for name in sets:
        assert positive(report[name]["ratio"])
        assert positive(report[name]["default_captions_per_s"])
    assert positive(report["batch"]["speedup"])


def check_train_step(report: dict[str, Any]) -> None:
    assert report["device"] == "cpu"
    for name in ("catlip", "clip"):
        assert positive(report[name]["images_per_second"])
    assert positive(report["speedup_catlip_over_clip"])


def check_vocab_build(report: dict[str, Any]) -> None:
    assert set(report["median_captions_per_s"]) == {"j1", "j2", "lib2"}
    assert all(positive(v) for v in report["median_captions_per_s"].values())
    for key in ("scaling_j2_over_j1", "scaling_lib2_over_j1", "library_over_cli_j2"):
        assert positive(report[key]) and positive(report[f"{key}_counting"])
    assert positive(report["machine_two_process_speedup"])
    assert report["identical_outputs"] is True
    assert all(positive(v) for v in report["peak_rss_mib_j1"].values())


def check_web_label_ceiling(report: dict[str, Any]) -> None:
    assert report["dev_captions"] == 60
    for counts in [report["default"], *report["options"].values()]:
        assert fraction(counts["precision"]) and fraction(counts["found"])
    assert len(report["options"]) == 8
    own, with_case = report["learned_filter"], report["learned_filter_with_corpus_case"]
    assert with_case["features"] > own["features"] and with_case["labels"] == own["labels"]
    for curve in (own["curve"], with_case["curve"]):
        assert [p["threshold"] for p in curve] == sorted(p["threshold"] for p in curve)
        for point in curve:
            assert point["wrong_dropped"] >= 0 and point["correct_dropped"] >= 0
            assert fraction(point["found"]) and fraction(point["audit_estimate"]["found"])
    errors = report["error_categories"]
    assert sum(errors["categories"].values()) == errors["wrong_labels"] > 0
    assert fraction(errors["gazetteer_bound"]["precision"])


def check_web_cold_bound(report: dict[str, Any]) -> None:
    assert report["captions"] == 100
    for name in ("cold", "prewarmed", "warm"):
        assert positive(report[name]["ratio"]) and positive(report[name]["default_captions_per_s"])
    assert report["prewarmed"]["written_forms"] == 2 * report["prewarmed"]["words"] == 4000
    assert all(v >= 0 for v in report["prewarmed"]["still_new_per_caption"].values())


def check_wordnet_startup(report: dict[str, Any]) -> None:
    for name in ("bundle", "folder"):
        assert positive(report[name]["first_caption_s"])
    assert positive(report["first_caption_ratio"]) and positive(report["bundle_mb"])
    assert report["repeats"] == 1


# script -> (extra arguments, data it reads, optional modules it needs, the checks)
Case = tuple[list[str], list[Path], list[str], Callable[[dict[str, Any]], None]]
CASES: dict[str, Case] = {
    "engine_throughput": (
        ["--captions", str(FLICKR), "--laion", str(LAION)],
        [FLICKR, LAION],
        ["pyarrow"],
        check_engine_throughput,
    ),
    "label_quality": (["--coco", str(COCO_MINI)], [COCO_MINI], [], check_label_quality),
    "label_resolution": ([], [], [], check_label_resolution),
    "label_shards": ([], [FLICKR], ["PIL"], check_label_shards),
    "loss": ([], [], [], check_loss),
    "parquet_read": ([], [FLICKR], ["pyarrow"], check_parquet_read),
    "plots": ([], [FLICKR], ["matplotlib"], check_plots),
    "text_throughput": (
        ["--captions", str(FLICKR), "--laion", str(LAION)],
        [FLICKR, LAION],
        [],
        check_text_throughput,
    ),
    "train_step": ([], [], [], check_train_step),
    "vocab_build": ([], [FLICKR], [], check_vocab_build),
    "web_cold_bound": ([], [FLICKR, LAION], ["pyarrow"], check_web_cold_bound),
    "web_label_ceiling": (
        [],
        [LAION, *GOLD_CORPORA],
        ["pyarrow"],
        check_web_label_ceiling,
    ),
    "wordnet_startup": (["--folder", str(WORDNET)], [WORDNET], [], check_wordnet_startup),
}


def committed_outputs() -> dict[str, bytes]:
    """What a full run writes and the repository commits: results/*.json, the figures."""
    paths = [*(BENCH / "results").glob("*.json"), *BENCH.glob("*.png")]
    return {str(path): path.read_bytes() for path in paths}


@pytest.mark.parametrize("script", sorted(CASES))
def test_quick_mode(script: str) -> None:
    args, data, modules, check = CASES[script]
    for needed in data:
        if not needed.exists():
            pytest.skip(f"{needed} is not present (shared data sets live beside the repository)")
    for module in modules:
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"benchmarks/{script}.py needs {module}")
    before = committed_outputs()
    command = [sys.executable, str(BENCH / f"{script}.py"), "--quick", *args]
    result = subprocess.run(
        command, env=dict(os.environ), capture_output=True, text=True, timeout=300, cwd=REPO
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    report = json.loads(result.stdout)
    assert report["quick"] is True
    check(report)
    assert committed_outputs() == before, "a quick run must not overwrite benchmarks/results"
