"""catlip.corenet against an independent plain-torch forward of CoreNet's CatLIP ViT.

The oracle below is written from the architecture facts of issue #15 (CoreNet's key names and
layer order, stem padding 1, class token without position embedding, 1-D resize of the flattened
position embedding, LayerNorm eps 1e-6, exact GELU) and shares no code with catlip or timm. The
weights are random under CoreNet's key names, with non-trivial LayerNorm/BatchNorm parameters and
running statistics, so a swapped or dropped parameter changes the outputs.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import Tensor

from catlip.corenet import load_vocabulary, preprocess
from catlip.errors import CheckpointError
from conftest import REPO, SHARED

IMAGENETTE = SHARED / "data" / "imagenette"
SIZES = [(224, 224), (256, 256), (160, 160), (160, 224)]  # the last: non-square


def corenet_state_dict(
    width: int,
    depth: int,
    *,
    num_classes: int,
    attention_out: str = "out_proj_attn",
    num_positions: int = 196,
    device: str = "cpu",
    seed: int = 0,
) -> dict[str, Tensor]:
    """Random weights under CoreNet's key names, RangeAugment and BatchNorm counters included."""
    g = torch.Generator().manual_seed(seed)
    meta = device == "meta"

    def rand(*shape: int, std: float = 1.0, mean: float = 0.0) -> Tensor:
        if meta:
            return torch.empty(shape, device="meta")
        return torch.randn(shape, generator=g) * std + mean

    def positive(*shape: int) -> Tensor:
        if meta:
            return torch.empty(shape, device="meta")
        return torch.rand(shape, generator=g) * 1.5 + 0.5

    stem = max(32, width // 4)
    sd: dict[str, Tensor] = {}
    convs = [(3, stem, 4), (stem, stem, 2), (stem, width, 2)]
    for i, (cin, cout, k) in enumerate(convs):
        sd[f"patch_emb.{i}.block.conv.weight"] = rand(
            cout, cin, k, k, std=(2 / (cin * k * k)) ** 0.5
        )
        if i < 2:
            norm = f"patch_emb.{i}.block.norm"
            sd[f"{norm}.weight"] = rand(cout, std=0.2, mean=1.0)
            sd[f"{norm}.bias"] = rand(cout, std=0.2)
            sd[f"{norm}.running_mean"] = rand(cout, std=0.2)
            sd[f"{norm}.running_var"] = positive(cout)
            sd[f"{norm}.num_batches_tracked"] = torch.tensor(1234, device=device)
        else:
            sd[f"patch_emb.{i}.block.conv.bias"] = rand(cout, std=0.1)
    sd["cls_token"] = rand(1, 1, width)
    sd["pos_embed.pos_embed.pos_embed"] = rand(1, 1, num_positions, width)

    def layer_norm(name: str) -> None:
        sd[f"{name}.weight"] = rand(width, std=0.2, mean=1.0)
        sd[f"{name}.bias"] = rand(width, std=0.2)

    def linear(name: str, fan_out: int, fan_in: int) -> None:
        sd[f"{name}.weight"] = rand(fan_out, fan_in, std=fan_in**-0.5)
        sd[f"{name}.bias"] = rand(fan_out, std=0.1)

    for i in range(depth):
        block = f"transformer.{i}"
        layer_norm(f"{block}.pre_norm_mha.0")
        linear(f"{block}.pre_norm_mha.1.qkv_proj", 3 * width, width)
        linear(f"{block}.pre_norm_mha.1.{attention_out}", width, width)
        layer_norm(f"{block}.pre_norm_ffn.0")
        linear(f"{block}.pre_norm_ffn.1", 4 * width, width)
        linear(f"{block}.pre_norm_ffn.4", width, 4 * width)
    layer_norm("post_transformer_norm")
    linear("classifier", num_classes, width)
    for aug in ("brightness", "contrast", "noise"):
        for end in ("low", "high"):
            sd[f"neural_augmentor.{aug}._{end}"] = torch.tensor(0.5, device=device)
    return sd


def corenet_forward(sd: dict[str, Tensor], images: Tensor) -> tuple[Tensor, Tensor]:
    """(features, logits) of CoreNet's ViT, in plain torch, in the dtype of ``sd``."""

    def batch_norm(x: Tensor, name: str) -> Tensor:
        stats = [sd[f"{name}.{s}"] for s in ("running_mean", "running_var", "weight", "bias")]
        return F.batch_norm(x, *stats, training=False, eps=1e-5)

    def layer_norm(x: Tensor, name: str) -> Tensor:
        return F.layer_norm(x, x.shape[-1:], sd[f"{name}.weight"], sd[f"{name}.bias"], eps=1e-6)

    def linear(x: Tensor, name: str) -> Tensor:
        return F.linear(x, sd[f"{name}.weight"], sd[f"{name}.bias"])

    x = F.conv2d(images, sd["patch_emb.0.block.conv.weight"], stride=4, padding=1)
    x = F.gelu(batch_norm(x, "patch_emb.0.block.norm"))
    x = F.conv2d(x, sd["patch_emb.1.block.conv.weight"], stride=2)
    x = F.gelu(batch_norm(x, "patch_emb.1.block.norm"))
    x = F.conv2d(
        x, sd["patch_emb.2.block.conv.weight"], sd["patch_emb.2.block.conv.bias"], stride=2
    )
    batch, width, h, w = x.shape
    x = x.reshape(batch, width, h * w).transpose(1, 2)
    pos = sd["pos_embed.pos_embed.pos_embed"]  # [1, 1, M, C]
    if pos.shape[2] != h * w:
        pos = F.interpolate(pos, size=(h * w, width), mode="bilinear", align_corners=False)
    x = torch.cat([sd["cls_token"].expand(batch, 1, width), x + pos[:, 0]], dim=1)
    heads = width // 64
    depth = 1 + max(int(k.split(".")[1]) for k in sd if k.startswith("transformer."))
    for i in range(depth):
        block = f"transformer.{i}"
        out = next(
            f"{block}.pre_norm_mha.1.{n}"
            for n in ("out_proj_attn", "out_proj")
            if f"{block}.pre_norm_mha.1.{n}.weight" in sd
        )
        qkv = linear(layer_norm(x, f"{block}.pre_norm_mha.0"), f"{block}.pre_norm_mha.1.qkv_proj")
        q, k, v = qkv.reshape(batch, -1, 3, heads, 64).permute(2, 0, 3, 1, 4)
        attention = torch.softmax(q @ k.transpose(-1, -2) * 64**-0.5, dim=-1)
        mixed = (attention @ v).transpose(1, 2).reshape(batch, -1, width)
        x = x + linear(mixed, out)
        hidden = F.gelu(linear(layer_norm(x, f"{block}.pre_norm_ffn.0"), f"{block}.pre_norm_ffn.1"))
        x = x + linear(hidden, f"{block}.pre_norm_ffn.4")
    features = layer_norm(x, "post_transformer_norm")[:, 0]
    return features, linear(features, "classifier")


@pytest.fixture(scope="module")
def timm() -> object:
    return pytest.importorskip(
        "timm", reason='catlip.corenet needs timm: pip install "catlip[timm]"'
    )


@pytest.fixture(scope="module")
def vit_b() -> dict[str, Tensor]:
    return corenet_state_dict(768, 12, num_classes=1000)


@pytest.fixture(scope="module")
def vit_b_oracle(vit_b: dict[str, Tensor]) -> dict[tuple[int, int], tuple[Tensor, ...]]:
    """Images and float64 oracle (features, logits) at each size (2 images at 224 px, else 1)."""
    double = {k: v.double() if v.is_floating_point() else v for k, v in vit_b.items()}
    g = torch.Generator().manual_seed(1)
    outputs = {}
    for size in SIZES:
        images = torch.rand(2 if size == (224, 224) else 1, 3, *size, generator=g)
        with torch.no_grad():
            outputs[size] = (images, *corenet_forward(double, images.double()))
    return outputs


def test_vit_b_matches_corenet_oracle_for_both_attention_namings(
    timm: object,
    vit_b: dict[str, Tensor],
    vit_b_oracle: dict[tuple[int, int], tuple[Tensor, ...]],
) -> None:
    from catlip.corenet import load_model

    model = load_model(vit_b, variant="base")  # the flash-attention naming, out_proj_attn
    assert model.backbone.patch_embed.norm1.num_batches_tracked.item() == 1234
    renamed = {k.replace(".out_proj_attn.", ".out_proj."): v for k, v in vit_b.items()}
    assert renamed.keys() != vit_b.keys()
    other = load_model(renamed, variant="base")
    weights, other_weights = model.state_dict(), other.state_dict()
    assert weights.keys() == other_weights.keys()
    assert all(torch.equal(weights[k], other_weights[k]) for k in weights)
    for size, (images, features, logits) in vit_b_oracle.items():
        with torch.no_grad():
            got_features = model.backbone(images)
            got_logits = (other if size == (224, 224) else model)(images)
        assert got_logits.shape == (len(images), 1000)
        feature_error = (got_features.double() - features).abs().max().item()
        logit_error = (got_logits.double() - logits).abs().max().item()
        print(f"{size}: features {feature_error:.2e}, logits {logit_error:.2e}")
        assert feature_error < 1e-5, size
        assert logit_error < 1e-5, size


def test_oracle_tells_the_position_embedding_resizes_apart(vit_b: dict[str, Tensor]) -> None:
    # Guards the oracle's power: timm's 2-D grid resize would be off by far more than 1e-5.
    pos = vit_b["pos_embed.pos_embed.pos_embed"]
    one_d = F.interpolate(pos, size=(256, 768), mode="bilinear", align_corners=False)[:, 0]
    grid = pos[:, 0].reshape(1, 14, 14, 768).permute(0, 3, 1, 2)
    two_d = F.interpolate(grid, size=(16, 16), mode="bilinear", align_corners=False)
    assert (one_d - two_d.flatten(2).transpose(1, 2)).abs().max() > 0.1


@pytest.mark.parametrize(
    ("variant", "width", "depth", "heads"), [("large", 1024, 24, 16), ("huge", 1280, 32, 20)]
)
def test_vit_l_and_h_build_and_load_from_shapes(
    timm: object, variant: str, width: int, depth: int, heads: int
) -> None:
    from catlip.corenet import load_model

    sd = corenet_state_dict(width, depth, num_classes=24320, device="meta")
    model = load_model(sd, variant=None)
    backbone = model.backbone
    assert (backbone.embed_dim, len(backbone.blocks)) == (width, depth)
    assert backbone.blocks[0].attn.num_heads == heads
    assert backbone.blocks[0].attn.head_dim == 64
    assert backbone.patch_embed.conv1.weight.shape == (width // 4, 3, 4, 4)
    assert model.head.weight.shape == (24320, width)
    loaded = sum(v.numel() for k, v in sd.items() if not k.startswith("neural_augmentor."))
    assert sum(t.numel() for t in model.state_dict().values()) == loaded
    assert all(p.is_meta for p in model.parameters())
    logits = model(torch.empty(2, 3, 224, 224, device="meta"))
    assert logits.shape == (2, 24320)
    assert load_model(sd, variant=variant).backbone.embed_dim == width


@pytest.fixture
def tiny() -> dict[str, Tensor]:
    return corenet_state_dict(128, 2, num_classes=30)


def test_tiny_model_matches_oracle_and_keeps_caller_tensors(
    timm: object, tiny: dict[str, Tensor]
) -> None:
    from catlip.corenet import load_model

    before = {k: v.clone() for k, v in tiny.items()}
    model = load_model(tiny)
    assert model.backbone.blocks[0].attn.num_heads == 2
    with torch.no_grad():
        model.backbone.cls_token.add_(1.0)
        model.backbone.cls_token.sub_(1.0)
        model.head.weight.zero_()
    assert all(torch.equal(tiny[k], before[k]) for k in tiny)
    model = load_model(tiny)
    images = torch.rand(3, 3, 96, 128)
    features, logits = corenet_forward(tiny, images)
    with torch.no_grad():
        torch.testing.assert_close(model.backbone(images), features, atol=1e-5, rtol=0)
        torch.testing.assert_close(model(images), logits, atol=1e-5, rtol=0)
        half = model.to(torch.bfloat16)(images.bfloat16())  # LayerNorms still run in fp32
    assert half.dtype == torch.bfloat16
    torch.testing.assert_close(half.float(), logits, atol=0.05, rtol=0.02)


def test_num_batches_tracked_is_optional(timm: object, tiny: dict[str, Tensor]) -> None:
    from catlip.corenet import load_model

    sd = {k: v for k, v in tiny.items() if not k.endswith("num_batches_tracked")}
    model = load_model(sd)
    assert model.backbone.patch_embed.norm2.num_batches_tracked.item() == 0


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (
            lambda sd: sd.update({"transformer.0.pre_norm_mha.1.rel_bias": torch.zeros(2)}),
            "rel_bias",
        ),
        (lambda sd: sd.update({"model.extra": torch.zeros(1)}), "'model.extra'"),
        (
            lambda sd: sd.pop("transformer.1.pre_norm_ffn.4.bias"),
            "transformer.1.pre_norm_ffn.4.bias",
        ),
        (lambda sd: sd.pop("patch_emb.1.block.norm.running_var"), "running_var"),
        (
            lambda sd: sd.update(
                {
                    "transformer.0.pre_norm_mha.1.out_proj.weight": torch.zeros(128, 128),
                    "transformer.0.pre_norm_mha.1.out_proj.bias": torch.zeros(128),
                }
            ),
            "transformer.0.pre_norm_mha.1.out_proj.bias",
        ),
        (lambda sd: sd.update({"classifier.bias": torch.zeros(31)}), "classifier.bias: [31]"),
        (lambda sd: sd.pop("cls_token"), "cls_token"),
    ],
    ids=["unknown-layer", "unknown-top", "missing", "missing-bn", "both-namings", "shape", "root"],
)
def test_bad_keys_are_named(
    timm: object, tiny: dict[str, Tensor], change: object, named: str
) -> None:
    from catlip.corenet import load_model

    change(tiny)  # type: ignore[operator]
    with pytest.raises(CheckpointError, match="checkpoint") as error:
        load_model(tiny)
    assert named in str(error.value)


