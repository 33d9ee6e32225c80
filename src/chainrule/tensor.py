"""The Tensor: a NumPy array plus what autograd needs (requires_grad, grad, grad_fn).

The class is a façade: every mathematical method is one line that calls an op from
``chainrule.ops``, where the forward and backward maths live. What stays here is the
bookkeeping that makes a Tensor feel like PyTorch's (and like the tutorial's).
"""

from __future__ import annotations

import builtins
import weakref

import numpy as np

from ._dtype import default_float_np, from_numpy_dtype, to_numpy_dtype

__all__ = ["Tensor", "Size", "tensor"]


class Size(tuple):
    """A tensor's shape: a tuple that prints like PyTorch's ``torch.Size``."""

    __slots__ = ()

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self) -> str:
        return f"chainrule.Size({list(self)})"


class _SizeAttr(int):
    """``t.size``: both PyTorch's method and the tutorial's NumPy attribute.

    The tutorial counts parameters with ``p.data.size`` (NumPy's element count, an int) while
    PyTorch code calls ``t.size()`` / ``t.size(0)``. This int subclass is the element count
    and, when called, answers like PyTorch's method.
    """

    _shape: Size

    def __call__(self, dim: int | None = None):
        if dim is None:
            return self._shape
        ndim = len(self._shape)
        return self._shape[_check_dim(dim, ndim, "size")]


def _check_dim(dim: int, ndim: int, op: str) -> int:
    """Normalise a possibly negative ``dim``; PyTorch's IndexError when out of range."""
    lo, hi = (-ndim, ndim - 1) if ndim else (-1, 0)
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}(): dim must be an int, got {type(dim).__name__}")
    if dim < lo or dim > hi:
        raise IndexError(
            f"{op}(): Dimension out of range (expected to be in range of [{lo}, {hi}], "
            f"but got {dim})"
        )
    return int(dim) % ndim if ndim else 0


_new = object.__new__

# Version tracking (what catches "saved for backward, then changed in place"). A tensor's
# ``_version`` is None until something needs it, then a cell shared by every tensor viewing
# the same memory: ``[version, write, aliased]``: how many in-place writes it has had, the
# global write count ``_writes[0]`` at its last one, and whether a view shares it. A graph
# node stores ``_writes[0]`` when it saves values (see autograd/function.py).
_writes = [0]

_engine = None  # chainrule.autograd.engine, set when it is imported (it imports this module)


def _wrap(data: np.ndarray, grad_fn=None) -> Tensor:
    """Make a Tensor around ``data`` without copying (the fast internal constructor); with
    ``grad_fn`` (a graph node), the Tensor is that node's output and requires grad."""
    t = _new(Tensor)
    t._data = data
    if grad_fn is None:
        t._requires_grad = False
        t._grad_fn = None
    else:
        t._requires_grad = True
        t._grad_fn = grad_fn
    t._output_nr = 0
    t._grad = None
    t._version = None
    t._hooks = None
    return t


def _as_array(data, np_dtype) -> np.ndarray:
    if isinstance(data, Tensor):
        data = data._data
    elif isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in data):
        data = [x._data if isinstance(x, Tensor) else x for x in data]
    with np.errstate(over="ignore"):  # out-of-range values become inf, as in PyTorch
        return np.array(data, dtype=np_dtype, copy=True)


def _infer_np_dtype(data) -> np.dtype:
    """PyTorch's inference: Python floats -> default float dtype, ints -> int64, bools ->
    bool; NumPy arrays and Tensors keep their dtype."""
    if isinstance(data, Tensor):
        return data._data.dtype
    if isinstance(data, (np.ndarray, np.generic)):
        npd = data.dtype
        if npd.kind == "f" and npd not in (np.float16, np.float32, np.float64):
            raise TypeError(f"chainrule does not support dtype {npd}")
        if npd.kind in "iu" and npd not in (np.int8, np.uint8, np.int16, np.int32, np.int64):
            raise TypeError(f"chainrule does not support dtype {npd}")
        return npd
    arr = np.asarray(data)
    kind = arr.dtype.kind
    if kind == "f":
        return default_float_np()
    if kind in "iu":
        return np.dtype(np.int64)
    if kind == "b":
        return np.dtype(np.bool_)
    raise TypeError(
        f"tensor(): could not infer a dtype from {type(data).__name__} "
        f"(NumPy saw {arr.dtype}); pass numbers, nested lists of numbers or an array"
    )


