"""nn.functional: convolutions (conv1d, conv2d, conv_transpose1d/2d) and unfold / fold.

A convolution is ``Unfold`` (im2col: every window as a column, ``ops/conv.py``) followed by
ONE matrix product with the flattened weight and a reshape::

    cols = unfold(x)                      (C*kh*kw, N*oh*ow)
    y    = W.reshape(O, C*kh*kw) @ cols   (O, N*oh*ow)  -> (N, O, oh, ow)

With groups the product is batched over the groups (still one matmul call). Its backward is
the matmul's (two products) and Fold, the adjoint of Unfold. A transposed convolution is
the adjoint of a convolution: the product with the transposed weight, then Fold.
1-D convolutions are 2-D ones on a height-1 image.
"""

from __future__ import annotations

import numpy as np

from ...ops.conv import Fold, Unfold, make_window
from ...tensor import Tensor

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "unfold", "fold"]


# ---------------------------------------------------------------- argument helpers
def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def ntuple(value, n: int, name: str, op: str, message: str | None = None) -> tuple:
    """An int or a sequence of ``n`` ints as a tuple of ``n`` ints (PyTorch's _pair)."""
    if _is_int(value):
        return (int(value),) * n
    if isinstance(value, (tuple, list)) and len(value) == n and all(_is_int(v) for v in value):
        return tuple(int(v) for v in value)
    if isinstance(value, (tuple, list)) and len(value) == 1 and _is_int(value[0]):
        return (int(value[0]),) * n
    if message is None:
        shown = list(value) if isinstance(value, (tuple, list)) else value
        message = (
            f"{op}(): expected {name} to be a single integer value or a list of {n} values to "
            f"match the convolution dimensions, but got {name}={shown}"
        )
    if isinstance(value, (tuple, list)) and len(value) in (1, n):
        raise TypeError(f"{op}(): argument '{name}' must be a tuple of ints, got {value!r}")
    raise RuntimeError(message)


def require_tensor(x, op: str, name: str = "input") -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")


def _dtype_name(t: Tensor) -> str:
    return str(t._data.dtype)


# ---------------------------------------------------------------- convolution
def _check_conv(input, weight, bias, groups, nd: int, op: str, transposed: bool) -> None:
    require_tensor(input, op)
    require_tensor(weight, op, "weight")
    if bias is not None:
        require_tensor(bias, op, "bias")
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {op}, but got "
            f"input of size: {list(input.shape)}"
        )
    if weight.dim() != nd + 2:
        raise RuntimeError(
            f"{op}(): weight must be {nd + 2}-D ({'in' if transposed else 'out'}_channels, "
            f"{'out' if transposed else 'in'}_channels / groups, *kernel_size), got weight of "
            f"size {list(weight.shape)}"
        )
    if not _is_int(groups) or groups <= 0:
        raise RuntimeError(f"{op}(): non-positive groups is not supported (groups={groups})")
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(
            f"{op}(): input type ({_dtype_name(input)}) and weight type "
            f"({_dtype_name(weight)}) should be the same"
        )
    if bias is not None and bias._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"{op}(): input type ({_dtype_name(input)}) and bias type ({_dtype_name(bias)}) "
            "should be the same"
        )


def _check_positive(values: tuple, what: str, op: str) -> None:
    if any(v <= 0 for v in values):
        raise RuntimeError(f"{op}(): non-positive {what} is not supported, got {list(values)}")


