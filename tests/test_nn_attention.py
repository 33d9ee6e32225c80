"""scaled_dot_product_attention and MultiheadAttention against PyTorch twins."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import chainrule
import chainrule.nn.functional as F
from nnpair import assert_close, assert_same_distribution, check_module

TOL = {"float32": dict(rtol=1e-4, atol=1e-5), "float64": dict(rtol=1e-7, atol=1e-9)}


def leaves(arrays):
    """The same arrays as chainrule and torch leaves that require grad."""
    c = [chainrule.tensor(a.copy(), requires_grad=True) for a in arrays]
    t = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    return c, t


def sdpa_pair(rng, q_shape, k_shape, v_shape, dtype="float64", mask=None, **kwargs):
    """Run both SDPAs on the same data; compare outputs and the gradients of q, k, v."""
    arrays = [rng.standard_normal(s).astype(dtype) for s in (q_shape, k_shape, v_shape)]
    (cq, ck, cv), (tq, tk, tv) = leaves(arrays)
    c_mask = None if mask is None else chainrule.tensor(mask)
    t_mask = None if mask is None else torch.tensor(mask)
    c_out = F.scaled_dot_product_attention(cq, ck, cv, c_mask, **kwargs)
    t_out = TF.scaled_dot_product_attention(tq, tk, tv, t_mask, **kwargs)
    assert_close(c_out, t_out, **TOL[dtype], what="output")
    g = rng.standard_normal(tuple(t_out.shape)).astype(dtype)
    c_out.backward(chainrule.tensor(g))
    t_out.backward(torch.tensor(g))
    for name, c, t in (("q", cq, tq), ("k", ck, tk), ("v", cv, tv)):
        assert_close(c.grad, t.grad, **TOL[dtype], what=f"grad of {name}")
    return c_out


# ---------------------------------------------------------------- SDPA
SHAPES = {
    "4d": ((2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 5)),
    "3d": ((3, 4, 8), (3, 6, 8), (3, 6, 8)),
    "2d": ((4, 8), (6, 8), (6, 3)),
    "broadcast batch": ((2, 3, 4, 8), (1, 3, 6, 8), (1, 3, 6, 5)),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shapes", list(SHAPES))
def test_sdpa_plain(shapes, dtype, rng):
    sdpa_pair(rng, *SHAPES[shapes], dtype=dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("square", [True, False])
def test_sdpa_causal(square, dtype, rng):
    s = 4 if square else 6
    sdpa_pair(rng, (2, 2, 4, 8), (2, 2, s, 8), (2, 2, s, 8), dtype=dtype, is_causal=True)


@pytest.mark.parametrize("mask_shape", [(4, 6), (2, 1, 4, 6), (1, 6)])
def test_sdpa_bool_mask(mask_shape, rng):
    mask = rng.random(mask_shape) < 0.7
    mask[..., 0] = True  # every query sees at least one key
    sdpa_pair(rng, *SHAPES["4d"], mask=mask)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sdpa_float_mask(dtype, rng):
    mask = rng.standard_normal((3, 4, 6)).astype(dtype)
    mask[0, 1, 2:] = -np.inf
    sdpa_pair(rng, *SHAPES["4d"], dtype=dtype, mask=mask)


def test_sdpa_fully_masked_query_gives_zeros(rng):
    mask = np.ones((4, 6), bool)
    mask[2] = False
    out = sdpa_pair(rng, *SHAPES["4d"], mask=mask)
    assert (out.detach().numpy()[..., 2, :] == 0).all()


@pytest.mark.parametrize("scale", [0.3, 2.0])
def test_sdpa_scale(scale, rng):
    sdpa_pair(rng, *SHAPES["4d"], scale=scale)


def test_sdpa_grouped_query_attention(rng):
    sdpa_pair(rng, (2, 6, 4, 8), (2, 2, 5, 8), (2, 2, 5, 3), enable_gqa=True)


def test_sdpa_dropout_statistics():
    """q = k = 0 gives uniform weights 1/S; v = I reads the weights out. Dropout zeroes a
    fraction p of them and scales the rest by 1 / (1 - p)."""
    p, L, S = 0.25, 400, 50
    q, k = chainrule.zeros(L, 8), chainrule.zeros(S, 8)
    v = chainrule.eye(S)
    chainrule.manual_seed(1)
    w = F.scaled_dot_product_attention(q, k, v, dropout_p=p).numpy()
    zero = w == 0
    assert abs(zero.mean() - p) < 0.01
    np.testing.assert_allclose(w[~zero], 1 / (S * (1 - p)), rtol=1e-6)
    chainrule.manual_seed(1)
    again = F.scaled_dot_product_attention(q, k, v, dropout_p=p).numpy()
    np.testing.assert_array_equal(again, w)  # chainrule's generator drives the mask


def test_sdpa_gradcheck():
    rng = np.random.default_rng(0)
    q, k, v = (
        chainrule.tensor(rng.standard_normal(s), requires_grad=True)
        for s in ((1, 3, 4), (1, 4, 4), (1, 4, 2))
    )
    mask = chainrule.tensor(np.tril(np.ones((3, 4), bool)))
    fn = lambda q, k, v: F.scaled_dot_product_attention(q, k, v, mask, scale=0.7)  # noqa: E731
    assert chainrule.autograd.gradcheck(fn, (q, k, v))
    fn = lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True)  # noqa: E731
    assert chainrule.autograd.gradcheck(fn, (q, k, v))
    assert chainrule.autograd.gradgradcheck(fn, (q, k, v))  # the backward is differentiable


def raised(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the test compares exception types
        return type(e)
    return None


def both_raise(call):
    errors = [raised(lambda lib=lib: call(lib)) for lib in (chainrule, torch)]
    assert errors[0] is errors[1] is not None, errors


def sdpa_of(lib):
    return lib.nn.functional.scaled_dot_product_attention


SDPA_ERRORS = {
    "mask and causal": lambda lib: sdpa_of(lib)(
        lib.ones(1, 3, 4),
        lib.ones(1, 5, 4),
        lib.ones(1, 5, 4),
        lib.ones(3, 5, dtype=lib.bool),
        is_causal=True,
    ),
    "1-D": lambda lib: sdpa_of(lib)(lib.ones(4), lib.ones(4), lib.ones(4)),
    "dtypes": lambda lib: sdpa_of(lib)(
        lib.ones(3, 4), lib.ones(5, 4), lib.ones(5, 4, dtype=lib.float64)
    ),
    "int mask": lambda lib: sdpa_of(lib)(
        lib.ones(3, 4), lib.ones(5, 4), lib.ones(5, 4), lib.ones(3, 5, dtype=lib.int64)
    ),
    "key size": lambda lib: sdpa_of(lib)(lib.ones(3, 4), lib.ones(5, 3), lib.ones(5, 4)),
    "mask too big": lambda lib: sdpa_of(lib)(
        lib.ones(3, 4), lib.ones(5, 4), lib.ones(5, 4), lib.ones(2, 3, 5)
    ),
    "gqa heads": lambda lib: sdpa_of(lib)(
        lib.ones(1, 3, 2, 4), lib.ones(1, 2, 5, 4), lib.ones(1, 2, 5, 4), enable_gqa=True
    ),
    "scale positional": lambda lib: sdpa_of(lib)(
        lib.ones(3, 4), lib.ones(5, 4), lib.ones(5, 4), None, 0.0, False, 0.5
    ),
}


@pytest.mark.parametrize("case", list(SDPA_ERRORS))
def test_sdpa_errors_match_torch(case):
    both_raise(SDPA_ERRORS[case])


# ---------------------------------------------------------------- MultiheadAttention
def mha_pair(dtype="float64", **kwargs):
    c = chainrule.nn.MultiheadAttention(8, 2, **kwargs)
    t = torch.nn.MultiheadAttention(8, 2, **kwargs)
    return (c.double(), t.double()) if dtype == "float64" else (c, t)


def calling(lib, mha, mode: str, masks: dict):
    """Wrap ``mha`` so that check_module feeds it tensors: 'qkv' (three inputs), 'self'
    (one tensor as query, key and value) or 'kv' (one tensor as key and value). NumPy masks
    in ``masks`` become constant tensors of ``lib``."""

    class Calling(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.mha = mha

        def forward(self, *xs):
            kw = {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in masks.items()}
            if mode == "self":
                q = k = v = xs[0]
            elif mode == "kv":
                (q, k), v = xs, xs[1]
            else:
                q, k, v = xs
            return self.mha(q, k, v, **kw)

    return Calling()


def run_mha(
    rng,
    c,
    t,
    mode="qkv",
    masks=None,
    L=4,
    S=5,
    N=3,
    kdim=8,
    vdim=8,
    dtype="float64",
    batch_first=False,
    batched=True,
    train=True,
):
    def shaped(length, dim):
        lead = ((N, length) if batch_first else (length, N)) if batched else (length,)
        return rng.standard_normal(lead + (dim,)).astype(dtype)

    inputs = {"self": [shaped(L, 8)], "kv": [shaped(L, 8), shaped(S, kdim)]}.get(
        mode, [shaped(L, 8), shaped(S, kdim), shaped(S, vdim)]
    )
    c, t = calling(chainrule, c, mode, masks or {}), calling(torch, t, mode, masks or {})
    return check_module(c, t, *inputs, train=train, **TOL[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode", ["qkv", "self", "kv"])
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_plain(mode, need_weights, dtype, rng):
    c, t = mha_pair(dtype)
    L = 5 if mode == "qkv" else 4  # self-attention needs L == S
    S = L if mode != "qkv" else 5
    run_mha(rng, c, t, mode, {"need_weights": need_weights}, L=L, S=S, dtype=dtype)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"bias": False},
        {"kdim": 5, "vdim": 6},
        {"add_bias_kv": True},
        {"add_zero_attn": True},
        {"add_bias_kv": True, "add_zero_attn": True, "kdim": 3, "vdim": 7},
        {"batch_first": True},
    ],
    ids=lambda k: "-".join(map(str, k)),
)
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_options(kwargs, need_weights, rng):
    c, t = mha_pair(**kwargs)
    kdim, vdim = kwargs.get("kdim", 8), kwargs.get("vdim", 8)
    kpm = np.zeros((3, 5), bool)
    kpm[1, 3:] = True
    masks = {"need_weights": need_weights, "key_padding_mask": kpm}
    run_mha(rng, c, t, "qkv", masks, kdim=kdim, vdim=vdim, batch_first=kwargs.get("batch_first"))


def _bool_mask(rng, shape):
    mask = rng.random(shape) < 0.3  # True = masked out in MultiheadAttention
    mask[..., 0] = False  # every query keeps one key
    return mask


MASKS = {
    "bool 2d": lambda rng: {"attn_mask": _bool_mask(rng, (4, 5))},
    "float 2d": lambda rng: {"attn_mask": rng.standard_normal((4, 5))},
    "bool 3d": lambda rng: {"attn_mask": _bool_mask(rng, (6, 4, 5))},
    "float 3d": lambda rng: {"attn_mask": rng.standard_normal((6, 4, 5))},
    "padding bool": lambda rng: {"key_padding_mask": _bool_mask(rng, (3, 5))},
    "padding float": lambda rng: {"key_padding_mask": rng.standard_normal((3, 5))},
    "both": lambda rng: {
        "attn_mask": _bool_mask(rng, (4, 5)),
        "key_padding_mask": _bool_mask(rng, (3, 5)),
    },
}


@pytest.mark.parametrize("average", [True, False])
@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("mask", list(MASKS))
def test_mha_masks(mask, need_weights, average, rng):
    c, t = mha_pair()
    masks = MASKS[mask](rng)
    masks.update(need_weights=need_weights, average_attn_weights=average)
    c_out, _ = run_mha(rng, c, t, "qkv", masks)
    if need_weights:
        assert tuple(c_out[1].shape) == ((3, 4, 5) if average else (3, 2, 4, 5))


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_causal_hint(need_weights, rng):
    causal = np.triu(np.ones((4, 4), bool), 1)
    c, t = mha_pair()
    masks = {"attn_mask": causal, "is_causal": True, "need_weights": need_weights}
    run_mha(rng, c, t, "self", masks, L=4, S=4)


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("batch_first", [False, True])
def test_mha_unbatched(batch_first, need_weights, rng):
    c, t = mha_pair(batch_first=batch_first, kdim=5, vdim=6)
    masks = {
        "need_weights": need_weights,
        "key_padding_mask": _bool_mask(rng, (5,)),
        "attn_mask": _bool_mask(rng, (2, 4, 5)),
    }
    c_out, _ = run_mha(rng, c, t, "qkv", masks, kdim=5, vdim=6, batched=False)
    assert tuple(c_out[0].shape) == (4, 8)


def test_mha_dropout_off_in_eval(rng):
    c, t = mha_pair(dropout=0.5)
    run_mha(rng, c, t, "self", L=5, train=False)


def test_mha_dropout_in_training():
    """The returned weights are the dropped-out ones: each is 0 or the eval weight / (1-p)."""
    p = 0.4
    mha = chainrule.nn.MultiheadAttention(8, 2, dropout=p)
    x = chainrule.randn(30, 10, 8)
    mha.eval()
    _, w_eval = mha(x, x, x, average_attn_weights=False)
    mha.train()
    _, w_train = mha(x, x, x, average_attn_weights=False)
    ratio = w_train.detach().numpy() / w_eval.detach().numpy()
    zero = ratio == 0
    assert abs(zero.mean() - p) < 0.02
    np.testing.assert_allclose(ratio[~zero], 1 / (1 - p), rtol=1e-5)


@pytest.mark.parametrize(
    "kwargs", [{}, {"bias": False}, {"kdim": 5, "vdim": 6}, {"add_bias_kv": True}]
)
def test_mha_repr_and_parameter_names_match_torch(kwargs):
    c = chainrule.nn.MultiheadAttention(8, 2, **kwargs)
    t = torch.nn.MultiheadAttention(8, 2, **kwargs)
    assert repr(c) == repr(t)
    assert [(n, tuple(p.shape)) for n, p in c.named_parameters()] == [
        (n, tuple(p.shape)) for n, p in t.named_parameters()
    ]
    assert list(c.state_dict()) == list(t.state_dict())


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("in_proj_weight", {}),
        ("q_proj_weight", {"kdim": 64}),
        ("k_proj_weight", {"kdim": 64}),
        ("bias_k", {"add_bias_kv": True}),
        ("out_proj.weight", {}),
    ],
)
def test_mha_default_init_distribution(name, kwargs):
    chainrule.manual_seed(0)
    torch.manual_seed(0)
    embed = 2048 if name == "bias_k" else 48
    c = dict(chainrule.nn.MultiheadAttention(embed, 4, **kwargs).named_parameters())[name]
    t = dict(torch.nn.MultiheadAttention(embed, 4, **kwargs).named_parameters())[name]
    assert_same_distribution(c.detach().numpy(), t.detach().numpy())


def test_mha_biases_start_at_zero():
    mha = chainrule.nn.MultiheadAttention(8, 2)
    assert not mha.in_proj_bias.detach().numpy().any()
    assert not mha.out_proj.bias.detach().numpy().any()


def mha_call(lib, *shapes, build=None, **kwargs):
    mha = (build or (lambda lib: lib.nn.MultiheadAttention(8, 2)))(lib)
    q, k, v = (lib.ones(*s) if isinstance(s, tuple) else s for s in shapes)
    return mha(q, k, v, **{k: v(lib) if callable(v) else v for k, v in kwargs.items()})


MHA_ERRORS = {
    "heads": lambda lib: lib.nn.MultiheadAttention(10, 3),
    "embed 0": lambda lib: lib.nn.MultiheadAttention(0, 2),
    "query 4-D": lambda lib: mha_call(lib, (1, 4, 3, 8), (1, 5, 3, 8), (1, 5, 3, 8)),
    "key 2-D": lambda lib: mha_call(lib, (4, 3, 8), (5, 8), (5, 3, 8)),
    "embed size": lambda lib: mha_call(lib, (4, 3, 6), (5, 3, 6), (5, 3, 6)),
    "key vs value": lambda lib: mha_call(lib, (4, 3, 8), (5, 3, 8), (6, 3, 8)),
    "causal without mask": lambda lib: mha_call(
        lib, (4, 3, 8), (4, 3, 8), (4, 3, 8), is_causal=True
    ),
    "mask shape": lambda lib: mha_call(
        lib, (4, 3, 8), (5, 3, 8), (5, 3, 8), attn_mask=lambda lib: lib.zeros(4, 4)
    ),
    "3-D mask shape": lambda lib: mha_call(
        lib, (4, 3, 8), (5, 3, 8), (5, 3, 8), attn_mask=lambda lib: lib.zeros(3, 4, 5)
    ),
    "int mask": lambda lib: mha_call(
        lib, (4, 3, 8), (5, 3, 8), (5, 3, 8), attn_mask=lambda lib: lib.zeros(4, 5, dtype=lib.int64)
    ),
    "padding dims": lambda lib: mha_call(
        lib,
        (4, 3, 8),
        (5, 3, 8),
        (5, 3, 8),
        key_padding_mask=lambda lib: lib.zeros(5, dtype=lib.bool),
    ),
    "padding shape": lambda lib: mha_call(
        lib, (4, 3, 8), (5, 3, 8), (5, 3, 8), key_padding_mask=lambda lib: lib.zeros(3, 4)
    ),
}


@pytest.mark.parametrize("case", list(MHA_ERRORS))
def test_mha_errors_match_torch(case):
    both_raise(MHA_ERRORS[case])
