"""Shape, view and dtype ops: they move or copy values, never change them.

Views (reshape when the layout allows, view, permute, transpose, squeeze, expand, ...) share
memory and the version counter with their input, as in PyTorch. The rest of the family
lives next door: ``permute.py`` (permute, transpose, t, .T, movedim), ``indexing.py``
(x[key], x[key] = v, masks), ``scatter.py`` (gather, scatter, index_select, take),
``join.py`` (cat, stack, split, repeat, flip, roll) and ``diagonal.py`` (diagonal, diag,
trace, tril, triu).
"""

from __future__ import annotations

import numpy as np

from .._dtype import to_numpy_dtype
from ..tensor import Tensor, _check_dim
from . import _dual as D
from ._op import Op
from ._util import normalize_dims

# The family's other op classes, importable from here as before the split.
from .indexing import AdvancedIndex, Index, IndexPut  # noqa: F401
from .permute import Permute, Transpose, permute, transpose  # noqa: F401

# The public functions (``chainrule.<name>``); the classes are the ops themselves.
__all__ = [
    "reshape",
    "view",
    "view_as",
    "reshape_as",
    "flatten",
    "unflatten",
    "squeeze",
    "unsqueeze",
    "expand",
    "expand_as",
    "broadcast_to",
    "to",
    "clone",
]


def _parse_shape(shape: tuple, op: str) -> tuple:
    """``f(2, 3)`` and ``f((2, 3))`` both mean the shape (2, 3)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for s in shape:
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"{op}(): shape must be ints, got {type(s).__name__} in {shape}")
    return tuple(int(s) for s in shape)


def _infer_shape(shape: tuple, numel: int, op: str) -> tuple:
    """Resolve one -1 in ``shape``; PyTorch's error when the sizes do not fit."""
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}(): only one dimension can be inferred (shape {list(shape)})")
    known = 1
    for i, s in enumerate(shape):
        if s != -1:
            if s < 0:
                raise RuntimeError(
                    f"{op}(): invalid shape dimension {s} at index {i} of shape {list(shape)}"
                )
            known *= s
    if -1 in shape:
        if known == 0:
            raise RuntimeError(
                f"{op}(): cannot reshape tensor of {numel} elements into shape {list(shape)} "
                "because the unspecified dimension size -1 can be any value and is ambiguous"
            )
        if numel % known:
            raise RuntimeError(
                f"{op}(): shape '{list(shape)}' is invalid for input of size {numel}"
            )
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"{op}(): shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _viewable(data: np.ndarray, shape: tuple) -> bool:
    """Whether ``data`` can take ``shape`` without copying (strides permitting)."""
    if data.flags.c_contiguous:
        return True
    v = data.view()
    try:
        v.shape = shape  # assigning .shape never copies; it fails instead
    except AttributeError:
        return False
    return True


class Reshape(Op):
    """Same values, new shape (a view: used when the memory layout allows one).

    forward:  y = x.reshape(shape)
    gradient: dL/dx = g.reshape(x.shape)
    """

    _view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return D.reshape(g, ctx.shape), None


class ReshapeCopy(Reshape):
    """Reshape of a layout that no view can express (e.g. a transpose): a copy."""

    _view = False
    node_name = "UnsafeViewBackward0"


class View(Reshape):
    """Like Reshape, but must not copy: raises when the layout makes that impossible."""

    node_name = "ViewBackward0"

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        if not _viewable(x, shape):
            raise RuntimeError(
                f"view(): view size is not compatible with input tensor's size and stride "
                f"(shape {list(x.shape)} to {list(shape)}: at least one dimension spans across "
                "two contiguous subspaces). Use .reshape(...) instead."
            )
        return x.reshape(shape)


class Expand(Op):
    """Broadcast to a larger shape without copying (size-1 dims repeat).

    forward:  y = broadcast_to(x, shape)
    gradient: dL/dx = g, summed over the broadcast dims (done by the engine)
    """

    _view = True

    @staticmethod
    def forward(ctx, x, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        return g, None


class Cast(Op):
    """Change dtype.

    forward:  y = x.astype(dtype)
    gradient: dL/dx = g (cast back to x's dtype by the engine)
    """

    node_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, x, np_dtype):
        return x.astype(np_dtype)

    @staticmethod
    def backward(ctx, g):
        return g, None


class Clone(Op):
    """A copy with its own memory.

    forward:  y = copy(x)
    gradient: dL/dx = g
    """

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return g


# ---------------------------------------------------------------- reshaping
def _reshape(input: Tensor, shape: tuple):
    """A view when the layout allows it, else a copy (PyTorch's reshape contract)."""
    if _viewable(input._data, shape):
        return Reshape.apply(input, shape)
    return ReshapeCopy.apply(input, shape)


