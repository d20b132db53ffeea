"""End to end: CatLIP pre-training on captioned images, then a few-shot probe with Transfer Init.

A synthetic captioned image set: each of 8 object categories has a fixed random texture; an image
shows two objects (noisy copies of their textures at random places) and its caption names them
("a dog next to a car"). Labels come from the captions through catlip.text / catlip.vocab, a tiny
conv net + CatLIPHead is trained with the CatLIP loss, and the frozen features are probed on a
downstream task whose labels are written differently ("domestic dog", "automobile", a wnid). At
the fewest shots (mean of 5 one-shot episodes, a short linear probe), Transfer Init must beat
random init.
"""

from __future__ import annotations

import torch
from torch import nn

from catlip.heads import CatLIPHead
from catlip.losses import catlip_loss
from catlip.transfer import transfer_init, zero_shot_classifier
from catlip.vocab import Vocabulary, count_synsets, multi_hot

WORDS = ("dog", "car", "apple", "bicycle", "cat", "boat", "chair", "clock")
# The downstream data set names the same categories its own way.
DOWNSTREAM = (
    "domestic dog",
    "automobile",
    "apple",
    "n02834778",
    "house cat",
    "boat",
    "chair",
    "clock",
)
SIZE = 24
PATCH = 10
NOISE = 1.5
PROBE_STEPS = 10
EPISODES = 5
PRETRAIN_STEPS = 300


def _textures(gen: torch.Generator) -> torch.Tensor:
    """One texture per category: a colour times a stripe pattern of its own direction and pitch."""
    colours = torch.randn(len(WORDS), 3, 1, 1, generator=gen)
    angles = torch.rand(len(WORDS), generator=gen) * torch.pi
    pitches = 0.6 + torch.rand(len(WORDS), generator=gen) * 1.5
    grid = torch.arange(PATCH, dtype=torch.float32)
    yy, xx = torch.meshgrid(grid, grid, indexing="ij")
    phase = torch.cos(angles)[:, None, None] * xx + torch.sin(angles)[:, None, None] * yy
    stripes = torch.sin(phase * pitches[:, None, None])
    return colours * (1.0 + stripes[:, None])


def _render(objects: list[int], textures: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    image = torch.randn(3, SIZE, SIZE, generator=gen) * NOISE
    for k in objects:
        y, x = (int(v) for v in torch.randint(0, SIZE - PATCH + 1, (2,), generator=gen))
        image[:, y : y + PATCH, x : x + PATCH] += textures[k]
    return image


class _Backbone(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1, stride=2),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def _probe(
    features: torch.Tensor,
    targets: torch.Tensor,
    test_features: torch.Tensor,
    test_targets: torch.Tensor,
    classifier: nn.Linear,
) -> float:
    optimizer = torch.optim.SGD(classifier.parameters(), lr=0.05)
    for _ in range(PROBE_STEPS):
        optimizer.zero_grad()
        nn.functional.cross_entropy(classifier(features), targets).backward()
        optimizer.step()
    with torch.no_grad():
        return float((classifier(test_features).argmax(1) == test_targets).float().mean())


def test_transfer_init_beats_random_init_at_few_shots() -> None:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: threads only add overhead on a busy 2-core runner
    try:
        _demonstrate()
    finally:
        torch.set_num_threads(threads)


def _demonstrate() -> None:
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    textures = _textures(gen)

    # Pre-training data: two objects per image, named in the caption.
    images, captions = [], []
    for _ in range(480):
        a, b = (int(v) for v in torch.randperm(len(WORDS), generator=gen)[:2])
        images.append(_render([a, b], textures, gen))
        captions.append(f"a {WORDS[a]} next to a {WORDS[b]}")
    vocab = Vocabulary.from_counts(count_synsets(captions), min_count=5)
    assert len(vocab) == len(WORDS)
    labels = multi_hot([vocab.encode_caption(c) for c in captions], len(vocab))
    x = torch.stack(images)

    backbone = _Backbone()
    head = CatLIPHead(32, len(vocab))
    optimizer = torch.optim.AdamW([*backbone.parameters(), *head.parameters()], lr=3e-3)
    for _ in range(PRETRAIN_STEPS):
        batch = torch.randint(0, len(x), (64,), generator=gen)
        optimizer.zero_grad()
        catlip_loss(head(backbone(x[batch])), labels[batch]).backward()
        optimizer.step()
    backbone.eval()

    # Downstream: single-object images, labels written differently.
    def split(per_class: int) -> tuple[torch.Tensor, torch.Tensor]:
        ks = [k for k in range(len(WORDS)) for _ in range(per_class)]
        with torch.no_grad():
            feats = backbone(torch.stack([_render([k], textures, gen) for k in ks]))
        return feats, torch.tensor(ks)

    test_x, test_y = split(40)
    accuracy: dict[int, tuple[float, float]] = {}
    for shots in (1, 4):
        transfer_total = random_total = 0.0
        for _ in range(EPISODES):
            train_x, train_y = split(shots)
            transferred = nn.Linear(32, len(WORDS))
            report = transfer_init(transferred, DOWNSTREAM, head=head, vocab=vocab)
            # "house cat" is domestic_cat.n.01, a hyponym of the vocabulary's cat.n.01: "similar".
            assert report.counts == {"exact": 7, "similar": 1, "average": 0, "unmatched": 0}
            transfer_total += _probe(train_x, train_y, test_x, test_y, transferred)
            random_total += _probe(train_x, train_y, test_x, test_y, nn.Linear(32, len(WORDS)))
        accuracy[shots] = (transfer_total / EPISODES, random_total / EPISODES)
    transfer_acc, random_acc = accuracy[1]
    assert transfer_acc > random_acc + 0.03, accuracy

    # With no training at all, the head's rows already classify the downstream labels.
    zero_shot = zero_shot_classifier(head, vocab, list(DOWNSTREAM))
    with torch.no_grad():
        zero_shot_acc = float((zero_shot(test_x).argmax(1) == test_y).float().mean())
    assert zero_shot_acc > 0.5, zero_shot_acc
