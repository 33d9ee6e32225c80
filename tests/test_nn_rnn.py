"""RNN, LSTM, GRU and their cells against PyTorch twins, from identical weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule
from nnpair import assert_same_distribution, check_module

DTYPES = ["float32", "float64"]
# Errors compound over time steps in float32; float64 is held to check_module's defaults.
TOL = {"float32": dict(rtol=1e-4, atol=2e-5), "float64": dict(rtol=1e-7, atol=1e-9)}


def pair(name: str, *args, dtype: str = "float64", **kwargs):
    """A chainrule layer and its PyTorch twin with the same arguments, in ``dtype``."""
    c = getattr(chainrule.nn, name)(*args, **kwargs)
    t = getattr(torch.nn, name)(*args, **kwargs)
    return (c.double(), t.double()) if dtype == "float64" else (c, t)


def with_state(lib, inner, lstm: bool):
    """Wrap a module so that its state is separate positional inputs (``check_module`` then
    checks their gradients): forward(x, h) or forward(x, h, c) for an LSTM."""

    class Wrapped(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = inner

        def forward(self, x, h, c=None):
            return self.inner(x, (h, c) if lstm else h)

    return Wrapped()


def data(rng, shape, dtype):
    return rng.standard_normal(shape).astype(dtype)


# ---------------------------------------------------------------- cells
CELLS = [
    ("RNNCell", {}),
    ("RNNCell", {"nonlinearity": "relu"}),
    ("RNNCell", {"bias": False}),
    ("LSTMCell", {}),
    ("LSTMCell", {"bias": False}),
    ("GRUCell", {}),
    ("GRUCell", {"bias": False}),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batch", [3, None], ids=["batched", "unbatched"])
@pytest.mark.parametrize("name,kwargs", CELLS)
def test_cell_parity_default_state(name, kwargs, batch, dtype, rng):
    c, t = pair(name, 4, 5, dtype=dtype, **kwargs)
    shape = (batch, 4) if batch else (4,)
    check_module(c, t, data(rng, shape, dtype), **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batch", [3, None], ids=["batched", "unbatched"])
@pytest.mark.parametrize("name,kwargs", CELLS)
def test_cell_parity_given_state(name, kwargs, batch, dtype, rng):
    c, t = pair(name, 4, 5, dtype=dtype, **kwargs)
    lstm = name == "LSTMCell"
    c, t = with_state(chainrule, c, lstm), with_state(torch, t, lstm)
    lead = (batch,) if batch else ()
    states = [data(rng, lead + (5,), dtype) for _ in range(2 if lstm else 1)]
    check_module(c, t, data(rng, lead + (4,), dtype), *states, **TOL[dtype])


def test_cell_steps_chain_like_torch(rng):
    """Feeding a cell its own output for several steps (the typical manual loop)."""
    c, t = pair("LSTMCell", 3, 4)
    c.load_state_dict({k: chainrule.tensor(v.numpy()) for k, v in t.state_dict().items()})
    xs = data(rng, (5, 2, 3), "float64")
    hc_c, hc_t = None, None
    for x in xs:
        hc_c = c(chainrule.tensor(x), hc_c)
        hc_t = t(torch.tensor(x), hc_t)
    np.testing.assert_allclose(hc_c[0].detach().numpy(), hc_t[0].detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(hc_c[1].detach().numpy(), hc_t[1].detach().numpy(), rtol=1e-10)


# ---------------------------------------------------------------- layers
LAYERS = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})]
CONFIGS = [
    {},
    {"num_layers": 2},
    {"bidirectional": True},
    {"num_layers": 2, "bidirectional": True, "batch_first": True},
    {"bias": False, "batch_first": True},
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(map(str, c.items())) or "plain")
@pytest.mark.parametrize("name,kwargs", LAYERS)
def test_layer_parity_default_state(name, kwargs, config, dtype, rng):
    c, t = pair(name, 3, 4, dtype=dtype, **kwargs, **config)
    check_module(c, t, data(rng, (5, 2, 3), dtype), **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(map(str, c.items())) or "plain")
@pytest.mark.parametrize("name,kwargs", LAYERS)
def test_layer_parity_given_state(name, kwargs, config, dtype, rng):
    c, t = pair(name, 3, 4, dtype=dtype, **kwargs, **config)
    lstm = name == "LSTM"
    c, t = with_state(chainrule, c, lstm), with_state(torch, t, lstm)
    layers = config.get("num_layers", 1) * (2 if config.get("bidirectional") else 1)
    states = [data(rng, (layers, 2, 4), dtype) for _ in range(2 if lstm else 1)]
    shape = (2, 5, 3) if config.get("batch_first") else (5, 2, 3)  # batch 2, 5 time steps
    check_module(c, t, data(rng, shape, dtype), *states, **TOL[dtype])


@pytest.mark.parametrize("given", [False, True], ids=["default-state", "given-state"])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_layer_unbatched_input(name, batch_first, given, rng):
    c, t = pair(name, 3, 4, num_layers=2, bidirectional=True, batch_first=batch_first)
    inputs = [data(rng, (6, 3), "float64")]
    if given:
        lstm = name == "LSTM"
        c, t = with_state(chainrule, c, lstm), with_state(torch, t, lstm)
        inputs += [data(rng, (4, 4), "float64") for _ in range(2 if lstm else 1)]
    c_out, _ = check_module(c, t, *inputs)
    assert tuple(c_out[0].shape) == (6, 8)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_dropout_between_layers_off_in_eval(name, rng):
    c, t = pair(name, 3, 4, num_layers=3, dropout=0.5)
    check_module(c, t, data(rng, (5, 2, 3), "float64"), train=False)


def test_dropout_between_layers_in_training():
    """Layer 0 copies the (positive) input to every unit, layer 1 copies its (dropped-out)
    input through relu: output / input is 0 with probability p, else 1 / (1 - p). The last
    layer's output is not dropped, so zeros appear at rate p, not 1 - (1 - p)**2."""
    p, hidden = 0.3, 10
    rnn = chainrule.nn.RNN(1, hidden, num_layers=2, nonlinearity="relu", dropout=p, bias=False)
    with chainrule.no_grad():
        rnn.weight_ih_l0.fill_(1.0)
        rnn.weight_hh_l0.zero_()
        rnn.weight_ih_l1.copy_(chainrule.eye(hidden))
        rnn.weight_hh_l1.zero_()
    chainrule.manual_seed(0)
    x_np = np.random.default_rng(0).uniform(0.5, 2.0, (50, 20, 1))
    x = chainrule.tensor(x_np.astype(np.float32), requires_grad=True)
    out, _ = rnn(x)
    ratio = out.detach().numpy() / x_np
    dropped = ratio < 1e-6
    assert abs(dropped.mean() - p) < 0.025
    np.testing.assert_allclose(ratio[~dropped], 1 / (1 - p), rtol=1e-5)
    # d(sum out)/dx = sum over units of mask / (1 - p): the gradient goes through the mask.
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy()[..., 0], ratio.sum(-1), rtol=1e-5)
    rnn.eval()
    np.testing.assert_allclose(rnn(x)[0].detach().numpy(), np.repeat(x_np, hidden, -1), 1e-6)


