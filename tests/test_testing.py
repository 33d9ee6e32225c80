"""``chainrule.testing``: compare_with_torch and assert_close, judged against PyTorch itself."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

import chainrule
from chainrule.autograd import Function
from chainrule.testing import (
    Comparison,
    assert_close,
    assert_matches_torch,
    compare_with_torch,
)

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
A = RNG.standard_normal((3, 4)).astype(np.float32)
B = RNG.standard_normal((4, 2)).astype(np.float32)
BIAS = RNG.standard_normal(2).astype(np.float32)


def rows(report: Comparison) -> dict[str, str]:
    """Row name -> its line of the table."""
    lines = str(report).splitlines()[2:-1]
    return {line.split()[0]: line for line in lines}


# --- compare_with_torch ---------------------------------------------------------------------


def layer(lib, x, w, b):
    return (x @ w + b).sigmoid()


def softmax_rows(lib, x):
    return lib.nn.functional.softmax(x, dim=1)


def split_stats(lib, x):
    return x.sum(dim=0), (x * x).mean(), x.exp().max()


@pytest.mark.parametrize(
    "fn, inputs, names",
    [
        (layer, (A, B, BIAS), ["output", "x.grad", "w.grad", "b.grad"]),
        (softmax_rows, (A,), ["output", "x.grad"]),
        (split_stats, (A,), ["output[0]", "output[1]", "output[2]", "x.grad"]),
        (lambda lib, x, y: x / y, ([1.0, 2.0], [[3.0], [4.0]]), ["output", "x.grad", "y.grad"]),
    ],
)
def test_correct_functions_pass(fn, inputs, names):
    report = compare_with_torch(fn, *inputs)
    assert report.ok, str(report)
    table = rows(report)
    assert list(table) == names
    assert all(line.endswith("ok") for line in table.values())
    assert str(report).splitlines()[-1] == "all match"
    assert assert_matches_torch(fn, *inputs).ok


class OffSquare(Function):
    """x**2 with a wrong backward: 3x instead of 2x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return 3 * x * grad_output


def test_a_wrong_backward_is_reported_on_the_gradient_row():
    def square(lib, x):
        return OffSquare.apply(x) if lib is chainrule else x * x

    report = compare_with_torch(square, A)
    assert not report.ok
    table = rows(report)
    assert table["output"].endswith("ok")
    assert "FAIL" in table["x.grad"] and "12 of 12 differ" in table["x.grad"]
    # 3x vs 2x: the relative difference is exactly 0.5 everywhere
    max_rel = [r.max_rel for r in report.rows if r.name == "x.grad"][0]
    assert max_rel == pytest.approx(0.5, rel=1e-6)
    with pytest.raises(AssertionError, match=r"x\.grad .*FAIL"):
        assert_matches_torch(square, A)
    # the same comparison with the reference given separately
    report = compare_with_torch(
        lambda lib, x: OffSquare.apply(x), A, reference=lambda lib, x: x * x
    )
    assert [r.ok for r in report.rows] == [True, False]


def test_a_wrong_forward_is_reported_on_the_output_row():
    report = compare_with_torch(lambda lib, x: x * (1.001 if lib is chainrule else 1.0), A)
    assert [(r.name, r.ok) for r in report.rows] == [("output", False), ("x.grad", False)]
    within = compare_with_torch(
        lambda lib, x: x * (1.001 if lib is chainrule else 1.0), A, rtol=1e-2
    )
    assert within.ok


def test_shape_dtype_and_output_count_mismatches_fail():
    report = compare_with_torch(lambda lib, x: x.sum(dim=0 if lib is chainrule else 1), A)
    assert not report.ok and "shape (4,) in chainrule, (3,) in torch" in str(report)
    report = compare_with_torch(lambda lib, x: x.double() if lib is chainrule else x, A)
    assert not report.ok and "float64 vs float32" in rows(report)["output"]
    report = compare_with_torch(lambda lib, x: (x, x) if lib is chainrule else x, A)
    assert not report.ok and "chainrule returned 2 outputs, torch 1" in str(report)


def test_integer_inputs_get_no_gradient_and_grad_false_skips_backward():
    def gather(lib, x, idx):
        return x[idx]

    report = compare_with_torch(gather, A, np.array([2, 0, 2]))
    assert report.ok and list(rows(report)) == ["output", "x.grad"]
    report = compare_with_torch(layer, A, B, BIAS, grad=False)
    assert report.ok and list(rows(report)) == ["output"]


def test_importing_chainrule_testing_does_not_import_torch():
    code = "import sys, chainrule.testing; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- assert_close against torch.testing.assert_close ----------------------------------------


def f32(*values):
    return np.array(values, np.float32)