def _conv_padding(padding, kernel, dilation, stride, nd: int, op: str) -> tuple:
    """(pad_lo, pad_hi) per spatial dim; 'same' pads the odd extra unit at the end."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * nd, (0,) * nd
        if padding != "same":
            raise RuntimeError(f"{op}(): Invalid padding string: '{padding}'")
        if any(s != 1 for s in stride):
            raise RuntimeError(f"{op}(): padding='same' is not supported for strided convolutions")
        total = tuple(d * (k - 1) for k, d in zip(kernel, dilation))
        lo = tuple(t // 2 for t in total)
        return lo, tuple(t - lo_ for t, lo_ in zip(total, lo))
    pad = ntuple(padding, nd, "padding", op)
    if any(p < 0 for p in pad):
        raise RuntimeError(f"{op}(): negative padding is not supported, got padding={list(pad)}")
    return pad, pad


def _as_2d(values: tuple, fill: int) -> tuple:
    """A 1-D convolution's argument, extended to the dummy height dim of size 1."""
    return values if len(values) == 2 else (fill,) + values


def _conv(input, weight, bias, stride, padding, dilation, groups, nd: int, op: str):
    _check_conv(input, weight, bias, groups, nd, op, transposed=False)
    stride = ntuple(stride, nd, "stride", op)
    dilation = ntuple(dilation, nd, "dilation", op)
    _check_positive(stride, "stride", op)
    _check_positive(dilation, "dilation", op)
    kernel = tuple(weight.shape[2:])
    pad_lo, pad_hi = _conv_padding(padding, kernel, dilation, stride, nd, op)
    out_channels, group_channels = weight.shape[0], weight.shape[1]
    if out_channels % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension "
            f"0, but got weight of size [{list(weight.shape)}] instead"
        )
    unbatched = input.dim() == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    if x.shape[1] != group_channels * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected "
            f"input{list(x.shape)} to have {group_channels * groups} channels, but got "
            f"{x.shape[1]} channels instead"
        )
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != out_channels):
        raise RuntimeError(
            f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
            f"{out_channels} elements, but got bias of size {list(bias.shape)} instead"
        )
    size = tuple(x.shape[2:])
    padded = tuple(n + lo + hi for n, lo, hi in zip(size, pad_lo, pad_hi))
    effective = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(p < e for p, e in zip(padded, effective)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
            f"Kernel size: ({' x '.join(map(str, effective))}). Kernel size can't be greater "
            "than actual input size"
        )
    if nd == 1:
        x, weight = x.unsqueeze(2), weight.unsqueeze(2)
    win = make_window(
        _as_2d(size, 1),
        _as_2d(kernel, 1),
        _as_2d(dilation, 1),
        _as_2d(stride, 1),
        _as_2d(pad_lo, 0),
        _as_2d(pad_hi, 0),
    )
    y = _conv_gemm(x, weight, win, groups)
    if bias is not None:
        y = y + bias.reshape(out_channels, 1, 1)
    if nd == 1:
        y = y.squeeze(2)
    return y.squeeze(0) if unbatched else y


def _conv_gemm(x: Tensor, weight: Tensor, win, groups: int) -> Tensor:
    """(N, C, H, W) * (O, C/groups, kh, kw) -> (N, O, oh, ow): im2col and one matmul."""
    n = x.shape[0]
    out_channels = weight.shape[0]
    cols = Unfold.apply(x, win, True)  # (C*kh*kw, N*oh*ow)
    if groups == 1:
        y = weight.reshape(out_channels, -1) @ cols
    else:
        y = weight.reshape(groups, out_channels // groups, -1) @ cols.reshape(
            groups, -1, cols.shape[1]
        )
    return y.reshape(out_channels, n, *win.blocks).permute(1, 0, 2, 3)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """1-D convolution (cross-correlation) of (N, C, L) or (C, L) with (O, C/groups, k)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """2-D convolution (cross-correlation) of (N, C, H, W) or (C, H, W) with
    (O, C/groups, kh, kw); ``padding`` is an int, a pair, 'valid' or 'same'."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


