"""catlip.transfer: transfer_init, its report and policies, zero-shot heads, coverage, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch import nn

from catlip.cli import main
from catlip.errors import LabelResolutionError
from catlip.heads import CatLIPHead
from catlip.text import wnid
from catlip.transfer import (
    CoverageReport,
    TransferReport,
    coverage,
    transfer_init,
    zero_shot_classifier,
)
from catlip.vocab import Vocabulary
from catlip.wordnet import reader

NAMES = ("tench.n.01", "dog.n.01", "restaurant.n.01", "kitchen.n.01", "cat.n.01")
LABELS = ["tench", "puppy", "restaurant_kitchen", "qwxzv blorf", "n02121620"]  # cat by wnid


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return Vocabulary([str(wnid(reader().synset(n))) for n in NAMES], counts=[5, 9, 3, 3, 7])


def make_head(vocab: Vocabulary, features: int = 6) -> CatLIPHead:
    torch.manual_seed(0)
    head = CatLIPHead(features, len(vocab))
    with torch.no_grad():
        head.bias.copy_(torch.arange(len(vocab), dtype=torch.float32))  # type: ignore[union-attr]
    return head


def test_rows_and_biases_are_copied_per_method(vocab: Vocabulary) -> None:
    head = make_head(vocab)
    classifier = nn.Linear(6, len(LABELS))
    report = transfer_init(classifier, LABELS, head=head, vocab=vocab, unmatched="zero")
    assert [m.method for m in report.matches] == [
        "exact",
        "similar",
        "average",
        "unmatched",
        "exact",
    ]
    w, b = head.weight, head.bias
    assert b is not None
    assert torch.equal(classifier.weight[0], w[0]) and torch.equal(classifier.bias[0], b[0])
    assert torch.equal(classifier.weight[1], w[1])  # puppy -> dog
    assert torch.allclose(classifier.weight[2], (w[2] + w[3]) / 2)
    assert float(classifier.bias[2].detach()) == pytest.approx(float((b[2] + b[3]).detach()) / 2)
    assert torch.equal(classifier.weight[3], torch.zeros(6)) and classifier.bias[3] == 0
    assert torch.equal(classifier.weight[4], w[4])
    assert report.counts == {"exact": 2, "similar": 1, "average": 1, "unmatched": 1}
    assert report.transferred == 4


def test_random_policy_is_seeded_and_scaled(vocab: Vocabulary) -> None:
    head = make_head(vocab)
    rows = []
    for _ in range(2):
        classifier = nn.Linear(6, len(LABELS))
        transfer_init(
            classifier,
            LABELS,
            head=head,
            vocab=vocab,
            generator=torch.Generator().manual_seed(3),
        )
        rows.append(classifier.weight[3].clone())
        transferred = classifier.weight[[0, 1, 2, 4]].norm(dim=1).mean()
        assert float(classifier.weight[3].detach().norm()) == pytest.approx(
            float(transferred.detach()), rel=1e-5
        )
        assert float(classifier.bias[3].detach()) == pytest.approx(
            float(classifier.bias[[0, 1, 2, 4]].detach().mean())
        )
    assert torch.equal(rows[0], rows[1])


def test_error_policy_raises_and_changes_nothing(vocab: Vocabulary) -> None:
    classifier = nn.Linear(6, len(LABELS))
    before = classifier.weight.clone()
    with pytest.raises(LabelResolutionError, match="qwxzv blorf"):
        transfer_init(classifier, LABELS, head=make_head(vocab), vocab=vocab, unmatched="error")
    assert torch.equal(classifier.weight, before)


@pytest.mark.parametrize("dtype", [torch.float64, torch.bfloat16, torch.float16])
def test_dtype_and_device_are_preserved(vocab: Vocabulary, dtype: torch.dtype) -> None:
    head = make_head(vocab)
    classifier = nn.Linear(6, 2, dtype=dtype)
    weight_id = id(classifier.weight)
    transfer_init(classifier, ["dog", "cat"], head=head, vocab=vocab)
    assert classifier.weight.dtype == dtype and classifier.bias.dtype == dtype
    assert classifier.weight.device == torch.device("cpu")
    assert id(classifier.weight) == weight_id  # in place: optimizers keep working
    assert torch.equal(classifier.weight[0], head.weight[1].to(dtype))


def test_half_precision_head_and_no_gradient_tracking(vocab: Vocabulary) -> None:
    head = make_head(vocab).to(torch.bfloat16)
    classifier = nn.Linear(6, 1)
    transfer_init(classifier, ["tench"], head=head, vocab=vocab)
    assert classifier.weight.grad_fn is None and classifier.weight.requires_grad
    assert torch.equal(classifier.weight[0], head.weight[0].float())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_classifier(vocab: Vocabulary) -> None:
    head = make_head(vocab)
    classifier = nn.Linear(6, 2).cuda()
    transfer_init(classifier, ["dog", "cat"], head=head, vocab=vocab)
    assert classifier.weight.is_cuda
    assert torch.equal(classifier.weight[0].cpu(), head.weight[1])


def test_linear_head_without_bias(vocab: Vocabulary) -> None:
    head = nn.Linear(6, len(vocab), bias=False)
    classifier = nn.Linear(6, 1)
    transfer_init(classifier, ["dog"], head=head, vocab=vocab)
    assert torch.equal(classifier.weight[0], head.weight[1]) and classifier.bias[0] == 0


def test_report_summary(vocab: Vocabulary) -> None:
    report = transfer_init(
        nn.Linear(6, len(LABELS)), LABELS, head=make_head(vocab), vocab=vocab, unmatched="zero"
    )
    assert isinstance(report, TransferReport)
    text = str(report)
    assert "5 labels from a 5-class head, 4 rows transferred" in text
    assert "unmatched      1   20.0%  (zero init)" in text
    assert "'puppy': similar 0.50 -> dog.n.01" in text
    assert "'qwxzv blorf': unmatched" in text
    assert [m.label for m in report.by_method("average")] == ["restaurant_kitchen"]
    with pytest.raises(ValueError, match="method"):
        report.by_method("fuzzy")


# -- bad input --------------------------------------------------------------------------------


def test_bad_classifier_and_head(vocab: Vocabulary) -> None:
    head = make_head(vocab)
    with pytest.raises(TypeError, match=r"nn\.Linear"):
        transfer_init(nn.Sequential(nn.Linear(6, 1)), ["dog"], head=head, vocab=vocab)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"2-D \.weight"):
        transfer_init(nn.Linear(6, 1), ["dog"], head=nn.ReLU(), vocab=vocab)
    with pytest.raises(ValueError, match="unmatched"):
        transfer_init(nn.Linear(6, 1), ["dog"], head=head, vocab=vocab, unmatched="skip")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("shape", "labels", "message"),
    [
        ((6, 3), ["dog", "cat"], "3 outputs but 2 labels"),
        ((4, 2), ["dog", "cat"], "takes 4 features but the head takes 6"),
        ((6, 1), [], "empty"),
    ],
)
def test_shape_mismatch_and_bad_labels(
    vocab: Vocabulary, shape: tuple[int, int], labels: list[str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        transfer_init(nn.Linear(*shape), labels, head=make_head(vocab), vocab=vocab)


def test_head_that_does_not_fit_the_vocabulary(vocab: Vocabulary) -> None:
    with pytest.raises(ValueError, match="4 rows but the vocabulary has 5"):
        transfer_init(nn.Linear(6, 1), ["dog"], head=nn.Linear(6, 4), vocab=vocab)


# -- zero-shot --------------------------------------------------------------------------------


def test_zero_shot_classifier(vocab: Vocabulary) -> None:
    head = make_head(vocab).to(torch.float64)
    with torch.no_grad():
        head.weight.add_(1e-12)  # not representable in float32: must survive the copy
    classifier = zero_shot_classifier(head, vocab, ["house cat", "tench", "dog"])
    assert isinstance(classifier, nn.Linear) and classifier.weight.dtype == torch.float64
    assert torch.equal(classifier.weight, head.weight[[4, 0, 1]])
    features = torch.randn(3, 6, dtype=torch.float64)
    assert torch.allclose(classifier(features), head(features)[:, [4, 0, 1]])
    with pytest.raises(LabelResolutionError, match="qwxzv"):
        zero_shot_classifier(head, vocab, ["dog", "qwxzv"])
    padded = zero_shot_classifier(head, vocab, ["dog", "qwxzv"], unmatched="zero")
    assert torch.equal(padded.weight[1], torch.zeros(6, dtype=torch.float64))


# -- coverage and the CLI ---------------------------------------------------------------------


def test_coverage_report(vocab: Vocabulary) -> None:
    report = coverage(LABELS, vocab)
    assert isinstance(report, CoverageReport)
    assert report.counts == {"exact": 2, "similar": 1, "average": 1, "unmatched": 1}
    assert report.fractions["exact"] == pytest.approx(0.4)
    assert len(report.vocab_wnids) == 5
    data = json.loads(json.dumps(report.to_dict()))
    assert data["labels"] == 5 and data["matches"][1]["names"] == ["dog.n.01"]
    assert "Coverage of 5 labels by a 5-synset vocabulary" in str(report)


def test_cli_coverage(
    vocab: Vocabulary, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vocab_file = tmp_path / "vocab.json"
    vocab.save(vocab_file)
    labels = tmp_path / "labels.txt"
    labels.write_text("# my data set\n" + "\n".join(LABELS) + "\n\n", encoding="utf-8")
    assert main(["coverage", "--vocab", str(vocab_file), str(labels), "--show", "all"]) == 0
    out = capsys.readouterr()
    assert "exact          2   40.0%" in out.out
    assert "puppy\tsimilar\t0.500\t" in out.out
    assert "resolving 5 labels" in out.err

    assert main(["coverage", "--vocab", str(vocab_file), str(labels), "--json", "-q"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["average"] == 1


def test_cli_coverage_errors(
    vocab: Vocabulary, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vocab_file = tmp_path / "vocab.json"
    vocab.save(vocab_file)
    assert main(["coverage", "--vocab", str(vocab_file), str(tmp_path / "none.txt")]) == 1
    assert "does not exist" in capsys.readouterr().err
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n", encoding="utf-8")
    assert main(["coverage", "--vocab", str(vocab_file), str(empty)]) == 1
    assert "has no labels" in capsys.readouterr().err
