"""The state half of Module: ``state_dict``/``load_state_dict`` and dtype conversion.

A mixin so that ``module.py`` stays about registration and walks; everything here uses only
Module's registries (``_parameters``, ``_buffers``) and its ``named_modules`` walk.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ..._dtype import dtype as dtype_cls
from ..._dtype import to_numpy_dtype
from ...autograd.grad_mode import no_grad
from ...tensor import Size, Tensor, _wrap

if TYPE_CHECKING:
    from .module import Module


class _IncompatibleKeys(NamedTuple):
    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (
            f"_IncompatibleKeys(missing_keys={self.missing_keys}, "
            f"unexpected_keys={self.unexpected_keys})"
        )


class _StateMixin:
    # ---------------------------------------------------------------- dtype conversion
    def to(self, *args, **kwargs) -> Module:
        """``to(dtype)``, ``to('cpu')``, ``to(tensor)`` or ``to(device=..., dtype=...)``.

        Floating parameters and buffers change dtype in place: the Parameter objects stay
        the same, so an optimizer built earlier still holds them.
        """
        dtype = kwargs.pop("dtype", None)
        kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for arg in args:
            if isinstance(arg, dtype_cls):
                dtype = arg
            elif isinstance(arg, Tensor):
                dtype = arg.dtype
            elif not (isinstance(arg, str) and arg.split(":")[0] == "cpu"):
                raise ValueError(f"to(): chainrule runs on the CPU only; got {arg!r}")
        if dtype is None:
            return self
        npd = to_numpy_dtype(dtype)
        if npd.kind != "f":
            raise TypeError(
                f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dtype}"
            )
        return self._cast(npd)

    def _cast(self, npd: np.dtype) -> Module:
        with no_grad():
            for module in self.modules():
                for p in module._parameters.values():
                    if p is not None and p._data.dtype.kind == "f":
                        p._data = p._data.astype(npd)
                        if p._grad is not None:
                            p._grad = _wrap(p._grad._data.astype(npd))
                for name, b in module._buffers.items():
                    if b is not None and b._data.dtype.kind == "f":
                        module._buffers[name] = _wrap(b._data.astype(npd))
        return self

    def float(self) -> Module:
        return self._cast(np.dtype(np.float32))

    def double(self) -> Module:
        return self._cast(np.dtype(np.float64))

    def half(self) -> Module:
        return self._cast(np.dtype(np.float16))

    def cpu(self) -> Module:
        return self

    # ---------------------------------------------------------------- state dict
    def state_dict(
        self, destination: dict | None = None, prefix: str = "", keep_vars: bool = False
    ) -> OrderedDict:
        """Parameters and persistent buffers under PyTorch's dotted keys (``0.weight``).

        Values are detached tensors sharing memory with the model (copy them to snapshot).
        """
        out = OrderedDict() if destination is None else destination
        for module_prefix, module in self.named_modules(prefix=prefix, remove_duplicate=False):
            dot = f"{module_prefix}." if module_prefix else ""
            for name, p in module._parameters.items():
                if p is not None:
                    out[dot + name] = p if keep_vars else p.detach()
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent_buffers_set:
                    out[dot + name] = b if keep_vars else b.detach()
        return out

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Copy ``state_dict``'s tensors into this model's parameters and buffers.

        Every problem (missing keys, unexpected keys, shape mismatches) is reported in one
        error, and nothing is changed unless the whole load can succeed.
        """
        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors, plan = [], []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            if not isinstance(value, Tensor):
                errors.append(
                    f'While copying the parameter named "{key}", expected a chainrule Tensor '
                    f"from the checkpoint but received {type(value)}"
                )
            elif value.shape != target.shape:
                errors.append(
                    f"size mismatch for {key}: copying a param with shape "
                    f"{_size(value.shape)} from checkpoint, the shape in current model is "
                    f"{_size(target.shape)}."
                )
            else:
                plan.append((target, value))
        if strict:  # PyTorch lists missing keys first, then unexpected ones, then the rest
            if unexpected:
                keys = ", ".join(f'"{k}"' for k in unexpected)
                errors.insert(0, f"Unexpected key(s) in state_dict: {keys}. ")
            if missing:
                keys = ", ".join(f'"{k}"' for k in missing)
                errors.insert(0, f"Missing key(s) in state_dict: {keys}. ")
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(errors)
            )
        with no_grad():
            for target, value in plan:
                # Cast to the model's dtype, as PyTorch's copy_ does; a copy, never an alias.
                target._data[...] = value._data.astype(target._data.dtype, copy=False)
                target._bump_version()
        return _IncompatibleKeys(missing, unexpected)


def _size(shape) -> str:
    return repr(Size(shape))
