"""``assert_close``: ``torch.testing.assert_close`` for chainrule Tensors, NumPy arrays,
numbers and nested sequences/mappings of them, with PyTorch's tolerances and messages."""

from __future__ import annotations

import collections.abc
import math

import numpy as np

from ..tensor import Tensor

__all__ = ["assert_close"]


# PyTorch's default tolerances (torch.testing._comparison._DTYPE_PRECISIONS): (rtol, atol).
_PRECISIONS = {
    "float16": (1e-3, 1e-5),
    "bfloat16": (1.6e-2, 1e-5),
    "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7),
    "complex64": (1.3e-6, 1e-5),
    "complex128": (1e-7, 1e-7),
}


def _number_dtype(x) -> str:
    """The dtype whose tolerances a Python number gets (PyTorch: int64/float64/complex128)."""
    if isinstance(x, int):
        return "int64"
    return "float64" if isinstance(x, float) else "complex128"


def assert_close(
    actual,
    expected,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = False,
    check_dtype: bool = True,
    msg=None,
) -> None:
    """Raise AssertionError unless ``actual`` and ``expected`` are close, as
    ``torch.testing.assert_close`` does.

    Tensor-likes (chainrule or torch Tensors, which may be mixed, or NumPy arrays, with
    their own kind) must have equal shapes and, with ``check_dtype``, equal dtypes; values
    are close when ``|actual - expected| <= atol + rtol * |expected|``. Omitted tolerances
    default by dtype (float32: rtol 1.3e-6, atol 1e-5; float64: 1e-7, 1e-7; float16: 1e-3,
    1e-5; integers and bools: exact). Python numbers compare as numbers; sequences and
    mappings compare item by item. ``msg`` (a string, or a callable that receives the
    generated message) replaces the message of a value mismatch.
    """
    if (rtol is None) != (atol is None):
        missing = "rtol" if rtol is None else "atol"
        raise ValueError(
            f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {missing}."
        )
    leaves = _pair_up(actual, expected)  # structure and type errors are raised here
    for a, e, item in leaves:
        failure = _compare_leaf(a, e, rtol, atol, equal_nan, check_dtype)
        if failure is None:
            continue
        if not isinstance(msg, str):
            if item:
                failure += "\n\nThe failure occurred for item " + "".join(str([i]) for i in item)
            msg = msg(failure) if callable(msg) else failure
        raise AssertionError(msg)


def _pair_up(actual, expected) -> list:
    """Walk two nested structures together (explicit stack); return the leaf pairs in
    order, each with its item path. Raises on length, key and type mismatches."""
    leaves = []
    stack = [(actual, expected, ())]
    while stack:
        a, e, item = stack.pop()
        if _is_sequence(a) and _is_sequence(e):
            if len(a) != len(e):
                raise _with_item(
                    f"The length of the sequences mismatch: {len(a)} != {len(e)}", item
                )
            stack.extend((a[i], e[i], (*item, i)) for i in reversed(range(len(a))))
        elif isinstance(a, collections.abc.Mapping) and isinstance(e, collections.abc.Mapping):
            if set(a) != set(e):
                raise _with_item(
                    "The keys of the mappings do not match:\n"
                    f"Missing keys in the actual mapping: {sorted(set(e) - set(a))}\n"
                    f"Additional keys in the actual mapping: {sorted(set(a) - set(e))}",
                    item,
                )
            try:
                keys = sorted(a)
            except TypeError:
                keys = list(a)
            stack.extend((a[k], e[k], (*item, k)) for k in reversed(keys))
        else:
            if _kind(a) is None or _kind(a) != _kind(e):
                raise TypeError(
                    f"No comparison pair was able to handle inputs of type {type(a)} and {type(e)}."
                )
            leaves.append((a, e, item))
    return leaves


def _with_item(text: str, item: tuple) -> AssertionError:
    if item:
        text += "\n\nThe failure occurred for item " + "".join(str([i]) for i in item)
    return AssertionError(text)


