"""catlip.losses: sparse == dense == F.binary_cross_entropy_with_logits, memory, compile."""

from __future__ import annotations

import importlib.util
import math
import warnings
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from torch.utils._python_dispatch import TorchDispatchMode

from catlip.losses import CatLIPLoss, catlip_loss
from catlip.vocab import pad_labels

REDUCTIONS = ["batch_mean", "mean", "sum", "none"]


def multi_hot(indices: torch.Tensor, num_classes: int) -> torch.Tensor:
    dense = torch.zeros(indices.shape[0], num_classes, dtype=torch.float64)
    for row, labels in enumerate(indices.tolist()):
        for label in labels:
            if label >= 0:
                dense[row, label] = 1.0
    return dense


def reference(
    logits: torch.Tensor,
    dense: torch.Tensor,
    reduction: str,
    eps: float,
    pos_weight: torch.Tensor | None,
) -> torch.Tensor:
    target = dense.to(logits.dtype) * (1 - eps) + eps / 2
    if reduction == "batch_mean":
        out = F.binary_cross_entropy_with_logits(
            logits, target, pos_weight=pos_weight, reduction="sum"
        )
        return out / logits.shape[0]
    return F.binary_cross_entropy_with_logits(
        logits, target, pos_weight=pos_weight, reduction=reduction
    )


@st.composite
def problems(draw: Any) -> dict[str, Any]:
    batch = draw(st.integers(1, 6))
    classes = draw(st.integers(1, 12))
    k = draw(st.integers(0, 7))
    seed = draw(st.integers(0, 2**31 - 1))
    gen = torch.Generator().manual_seed(seed)
    # Labels drawn from few classes so duplicates are common; about a third are padding.
    indices = torch.randint(0, classes, (batch, k), generator=gen)
    indices[torch.rand(batch, k, generator=gen) < 0.35] = -1
    if batch > 1 and draw(st.booleans()):
        indices[0] = -1  # a caption with no labels
    logits = torch.randn(batch, classes, generator=gen, dtype=torch.float64) * draw(
        st.sampled_from([0.1, 3.0, 30.0])
    )
    use_weight = draw(st.booleans())
    pos_weight = torch.rand(classes, generator=gen, dtype=torch.float64) * 3 if use_weight else None
    return {
        "logits": logits,
        "indices": indices,
        "eps": draw(st.sampled_from([0.0, 0.1, draw(st.floats(0.0, 1.0))])),
        "pos_weight": pos_weight,
        "reduction": draw(st.sampled_from(REDUCTIONS)),
    }


