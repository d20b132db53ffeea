"""End-to-end tests of the reference examples (examples/*.py) on coco-mini, on CPU.

The examples live in the repository, not in the package: they run as subprocesses (the way users
run them) and the data pipeline is imported from ``examples/`` by path.
"""

from __future__ import annotations

import importlib.util
import io
import json
import math
import os
import subprocess
import sys
import tarfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
PRETRAIN, TRANSFER, MAKE_SHARDS = (
    EXAMPLES / f"{n}.py" for n in ("pretrain_ddp", "transfer", "make_shards")
)
SMALL = ["--model", "tiny", "--image-size", "32", "--log-every", "1", "--seed", "3"]

pytestmark = pytest.mark.slow
pytest.importorskip("PIL", reason="the examples decode images with Pillow: pip install pillow")
pytest.importorskip("webdataset", reason="the examples read shards with webdataset")


def run(*args: object) -> subprocess.CompletedProcess[str]:
    """Run ``python ARGS`` from the repository root, one thread per process; fail loudly."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [sys.executable, *map(str, args)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=REPO)
    assert result.returncode == 0, (
        f"{command}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    )
    return result


def read_json(path: Path) -> dict[str, object]:
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def losses(run_dir: Path) -> list[float]:
    return [json.loads(line)["loss"] for line in (run_dir / "log.jsonl").read_text().splitlines()]


@pytest.fixture(scope="session")
def shards(coco_mini: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """coco-mini as shards, its vocabulary (min count 2) and precomputed labels."""
    from catlip.cli import main as catlip

    root = tmp_path_factory.mktemp("coco-shards")
    out = root / "shards"
    run(MAKE_SHARDS, "--coco", coco_mini, "--out", out, "--resize", "48")
    tars = [str(p) for p in sorted(out.glob("*.tar"))]
    vocab, labels = root / "vocab.json", root / "labels.jsonl"
    assert catlip(["vocab", "build", *tars, "-o", str(vocab), "--min-count", "2", "-q"]) == 0
    assert catlip(["label", "--vocab", str(vocab), *tars, "-o", str(labels), "-q"]) == 0
    return {"dir": out, "glob": out / "*.tar", "vocab": vocab, "labels": labels}


_SCHEDULE = ["--batch-size", "24", "--steps", "8", "--workers", "2"]


def _data(shards: dict[str, Path]) -> list[object]:
    return [
        "--train-data",
        shards["glob"],
        "--vocab",
        shards["vocab"],
        "--labels",
        shards["labels"],
    ]


def pretrain(shards: dict[str, Path], output: Path, *extra: str) -> None:
    """8 steps of 24 images, 2 loader workers over 5 shards: one worker wraps into epoch 1."""
    run(PRETRAIN, *_data(shards), *_SCHEDULE, "--output", output, *SMALL, *extra)


@pytest.fixture(scope="session")
def pretrained(shards: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted single-process run."""
    output = tmp_path_factory.mktemp("pretrain") / "run"
    pretrain(shards, output)
    return output


def test_make_shards_layout(shards: dict[str, Path]) -> None:
    tars = sorted(shards["dir"].glob("*.tar"))
    assert len(tars) == 5  # 159 captioned images, 32 per shard
    with tarfile.open(tars[0]) as tar:
        names = tar.getnames()
        meta = json.loads(tar.extractfile(names[2]).read())  # type: ignore[union-attr]
    assert [n.rsplit(".", 1)[1] for n in names[:3]] == ["jpg", "txt", "json"]
    assert len(meta["captions"]) >= 5 and meta["caption"] == meta["captions"][0]


def test_torchrun_two_ranks_gloo(shards: dict[str, Path], tmp_path: Path) -> None:
    output = tmp_path / "ddp"
    launcher = ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    options = [
        "--batch-size",
        "8",
        "--accum-steps",
        "2",
        "--steps",
        "4",
        "--workers",
        "1",
        "--grad-checkpointing",
    ]
    # no --labels: labels are computed from the captions in the loader workers
    run(*launcher, PRETRAIN, "--train-data", shards["glob"], "--vocab", shards["vocab"],
        *options, "--output", output, *SMALL)  # fmt: skip
    summary = read_json(output / "summary.json")
    assert summary["step"] == 4 and summary["world_size"] == 2
    assert summary["global_batch_size"] == 32 and summary["samples_skipped"] == 0
    assert math.isfinite(summary["loss"]) and summary["images_per_second"] > 0  # type: ignore[operator, arg-type]
    checksums = summary["replica_checksums"]
    assert len(checksums) == 2 and checksums[0] == checksums[1]  # type: ignore[arg-type, index]
    assert (output / "checkpoints" / "step_00000004.pt").exists()
    assert len(losses(output)) == 4