def test_variant_mismatch_and_unreadable_files(
    timm: object, tiny: dict[str, Tensor], tmp_path: Path
) -> None:
    from catlip.corenet import load_model

    with pytest.raises(CheckpointError, match="not ViT-base"):
        load_model(tiny, variant="base")
    with pytest.raises(ValueError, match="variant must be"):
        load_model(tiny, variant="B")
    bad = tmp_path / "vit.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="cannot read checkpoint"):
        load_model(bad)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_model(tmp_path / "missing.pt")
    torch.save(tiny, bad)
    assert load_model(bad).num_classes == 30


def test_timm_that_drops_the_class_token_is_refused(
    timm: object, tiny: dict[str, Tensor], monkeypatch: pytest.MonkeyPatch
) -> None:
    # timm <= 1.0.25 returned the patch tokens alone from _pos_embed when pos_embed="none".
    from timm.models.vision_transformer import VisionTransformer

    from catlip.corenet import load_model, model

    def old_pos_embed(self: object, x: Tensor) -> Tensor:
        return x.view(x.shape[0], -1, x.shape[-1])

    model._vision_transformer.cache_clear()
    monkeypatch.setattr(VisionTransformer, "_pos_embed", old_pos_embed)
    try:
        with pytest.raises(ImportError, match=r"drops the class token.*1\.0\.26"):
            load_model(tiny)
    finally:
        model._vision_transformer.cache_clear()