# ---------------------------------------------------------------- transposed convolution
def _conv_transpose(
    input, weight, bias, stride, padding, output_padding, groups, dilation, nd: int, op: str
):
    _check_conv(input, weight, bias, groups, nd, op, transposed=True)
    if isinstance(padding, str):
        raise TypeError(f"{op}(): argument 'padding' must be tuple of ints, not str")
    stride = ntuple(stride, nd, "stride", op)
    padding = ntuple(padding, nd, "padding", op)
    output_padding = ntuple(output_padding, nd, "output_padding", op)
    dilation = ntuple(dilation, nd, "dilation", op)
    _check_positive(stride, "stride", op)
    _check_positive(dilation, "dilation", op)
    if any(p < 0 for p in padding) or any(p < 0 for p in output_padding):
        raise RuntimeError(f"{op}(): negative padding is not supported")
    if any(op_ >= s and op_ >= d for op_, s, d in zip(output_padding, stride, dilation)):
        raise RuntimeError(
            f"{op}(): output padding must be smaller than either stride or dilation, but got "
            f"output_padding={list(output_padding)}, stride={list(stride)}, "
            f"dilation={list(dilation)}"
        )
    in_channels, group_out = weight.shape[0], weight.shape[1]
    unbatched = input.dim() == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    if x.shape[1] != in_channels:
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(weight.shape)}, expected "
            f"input{list(x.shape)} to have {in_channels} channels, but got {x.shape[1]} "
            "channels instead"
        )
    if in_channels % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension "
            f"0, but got weight of size {list(weight.shape)} instead"
        )
    out_channels = group_out * groups
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != out_channels):
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(weight.shape)}, expected bias to be "
            f"1-dimensional with {out_channels} elements, but got bias of size "
            f"{list(bias.shape)} instead"
        )
    size = tuple(x.shape[2:])
    kernel = tuple(weight.shape[2:])
    out_size = tuple(
        (n - 1) * s - 2 * p + d * (k - 1) + o + 1
        for n, s, p, d, k, o in zip(size, stride, padding, dilation, kernel, output_padding)
    )
    if any(o < 0 for o in out_size):
        raise RuntimeError(
            f"{op}(): the output size {list(out_size)} computed from input {list(x.shape)}, "
            f"kernel {list(kernel)}, stride {list(stride)} and padding {list(padding)} is "
            "negative"
        )
    if nd == 1:
        x, weight = x.unsqueeze(2), weight.unsqueeze(2)
    blocks = _as_2d(size, 1)
    # (N, C, H, W) -> (C, N*H*W): the columns of the product with the transposed weight
    cols_in = x.permute(1, 0, 2, 3).reshape(in_channels, -1)
    if groups == 1:
        cols = weight.reshape(in_channels, -1).t() @ cols_in
    else:
        w = weight.reshape(groups, in_channels // groups, -1).transpose(1, 2)
        cols = (w @ cols_in.reshape(groups, in_channels // groups, -1)).reshape(
            -1, cols_in.shape[1]
        )
    pad = _as_2d(padding, 0)
    win = make_window(
        _as_2d(out_size, 1),
        _as_2d(kernel, 1),
        _as_2d(dilation, 1),
        _as_2d(stride, 1),
        pad,
        pad,
        blocks=blocks,
    )
    y = Fold.apply(cols, win, True)  # (N, O, H_out, W_out)
    if bias is not None:
        y = y + bias.reshape(out_channels, 1, 1)
    if nd == 1:
        y = y.squeeze(2)
    return y.squeeze(0) if unbatched else y


def conv_transpose1d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
) -> Tensor:
    """The adjoint of conv1d: (N, C_in, L) with weight (C_in, C_out/groups, k)."""
    return _conv_transpose(
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
        1,
        "conv_transpose1d",
    )


def conv_transpose2d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
) -> Tensor:
    """The adjoint of conv2d ("deconvolution"): (N, C_in, H, W) with weight
    (C_in, C_out/groups, kh, kw); H_out = (H-1)*stride - 2*padding + dilation*(kh-1) +
    output_padding + 1."""
    return _conv_transpose(
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
        2,
        "conv_transpose2d",
    )