def test_output_shapes():
    lstm = chainrule.nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    out, (h, c) = lstm(chainrule.randn(2, 5, 3))
    assert tuple(out.shape) == (2, 5, 8)
    assert tuple(h.shape) == tuple(c.shape) == (4, 2, 4)


# ---------------------------------------------------------------- gradcheck
@pytest.mark.parametrize("name", ["LSTMCell", "GRUCell"])
def test_cell_gradcheck(name):
    """Finite differences with respect to the input, the state and every parameter."""
    cell = getattr(chainrule.nn, name)(3, 2).double()
    names = [n for n, _ in cell.named_parameters()]
    rng = np.random.default_rng(0)
    x, h, c = (chainrule.tensor(rng.standard_normal((2, n)), requires_grad=True) for n in (3, 2, 2))

    def fn(x, h, c, *weights):
        # gradcheck hands over private copies of its inputs: put the weight copies in the
        # cell's registry so the forward reads (and differentiates) them.
        cell._parameters.update(zip(names, weights))
        return cell(x, (h, c)) if name == "LSTMCell" else cell(x, h)

    assert chainrule.autograd.gradcheck(fn, (x, h, c, *cell.parameters()))
    # The step is built from differentiable ops: its backward can be differentiated again.
    assert chainrule.autograd.gradgradcheck(
        lambda x, h, c: fn(x, h, c, *cell.parameters()), (x, h, c)
    )