def _value_and_grad(fn: Any, logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    z = logits.detach().clone().requires_grad_(True)
    out = fn(z)
    (grad,) = torch.autograd.grad(out, z, torch.ones_like(out))
    return out.detach(), grad


@given(problems())
def test_sparse_equals_dense_equals_torch(p: dict[str, Any]) -> None:
    dense = multi_hot(p["indices"], p["logits"].shape[1])
    kw = {"reduction": p["reduction"], "label_smoothing": p["eps"], "pos_weight": p["pos_weight"]}
    want, want_grad = _value_and_grad(
        lambda z: reference(z, dense, p["reduction"], p["eps"], p["pos_weight"]), p["logits"]
    )
    for targets, sparse in ((p["indices"], True), (dense, False), (dense.bool(), None)):
        got, got_grad = _value_and_grad(
            lambda z, t=targets, s=sparse: catlip_loss(z, t, sparse=s, **kw), p["logits"]
        )
        assert got.shape == want.shape
        # float64; torch's softplus is the identity above 20, an error of exp(-20) ~ 2e-9.
        torch.testing.assert_close(got, want, rtol=1e-7, atol=1e-8)
        torch.testing.assert_close(got_grad, want_grad, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("reduction", ["batch_mean", "none"])
@pytest.mark.parametrize("eps", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
def test_gradcheck_sparse(reduction: str, eps: float, weighted: bool) -> None:
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(3, 5, generator=gen, dtype=torch.float64, requires_grad=True)
    indices = torch.tensor([[1, 4, 4], [-1, -1, -1], [0, -1, 2]])
    pos_weight = torch.rand(5, generator=gen, dtype=torch.float64) + 0.5 if weighted else None

    def fn(z: torch.Tensor) -> torch.Tensor:
        return catlip_loss(
            z, indices, reduction=reduction, label_smoothing=eps, pos_weight=pos_weight
        )

    assert torch.autograd.gradcheck(fn, (logits,))


def test_duplicates_count_once_and_empty_rows_are_negatives() -> None:
    logits = torch.randn(2, 6)
    with_dups = torch.tensor([[2, 2, 5, 2], [-1, -1, -1, -1]])
    plain = torch.tensor([[2, 5, -1, -1], [-1, -1, -1, -1]])
    torch.testing.assert_close(catlip_loss(logits, with_dups), catlip_loss(logits, plain))
    empty = catlip_loss(logits[1:], with_dups[1:], reduction="sum")
    torch.testing.assert_close(empty, F.softplus(logits[1]).sum())


def test_no_labels_at_all_k_zero() -> None:
    logits = torch.randn(3, 4)
    got = catlip_loss(logits, torch.empty(3, 0, dtype=torch.long))
    torch.testing.assert_close(got, F.softplus(logits).sum() / 3)


def test_stable_for_huge_logits() -> None:
    gen = torch.Generator().manual_seed(1)
    logits = (torch.rand(4, 300, generator=gen) * 2 - 1) * 1e4
    indices = torch.randint(0, 300, (4, 9), generator=gen)
    logits[0, indices[0]] = 1e4  # confident and right: the positives must cancel exactly
    dense = multi_hot(indices, 300)
    for eps, weighted in ((0.0, False), (0.1, True)):
        pos_weight = torch.linspace(0.5, 2.0, 300) if weighted else None
        want, want_grad = _value_and_grad(
            lambda z, e=eps, w=pos_weight: reference(
                z, dense, "none", e, None if w is None else w.double()
            ).sum(1),
            logits.double(),
        )
        got, got_grad = _value_and_grad(
            lambda z, e=eps, w=pos_weight: catlip_loss(
                z, indices, reduction="sum", label_smoothing=e, pos_weight=w
            ),
            logits,
        )
        assert torch.isfinite(got) and torch.isfinite(got_grad).all()
        torch.testing.assert_close(got.double(), want.sum(), rtol=1e-6, atol=1e-3)
        torch.testing.assert_close(got_grad.double(), want_grad, rtol=1e-6, atol=1e-6)
    row0 = catlip_loss(logits[:1], indices[:1], reduction="none")[0, indices[0]]
    assert row0.abs().max() == 0.0


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_logits_computed_in_float32(dtype: torch.dtype) -> None:
    gen = torch.Generator().manual_seed(2)
    logits = torch.randn(8, 50, generator=gen).to(dtype)
    indices = torch.randint(-1, 50, (8, 4), generator=gen)
    for targets in (indices, multi_hot(indices, 50)):
        loss, grad = _value_and_grad(lambda z, t=targets: catlip_loss(z, t), logits)
        assert loss.dtype == torch.float32 and grad.dtype == dtype
        want, want_grad = _value_and_grad(lambda z: catlip_loss(z, indices), logits.float())
        torch.testing.assert_close(loss, want)
        torch.testing.assert_close(grad.float(), want_grad, rtol=1e-2, atol=1e-4)


def test_autocast_cpu_bfloat16() -> None:
    layer = torch.nn.Linear(16, 40)
    x = torch.randn(5, 16)
    indices = torch.tensor([[0, 3], [39, -1], [-1, -1], [7, 7], [1, 2]])
    with torch.autocast("cpu", dtype=torch.bfloat16):
        logits = layer(x)
        assert logits.dtype == torch.bfloat16
        loss = catlip_loss(logits, indices, label_smoothing=0.1)
    assert loss.dtype == torch.float32
    loss.backward()
    assert layer.weight.grad is not None and torch.isfinite(layer.weight.grad).all()


def test_bad_indices_raise_value_error_before_indexing() -> None:
    logits = torch.randn(2, 5)
    for bad in ([[0, 5]], [[-2, 1]]):
        with pytest.raises(ValueError, match=r"outside the 5 classes"):
            catlip_loss(logits, torch.tensor(bad * 2))


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"reduction": "avg"}, ValueError),
        ({"label_smoothing": 1.5}, ValueError),
        ({"pos_weight": torch.ones(4)}, ValueError),
        ({"pos_weight": torch.ones(1, 5)}, ValueError),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        catlip_loss(torch.randn(2, 5), torch.tensor([[1], [2]]), **kwargs)


def test_bad_shapes_and_types() -> None:
    with pytest.raises(TypeError, match="floating"):
        catlip_loss(torch.ones(2, 5, dtype=torch.long), torch.tensor([[1], [2]]))
    with pytest.raises(ValueError, match="batch"):
        catlip_loss(torch.randn(2, 5), torch.tensor([[1], [2], [3]]))
    with pytest.raises(ValueError, match="at least one class"):
        catlip_loss(torch.randn(2, 0), torch.tensor([[-1], [-1]]))
    with pytest.raises(ValueError, match="at least one class"):
        catlip_loss(torch.randn(2), torch.tensor([1, 0]))
    with pytest.raises(ValueError, match="shape"):
        catlip_loss(torch.randn(2, 5), torch.zeros(2, 4))
    with pytest.raises(TypeError, match="integer"):
        catlip_loss(torch.randn(2, 5), torch.zeros(2, 5), sparse=True)
    with pytest.raises(ValueError, match=r"detach"):
        catlip_loss(
            torch.randn(2, 5), torch.tensor([[1], [2]]), pos_weight=torch.ones(5).requires_grad_()
        )


def test_integer_targets_are_class_indices_even_when_k_equals_v() -> None:
    # The case: two samples, V = 2, labels [0, 1] and [1, 0]: K == V with no padding.
    logits = torch.tensor([[2.0, -1.0], [0.5, 3.0]])
    targets = pad_labels([[0, 1], [1, 0]])
    want = catlip_loss(logits, torch.ones(2, 2))  # every class of every sample is a positive
    with pytest.warns(FutureWarning, match="class indices"):
        got = catlip_loss(logits, targets)
    torch.testing.assert_close(got, want)
    torch.testing.assert_close(catlip_loss(logits, targets, sparse=True), want)
    assert math.isclose(want.item(), 0.9814, abs_tol=1e-4)


@given(problems(), st.sampled_from([torch.int64, torch.int32, torch.int16]))
def test_integer_index_targets_equal_float_multi_hot(p: dict[str, Any], dtype: Any) -> None:
    """For any logits and index sets, of any width K (K == V included), sparse == dense."""
    classes = p["logits"].shape[1]
    indices = p["indices"]
    # Widen or narrow the index rows to exactly V columns half the time: the ambiguous width.
    if indices.shape[1] and classes != indices.shape[1]:
        indices = indices[:, :classes]
        pad = torch.full((indices.shape[0], classes - indices.shape[1]), -1)
        indices = torch.cat([indices, pad], dim=1)
    dense = multi_hot(indices, classes)
    kw = {"reduction": p["reduction"], "label_smoothing": p["eps"], "pos_weight": p["pos_weight"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        got, got_grad = _value_and_grad(
            lambda z: catlip_loss(z, indices.to(dtype), **kw), p["logits"]
        )
    want, want_grad = _value_and_grad(lambda z: catlip_loss(z, dense, **kw), p["logits"])
    torch.testing.assert_close(got, want, rtol=1e-7, atol=1e-8)
    torch.testing.assert_close(got_grad, want_grad, rtol=1e-7, atol=1e-8)


def test_format_follows_the_dtype() -> None:
    logits = torch.randn(3, 4, dtype=torch.float64)
    multi = torch.tensor([[1, 0, 0, 1], [0, 0, 0, 0], [1, 1, 1, 1]])
    as_dense = catlip_loss(logits, multi.double())
    torch.testing.assert_close(catlip_loss(logits, multi.bool()), as_dense)
    padded = torch.tensor([[0, 3, -1, -1], [-1, -1, -1, -1], [0, 1, 2, 3]])
    torch.testing.assert_close(catlip_loss(logits, padded, sparse=True), as_dense)
    wider = torch.cat([padded, torch.full((3, 1), -1)], dim=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # K != V: no warning
        torch.testing.assert_close(catlip_loss(logits, wider), as_dense)
    with pytest.raises(TypeError, match=r"\.float\(\) or targets\.bool\(\)"):
        catlip_loss(logits, multi, sparse=False)  # an integer matrix is never read as dense
    with pytest.warns(FutureWarning):
        catlip_loss(logits, multi)  # read as indices {0, 1}: warned, since 0.1 read it as dense


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("sparse", [True, False])
def test_empty_batch_is_zero_with_a_gradient(reduction: str, sparse: bool) -> None:
    logits = torch.randn(0, 5, requires_grad=True)
    targets = torch.empty(0, 3, dtype=torch.long) if sparse else torch.empty(0, 5)
    loss = catlip_loss(logits, targets, reduction=reduction)
    if reduction == "none":
        assert loss.shape == (0, 5)
    else:
        assert loss.shape == () and loss.item() == 0.0
    loss.sum().backward()
    assert logits.grad is not None and logits.grad.shape == (0, 5)


def test_module_wraps_function_and_has_no_hidden_state() -> None:
    pos_weight = torch.linspace(0.5, 2, 6)
    criterion = CatLIPLoss(reduction="sum", label_smoothing=0.1, pos_weight=pos_weight)
    assert dict(criterion.named_buffers()) == {"pos_weight": pos_weight}
    assert list(criterion.parameters()) == []
    before = (dict(vars(criterion)), {k: v.clone() for k, v in criterion.state_dict().items()})
    logits, indices = torch.randn(4, 6), torch.tensor([[0, 5], [-1, -1], [2, 2], [1, 3]])
    first, second = criterion(logits, indices), criterion(logits, indices)
    assert torch.equal(first, second)
    want = catlip_loss(logits, indices, reduction="sum", label_smoothing=0.1, pos_weight=pos_weight)
    torch.testing.assert_close(first, want)
    assert dict(vars(criterion)).keys() == before[0].keys()
    assert all(torch.equal(v, before[1][k]) for k, v in criterion.state_dict().items())
    assert criterion.to(torch.float64).pos_weight.dtype == torch.float64  # type: ignore[union-attr]
    assert "pos_weight=[6]" in repr(criterion)
    assert CatLIPLoss().pos_weight is None
    with pytest.raises(ValueError):
        CatLIPLoss(reduction="avg")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"reduction": "avg"},
        {"label_smoothing": 1.5},
        {"label_smoothing": "0.1"},
        {"pos_weight": torch.ones(1, 5)},
        {"pos_weight": [1.0] * 5},
        {"sparse": "yes"},
        {"validate_args": "no"},
    ],
)
def test_function_and_module_check_options_alike(kwargs: dict[str, Any]) -> None:
    with pytest.raises((TypeError, ValueError)) as from_function:
        catlip_loss(torch.randn(2, 5), torch.tensor([[1], [2]]), **kwargs)
    with pytest.raises((TypeError, ValueError)) as from_module:
        CatLIPLoss(**kwargs)
    assert from_function.type is from_module.type
    function_message = str(from_function.value).removeprefix("catlip_loss: ")
    assert str(from_module.value) == "CatLIPLoss: " + function_message


def test_sparse_path_saves_no_batch_by_vocab_tensors() -> None:
    logits = torch.randn(64, 1000, requires_grad=True)
    indices = torch.randint(-1, 1000, (64, 8))
    saved: list[torch.Tensor] = []

    def pack(t: torch.Tensor) -> torch.Tensor:
        saved.append(t)
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = catlip_loss(logits, indices, label_smoothing=0.1, pos_weight=torch.ones(1000))
    big = [t for t in saved if t.numel() >= logits.numel()]
    assert all(t.data_ptr() == logits.data_ptr() for t in big)  # only the logits themselves
    loss.backward()


def _load_benchmark() -> Any:
    """benchmarks/loss.py, whose peak-memory method the memory test shares."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "loss.py"
    spec = importlib.util.spec_from_file_location("catlip_loss_benchmark", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sparse_memory_beyond_logits_and_grad_under_5_percent() -> None:
    batch, classes = 1024, 24320
    logits = torch.randn(batch, classes, requires_grad=True)
    indices = torch.randint(-1, classes, (batch, 12))
    one = batch * classes * 4

    def step(inputs: list[torch.Tensor]) -> None:
        catlip_loss(inputs[0], indices, label_smoothing=0.1).backward()

    peak = _load_benchmark().peak_bytes(lambda: [logits], step, torch.device("cpu"))
    assert peak >= one  # the gradient itself is allocated in the region
    assert peak - one < 0.05 * one, f"extra {(peak - one) / one:.2%} of one [B, V] tensor"


def _compile_fullgraph(backend: str) -> None:
    def fn(z: torch.Tensor, t: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return catlip_loss(z, t, label_smoothing=0.1, pos_weight=w)

    torch._dynamo.reset()
    compiled = torch.compile(fn, fullgraph=True, backend=backend)
    gen = torch.Generator().manual_seed(3)
    logits = torch.randn(6, 20, generator=gen)
    indices = torch.tensor([[1, 2, 2, -1]] * 5 + [[-1] * 4])
    weight = torch.rand(20, generator=gen) + 0.5
    got, got_grad = _value_and_grad(lambda z: compiled(z, indices, weight), logits)
    want, want_grad = _value_and_grad(lambda z: fn(z, indices, weight), logits)
    torch.testing.assert_close(got, want)
    torch.testing.assert_close(got_grad, want_grad)
    with pytest.raises(RuntimeError, match=r"must be -1 or in \[0, 20\)"):
        compiled(logits, indices + 19, weight)


def _compile_unavailable() -> str | None:
    try:
        import torch._dynamo
    except Exception as exc:  # pragma: no cover - platform dependent
        return f"torch.compile is unavailable here: {exc}"
    if not torch._dynamo.is_dynamo_supported():  # pragma: no cover - platform dependent
        return "torch.compile (dynamo) is not supported on this Python/platform"
    return None


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.skipif(_compile_unavailable() is not None, reason=str(_compile_unavailable()))
def test_compile_fullgraph_no_graph_breaks() -> None:
    _compile_fullgraph("aot_eager")  # dynamo + AOT autograd: graph breaks fail here


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.skipif(_compile_unavailable() is not None, reason=str(_compile_unavailable()))
def test_compile_fullgraph_inductor() -> None:
    try:
        _compile_fullgraph("inductor")
    except Exception as exc:  # a missing C++ compiler is the platform's limit, not ours
        if "InvalidCxxCompiler" in type(exc).__name__ or "C++ compiler" in str(exc):
            pytest.skip(f"inductor has no working C++ compiler here: {exc}")
        raise


def test_batch_mean_is_sum_over_classes_divided_by_batch() -> None:
    logits = torch.zeros(4, 10)
    loss = catlip_loss(logits, torch.full((4, 1), -1))
    assert math.isclose(loss.item(), 10 * math.log(2), rel_tol=1e-6)


# aten ops that read a tensor's values back to the host: a device sync when the tensor is on a GPU
# (.item(), bool(), int() and float() all end in _local_scalar_dense).
_SYNCING_OPS = {"_local_scalar_dense", "nonzero", "masked_select", "is_nonzero", "_unique2"}


class _OpRecorder(TorchDispatchMode):
    """Records the name of every aten op run, forward and backward (what a GPU would execute)."""

    def __init__(self) -> None:
        super().__init__()
        self.ops: set[str] = set()

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        self.ops.add(func.overloadpacket.__name__)
        return func(*args, **(kwargs or {}))


def _loss_and_ops(
    logits: torch.Tensor, targets: torch.Tensor, **kwargs: Any
) -> tuple[torch.Tensor, torch.Tensor, set[str]]:
    leaf = logits.detach().requires_grad_(True)
    with _OpRecorder() as recorder:
        loss = CatLIPLoss(**kwargs)(leaf, targets)
        loss.sum().backward()
    assert leaf.grad is not None
    return loss.detach(), leaf.grad, recorder.ops


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("target_format", ["sparse", "dense"])
def test_validate_args_false_is_the_same_loss_without_reading_values(
    reduction: str, target_format: str
) -> None:
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(6, 40, generator=generator)
    indices = torch.randint(-1, 40, (6, 5), generator=generator)
    targets = indices if target_format == "sparse" else multi_hot(indices, 40).float()
    options = {"reduction": reduction, "label_smoothing": 0.1, "pos_weight": torch.rand(40) + 0.5}
    checked_loss, checked_grad, checked_ops = _loss_and_ops(logits, targets, **options)
    loss, grad, ops = _loss_and_ops(logits, targets, **options, validate_args=False)
    assert torch.equal(loss, checked_loss) and torch.equal(grad, checked_grad)
    assert not ops & _SYNCING_OPS, ops & _SYNCING_OPS
    if target_format == "sparse":  # the recorder sees the sync that the index check costs
        assert "_local_scalar_dense" in checked_ops


def test_validate_args_false_checks_nothing() -> None:
    logits = torch.randn(2, 5)
    with pytest.raises(ValueError, match="outside the 5 classes"):
        catlip_loss(logits, torch.tensor([[0, 7], [1, -1]]))
    # Unchecked, an index past the end fails wherever indexing does (here: gather's IndexError).
    with pytest.raises((IndexError, RuntimeError)):
        catlip_loss(logits, torch.tensor([[0, 7], [1, -1]]), validate_args=False)
    assert "validate_args=False" in repr(CatLIPLoss(validate_args=False))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_validate_args_false_never_syncs_on_cuda() -> None:
    logits = torch.randn(8, 1000, device="cuda", requires_grad=True)
    targets = torch.randint(-1, 1000, (8, 6), device="cuda")
    torch.cuda.synchronize()
    previous = torch.cuda.get_sync_debug_mode()
    torch.cuda.set_sync_debug_mode("error")
    try:
        catlip_loss(logits, targets, label_smoothing=0.1, validate_args=False).backward()
        with pytest.raises(RuntimeError, match="synchroniz"):
            catlip_loss(logits, targets)  # the index check reads the values back
    finally:
        torch.cuda.set_sync_debug_mode(previous)