NAN, INF = float("nan"), float("inf")
# (actual, expected, keyword arguments): arrays become chainrule / torch tensors
CASES = [
    (f32(1, 2, 3), f32(1, 2, 3), {}),
    (f32(1, 2, 3), f32(1, 2 + 2e-6, 3), {}),  # within float32's default tolerance
    (f32(1, 2, 3), f32(1, 2.1, 3), {}),
    (f32(1, 2, 3), f32(1, 2.1, 3), {"rtol": 0.1, "atol": 0.0}),
    (f32(1, 2, 3), f32(1, 2.1, 3), {"rtol": 0.1}),  # one tolerance alone: ValueError
    (f32(1, 2, 3), np.array([1, 2, 3], np.float64), {}),
    (f32(1, 2, 3), np.array([1, 2, 3], np.float64), {"check_dtype": False}),
    (f32(1, 2), f32(1, 2, 3), {}),
    (f32(1, 2, 3, 4).reshape(2, 2), f32(1, 2, 3, 5).reshape(2, 2), {}),
    (np.array([1, 2]), np.array([1, 3]), {}),
    (np.array([1, 2]), f32(1, 2), {"check_dtype": False}),
    (np.array([1, 2]), f32(1, 2.5), {"check_dtype": False}),
    (np.array([True, False]), np.array([True, True]), {}),
    (f32(1, NAN), f32(1, NAN), {}),
    (f32(1, NAN), f32(1, NAN), {"equal_nan": True}),
    (f32(1, INF), f32(1, INF), {}),
    (f32(1, INF), f32(1, -INF), {}),
    (f32(0, 2), f32(1, 2), {}),
    (np.array(1.0, np.float32), np.array(2.0, np.float32), {}),
    (np.array([1, 2], np.float16), np.array([1, 2.001], np.float16), {}),
    (f32(1, 2.0001), f32(1, 2), {"msg": "custom message"}),
    (f32(1, 2.1), f32(1, 2), {"msg": lambda m: "prefix: " + m}),
    ([f32(1), f32(2)], [f32(1), f32(2.5)], {}),
    ([f32(1), f32(2)], [f32(1), f32(2), f32(3)], {}),
    ({"a": f32(1), "b": [f32(2)]}, {"a": f32(1), "b": [f32(2.5)]}, {}),
    ({"a": f32(1)}, {"b": f32(1)}, {}),
    (1.0, 1.1, {}),
    (1.0, 1.0 + 1e-8, {}),
    (1, 1.0, {}),
    ([1.0, 2.0], (1.0, 2.5), {}),
    (f32(1.0), 1.0, {}),  # a tensor against a number: TypeError
    (f32(1.0), [1.0], {}),
    (None, None, {}),
]


def convert(value, tensor):
    if isinstance(value, np.ndarray):
        return tensor(value)
    if isinstance(value, (list, tuple)):
        return type(value)(convert(v, tensor) for v in value)
    if isinstance(value, dict):
        return {k: convert(v, tensor) for k, v in value.items()}
    return value


def outcome(check, actual, expected, kwargs):
    try:
        check(actual, expected, **kwargs)
    except Exception as err:  # noqa: BLE001 - the type is what is compared
        return type(err).__name__, str(err)
    return "pass", ""


@pytest.mark.parametrize("actual, expected, kwargs", CASES)
def test_assert_close_agrees_with_torch(actual, expected, kwargs):
    ours = outcome(
        assert_close, *(convert(v, chainrule.tensor) for v in (actual, expected)), kwargs
    )
    theirs = outcome(
        torch.testing.assert_close,
        *(convert(v, torch.from_numpy) for v in (actual, expected)),
        kwargs,
    )
    assert ours[0] == theirs[0]
    # the same words, except where a type or a dtype is named
    mine = (
        ours[1].replace("chainrule.tensor.Tensor", "torch.Tensor").replace("chainrule.", "torch.")
    )
    assert mine == theirs[1]


@pytest.mark.parametrize("actual, expected, kwargs", [c for c in CASES if "rtol" not in c[2]])
def test_assert_close_on_numpy_arrays_passes_or_raises_as_torch_does(actual, expected, kwargs):
    ours = outcome(assert_close, actual, expected, kwargs)
    theirs = outcome(torch.testing.assert_close, actual, expected, kwargs)
    assert ours[0] == theirs[0]


def test_assert_close_message_names_count_differences_and_index():
    with pytest.raises(AssertionError) as err:
        assert_close(
            chainrule.tensor([[1.0, 2.0], [3.0, 4.0]]), chainrule.tensor([[1.0, 2.5], [3.0, 4.0]])
        )
    text = str(err.value)
    assert "Mismatched elements: 1 / 4 (25.0%)" in text
    assert "Greatest absolute difference: 0.5 at index (0, 1) (up to 1e-05 allowed)" in text
    rel = float(np.float32(0.5) / np.float32(2.5))  # computed in float32, as the tensors are
    assert f"Greatest relative difference: {rel} at index (0, 1) (up to 1.3e-06 allowed)" in text


def test_assert_close_accepts_chainrule_and_torch_tensors_together():
    assert_close(chainrule.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0]))
    with pytest.raises(AssertionError, match=re.escape("chainrule.float32 != torch.float64")):
        assert_close(chainrule.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0], dtype=torch.float64))