def test_preprocess_matches_torchvision_on_pil_images() -> None:
    image_module = pytest.importorskip("PIL.Image")
    transforms = pytest.importorskip("torchvision.transforms")
    g = torch.Generator().manual_seed(0)
    pixels = torch.randint(0, 256, (300, 451, 3), dtype=torch.uint8, generator=g)
    image = image_module.fromarray(pixels.numpy())
    reference = transforms.Compose(
        [
            transforms.Resize(232, interpolation=transforms.InterpolationMode.BILINEAR),
            transforms.CenterCrop(224),
            transforms.ToTensor(),
        ]
    )
    expected = reference(image)
    got = preprocess(image)
    assert got.shape == (3, 224, 224)
    assert torch.equal(got, expected)  # PIL's own resize: bit for bit, no normalisation
    tensor = preprocess(pixels.permute(2, 0, 1))  # torch's antialiased bilinear: close to PIL
    assert tensor.shape == (3, 224, 224)
    assert (tensor - expected).abs().mean() < 2e-3
    assert (tensor - expected).abs().max() < 0.05


def test_preprocess_validates_input() -> None:
    assert preprocess(torch.rand(2, 3, 232, 500), crop_size=200).shape == (2, 3, 200, 200)
    with pytest.raises(ValueError, match="RGB"):
        preprocess(torch.rand(1, 232, 232))
    with pytest.raises(ValueError, match="crop_size"):
        preprocess(torch.rand(3, 232, 232), resize_size=100)
    with pytest.raises(TypeError, match="PIL image"):
        preprocess([[0.0]])  # type: ignore[arg-type]