def test_resume_continues_exactly(
    shards: dict[str, Path], pretrained: Path, tmp_path: Path
) -> None:
    output = tmp_path / "split"
    pretrain(shards, output, "--stop-at", "3")  # 3 batches: resumes mid worker rotation
    assert read_json(output / "summary.json")["step"] == 3
    pretrain(shards, output, "--resume")
    assert len(losses(output)) == 8
    assert losses(output) == pytest.approx(losses(pretrained), rel=1e-5)
    weights = read_json(output / "summary.json")["replica_checksums"]
    assert weights == read_json(pretrained / "summary.json")["replica_checksums"]


def test_resume_skips_a_checkpoint_that_does_not_load_and_a_torn_log_line(
    shards: dict[str, Path], pretrained: Path, tmp_path: Path
) -> None:
    output = tmp_path / "torn"
    pretrain(shards, output, "--stop-at", "3", "--save-every", "1")  # keeps steps 2 and 3
    newest = output / "checkpoints" / "step_00000003.pt"
    newest.write_bytes(newest.read_bytes()[:1000])  # truncated, as by a full disk
    with (output / "log.jsonl").open("a") as log:
        log.write('{"step": 4, "loss": 0.9')  # a line cut short by a crash
    result = run(PRETRAIN, *_data(shards), *_SCHEDULE, "--output", output, *SMALL, "--resume")
    assert f"resume: skipping {newest}: it does not load" in result.stderr
    assert "resumed from" in result.stderr and "step_00000002.pt at step 2" in result.stderr
    assert "dropping its torn last line" in result.stderr
    # From step 2 the run goes on exactly as if never interrupted.
    assert losses(output) == pytest.approx(losses(pretrained), rel=1e-5)
    weights = read_json(output / "summary.json")["replica_checksums"]
    assert weights == read_json(pretrained / "summary.json")["replica_checksums"]


def test_resume_refuses_when_no_checkpoint_loads(shards: dict[str, Path], tmp_path: Path) -> None:
    output = tmp_path / "broken"
    (output / "checkpoints").mkdir(parents=True)
    (output / "checkpoints" / "step_00000002.pt").write_bytes(b"not a checkpoint")
    command = [sys.executable, PRETRAIN, *_data(shards), *_SCHEDULE, "--output", output, *SMALL]
    result = subprocess.run(
        [*map(str, command), "--resume"], capture_output=True, text=True, timeout=300, cwd=REPO
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    assert "no checkpoint in" in result.stderr and "loads" in result.stderr
    assert "step_00000002.pt" in result.stderr


def test_pretrain_with_per_shard_labels(shards: dict[str, Path], tmp_path: Path) -> None:
    """``--labels DIR`` from ``catlip label --per-shard``; label-file misses are counted, warned."""
    from catlip.cli import main as catlip
    from catlip.vocab import Vocabulary, save_labels

    labels = tmp_path / "labels"
    glob = str(shards["glob"])
    assert catlip(["label", glob, "--vocab", str(shards["vocab"]), "--per-shard", "-o",
                   str(labels), "-q"]) == 0  # fmt: skip
    assert len(list(labels.glob("*.labels.npz"))) == 5
    data = ["--train-data", glob, "--vocab", shards["vocab"], "--labels", labels, *SMALL]
    schedule = ["--batch-size", "24", "--workers", "2"]
    output = tmp_path / "run"
    run(PRETRAIN, *data, *schedule, "--steps", "2", "--output", output)
    summary = read_json(output / "summary.json")
    assert summary["step"] == 2 and summary["samples_skipped"] == 0
    assert all(math.isfinite(loss) for loss in losses(output))

    # Shard 1 labelled empty: its 32 samples are "unlabelled", skipped with a warning. Worker 1
    # reads shards 1 and 3, so 2 batches of 24 from it reach shard 1 whatever the order.
    vocab = Vocabulary.load(shards["vocab"])
    save_labels(labels / "coco-mini-000001.labels.npz", [], vocab=vocab)
    result = run(PRETRAIN, *data, *schedule, "--steps", "4", "--output", tmp_path / "misses")
    records = [
        json.loads(line) for line in (tmp_path / "misses" / "log.jsonl").read_text().splitlines()
    ]
    assert sum(r["samples_unlabelled"] for r in records) in (32, 64)  # shard 1 read once or twice
    assert result.stderr.count("have no entry in the --labels files") == 1, result.stderr
    assert "coco-mini-000001.tar: the label files hold no keys at all" in result.stderr

    # A shard without a label file stops the run before training, naming the file.
    (labels / "coco-mini-000003.labels.npz").unlink()
    command = [sys.executable, PRETRAIN, *data, *schedule, "--steps", "1", "--output", tmp_path]
    failed = subprocess.run(
        list(map(str, command)), capture_output=True, text=True, timeout=300, cwd=REPO
    )
    assert failed.returncode != 0 and "Traceback" not in failed.stderr, failed.stderr
    assert "1 of 5 shards have no label file" in failed.stderr
    assert "coco-mini-000003.labels.npz" in failed.stderr


@pytest.mark.parametrize(
    ("cpus", "ranks", "workers"), [(2, "2", 1), (2, None, 2), (64, "8", 4), (1, "2", 0)]
)
def test_workers_default_to_the_cpus_per_rank(
    monkeypatch: pytest.MonkeyPatch, cpus: int, ranks: str | None, workers: int
) -> None:
    pretrain_ddp = _import_example("pretrain_ddp")
    required = ["--train-data", "x", "--vocab", "v", "--output", "o", "--steps", "1"]
    if ranks is None:
        monkeypatch.delenv("LOCAL_WORLD_SIZE", raising=False)
    else:
        monkeypatch.setenv("LOCAL_WORLD_SIZE", ranks)
    monkeypatch.setattr(os, "cpu_count", lambda: cpus)
    if hasattr(os, "sched_getaffinity"):
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cpus)))
        assert pretrain_ddp.parse_args(required).workers == workers
        monkeypatch.delattr(os, "sched_getaffinity")  # as on macOS and Windows
    assert pretrain_ddp.parse_args(required).workers == workers


