"""catlip.heads: CatLIPHead (init, pooling, device/dtype, reset) and CatLIPClassifier."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from catlip.heads import CatLIPClassifier, CatLIPHead

# Standard deviation of a standard normal truncated at +-2: sqrt(1 - 2*2*phi(2) / (2*Phi(2) - 1)).
_PHI2 = math.exp(-2.0) / math.sqrt(2 * math.pi)
_TRUNC_STD = math.sqrt(1 - 4 * _PHI2 / math.erf(2 / math.sqrt(2)))


def test_parameters_live_on_the_head_like_linear() -> None:
    head = CatLIPHead(32, 100)
    assert (head.in_features, head.num_classes) == (32, 100)
    assert head.weight.shape == (100, 32) and head.bias is not None and head.bias.shape == (100,)
    assert {name for name, _ in head.named_parameters()} == {"weight", "bias"}
    no_bias = CatLIPHead(32, 100, bias=False)
    assert no_bias.bias is None and [n for n, _ in no_bias.named_parameters()] == ["weight"]
    assert "in_features=32, num_classes=100, bias=True, pool=None" in repr(head)


def test_init_is_truncated_normal_with_zero_bias() -> None:
    torch.manual_seed(0)
    head = CatLIPHead(256, 1000, init_std=0.02)
    w = head.weight.detach()
    assert w.abs().max() <= 0.04 + 1e-7
    assert abs(w.mean().item()) < 1e-3
    assert w.std().item() == pytest.approx(0.02 * _TRUNC_STD, rel=0.02)
    assert head.bias is not None and torch.count_nonzero(head.bias) == 0


def test_reset_parameters_redraws_and_is_seeded() -> None:
    torch.manual_seed(1)
    head = CatLIPHead(8, 5)
    first = head.weight.detach().clone()
    with torch.no_grad():
        head.weight.fill_(1.0)
        head.bias.fill_(3.0)  # type: ignore[union-attr]
    torch.manual_seed(1)
    head.reset_parameters()
    assert torch.equal(head.weight, first)
    assert torch.count_nonzero(head.bias) == 0  # type: ignore[arg-type]


def test_device_and_dtype() -> None:
    head = CatLIPHead(4, 3, dtype=torch.float64)
    assert head.weight.dtype == torch.float64 and head.bias.dtype == torch.float64  # type: ignore[union-attr]
    assert head(torch.randn(2, 4, dtype=torch.float64)).dtype == torch.float64
    meta = CatLIPHead(768, 24320, device="meta")
    assert meta.weight.device.type == "meta" and meta.weight.shape == (24320, 768)


def test_pooling() -> None:
    head = CatLIPHead(6, 4, pool="cls")
    tokens = torch.randn(2, 5, 6)
    linear = nn.functional.linear
    torch.testing.assert_close(head(tokens), linear(tokens[:, 0], head.weight, head.bias))
    head.pool = "mean"
    torch.testing.assert_close(head(tokens), linear(tokens.mean(1), head.weight, head.bias))
    head.pool = None
    assert head(torch.randn(3, 6)).shape == (3, 4)
    assert head(tokens).shape == (2, 5, 4)  # [..., D] like nn.Linear


def test_dropout_only_in_training() -> None:
    head = CatLIPHead(64, 10, dropout=0.5)
    x = torch.randn(4, 64)
    head.eval()
    torch.testing.assert_close(head(x), nn.functional.linear(x, head.weight, head.bias))
    head.train()
    torch.manual_seed(0)
    assert not torch.allclose(head(x), nn.functional.linear(x, head.weight, head.bias))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"in_features": 0, "num_classes": 3},
        {"in_features": 3, "num_classes": True},
        {"in_features": 3, "num_classes": 3, "init_std": 0.0},
        {"in_features": 3, "num_classes": 3, "dropout": 1.0},
        {"in_features": 3, "num_classes": 3, "pool": "max"},
    ],
)
def test_bad_arguments(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        CatLIPHead(**kwargs)  # type: ignore[arg-type]


def test_bad_inputs_name_the_fix() -> None:
    with pytest.raises(ValueError, match="in_features=5"):
        CatLIPHead(4, 3)(torch.randn(2, 5))
    with pytest.raises(ValueError, match="pool=None"):
        CatLIPHead(4, 3, pool="mean")(torch.randn(2, 4))


class _ToyViT(nn.Module):
    """Patchify + one linear layer: [B, 3, 8, 8] -> [B, 1 + 4, 16] tokens with a class token."""

    def __init__(self) -> None:
        super().__init__()
        self.patch = nn.Linear(3 * 4 * 4, 16)
        self.cls = nn.Parameter(torch.zeros(1, 1, 16))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        patches = images.unfold(2, 4, 4).unfold(3, 4, 4).permute(0, 2, 3, 1, 4, 5).flatten(3)
        tokens = self.patch(patches.flatten(1, 2))
        return torch.cat([self.cls.expand(len(images), -1, -1), tokens], dim=1)


def test_classifier_with_toy_backbones() -> None:
    images = torch.randn(2, 3, 8, 8)
    model = CatLIPClassifier(_ToyViT(), CatLIPHead(16, 7, pool="cls"))
    assert model.forward_features(images).shape == (2, 5, 16)
    logits = model(images)
    assert logits.shape == (2, 7) and model.num_classes == 7
    logits.sum().backward()
    assert model.backbone.patch.weight.grad is not None  # type: ignore[union-attr]
    assert model.head.weight.grad is not None

    cnn = nn.Sequential(nn.Conv2d(3, 8, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten())
    pooled = CatLIPClassifier(cnn, CatLIPHead(8, 5))
    assert pooled(images).shape == (2, 5)
    assert set(dict(pooled.named_children())) == {"backbone", "head"}
    with pytest.raises(TypeError):
        CatLIPClassifier(lambda x: x, CatLIPHead(8, 5))  # type: ignore[arg-type]