def write_corenet_vocab(path: Path, wnids: list[str]) -> None:
    """A vocabulary pickle in CoreNet's format: 'n<offset>' (no zero padding) -> count."""
    path.write_bytes(pickle.dumps({f"n{int(w[1:])}": 1000 - i for i, w in enumerate(wnids)}))


@pytest.mark.slow
def test_zero_shot_example_runs_end_to_end(timm: object, tmp_path: Path) -> None:
    pytest.importorskip("PIL")
    if not IMAGENETTE.is_dir():
        pytest.skip(f"{IMAGENETTE} is not present")
    classes = sorted(p.name for p in (IMAGENETTE / "val").iterdir())[:3]
    extra = ["n02084071", "n02121808", "n04490091"]  # dog, house cat, truck
    wnids = [*classes, *extra]
    data = tmp_path / "data"
    for split, count in (("train", 3), ("val", 2)):
        for wnid in classes:
            (data / split / wnid).mkdir(parents=True)
            for image in sorted((IMAGENETTE / split / wnid).iterdir())[:count]:
                (data / split / wnid / image.name).symlink_to(image)
    write_corenet_vocab(tmp_path / "vocab.pkl", wnids)
    assert list(load_vocabulary(tmp_path / "vocab.pkl")) == wnids
    torch.save(corenet_state_dict(64, 1, num_classes=len(wnids)), tmp_path / "vit.pt")
    output = tmp_path / "result.json"
    command = [sys.executable, str(REPO / "examples" / "corenet_zero_shot.py")]
    command += ["--checkpoint", str(tmp_path / "vit.pt"), "--vocab", str(tmp_path / "vocab.pkl")]
    command += ["--data", str(data), "--shots", "1,2", "--draws", "2", "--steps", "5"]
    command += ["--output", str(output)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=REPO)
    assert result.returncode == 0, result.stderr
    print(result.stdout)
    import json

    report = json.loads(output.read_text())
    assert report["classes"] == classes
    assert (report["train_images"], report["val_images"]) == (9, 6)
    assert 0.0 <= report["zero_shot_accuracy"] <= 1.0
    assert set(report["few_shot"]) == {"1", "2"}
    for scores in report["few_shot"].values():
        assert len(scores["transfer"]) == len(scores["random"]) == 2
    assert "zero-shot top-1" in result.stdout
    assert "exact" in result.stderr  # wnid folders resolve to their own rows