def _is_sequence(x) -> bool:
    return isinstance(x, collections.abc.Sequence) and not isinstance(x, str)


def _kind(x) -> str | None:
    """Which of PyTorch's comparison pairs handles ``x`` (the two sides must agree)."""
    if x is None:
        return "none"
    if isinstance(x, (bool, np.bool_)):
        return "bool"
    if isinstance(x, (int, float, complex, np.number)):
        return "number"
    if isinstance(x, Tensor) or _is_torch_tensor(x):
        return "tensor"
    if isinstance(x, np.ndarray):
        return "ndarray"
    return None


def _compare_leaf(a, e, rtol, atol, equal_nan, check_dtype) -> str | None:
    """The mismatch message for one pair of leaves, or None when they are close."""
    kind = _kind(a)
    if kind == "none":
        return None
    if kind == "bool":
        return None if bool(a) is bool(e) else f"Booleans mismatch: {bool(a)} is not {bool(e)}"
    if kind == "number":
        return _compare_numbers(a, e, rtol, atol, equal_nan, check_dtype)
    return _compare_tensors(a, e, rtol, atol, equal_nan, check_dtype)


def _compare_numbers(a, e, rtol, atol, equal_nan, check_dtype) -> str | None:
    a = a.item() if isinstance(a, np.number) else a
    e = e.item() if isinstance(e, np.number) else e
    if rtol is None:
        rtol, atol = _default_tolerances(_number_dtype(a), _number_dtype(e))
    if check_dtype and type(a) is not type(e):
        return f"The (d)types do not match: {type(a)} != {type(e)}."
    if a == e or (equal_nan and _isnan(a) and _isnan(e)):
        return None
    abs_diff = abs(a - e)
    if math.isfinite(abs(abs_diff)) and abs_diff <= atol + rtol * abs(e):
        return None
    return _scalar_message(a, e, rtol, atol)


def _compare_tensors(a, e, rtol, atol, equal_nan, check_dtype) -> str | None:
    a_np, a_dtype, a_shape = _tensor_parts(a)
    e_np, e_dtype, e_shape = _tensor_parts(e)
    if a_np.shape != e_np.shape:
        return f"The values for attribute 'shape' do not match: {a_shape} != {e_shape}."
    if check_dtype and _dtype_name(a_dtype) != _dtype_name(e_dtype):
        return f"The values for attribute 'dtype' do not match: {a_dtype} != {e_dtype}."
    if rtol is None:
        rtol, atol = _default_tolerances(_dtype_name(a_dtype), _dtype_name(e_dtype))
    abs_diff, rel_diff, matches = _differences(a_np, e_np, rtol, atol, equal_nan)
    if matches.all():
        return None
    if a_np.ndim == 0:
        common = _common_dtype(a_np.dtype, e_np.dtype)
        return _scalar_message(a_np.astype(common).item(), e_np.astype(common).item(), rtol, atol)
    mismatched = int((~matches).sum())
    abs_idx = np.unravel_index(int(np.argmax(abs_diff)), abs_diff.shape)
    rel_idx = np.unravel_index(int(np.argmax(rel_diff)), rel_diff.shape)
    index = lambda idx: tuple(int(i) for i in idx)  # noqa: E731
    return _mismatch_message(
        "Tensor-likes",
        f"Mismatched elements: {mismatched} / {matches.size} ({mismatched / matches.size:.1%})",
        f"Greatest absolute difference: {abs_diff[abs_idx].item()} at index {index(abs_idx)}",
        f"Greatest relative difference: {rel_diff[rel_idx].item()} at index {index(rel_idx)}",
        rtol,
        atol,
    )


