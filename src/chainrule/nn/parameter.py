"""Parameter and Buffer: the tensors a Module registers when they are assigned to it."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, _wrap


class Parameter(Tensor):
    """A Tensor that is a learnable weight of a Module.

    Assigning a Parameter to a Module attribute registers it (``self.weight = Parameter(w)``),
    so it appears in ``parameters()`` and ``state_dict()``. It shares memory with the tensor
    it is built from and requires grad unless told otherwise.
    """

    __slots__ = ()

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        if data is None:
            array = np.empty(0, dtype=np.float32)
        elif isinstance(data, Tensor):
            array = data._data
        else:
            raise TypeError(
                f"Parameter(): data must be a Tensor, got {type(data).__name__}; "
                "wrap it first, e.g. Parameter(chainrule.tensor(values))"
            )
        self._data = array
        self._requires_grad = False
        self._grad_fn = None
        self._output_nr = 0
        self._grad = None
        self._version = data._version if isinstance(data, Tensor) else None
        self._hooks = None
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]
        p = Parameter(_wrap(self._data.copy()), self._requires_grad)
        if self._grad is not None:
            p._grad = _wrap(self._grad._data.copy())
        memo[id(self)] = p
        return p


class Buffer(Tensor):
    """A marker for a Module's non-learnable state (``self.running_mean = Buffer(t)``).

    Assigning a Buffer registers ``t`` as a buffer, like ``register_buffer``; what is stored
    is a plain Tensor sharing ``t``'s memory.
    """

    __slots__ = ("persistent",)

    def __init__(self, data: Tensor, *, persistent: bool = True) -> None:
        if not isinstance(data, Tensor):
            raise TypeError(f"Buffer(): data must be a Tensor, got {type(data).__name__}")
        self._data = data._data
        self._requires_grad = data._requires_grad and data._grad_fn is None
        self._grad_fn = None
        self._output_nr = 0
        self._grad = None
        self._version = data._version
        self._hooks = None
        self.persistent = persistent
