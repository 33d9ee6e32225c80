"""Optimizer errors: PyTorch's exception types and messages, checked against PyTorch itself.

Each case runs the same faulty call in both libraries; the messages must be identical
(after spelling the library's own name the same way).
"""

from __future__ import annotations

import inspect
import warnings

import pytest
import torch

import chainrule


def _param(lib):
    return lib.nn.Parameter(lib.ones(3))


def _raised(call):
    with pytest.raises(Exception) as info:
        call()
    return info.type, str(info.value).replace("chainrule", "torch")


def _assert_same_error(build):
    """``build(lib)`` must raise the same exception type and message in both libraries."""
    t_type, t_msg = _raised(lambda: build(torch))
    c_type, c_msg = _raised(lambda: build(chainrule))
    assert c_type is t_type, (c_type, t_type, c_msg)
    assert c_msg == t_msg


HYPERPARAMETER_ERRORS = [
    ("SGD", {"lr": -0.1}),
    ("SGD", {"momentum": -0.5}),
    ("SGD", {"weight_decay": -1e-3}),
    ("SGD", {"lr": 0.1, "nesterov": True}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True}),
    ("Adam", {"lr": -0.1}),
    ("Adam", {"eps": -1.0}),
    ("Adam", {"betas": (1.0, 0.999)}),
    ("Adam", {"betas": (0.9, -0.1)}),
    ("Adam", {"weight_decay": -1.0}),
    ("Adam", {"betas": (0, 0.99)}),
    ("AdamW", {"lr": -1.0}),
    ("AdamW", {"betas": (0.9, 1.5)}),
    ("RMSprop", {"lr": -0.1}),
    ("RMSprop", {"eps": -1.0}),
    ("RMSprop", {"momentum": -1.0}),
    ("RMSprop", {"weight_decay": -1.0}),
    ("RMSprop", {"alpha": -0.5}),
    ("Adagrad", {"lr": -0.1}),
    ("Adagrad", {"lr_decay": -0.1}),
    ("Adagrad", {"weight_decay": -0.1}),
    ("Adagrad", {"initial_accumulator_value": -0.1}),
    ("Adagrad", {"eps": -0.1}),
    ("Adadelta", {"lr": -0.1}),
    ("Adadelta", {"rho": 1.5}),
    ("Adadelta", {"eps": -1.0}),
    ("Adadelta", {"weight_decay": -1.0}),
    ("Adamax", {"lr": -0.1}),
    ("Adamax", {"eps": -1.0}),
    ("Adamax", {"betas": (0.9, 1.0)}),
    ("Adamax", {"weight_decay": -1.0}),
    ("NAdam", {"lr": -0.1}),
    ("NAdam", {"betas": (-0.1, 0.9)}),
    ("NAdam", {"weight_decay": -1.0}),
    ("NAdam", {"momentum_decay": -1.0}),
    ("RAdam", {"lr": -0.1}),
    ("RAdam", {"eps": -1.0}),
    ("RAdam", {"betas": (0.9, 2.0)}),
    ("RAdam", {"weight_decay": -1.0}),
]


@pytest.mark.parametrize(
    "name,kwargs", HYPERPARAMETER_ERRORS, ids=[f"{n}-{k}" for n, k in HYPERPARAMETER_ERRORS]
)
def test_invalid_hyperparameters(name, kwargs):
    _assert_same_error(lambda lib: getattr(lib.optim, name)([_param(lib)], **kwargs))


def test_invalid_learning_rate_message():
    with pytest.raises(ValueError, match=r"^Invalid learning rate: -0.1$"):
        chainrule.optim.Adam([_param(chainrule)], lr=-0.1)


PARAM_ERRORS = {
    "empty": lambda lib: lib.optim.SGD([], lr=0.1),
    "a-tensor": lambda lib: lib.optim.SGD(_param(lib), lr=0.1),
    "a-double-tensor": lambda lib: lib.optim.SGD(lib.zeros(2, dtype=lib.float64)),
    "not-a-tensor": lambda lib: lib.optim.SGD([_param(lib), 1], lr=0.1),
    "non-leaf": lambda lib: lib.optim.SGD([_param(lib) * 2], lr=0.1),
    "two-groups": lambda lib: (lambda p: lib.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1))(
        _param(lib)
    ),
    "set-in-group": lambda lib: lib.optim.SGD([{"params": {_param(lib)}}], lr=0.1),
    "group-not-dict": lambda lib: lib.optim.SGD([_param(lib)]).add_param_group([_param(lib)]),
    "names-missing": lambda lib: lib.optim.SGD([("w", _param(lib)), _param(lib)]),
    "named-and-unnamed-groups": lambda lib: lib.optim.SGD(
        [{"params": [("w", _param(lib))]}, {"params": [_param(lib)]}]
    ),
    "add-existing": lambda lib: (
        lambda o: o.add_param_group({"params": o.param_groups[0]["params"]})
    )(lib.optim.Adam([_param(lib)])),
}


@pytest.mark.parametrize("case", list(PARAM_ERRORS))
def test_invalid_params(case):
    _assert_same_error(PARAM_ERRORS[case])


def test_required_hyperparameter_and_duplicate_warning():
    from chainrule.optim.optimizer import required

    class Custom(chainrule.optim.Optimizer):
        def __init__(self, params, lr=required):
            super().__init__(params, {"lr": lr})

    with pytest.raises(ValueError, match="didn't specify a value of required optimization "):
        Custom([_param(chainrule)])
    p = _param(chainrule)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        chainrule.optim.SGD([p, p], lr=0.1)


def test_base_step_is_abstract():
    opt = chainrule.optim.Optimizer([_param(chainrule)], {"lr": 0.1})
    with pytest.raises(NotImplementedError):
        opt.step()


def _flags(name):
    accepted = inspect.signature(getattr(chainrule.optim, name)).parameters
    return [f for f in ("differentiable", "capturable", "fused") if f in accepted]


@pytest.mark.parametrize(
    "name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam"]
)
def test_compatibility_flags(name):
    cls = getattr(chainrule.optim, name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cls([_param(chainrule)], foreach=None)
        cls([_param(chainrule)], foreach=True)  # accepted; the update is the same
        cls([_param(chainrule)], **{flag: False for flag in _flags(name)})
    for flag in _flags(name):
        with pytest.raises(NotImplementedError, match=rf"{name}\({flag}=True\) is not supported"):
            cls([_param(chainrule)], **{flag: True})
    if "fused" in _flags(name):  # a param group may not turn it on either
        with pytest.raises(NotImplementedError, match="fused=True"):
            cls([{"params": [_param(chainrule)], "fused": True}])
