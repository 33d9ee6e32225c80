"""nn.functional: linear and bilinear maps."""

from __future__ import annotations

from ...autograd._apply_fast import apply_ternary
from ...ops.einsum import einsum
from ...ops.linear import Linear as _LinearOp
from ...tensor import Tensor

__all__ = ["linear", "bilinear"]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x @ W.T + b, for ``x`` of shape (*, in), ``W`` (out, in), ``b`` (out,)."""
    if isinstance(input, Tensor) and isinstance(weight, Tensor):
        x, w = input._data, weight._data
        dtype = x.dtype  # (dtypes by identity: an equal one that is not takes the long way)
        if (
            w.dtype is dtype
            and dtype.kind == "f"
            and w.ndim == 2
            and x.ndim
            and x.shape[-1] == w.shape[1]
            and (
                bias is None
                or (
                    isinstance(bias, Tensor)
                    and bias._data.dtype is dtype
                    and bias._data.shape == w.shape[:1]
                )
            )
        ):
            return apply_ternary(_LinearOp, input, weight, bias)  # the common case: one op
    return _linear_general(input, weight, bias)


def _linear_general(input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """Everything the fused op does not take: other ranks and dtypes, and the errors."""
    for position, name, value in ((1, "input", input), (2, "weight", weight), (3, "bias", bias)):
        if not isinstance(value, Tensor) and not (name == "bias" and value is None):
            kind = type(value)
            kind = (
                kind.__name__
                if kind.__module__ == "builtins"
                else kind.__module__ + "." + kind.__qualname__
            )
            raise TypeError(  # PyTorch's message
                f"linear(): argument '{name}' (position {position}) must be Tensor, not {kind}"
            )
    if input.shape[-1:] != weight.shape[-1:]:
        raise RuntimeError(
            f"linear(): input's last dimension ({list(input.shape)}) must match the weight's "
            f"in_features ({list(weight.shape)}): mat1 and mat2 shapes cannot be multiplied "
            f"({_mat(input.shape)} and {_mat(weight.shape[::-1])})"
        )
    out = input @ weight.t() if weight.dim() == 2 else input @ weight
    return out if bias is None else out + bias


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None):
    """y_k = x1 @ W[k] @ x2 + b_k, for ``W`` of shape (out, in1, in2)."""
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(
            f"bilinear(): input1 and input2 must have the same batch shape, got "
            f"{list(input1.shape)} and {list(input2.shape)}"
        )
    if input1.shape[-1] != weight.shape[1] or input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(
            f"bilinear(): weight of shape {list(weight.shape)} does not fit inputs of shapes "
            f"{list(input1.shape)} and {list(input2.shape)}"
        )
    out = einsum("...i,kij,...j->...k", input1, weight, input2)
    return out if bias is None else out + bias


def _mat(shape) -> str:
    rows = 1
    for s in shape[:-1]:
        rows *= s
    return f"{rows}x{shape[-1] if shape else 1}"
