"""The Optimizer base class: parameter groups, per-parameter state and its state_dict.

An optimizer holds ``param_groups`` (each a dict: the group's ``params`` and its own
hyperparameters) and ``state`` (a dict keyed by parameter: momentum buffers, running
averages, step counts). Subclasses validate their hyperparameters in ``__init__``; their
``step()`` gathers each group's parameters, gradients and state as NumPy arrays and hands
them to a pure update function in ``_functional.py``, which changes the parameters in place.
No graph is ever recorded by an update.
"""

from __future__ import annotations

import copy
import itertools
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .._dtype import default_float_np
from ..autograd import enable_grad
from ..tensor import Tensor, _wrap, _writes

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """The default of a hyperparameter that every param group must give (``required``)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()

_TENSOR_TYPE_NAMES = {
    "float16": "HalfTensor",
    "float32": "FloatTensor",
    "float64": "DoubleTensor",
    "int8": "CharTensor",
    "uint8": "ByteTensor",
    "int16": "ShortTensor",
    "int32": "IntTensor",
    "int64": "LongTensor",
    "bool": "BoolTensor",
}

# Flags PyTorch offers for its fused/compiled/differentiable kernels. chainrule accepts their
# defaults for compatibility; turning one on asks for something these updates cannot give.
_UNSUPPORTED_FLAGS = {
    "differentiable": "the update runs on NumPy arrays outside autograd, so it cannot be "
    "differentiated",
    "capturable": "there is no CUDA graph capture on NumPy",
    "fused": "there are no fused kernels on NumPy (the plain update is already vectorised)",
}


def _typename(obj) -> str:
    """``torch.typename``'s spelling: ``chainrule.FloatTensor`` for tensors, else the type."""
    if isinstance(obj, Tensor):
        return "chainrule." + _TENSOR_TYPE_NAMES.get(obj._data.dtype.name, "Tensor")
    cls = type(obj)
    if cls.__module__ in ("builtins", None):
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def _scalar(value) -> float:
    """A hyperparameter as a Python float (it may be given as a one-element Tensor)."""
    return float(value)


# ------------------------------------------------------------------ hyperparameter checks
# The messages are PyTorch's, word for word: code that catches them keeps working.
def _check_lr(lr) -> None:
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= _scalar(lr):
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_nonnegative(value, what: str) -> None:
    if not 0.0 <= value:
        raise ValueError(f"Invalid {what} value: {value}")


def _check_betas(betas) -> None:
    for index, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {index}: {beta}")


# ------------------------------------------------------------------ state helpers
def _scalar_np_dtype() -> np.dtype:
    """The dtype of scalar state such as ``step``: float64 under a float64 default dtype,
    else float32 (PyTorch 2's rule, so a state_dict has the same dtypes as torch's)."""
    return np.dtype(np.float64) if default_float_np() == np.float64 else np.dtype(np.float32)


def _step_tensor(value: float = 0.0) -> Tensor:
    """A fresh 0-d step counter."""
    return _wrap(np.array(value, dtype=_scalar_np_dtype()))


def _zeros_like(p: Tensor) -> Tensor:
    return _wrap(np.zeros_like(p._data))


def _arrays(tensors: Iterable[Tensor]) -> list[np.ndarray]:
    return [t._data for t in tensors]


def _grads(params: Iterable[Tensor]) -> list[np.ndarray]:
    return [p._grad._data for p in params]


def _bump_versions(params: Iterable[Tensor]) -> None:
    """Record the in-place update, so a graph that saved an old value refuses to use it
    (``Tensor._bump_version`` for each parameter, with one global write for the step)."""
    _writes[0] += 1
    write = _writes[0]
    for p in params:
        cell = p._version
        if cell is None:
            cell = p._version_cell()
        cell[0] += 1
        cell[1] = write