# ---------------------------------------------------------------- unfold / fold
def _fold_args(kernel_size, dilation, padding, stride, op: str) -> tuple:
    def pair(v, name):
        if isinstance(v, (tuple, list)) and len(v) != 2:
            raise RuntimeError(f"{op}(): It is expected {name} equals to 2, but got size {len(v)}")
        return ntuple(v, 2, name, op)

    kernel, dilation = pair(kernel_size, "kernel_size"), pair(dilation, "dilation")
    padding, stride = pair(padding, "padding"), pair(stride, "stride")
    for values, what, bad in (
        (kernel, "kernel size should be greater than zero", lambda v: v <= 0),
        (dilation, "dilation should be greater than zero", lambda v: v <= 0),
        (padding, "padding should be non-negative", lambda v: v < 0),
        (stride, "stride should be greater than zero", lambda v: v <= 0),
    ):
        if any(bad(v) for v in values):
            raise RuntimeError(f"{op}(): {what}, but got {list(values)}")
    return kernel, dilation, padding, stride


def unfold(input, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """im2col: (N, C, H, W) -> (N, C*kh*kw, L), every sliding block as a column
    (L = number of blocks); unbatched (C, H, W) -> (C*kh*kw, L)."""
    require_tensor(input, "unfold")
    if input.dim() < 3:
        raise IndexError(
            f"unfold(): Dimension out of range: expected a 3-D or 4-D input, got "
            f"{list(input.shape)}"
        )
    if input.dim() > 4:
        raise RuntimeError(
            f"unfold(): Input Error: Only 3D or 4D input Tensors are supported (got {input.dim()}D)"
        )
    kernel, dilation, padding, stride = _fold_args(kernel_size, dilation, padding, stride, "unfold")
    unbatched = input.dim() == 3
    x = input.unsqueeze(0) if unbatched else input
    win = make_window(tuple(x.shape[2:]), kernel, dilation, stride, padding, padding)
    if any(b < 1 for b in win.blocks):
        raise RuntimeError(
            f"Given input with spatial size {tuple(x.shape[2:])}, kernel_size={kernel}, "
            f"dilation={dilation}, padding={padding}, calculated shape of the array of sliding "
            f"blocks as {win.blocks}, but its components must be at least one."
        )
    cols = Unfold.apply(x, win, False)
    return cols.squeeze(0) if unbatched else cols


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """col2im: (N, C*kh*kw, L) -> (N, C, H, W), summing overlapping values (the adjoint of
    unfold); unbatched (C*kh*kw, L) -> (C, H, W)."""
    require_tensor(input, "fold")
    if input.dim() not in (2, 3):
        raise RuntimeError(
            "fold(): Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size "
            f"and non-zero dimensions for input, but got: {list(input.shape)}"
        )
    size = ntuple(output_size, 2, "output_size", "fold")
    kernel, dilation, padding, stride = _fold_args(kernel_size, dilation, padding, stride, "fold")
    unbatched = input.dim() == 2
    cols = input.unsqueeze(0) if unbatched else input
    k = kernel[0] * kernel[1]
    if cols.shape[1] % k:
        raise RuntimeError(
            "fold(): Expected size of input's dimension 1 to be divisible by the product of "
            f"kernel_size, but got input.size(1)={cols.shape[1]} and kernel_size={kernel}."
        )
    win = make_window(size, kernel, dilation, stride, padding, padding)
    oh, ow = win.blocks
    if oh < 1 or ow < 1 or cols.shape[2] != oh * ow:
        raise RuntimeError(
            f"Given output_size={size}, kernel_size={kernel}, dilation={dilation}, "
            f"padding={padding}, stride={stride}, expected size of input's dimension 2 to "
            f"match the calculated number of sliding blocks {oh} * {ow} = {oh * ow}, but got "
            f"input.size(2)={cols.shape[2]}."
        )
    y = Fold.apply(cols, win, False)
    return y.squeeze(0) if unbatched else y