def _tensor_parts(x):
    """(array, dtype as the object prints it, shape as the object prints it)."""
    if isinstance(x, np.ndarray):
        return x, x.dtype, x.shape
    if isinstance(x, Tensor):
        return x.detach().numpy(), x.dtype, x.shape
    t = x.detach().cpu()
    if str(t.dtype) == "torch.bfloat16":  # NumPy has no bfloat16: compare in float32
        return t.float().numpy(), t.dtype, t.shape
    return t.numpy(), t.dtype, t.shape


def _dtype_name(dtype) -> str:
    return str(dtype).rsplit(".", 1)[-1]


def _default_tolerances(*dtype_names: str) -> tuple[float, float]:
    """PyTorch's rule: the loosest default among the dtypes involved (exact for others)."""
    pairs = [_PRECISIONS.get(name, (0.0, 0.0)) for name in dtype_names]
    return max(r for r, _ in pairs), max(a for _, a in pairs)


def _isnan(x) -> bool:
    return isinstance(x, (float, complex)) and x != x


def _scalar_message(a, e, rtol, atol) -> str:
    abs_diff = abs(a - e)
    rel_diff = float("inf") if e == 0 else abs_diff / abs(e)
    return _mismatch_message(
        "Scalars",
        f"Expected {e} but got {a}.",
        f"Absolute difference: {abs_diff}",
        f"Relative difference: {rel_diff}",
        rtol,
        atol,
    )


def _mismatch_message(what, extra, abs_line, rel_line, rtol, atol) -> str:
    """PyTorch's wording: '... are not close!' with the allowed tolerances, or '... are not
    equal!' when both tolerances are zero."""
    exact = rtol == 0 and atol == 0
    if not exact:
        abs_line += f" (up to {atol} allowed)"
        rel_line += f" (up to {rtol} allowed)"
    return f"{what} are not {'equal' if exact else 'close'}!\n\n{extra}\n{abs_line}\n{rel_line}"


# --- shared with compare_with_torch ---------------------------------------------------------


def _differences(a, b, rtol, atol, equal_nan, mask=True):
    """Elementwise |a - b|, |a - b| / |b| and the match mask. With ``mask`` (PyTorch's
    messages) both differences are 0 where the elements match; without it (the report) they
    are 0 only where the elements are equal or both NaN."""
    a, b = np.asarray(a), np.asarray(b)
    common = _common_dtype(a.dtype, b.dtype)
    if common.kind == "b":
        common = np.dtype(np.int64)
    a, b = a.astype(common), b.astype(common)
    with np.errstate(all="ignore"):
        if rtol == 0 and atol == 0:
            matches = a == b
            if equal_nan and common.kind in "fc":
                matches |= np.isnan(a) & np.isnan(b)
        else:
            matches = np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
        if common.kind in "fc":
            abs_diff = np.abs(a - b)
            rel_diff = abs_diff / np.abs(b)
        else:  # integers: exact differences, and true division as PyTorch does (float32)
            abs_diff = np.abs(a.astype(np.int64) - b.astype(np.int64))
            rel_diff = abs_diff.astype(np.float32) / np.abs(b).astype(np.float32)
    if mask:
        same = matches
    else:
        same = a == b
        if common.kind in "fc":
            same |= np.isnan(a) & np.isnan(b)
    abs_diff = np.where(same, 0, abs_diff)
    rel_diff = np.where(same, 0, rel_diff)
    return abs_diff, rel_diff, matches


def _common_dtype(a: np.dtype, b: np.dtype) -> np.dtype:
    """PyTorch's promotion for a comparison: a float beats any integer whatever its width
    (int64 with float32 is float32, where NumPy would pick float64)."""
    if (a.kind in "fc") != (b.kind in "fc"):
        return a if a.kind in "fc" else b
    return np.result_type(a, b)


def _is_torch_tensor(x) -> bool:
    # duck-typed so that torch is never imported just to look at a value
    return type(x).__module__.startswith("torch") and hasattr(x, "detach") and hasattr(x, "dtype")
