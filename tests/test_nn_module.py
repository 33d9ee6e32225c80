"""nn.Module: registration, walks, state_dict, modes, dtype conversion, hooks and repr,
each compared with the same model built in PyTorch."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import torch

import chainrule
import chainrule.nn as nn
from nnpair import to_chainrule


def build(lib):
    """The same small model in either library: nested containers, a buffer, a shared
    layer and a bias-free layer."""

    class Block(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = lib.nn.Linear(3, 3)
            self.register_buffer("scale", lib.ones(3))
            self.register_buffer("tmp", lib.zeros(1), persistent=False)

        def forward(self, x):
            return self.fc(x) * self.scale

    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = lib.nn.Linear(2, 3, bias=False)
            self.blocks = lib.nn.ModuleList([Block(), Block()])
            self.heads = lib.nn.ModuleDict({"a": lib.nn.Linear(3, 1), "b": lib.nn.Identity()})
            self.shared = self.blocks[0]  # the same module under two names
            self.alpha = lib.nn.Parameter(lib.tensor(0.5))

        def forward(self, x):
            h = self.stem(x)
            for block in self.blocks:
                h = block(h).tanh()
            return self.heads["a"](self.heads["b"](h)) * self.alpha

    return Net()


@pytest.fixture
def nets():
    return build(chainrule), build(torch)


def test_registries_and_walks_match_torch(nets):
    c, t = nets
    assert [n for n, _ in c.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in c.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in c.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in c.named_children()] == [n for n, _ in t.named_children()]
    assert [type(m).__name__ for m in c.modules()] == [type(m).__name__ for m in t.modules()]
    assert list(c.state_dict()) == list(t.state_dict())
    assert [n for n, _ in c.named_parameters(remove_duplicate=False)] == [
        n for n, _ in t.named_parameters(remove_duplicate=False)
    ]
    assert [n for n, _ in c.named_parameters(prefix="m", recurse=False)] == [
        n for n, _ in t.named_parameters(prefix="m", recurse=False)
    ]
    assert sum(p.numel() for p in c.parameters()) == sum(p.numel() for p in t.parameters())


def test_forward_and_backward_match_torch_after_load_state_dict(nets):
    c, t = nets
    result = c.load_state_dict(to_chainrule(t.state_dict()))
    assert result.missing_keys == [] and result.unexpected_keys == []
    x = np.random.default_rng(0).standard_normal((4, 2)).astype(np.float32)
    yc, yt = c(chainrule.tensor(x)), t(torch.tensor(x))
    np.testing.assert_allclose(yc.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    yc.sum().backward()
    yt.sum().backward()
    tg = {n: p.grad for n, p in t.named_parameters()}
    for n, p in c.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tg[n].numpy(), rtol=1e-5, atol=1e-6)


def test_state_dict_is_detached_and_shares_memory(nets):
    c, _ = nets
    sd = c.state_dict()
    w = sd["stem.weight"]
    assert not w.requires_grad and w.grad_fn is None
    c.stem.weight.data.fill_(3.0)
    assert float(w[0, 0]) == 3.0  # the same storage, as in PyTorch
    assert c.state_dict(keep_vars=True)["stem.weight"] is c.stem.weight


def test_load_state_dict_reports_every_problem_at_once_and_changes_nothing(nets):
    c, t = nets
    sd = to_chainrule(t.state_dict())
    del sd["stem.weight"], sd["alpha"]
    sd["extra.weight"] = chainrule.zeros(2)
    sd["heads.a.weight"] = chainrule.zeros(5, 5)
    before = {k: v.clone() for k, v in c.state_dict().items()}
    with pytest.raises(RuntimeError) as err:
        c.load_state_dict(sd)
    # The same report torch gives for the same dict (up to the Size class's name).
    with pytest.raises(RuntimeError) as terr:
        t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in sd.items()})
    assert str(err.value) == str(terr.value).replace("torch.Size", "chainrule.Size")
    assert str(err.value).startswith("Error(s) in loading state_dict for Net:")
    for k, v in c.state_dict().items():
        assert chainrule.equal(v, before[k]), k


def test_load_state_dict_non_strict_returns_the_key_lists(nets):
    c, t = nets
    sd = to_chainrule(t.state_dict())
    del sd["alpha"]
    sd["bogus"] = chainrule.ones(1)
    result = c.load_state_dict(sd, strict=False)
    tres = t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in sd.items()}, strict=False)
    assert result.missing_keys == tres.missing_keys == ["alpha"]
    assert result.unexpected_keys == tres.unexpected_keys == ["bogus"]
    assert chainrule.equal(c.stem.weight.detach(), chainrule.tensor(t.stem.weight.detach().numpy()))


def test_load_state_dict_copies_and_casts():
    c = nn.Linear(2, 2).double()
    src = {"weight": chainrule.ones(2, 2), "bias": chainrule.zeros(2)}  # float32 source
    c.load_state_dict(src)
    assert c.weight.dtype == chainrule.float64
    src["weight"].fill_(7.0)
    assert float(c.weight[0, 0]) == 1.0  # copied, not aliased


def test_getattr_raises_attribute_error_for_unknown_names():
    m = nn.Linear(2, 2)
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'wieght'"):
        m.wieght  # noqa: B018
    assert not hasattr(m, "nonexistent")


def test_assignment_rules_match_torch():
    for lib in (chainrule, torch):
        m = lib.nn.Linear(2, 2)
        with pytest.raises(TypeError):
            m.weight = lib.zeros(2, 2)  # a plain tensor cannot replace a parameter
        m.bias = None
        assert m.bias is None and "bias" not in dict(m.named_parameters())
        m.extra = lib.nn.Linear(1, 1)
        assert "extra.weight" in m.state_dict()
        del m.extra
        assert "extra.weight" not in m.state_dict()
        m.register_buffer("buf", lib.zeros(1))
        m.buf = lib.ones(1)  # a tensor assigned to a buffer name updates the buffer
        assert float(m.state_dict()["buf"][0]) == 1.0
        with pytest.raises(KeyError):
            m.register_buffer("a.b", lib.zeros(1))
        with pytest.raises(KeyError):
            m.register_parameter("weight2", None) or m.register_buffer("weight", lib.zeros(1))
        m.w = lib.nn.Buffer(lib.zeros(2))
        assert "w" in dict(m.named_buffers())


def test_assigning_before_init_is_a_clear_error():
    class Bad(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)
            super().__init__()

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Bad()


def test_forward_missing_is_a_clear_error():
    class NoForward(nn.Module):
        pass

    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        NoForward()(chainrule.zeros(1))


def test_train_eval_and_requires_grad(nets):
    c, t = nets
    c.eval()
    assert not any(m.training for m in c.modules())
    assert c.train() is c and all(m.training for m in c.modules())
    c.blocks.eval()
    assert c.training and not c.blocks[1].fc.training
    c.requires_grad_(False)
    assert not any(p.requires_grad for p in c.parameters())


def test_zero_grad_set_to_none_and_to_zero(nets):
    c, _ = nets
    c(chainrule.ones(1, 2)).sum().backward()
    c.zero_grad(set_to_none=False)
    assert all(float(p.grad.abs().sum()) == 0.0 for p in c.parameters())
    c.zero_grad()
    assert all(p.grad is None for p in c.parameters())


def test_apply_visits_children_before_parents(nets):
    c, t = nets
    seen_c, seen_t = [], []
    c.apply(lambda m: seen_c.append(type(m).__name__))
    t.apply(lambda m: seen_t.append(type(m).__name__))
    assert seen_c == seen_t


def test_to_float_double_keep_parameter_identity(nets):
    c, _ = nets
    w = c.stem.weight
    c.double()
    assert c.stem.weight is w and w.dtype == chainrule.float64
    assert c.blocks[0].scale.dtype == chainrule.float64
    assert c.to(chainrule.float32) is c and w.dtype == chainrule.float32
    c.to("cpu")
    c.to(device="cpu", dtype=chainrule.float64)
    assert w.dtype == chainrule.float64
    with pytest.raises(TypeError, match="floating point"):
        c.to(chainrule.int64)


def test_forward_hooks_can_replace_inputs_and_outputs():
    for lib in (chainrule, torch):
        m = lib.nn.Linear(2, 2)
        calls: list = []
        record = calls.append
        h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
        h2 = m.register_forward_hook(
            lambda mod, args, out, record=record: record(out.shape) or out + 1
        )
        y = m(lib.ones(3, 2))
        expected = (m.bias + 1).detach().numpy()
        np.testing.assert_allclose(y.detach().numpy(), np.broadcast_to(expected, (3, 2)))
        assert calls == [(3, 2)]
        h1.remove()
        h2.remove()
        y = m(lib.ones(3, 2))
        assert len(calls) == 1


def test_repr_matches_torch(nets):
    c, t = nets
    assert repr(c) == repr(t)
    assert repr(nn.Sequential()) == repr(torch.nn.Sequential())
    assert repr(nn.Flatten()) == repr(torch.nn.Flatten())
    assert repr(nn.Unflatten(1, (2, 3))) == repr(torch.nn.Unflatten(1, (2, 3)))
    assert repr(nn.Bilinear(2, 3, 4)) == repr(torch.nn.Bilinear(2, 3, 4))


def test_parameter_basics():
    p = nn.Parameter(chainrule.ones(2))
    assert p.requires_grad and p.is_leaf and isinstance(p, chainrule.Tensor)
    assert repr(p) == repr(torch.nn.Parameter(torch.ones(2))).replace("torch", "chainrule")
    base = chainrule.zeros(2)
    q = nn.Parameter(base, requires_grad=False)
    base.fill_(4.0)
    assert float(q[0]) == 4.0 and not q.requires_grad  # shares memory, as in PyTorch
    d = copy.deepcopy(p)
    assert isinstance(d, nn.Parameter) and d is not p and chainrule.equal(d, p)
    with pytest.raises(TypeError):
        nn.Parameter([1.0, 2.0])


def test_deepcopy_of_a_model_is_independent(nets):
    c, _ = nets
    d = copy.deepcopy(c)
    assert d.shared is d.blocks[0]  # sharing survives the copy
    d.stem.weight.data.fill_(0.0)
    assert float(c.stem.weight.abs().sum()) > 0


def test_modules_refuse_pickle():
    with pytest.raises(TypeError, match="chainrule.save"):
        pickle.dumps(nn.Linear(2, 2))


def test_deep_nesting_does_not_recurse():
    model = nn.Identity()
    for _ in range(5000):
        outer = nn.Sequential()
        outer.append(model)
        model = outer
    assert len(list(model.modules())) == 5001
    assert len(model.state_dict()) == 0
    model.train(False)
    assert not any(m.training for m in model.modules())
    visited = []
    model.apply(visited.append)
    assert len(visited) == 5001 and isinstance(visited[0], nn.Identity)


def test_repr_of_a_deep_model_does_not_recurse():
    model = nn.Identity()
    for _ in range(1200):  # deeper than Python's default recursion limit (1000)
        model = nn.Sequential(model)
    text = repr(model)
    assert text.count("Identity()") == 1 and text.count("Sequential(") == 1200


def test_get_submodule_and_parameter(nets):
    c, t = nets
    assert c.get_submodule("blocks.1.fc") is c.blocks[1].fc
    assert c.get_parameter("heads.a.bias") is c.heads["a"].bias
    with pytest.raises(AttributeError):
        c.get_submodule("blocks.7")