# ---------------------------------------------------------------- init, repr, names
@pytest.mark.parametrize(
    "name,args",
    [
        ("RNN", (16, 32, 2)),
        ("LSTM", (16, 32)),
        ("GRU", (16, 32)),
        ("LSTMCell", (16, 24)),
        ("GRUCell", (16, 24)),
        ("RNNCell", (40, 48)),
    ],
)
def test_default_init_distribution(name, args):
    chainrule.manual_seed(0)
    torch.manual_seed(0)
    c = getattr(chainrule.nn, name)(*args)
    t = getattr(torch.nn, name)(*args)
    c_values = np.concatenate([p.detach().numpy().ravel() for p in c.parameters()])
    t_values = np.concatenate([p.detach().numpy().ravel() for p in t.parameters()])
    assert c_values.size == t_values.size > 2000
    assert_same_distribution(c_values, t_values)
    bound = 1 / np.sqrt(args[1])
    assert np.abs(c_values).max() <= bound


LAYER_ARGS = [
    ("RNN", (4, 3), {}),
    ("RNN", (4, 3), {"nonlinearity": "relu", "num_layers": 2}),
    ("LSTM", (4, 3), {"bias": False, "batch_first": True, "dropout": 0.5, "num_layers": 2}),
    ("GRU", (4, 3), {"bidirectional": True, "num_layers": 3}),
    ("RNNCell", (4, 3), {"nonlinearity": "relu"}),
    ("RNNCell", (4, 3), {"bias": False}),
    ("LSTMCell", (4, 3), {}),
    ("GRUCell", (4, 3), {"bias": False}),
]


@pytest.mark.parametrize("name,args,kwargs", LAYER_ARGS)
def test_repr_and_parameter_names_match_torch(name, args, kwargs):
    c = getattr(chainrule.nn, name)(*args, **kwargs)
    t = getattr(torch.nn, name)(*args, **kwargs)
    assert repr(c) == repr(t)
    c_params = [(n, tuple(p.shape)) for n, p in c.named_parameters()]
    assert c_params == [(n, tuple(p.shape)) for n, p in t.named_parameters()]
    assert list(c.state_dict()) == list(t.state_dict())


def test_all_weights_and_flatten_parameters():
    lstm = chainrule.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    lstm.flatten_parameters()
    assert len(lstm.all_weights) == 4
    assert lstm.all_weights[1][0] is lstm.weight_ih_l0_reverse