def _cast_state_value(param: Tensor, value, key=None):
    """A loaded state value made ready for ``param``, as PyTorch does: tensors are cast to
    the parameter's floating dtype (the same tensor when it already matches), except
    ``step``, which keeps its dtype; dicts and lists are walked."""
    if isinstance(value, Tensor):
        if key == "step" or param._data.dtype.kind != "f":
            return value
        if value._data.dtype == param._data.dtype:
            return value
        return _wrap(value._data.astype(param._data.dtype))
    if isinstance(value, dict):
        return {k: _cast_state_value(param, v, key=k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state_value(param, v) for v in value)
    return value


def _state_key(key):
    """A saved state key; JSON checkpoints turn the integer keys into strings."""
    if isinstance(key, str) and key.isdigit():
        return int(key)
    return key


class Optimizer:
    """Base class of all optimizers.

    ``params`` is an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts (param
    groups, each with its own hyperparameters, e.g.
    ``[{"params": body.parameters()}, {"params": head.parameters(), "lr": 1e-3}]``);
    ``defaults`` holds the hyperparameters a group does not set itself.
    """

    def __init__(self, params, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors "
                "or dicts, but got " + _typename(params)
            )
        self.state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    # -------------------------------------------------------------- groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (e.g. a layer unfrozen during fine-tuning), with its
        own hyperparameters; the ones it omits come from ``defaults``."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but "
                "the ordering of tensors in sets will change between runs. Please use a list "
                "instead."
            )
        else:
            param_group["params"] = list(params)

        tensors, names = [], []
        for param in param_group["params"]:
            if isinstance(param, tuple):
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError(
                    "all optimizer params should be with/without names. Some param names are "
                    "missing"
                )
            param_group["param_names"] = names

        for param in tensors:
            if not isinstance(param, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is "
                    + _typename(param)
                )
            if not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    "parameter group didn't specify a value of required optimization "
                    f"parameter {name}"
                )
            param_group.setdefault(name, default)
        self._refuse_unsupported(param_group)

        if len(tensors) != len(set(tensors)):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, "
                "this will cause an error; see github.com/pytorch/pytorch/issues/40967 for "
                "more information",
                stacklevel=3,
            )
        seen: set[Tensor] = set()
        for group in self.param_groups:
            seen.update(group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {which} to the optimizer"
                )
        if not seen.isdisjoint(tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def _refuse_unsupported(self, group: dict[str, Any]) -> None:
        for flag, reason in _UNSUPPORTED_FLAGS.items():
            if group.get(flag):
                raise NotImplementedError(
                    f"{type(self).__name__}({flag}=True) is not supported by chainrule: "
                    f"{reason}; leave {flag} at its default"
                )

    # -------------------------------------------------------------- gradients and steps
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient (``set_to_none``) or fill it with zeros."""
        if set_to_none:  # the default, once per training step
            for group in self.param_groups:
                for p in group["params"]:
                    p._grad = None
            return
        for group in self.param_groups:
            for p in group["params"]:
                grad = p._grad
                if grad is None:
                    continue
                if grad._grad_fn is not None:
                    grad.detach_()
                else:
                    grad.requires_grad_(False)
                if grad._data.flags.writeable:
                    grad._data.fill(0)
                else:  # e.g. a broadcast view: replace it rather than write through it
                    grad._data = np.zeros_like(grad._data)
                grad._bump_version()

    def step(self, closure: Callable[[], Any] | None = None):
        """Update the parameters once; ``closure`` re-evaluates the model and returns the
        loss (some algorithms need it). Returns the closure's loss, or None."""
        raise NotImplementedError

    @staticmethod
    def _closure_loss(closure: Callable[[], Any] | None):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    @staticmethod
    def _with_grad(group: dict[str, Any]) -> list[Tensor]:
        """The group's parameters that have a gradient (the others are left alone)."""
        return [p for p in group["params"] if p._grad is not None]

    def _state_for(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        """``p``'s state, created by the subclass's ``_init_state`` on its first update."""
        state = self.state[p]
        if len(state) == 0:
            self._init_state(p, state, group)
        return state

    def _init_state(self, p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        raise NotImplementedError

    # -------------------------------------------------------------- state_dict
    def state_dict(self) -> dict[str, Any]:
        """``{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}``.

        Parameters are replaced by their position across all groups, so the dict can be
        loaded into an optimizer over another model with the same layout. As in PyTorch, the
        state tensors are the optimizer's own (not copies).
        """
        index_of: dict[int, int] = {}
        packed_groups = []
        start = 0
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index_of.setdefault(id(p), i)
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            start += len(packed["params"])
            packed_groups.append(packed)
        packed_state = {
            (index_of[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()
        }
        return {"state": packed_state, "param_groups": packed_groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and state saved by ``state_dict()``; the groups must have
        the same number of parameters, in the same order."""
        state_dict = state_dict.copy()
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of "
                "optimizer's group"
            )
        param_of = dict(
            zip(
                itertools.chain.from_iterable(g["params"] for g in saved_groups),
                itertools.chain.from_iterable(g["params"] for g in groups),
            )
        )
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            key = _state_key(key)
            if key in param_of:
                param = param_of[key]
                state[param] = _cast_state_value(param, value)
            else:
                state[key] = value
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
        self.__setstate__({"state": state, "param_groups": saved_groups})

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        defaults = self.__dict__.get("defaults", {})
        for group in self.param_groups:
            for name, default in defaults.items():
                if default is required:
                    continue
                group.setdefault(name, default)
                # JSON checkpoints bring tuples (betas) back as lists
                if isinstance(default, tuple) and isinstance(group[name], list):
                    group[name] = tuple(group[name])
        for p_state in self.state.values():
            if not isinstance(p_state, dict):
                continue
            if "step" in p_state and not isinstance(p_state["step"], Tensor):
                p_state["step"] = _step_tensor(float(p_state["step"]))

    def __repr__(self) -> str:
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"
