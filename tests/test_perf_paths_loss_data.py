"""The fast paths of issue 6 for losses and data loading give the numbers and the semantics
of the general paths they bypass (and of PyTorch).

- ``cross_entropy`` over logits (N, C) and class indices is one fused op (``ops/loss.py:
  CrossEntropy``): bit for bit the composite log_softmax + nll_loss, forward and backward,
  differentiable twice; every other case still takes the composite.
- A DataLoader over a TensorDataset with the default collation gathers each batch with one
  index per tensor; a custom ``collate_fn`` still receives a list of samples and a dataset's
  ``__getitems__`` is still honoured, as in PyTorch; BatchSampler's batches are PyTorch's.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import chainrule
import chainrule.nn.functional as CF
import chainrule.utils.data as cud
from chainrule.ops.loss import CrossEntropy

DTYPES = ["float32", "float64"]
REDUCTIONS = ["mean", "sum", "none"]


def _logits(n, c, dtype, seed=0):
    return (np.random.default_rng(seed).standard_normal((n, c)) * 3).astype(dtype)


def _targets(n, c, seed=1, dtype=np.int64):
    return np.random.default_rng(seed).integers(0, c, n).astype(dtype)


def _composite(x, t, reduction):
    """cross_entropy as the general path computes it: log_softmax, then nll_loss."""
    return CF.nll_loss(CF.log_softmax(x, 1), t, reduction=reduction)


def _loss_and_grad(fn, x_np, t, reduction, dtype):
    x = chainrule.tensor(x_np, requires_grad=True)
    loss = fn(x, chainrule.tensor(t), reduction)
    # a non-trivial upstream gradient: one weight per sample for "none", a scale otherwise
    if reduction == "none":
        (loss * chainrule.tensor(np.linspace(0.5, 2.0, len(t)).astype(dtype))).sum().backward()
    else:
        (loss * 3.7).backward()
    return loss.detach().numpy(), x.grad.numpy()


# ---------------------------------------------------------------- the fused cross-entropy
def test_the_common_case_records_one_fused_node():
    x = chainrule.tensor(_logits(4, 3, "float32"), requires_grad=True)
    loss = CF.cross_entropy(x, chainrule.tensor(_targets(4, 3)))
    assert isinstance(loss.grad_fn, CrossEntropy._node_cls)
    assert loss.grad_fn.next_functions[0][0].variable is x


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("target_dtype", [np.int64, np.uint8])
def test_fused_equals_the_composite_bit_for_bit(reduction, dtype, target_dtype):
    x, t = _logits(37, 11, dtype), _targets(37, 11, dtype=target_dtype)
    fused = _loss_and_grad(
        lambda x, t, r: CF.cross_entropy(x, t, reduction=r), x, t, reduction, dtype
    )
    composite = _loss_and_grad(_composite, x, t, reduction, dtype)
    for ours, general in zip(fused, composite):
        assert ours.dtype == general.dtype and ours.shape == general.shape
        np.testing.assert_array_equal(ours, general)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_fused_matches_torch(reduction):
    x, t = _logits(64, 10, "float32", seed=5), _targets(64, 10, seed=6)
    loss, grad = _loss_and_grad(
        lambda x, t, r: CF.cross_entropy(x, t, reduction=r), x, t, reduction, "float32"
    )
    tx = torch.tensor(x, requires_grad=True)
    tl = torch.nn.functional.cross_entropy(tx, torch.tensor(t), reduction=reduction)
    if reduction == "none":
        (tl * torch.tensor(np.linspace(0.5, 2.0, 64).astype("float32"))).sum().backward()
    else:
        (tl * 3.7).backward()
    np.testing.assert_allclose(loss, tl.detach().numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(grad, tx.grad.numpy(), rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_fused_is_differentiable_twice_like_torch(reduction):
    x, t = _logits(5, 4, "float64", seed=2), _targets(5, 4, seed=3)
    grads = []
    for lib, F in ((chainrule, CF), (torch, torch.nn.functional)):
        xt = lib.tensor(x, requires_grad=True)
        loss = F.cross_entropy(xt, lib.tensor(t), reduction=reduction)
        if reduction == "none":
            loss = (loss * lib.tensor(np.arange(1.0, 6.0))).sum()
        (g,) = lib.autograd.grad(loss, xt, create_graph=True)
        (g * g * lib.tensor(np.arange(20.0).reshape(5, 4))).sum().backward()
        grads.append((g.detach().numpy(), xt.grad.numpy()))
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    xc = chainrule.tensor(x, requires_grad=True)
    tc = chainrule.tensor(t)
    assert chainrule.autograd.gradgradcheck(lambda a: CF.cross_entropy(a, tc), [xc])


def test_second_backward_through_the_fused_node_is_refused():
    x = chainrule.tensor(_logits(3, 4, "float32"), requires_grad=True)
    loss = CF.cross_entropy(x, chainrule.tensor(_targets(3, 4)))
    loss.backward(retain_graph=True)
    loss.backward()  # retained: allowed, and the gradient doubles
    first = CF.cross_entropy(x.detach().requires_grad_(), chainrule.tensor(_targets(3, 4)))
    first.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        first.backward()


@pytest.mark.parametrize(
    "kwargs,targets",
    [
        ({"ignore_index": 2}, [0, 2, 1, 2]),  # an ignored target: the composite's mask
        ({}, [0, 1, 4, 1]),  # out of range: the composite's IndexError
        ({"weight": np.array([1.0, 2.0, 0.5, 1.5], "float32")}, [0, 3, 1, 2]),
        ({"label_smoothing": 0.2}, [0, 3, 1, 2]),
    ],
    ids=["ignored", "out_of_range", "weight", "smoothing"],
)
def test_other_cases_take_the_composite_like_torch(kwargs, targets):
    x = _logits(4, 4, "float32", seed=9)
    results = []
    for lib, F in ((chainrule, CF), (torch, torch.nn.functional)):
        xt = lib.tensor(x, requires_grad=True)
        kw = {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        try:
            loss = F.cross_entropy(xt, lib.tensor(np.array(targets)), **kw)
        except IndexError as err:
            results.append(type(err))
            continue
        loss.backward()
        assert not isinstance(loss.grad_fn, CrossEntropy._node_cls)
        results.append((loss.detach().numpy(), xt.grad.numpy()))
    if isinstance(results[0], type):
        assert results == [IndexError, IndexError]
        return
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-7)


# ---------------------------------------------------------------- the DataLoader
def _twin_tensors(n=23):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = (np.arange(n, dtype=np.int64) * 7) % 5
    return x, y


def _as_np(batch):
    if isinstance(batch, (chainrule.Tensor, torch.Tensor)):
        return np.asarray(batch.numpy())
    if isinstance(batch, (list, tuple)):
        return [_as_np(b) for b in batch]
    return batch


def test_tensor_dataset_batches_equal_torch_and_own_their_memory():
    x, y = _twin_tensors()
    order = [int(i) for i in np.random.default_rng(0).permutation(23)]
    ours = cud.DataLoader(
        cud.TensorDataset(chainrule.tensor(x), chainrule.tensor(y)), batch_size=5, sampler=order
    )
    theirs = tud.DataLoader(
        tud.TensorDataset(torch.tensor(x), torch.tensor(y)), batch_size=5, sampler=order
    )
    batches = list(ours)
    assert [len(b[0]) for b in batches] == [5, 5, 5, 5, 3]
    for a, b in zip(batches, theirs):
        assert type(a) is list and len(a) == 2
        for ta, tb in zip(a, b):
            assert ta.numpy().dtype == tb.numpy().dtype
            np.testing.assert_array_equal(ta.numpy(), tb.numpy())
    batches[0][0].numpy()[...] = -1  # a batch is a copy, as torch's stacked batch
    assert (x >= 0).all()


def test_custom_collate_fn_receives_a_list_of_samples_like_torch():
    x, y = _twin_tensors(6)
    seen = {}

    def describe(key):
        def collate(batch):
            seen[key] = (type(batch).__name__, len(batch), type(batch[0]).__name__)
            return [int(s[1]) for s in batch]

        return collate

    a = cud.DataLoader(
        cud.TensorDataset(chainrule.tensor(x), chainrule.tensor(y)),
        batch_size=4,
        collate_fn=describe("ours"),
    )
    b = tud.DataLoader(
        tud.TensorDataset(torch.tensor(x), torch.tensor(y)),
        batch_size=4,
        collate_fn=describe("theirs"),
    )
    assert list(a) == list(b)
    assert seen["ours"] == seen["theirs"] == ("list", 2, "tuple")


def test_getitems_is_honoured_like_torch():
    calls = {"ours": [], "theirs": []}

    def make(base, key):
        class Batched(base):
            def __len__(self):
                return 7

            def __getitem__(self, i):
                raise AssertionError("a dataset with __getitems__ is fetched a batch at a time")

            def __getitems__(self, indices):
                calls[key].append(list(indices))
                return [(float(i), i * 10) for i in indices]

        return Batched()

    a = list(cud.DataLoader(make(cud.Dataset, "ours"), batch_size=3))
    b = list(tud.DataLoader(make(tud.Dataset, "theirs"), batch_size=3))
    assert calls["ours"] == calls["theirs"] == [[0, 1, 2], [3, 4, 5], [6]]
    for ours, theirs in zip(_as_np(a), _as_np(b)):
        for p, q in zip(ours, theirs):
            assert p.dtype == q.dtype
            np.testing.assert_array_equal(p, q)


def test_an_index_out_of_range_raises_index_error():
    x, y = _twin_tensors(4)
    loader = cud.DataLoader(
        cud.TensorDataset(chainrule.tensor(x), chainrule.tensor(y)), batch_sampler=[[0, 9]]
    )
    with pytest.raises(IndexError, match="out of bounds"):
        next(iter(loader))


def test_a_dataset_that_requires_grad_gives_batches_in_the_graph():
    x, y = _twin_tensors(5)
    leaf = chainrule.tensor(x, requires_grad=True)
    loader = cud.DataLoader(cud.TensorDataset(leaf, chainrule.tensor(y)), batch_sampler=[[3, 1]])
    ((xb, yb),) = list(loader)
    assert xb.requires_grad and not yb.requires_grad
    (xb * 2).sum().backward()
    expected = np.zeros_like(x)
    expected[[3, 1]] = 2
    np.testing.assert_array_equal(leaf.grad.numpy(), expected)
    with chainrule.no_grad():
        ((xb_ng, _),) = list(loader)
    assert not xb_ng.requires_grad


@pytest.mark.parametrize("n,batch_size", [(0, 3), (1, 3), (9, 3), (10, 3), (10, 4), (5, 7)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sampler_batches_equal_torch(n, batch_size, drop_last):
    ours = cud.BatchSampler(range(n), batch_size, drop_last)
    theirs = tud.BatchSampler(range(n), batch_size, drop_last)
    assert list(ours) == list(theirs)
    assert len(ours) == len(theirs)
    # a one-shot iterator as the sampler: consumed once, batch by batch
    assert list(cud.BatchSampler(iter(range(n)), batch_size, drop_last)) == list(theirs)


def test_fused_cross_entropy_accepts_logits_changed_in_place_before_backward_like_torch():
    # the fused op keeps x only for a recorded backward pass (graph_only_saved): a plain
    # backward uses the saved log-probabilities, as PyTorch's log_softmax does
    x_np, t_np = _logits(5, 4, "float32"), _targets(5, 4)
    grads = []
    for lib, F in ((chainrule, CF), (torch, torch.nn.functional)):
        x = lib.tensor(x_np, requires_grad=True)
        z = x * 1.0
        loss = F.cross_entropy(z, lib.tensor(t_np))
        with lib.no_grad():
            z.add_(1.0)
        loss.backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6, atol=1e-7)


def test_fused_cross_entropy_refuses_a_recorded_backward_after_an_in_place_change():
    # a recorded pass rebuilds the composite from the saved logits: stale logits would
    # give a wrong second derivative, so the version check stays on for that pass
    x = chainrule.tensor(_logits(5, 4, "float32"), requires_grad=True)
    z = x * 1.0
    loss = CF.cross_entropy(z, chainrule.tensor(_targets(5, 4)))
    with chainrule.no_grad():
        z.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        chainrule.autograd.grad(loss, x, create_graph=True)