def tensor(data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Build a Tensor by copying ``data`` (a number, nested lists, an array or a Tensor).

    Floats become ``float32`` (the default dtype), ints ``int64``, bools ``bool``; NumPy
    arrays keep their dtype; pass ``dtype=chainrule.float64`` for double precision.
    """
    if device is not None:
        from ._creation import _check_device

        _check_device(device, "tensor")
    npd = _infer_np_dtype(data) if dtype is None else to_numpy_dtype(dtype)
    t = _wrap(_as_array(data, npd))
    if requires_grad:
        t.requires_grad_(True)
    return t


class Tensor:
    """A multi-dimensional array that records the operations applied to it.

    ``Tensor(data, requires_grad=False)`` is the tutorial's constructor (and PyTorch's
    legacy one): it always makes a floating tensor of the default dtype. Prefer
    ``chainrule.tensor(data)``, which infers the dtype as PyTorch does.
    """

    __slots__ = (
        "_data",
        "_requires_grad",
        "_grad_fn",
        "_output_nr",
        "_grad",
        "_version",
        "_hooks",
        "__weakref__",
    )
    # NumPy defers its binary operators to ours (ndarray + Tensor -> Tensor.__radd__).
    __array_priority__ = 1000
    __hash__ = object.__hash__  # identity, as in PyTorch; __eq__ is elementwise

    def __init__(self, data=None, requires_grad: bool = False, dtype=None) -> None:
        npd = default_float_np() if dtype is None else to_numpy_dtype(dtype)
        self._data = _as_array([] if data is None else data, npd)
        self._requires_grad = False
        self._grad_fn = None
        self._output_nr = 0
        self._grad = None
        self._version = None
        self._hooks = None
        if requires_grad:
            self.requires_grad_(True)

    # ------------------------------------------------------------------ autograd state
    @property
    def data(self) -> Tensor:
        """The same values, detached from the graph, sharing memory (PyTorch's ``.data``).

        Changes made through it are invisible to autograd, which is what a hand-written
        update like ``param.data -= lr * param.grad`` wants.
        """
        return _wrap(self._data)

    @data.setter
    def data(self, value) -> None:
        value = value._data if isinstance(value, Tensor) else np.asarray(value)
        self._data = value

    @property
    def grad(self) -> Tensor | None:
        """The accumulated gradient of a leaf (or of a tensor that called retain_grad())."""
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None but got {type(value).__name__}"
                )
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"assigned grad has data of a different size: grad shape "
                    f"{list(value._data.shape)} vs tensor shape {list(self._data.shape)}"
                )
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"assigned grad has data of a different type: {value.dtype} vs {self.dtype}"
                )
        self._grad = value

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self._grad_fn is not None:  # unlike requires_grad_(True), the setter always refuses
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set whether autograd records operations on this leaf; returns ``self``."""
        if self._grad_fn is not None:
            if requires_grad:
                return self
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError(
                "only Tensors of floating point dtype can require gradients "
                f"(this tensor is {self.dtype}); convert it first, e.g. x.float()"
            )
        self._requires_grad = builtins.bool(requires_grad)
        return self

    @property
    def grad_fn(self):
        """The graph node that produced this tensor (None for leaves)."""
        return self._grad_fn

    @property
    def is_leaf(self) -> bool:
        return self._grad_fn is None

    @property
    def output_nr(self) -> int:
        return self._output_nr

    @property
    def _version_value(self) -> int:
        return self._version[0] if self._version else 0

    def _version_cell(self) -> list:
        """This tensor's version cell, made on first need (see ``_writes``).

        A graph node that saved this tensor as its output cannot hold the tensor (a cycle),
        so a new cell is handed to that node (``_grad_fn``) too: its version check reads it.
        """
        cell = self._version
        if cell is None:
            cell = self._version = [0, 0, False]
            node = self._grad_fn
            if node is not None:
                if node._out_cells is None:
                    node._out_cells = {}
                node._out_cells[self._output_nr] = cell
        return cell

    def _bump_version(self) -> None:
        """Count an in-place write to this tensor's memory (see ``_writes``)."""
        _writes[0] += 1
        cell = self._version
        if cell is None:
            cell = self._version_cell()
        cell[0] += 1
        cell[1] = _writes[0]

    def detach(self) -> Tensor:
        """A new Tensor with the same data (shared memory) that is not part of the graph."""
        t = _wrap(self._data)
        t._version = self._version_cell()  # a view: in-place changes are seen by both
        return t

    def detach_(self) -> Tensor:
        self._grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward (leaves always keep it)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        node = self._grad_fn
        if node is None:
            return
        if node._retained is None:
            node._retained = {}
            node._plain = False  # the engine's general path handles retain_grad
        node._retained[self._output_nr] = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        node = self._grad_fn
        return node is not None and node._retained is not None and self._output_nr in node._retained

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a non-None return
        value replaces the gradient. Returns a handle with ``remove()``."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node = self._grad_fn
        if node is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            if node._pre_hooks is None:
                node._pre_hooks = {}
                node._plain = False  # the engine's general path runs hooks
            hooks = node._pre_hooks.setdefault(self._output_nr, [])
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def zero_grad(self) -> None:
        """Reset the gradient to None (the tutorial's spelling)."""
        self._grad = None

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (see autograd.backward)."""
        if (
            gradient is None
            and inputs is None
            and not create_graph
            and self._grad_fn is not None
            and self._data.size == 1
        ):  # a loss: straight to the engine
            _engine.backward_scalar(self, bool(retain_graph))
            return
        from .autograd import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # ------------------------------------------------------------------ shape and values
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self):
        return from_numpy_dtype(self._data.dtype)

    @property
    def device(self) -> str:
        return "cpu"

    @property
    def size(self) -> _SizeAttr:
        s = _SizeAttr(self._data.size)
        s._shape = Size(self._data.shape)
        return s

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return self._data.size

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self) -> np.ndarray:
        """The underlying array (shared memory). Refused while the tensor requires grad."""
        if self._requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. "
                "Use tensor.detach().numpy() instead."
            )
        return self._data

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy()
        if dtype is not None and arr.dtype != dtype:
            return arr.astype(dtype)
        return arr.copy() if copy else arr

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with more than one value is ambiguous "
                f"(this one has shape {list(self._data.shape)})"
            )
        return builtins.bool(self._data)

    def __float__(self) -> float:
        return builtins.float(self.item())

    def __int__(self) -> int:
        return builtins.int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self.item())

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0 or (spec and self._data.size == 1):
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __repr__(self) -> str:
        from ._tensor_str import tensor_repr

        return tensor_repr(self)

    def __copy__(self) -> Tensor:
        """``copy.copy``: a new Tensor object sharing this one's data and autograd state."""
        t = _wrap(self._data)
        t._requires_grad, t._grad_fn, t._output_nr = (
            self._requires_grad,
            self._grad_fn,
            self._output_nr,
        )
        t._grad, t._version = self._grad, self._version
        return t

    def __deepcopy__(self, memo) -> Tensor:
        """``copy.deepcopy``: an independent leaf with copied data (and grad), as in PyTorch."""
        if self._grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the "
                "deepcopy protocol; deepcopy x.detach() instead"
            )
        if id(self) in memo:
            return memo[id(self)]
        t = _wrap(self._data.copy())
        t._requires_grad = self._requires_grad
        if self._grad is not None:
            t._grad = _wrap(self._grad._data.copy())
        memo[id(self)] = t
        return t

    def __reduce_ex__(self, protocol):
        raise TypeError(
            "chainrule tensors cannot be pickled (loading a pickle can run code); "
            "use chainrule.save / chainrule.load"
        )


class _RemovableHandle:
    __slots__ = ("_hooks", "_hook")

    def __init__(self, hooks: list, hook) -> None:
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        try:
            self._hooks.remove(self._hook)
        except ValueError:
            pass


# The methods that call ops live in _methods/, one mixin per kind of op, and are installed
# here once the ops (which import Tensor) can be imported.
from ._methods import install as _install_methods  # noqa: E402

_install_methods(Tensor)