def test_read_log_drops_only_a_torn_last_line(tmp_path: Path) -> None:
    train_utils = _import_example("train_utils")
    log = tmp_path / "log.jsonl"
    lines = ['{"step": 1}', '{"step": 2}', '{"step": 3}']
    log.write_text("\n".join(lines) + '\n{"step": 4, "lo')
    warnings: list[str] = []
    assert train_utils.read_log(log, until_step=2, warn=warnings.append) == lines[:2]
    assert len(warnings) == 1 and "dropping its torn last line" in warnings[0]
    log.write_text('{"step": 1}\n{"st\n{"step": 3}\n')
    with pytest.raises(SystemExit, match="line 2 is not JSON"):
        train_utils.read_log(log, until_step=3, warn=warnings.append)


def _import_example(name: str) -> Any:
    """``examples/NAME.py`` as a module (the examples import their neighbours by path)."""
    spec = importlib.util.spec_from_file_location(f"_example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    path = list(sys.path)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = path
    return module


def test_overfit_handful_of_images(coco_mini: Path, tmp_path: Path) -> None:
    from catlip.cli import main as catlip

    captions = read_json(coco_mini / "annotations" / "captions_val2017.json")
    first: dict[int, str] = {}
    for ann in sorted(captions["annotations"], key=lambda a: a["id"]):  # type: ignore[attr-defined]
        first.setdefault(ann["image_id"], ann["caption"].strip().replace('"', ""))
    images = sorted(captions["images"], key=lambda i: i["id"])[:4]  # type: ignore[call-overload]
    rows = [f'{coco_mini / "val2017" / i["file_name"]},"{first[i["id"]]}"\n' for i in images]
    table = tmp_path / "pairs.csv"
    table.write_text("image_path,caption\n" + "".join(rows))
    run(MAKE_SHARDS, "--table", table, "--out", tmp_path / "s", "--shard-size", "2")
    assert len(list((tmp_path / "s").glob("pairs-*.tar"))) == 2
    vocab = tmp_path / "vocab.json"
    build = ["vocab", "build", str(table), "--format", "csv", "--header", "--column", "caption"]
    assert catlip([*build, "-o", str(vocab), "-q"]) == 0
    output = tmp_path / "run"
    options = ["--batch-size", "4", "--steps", "30", "--workers", "0", "--lr", "2e-3"]
    run(PRETRAIN, "--train-data", table, "--vocab", vocab, *options, "--output", output, *SMALL)
    history = losses(output)
    assert history[-1] <= 0.5 * history[0], history


def test_transfer_example(
    coco_mini: Path, shards: dict[str, Path], pretrained: Path, tmp_path: Path
) -> None:
    data = tmp_path / "crops"
    make_folder = [sys.executable, EXAMPLES / "make_image_folder.py", "--coco", coco_mini]
    made = subprocess.run(
        [*map(str, make_folder), "--out", str(data), "--categories", "person", "car", "dog"],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    counts = json.loads(made.stdout)
    assert min(counts.values()) >= 3, counts
    result_path = tmp_path / "transfer.json"
    common = ["--vocab", shards["vocab"], "--data", data, "--output", result_path]
    result = run(TRANSFER, "--checkpoint", pretrained, *common, "--epochs", "3")
    outcome = read_json(result_path)
    assert outcome["classes"] == ["car", "dog", "person"] and outcome["mode"] == "linear-probe"
    assert 0.0 <= outcome["val_accuracy"] <= 1.0  # type: ignore[operator]
    assert outcome["transfer_report"] and outcome["transfer_report"] in result.stdout  # type: ignore[operator]
    options = ["--epochs", "1", "--mode", "fine-tune", "--init", "random"]
    run(TRANSFER, "--checkpoint", pretrained / "checkpoints", *common, *options)
    assert read_json(result_path)["mode"] == "fine-tune"


def test_stream_skips_and_counts_bad_samples(tmp_path: Path) -> None:
    import torch
    from PIL import Image

    from catlip.vocab import ReadReport, read_records

    sys.path.insert(0, str(EXAMPLES))
    try:
        from data_pipeline import CaptionStream
    finally:
        sys.path.remove(str(EXAMPLES))
    jpeg = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(jpeg, format="JPEG")
    members = {
        "a.jpg": jpeg.getvalue(), "a.txt": b"a red square",
        "b.jpg": b"not a jpeg", "b.txt": b"corrupt image",
        "c.jpg": jpeg.getvalue(), "c.txt": b"   ",
        "d.txt": b"no image at all",
        "e.jpg": jpeg.getvalue(), "e.json": b'{"caption": "red again"}',
        "f.jpg": jpeg.getvalue(), "f.txt": b"caf\xe9 au lait",  # Latin-1, not UTF-8
        "README": b"no sample key: webdataset drops it",
    }  # fmt: skip
    shard, truncated = tmp_path / "s.tar", tmp_path / "t.tar"
    with tarfile.open(shard, "w") as tar:
        for name, blob in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    truncated.write_bytes(shard.read_bytes()[:700])  # ends inside the first image
    stream = CaptionStream(
        [str(shard), str(truncated)], labeler=lambda shard, key, caption: [len(caption) % 3],
        batch_size=2, image_size=16, collate_labels=torch.tensor, world_size=1,
    )  # fmt: skip
    batches = iter(stream)
    batch = next(batches)
    assert batch["images"].shape == (2, 3, 16, 16) and batch["images"].dtype == torch.uint8
    if batch["cursor"][1] == 0 and batch["cursor"][2] == 5:  # epoch 0 began with the good shard
        assert batch["skipped"] == {"bad_image": 1, "empty_caption": 1, "missing_image": 1}
    skipped = sum((Counter(next(batches)["skipped"]) for _ in range(4)), Counter(batch["skipped"]))
    assert skipped["bad_shard"] >= 2 and skipped["bad_image"] >= 2  # and the stream goes on
    # The caption rule of `catlip label`: the sample it reports as bad is the one skipped here.
    assert skipped["bad_caption"] >= 1 and skipped["no_key"] >= 1
    report = ReadReport()
    assert [r.key for r in read_records([shard], report=report)] == ["a", "b", "c", "d", "e"]
    assert [b.location for b in report.examples] == ["README", "f"]


def test_label_file_misses_are_counted_and_the_warning_names_both_keys(tmp_path: Path) -> None:
    """A label file keyed another way (``00001`` for ``./00001``) trains on nothing, loudly."""
    from PIL import Image

    from catlip.vocab import Vocabulary, pad_labels, save_labels

    data_pipeline = _import_example("data_pipeline")
    labelers = _import_example("labelers")
    vocab = Vocabulary(["n02084071", "n02121808"])
    jpeg = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 90, 200)).save(jpeg, format="JPEG")
    shard = tmp_path / "s.tar"
    with tarfile.open(shard, "w") as tar:
        for key in ("00001", "00002", "00003"):
            for ext, blob in (("jpg", jpeg.getvalue()), ("txt", b"a dog")):
                info = tarfile.TarInfo(f"./{key}.{ext}")
                info.size = len(blob)
                tar.addfile(info, io.BytesIO(blob))
    labels = tmp_path / "labels.jsonl"
    save_labels(labels, [("00001", [0]), ("./00002", [1]), ("./00003", [0, 1])], vocab=vocab)
    labeler = labelers.make_labeler([labels], vocab, [str(shard)])
    stream = data_pipeline.CaptionStream(
        [str(shard)], labeler=labeler, batch_size=2, image_size=16, collate_labels=pad_labels
    )
    batch = next(iter(stream))
    assert batch["skipped"] == {"unlabelled": 1}  # ./00001: the file has it as 00001
    assert batch["unlabelled_example"] == (str(shard), "./00001")
    message = labelers.unlabelled_warning(labeler, 1 / 3, batch["unlabelled_example"])
    assert "33.3% of the samples read have no entry in the --labels files" in message
    assert f"sample './00001' of {shard}: the label files hold keys such as '00001'" in message