# ---------------------------------------------------------------- errors
def raised(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the test compares exception types
        return type(e)
    return None


def both_raise(build, call) -> type:
    """Run the same construction and call on both libraries; return the shared error type."""
    errors = []
    for lib in (chainrule, torch):
        errors.append(raised(lambda lib=lib: call(lib, build(lib))))
    assert errors[0] is errors[1] is not None, errors
    return errors[0]


def t_(lib, *shape, dtype="float32"):
    return lib.zeros(*shape, dtype=getattr(lib, dtype))


LAYER_ERRORS = {
    "input size": (lambda m, lib: m(t_(lib, 5, 2, 6))),
    "input rank 4": (lambda m, lib: m(t_(lib, 5, 2, 4, 1))),
    "input rank 1": (lambda m, lib: m(t_(lib, 4))),
    "hidden layers": (lambda m, lib: m(t_(lib, 5, 2, 4), t_(lib, 1, 2, 3))),
    "hidden batch": (lambda m, lib: m(t_(lib, 5, 2, 4), t_(lib, 2, 3, 3))),
    "hidden rank": (lambda m, lib: m(t_(lib, 5, 2, 4), t_(lib, 2, 3))),
    "unbatched hidden rank": (lambda m, lib: m(t_(lib, 5, 4), t_(lib, 2, 1, 3))),
    "dtype": (lambda m, lib: m(t_(lib, 5, 2, 4, dtype="float64"))),
    "empty sequence": (lambda m, lib: m(t_(lib, 0, 2, 4))),
}


@pytest.mark.parametrize("case", list(LAYER_ERRORS))
@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_layer_errors_match_torch(name, case):
    call = LAYER_ERRORS[case]
    if name == "LSTM":
        inner = call

        def call(m, lib):  # the LSTM takes (h, c); duplicate the bad state
            class Pair:
                def __init__(self, m):
                    self.m = m

                def __call__(self, x, h=None):
                    return self.m(x, None if h is None else (h, h))

            return inner(Pair(m), lib)

    both_raise(lambda lib: getattr(lib.nn, name)(4, 3, num_layers=2), lambda lib, m: call(m, lib))


CELL_ERRORS = {
    "input size": (lambda m, lib: m(t_(lib, 2, 5))),
    "input rank": (lambda m, lib: m(t_(lib, 2, 4, 1))),
    "hidden batch": (lambda m, lib: m(t_(lib, 2, 4), t_(lib, 3, 3))),
    "hidden size": (lambda m, lib: m(t_(lib, 2, 4), t_(lib, 2, 5))),
    "hidden rank": (lambda m, lib: m(t_(lib, 2, 4), t_(lib, 2, 3, 1))),
    "unbatched with batched hidden": (lambda m, lib: m(t_(lib, 4), t_(lib, 2, 3))),
    "dtype": (lambda m, lib: m(t_(lib, 2, 4, dtype="float64"))),
}


@pytest.mark.parametrize("case", list(CELL_ERRORS))
@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_errors_match_torch(name, case):
    call = CELL_ERRORS[case]

    def run(lib, m):
        if name == "LSTMCell":
            return call(lambda x, h=None: m(x, None if h is None else (h, h)), lib)
        return call(m, lib)

    both_raise(lambda lib: getattr(lib.nn, name)(4, 3), run)


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("LSTM", {"dropout": 1.5}),
        ("GRU", {"dropout": True}),
        ("RNN", {"num_layers": 0}),
        ("RNN", {"nonlinearity": "sigmoid"}),
        ("GRU", {"proj_size": 2}),
        ("LSTM", {"proj_size": 3}),
        ("LSTM", {"proj_size": -1}),
        ("LSTM", {"bias": 1}),
        ("GRU", {"batch_first": "yes"}),
    ],
)
def test_constructor_errors_match_torch(name, kwargs):
    both_raise(lambda lib: getattr(lib.nn, name)(4, 3, **kwargs), lambda lib, m: None)


@pytest.mark.parametrize("args", [(4.0, 3), (4, 0), (0, 3)])
def test_size_errors_match_torch(args):
    both_raise(lambda lib: lib.nn.GRU(*args), lambda lib, m: None)


def test_unknown_cell_nonlinearity_fails_in_forward():
    both_raise(
        lambda lib: lib.nn.RNNCell(4, 3, nonlinearity="foo"), lambda lib, m: m(t_(lib, 2, 4))
    )


def test_lstm_projections_not_implemented():
    with pytest.raises(NotImplementedError, match="proj_size"):
        chainrule.nn.LSTM(4, 3, proj_size=2)


def test_dropout_with_one_layer_warns():
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        chainrule.nn.GRU(4, 3, dropout=0.2)