def reshape(input: Tensor, *shape):
    """The same values in ``shape`` (one size may be -1): a view when possible, else a copy."""
    shape = _infer_shape(_parse_shape(shape, "reshape"), input._data.size, "reshape")
    return _reshape(input, shape)


def view(input: Tensor, *shape):
    """The same memory seen with ``shape``; raises when the strides do not allow it."""
    shape = _infer_shape(_parse_shape(shape, "view"), input._data.size, "view")
    return View.apply(input, shape)


def view_as(input: Tensor, other: Tensor):
    return view(input, other._data.shape)


def reshape_as(input: Tensor, other: Tensor):
    return reshape(input, other._data.shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1):
    """Merge dims ``start_dim`` .. ``end_dim`` into one (a 0-d tensor becomes 1-D)."""
    shape = input._data.shape
    if not shape:
        return _reshape(input, (1,))
    s, e = _check_dim(start_dim, len(shape), "flatten"), _check_dim(end_dim, len(shape), "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    merged = int(np.prod(shape[s : e + 1]))
    return _reshape(input, shape[:s] + (merged,) + shape[e + 1 :])


def unflatten(input: Tensor, dim: int, sizes):
    """Split dim ``dim`` into ``sizes`` (one of them may be -1)."""
    shape = input._data.shape
    if not shape:
        raise RuntimeError(
            f"unflatten(): Dimension specified as {dim} but tensor has no dimensions"
        )
    d = _check_dim(dim, len(shape), "unflatten")
    sizes = _parse_shape((sizes,), "unflatten")
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if sizes.count(-1) > 1:
        raise RuntimeError(f"unflatten: only one dimension can be inferred (sizes {list(sizes)})")
    try:
        inner = _infer_shape(sizes, shape[d], "unflatten")
    except RuntimeError:
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
            f"({shape[d]}) in the input tensor"
        ) from None
    return _reshape(input, shape[:d] + inner + shape[d + 1 :])


def squeeze(input: Tensor, dim=None):
    """Drop size-1 dims: all of them, or those among ``dim`` (an int or a tuple)."""
    shape = input._data.shape
    if dim is None:
        drop = {i for i, s in enumerate(shape) if s == 1}
    else:
        drop = set(normalize_dims(dim, len(shape), "squeeze") or ())
        drop = {i for i in drop if shape and shape[i] == 1}
    if not drop:
        return Reshape.apply(input, shape)  # a view of all of input, as in PyTorch
    return _reshape(input, tuple(s for i, s in enumerate(shape) if i not in drop))


def unsqueeze(input: Tensor, dim: int):
    """Insert a size-1 dim at ``dim`` (from -ndim-1 to ndim)."""
    shape = input._data.shape
    d = _check_dim(dim, len(shape) + 1, "unsqueeze")
    return _reshape(input, shape[:d] + (1,) + shape[d:])


# ---------------------------------------------------------------- broadcasting
def expand(input: Tensor, *sizes):
    """A view with size-1 dims repeated to ``sizes`` (-1 keeps a size; new dims lead)."""
    if not sizes:
        raise TypeError('expand() missing 1 required positional arguments: "size"')
    sizes = _parse_shape(sizes, "expand")
    src = input._data.shape
    if len(sizes) < len(src):
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to "
            f"the number of dimensions in the tensor ({len(src)})"
        )
    lead = len(sizes) - len(src)
    for i, want in enumerate(sizes[:lead]):
        if want < 0:
            raise RuntimeError(
                f"expand: The expanded size of the tensor ({want}) isn't allowed in a leading, "
                f"non-existing dimension {i}"
            )
    target = list(sizes)
    for i, s in enumerate(src):
        want = sizes[lead + i]
        if want == -1:
            target[lead + i] = s
        elif s != 1 and want != s or want < 0:
            raise RuntimeError(
                f"expand: The expanded size of the tensor ({want}) must match the existing size "
                f"({s}) at non-singleton dimension {lead + i}.  Target sizes: {list(sizes)}.  "
                f"Tensor sizes: {list(src)}"
            )
    return Expand.apply(input, tuple(target))


def expand_as(input: Tensor, other: Tensor):
    return expand(input, other._data.shape)


def broadcast_to(input: Tensor, size):
    return expand(input, size)


# ---------------------------------------------------------------- copies and dtype
def contiguous(input: Tensor):
    """``input`` itself when its memory is already C-ordered, else a C-ordered copy."""
    if input._data.flags.c_contiguous:
        return input
    return Clone.apply(input)


def to(input: Tensor, dtype, *, copy: bool = False):
    npd = to_numpy_dtype(dtype)
    if npd == input._data.dtype and not copy:
        return input
    return Cast.apply(input, npd)


def clone(input: Tensor, *, memory_format=None):
    return Clone.apply(input)
