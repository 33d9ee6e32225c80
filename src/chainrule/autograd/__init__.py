"""Automatic differentiation: the graph, the engine, grad modes, anomaly mode and gradient
checks."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..tensor import Tensor, _wrap
from .anomaly import (
    detect_anomaly,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_anomaly_enabled,
    set_detect_anomaly,
)
from .engine import run_backward
from .function import Function, FunctionCtx, Node
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled

__all__ = [
    "Function",
    "FunctionCtx",
    "Node",
    "backward",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "is_anomaly_check_nan_enabled",
    "set_anomaly_enabled",
]


def _as_list(x) -> list:
    if x is None:
        return []
    if isinstance(x, Tensor):
        return [x]
    return list(x)


def _make_seeds(outputs: list, grad_outputs: list, create_graph: bool) -> list:
    """The gradient each output starts with: given, or ones for a one-element output."""
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(
            f"grad_tensors/grad_outputs has {len(grad_outputs)} elements but there are "
            f"{len(outputs)} outputs"
        )
    seeds = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(out, Tensor):
            raise TypeError(f"backward: output {i} is a {type(out).__name__}, not a Tensor")
        if not out._requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )
        if g is None:
            if out._data.size != 1:
                raise RuntimeError(
                    "grad can be implicitly created only for scalar outputs (this output has "
                    f"shape {list(out._data.shape)}); pass `gradient=` with that shape"
                )
            arr = np.ones(out._data.shape, out._data.dtype)
            seeds.append(_wrap(arr) if create_graph else arr)
            continue
        if not isinstance(g, Tensor):
            g = _wrap(np.asarray(g, dtype=out._data.dtype))
        if g._data.shape != out._data.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
                f"has a shape of {out.shape}."
            )
        if g._data.dtype != out._data.dtype:
            g = g.to(out._data.dtype)
        seeds.append(g if create_graph else g._data)
    return seeds


def backward(
    tensors,
    grad_tensors=None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs=None,
) -> None:
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves.

    ``grad_tensors`` is required for outputs with more than one element (it is the vector in
    the vector-Jacobian product). Saved values are freed unless ``retain_graph`` (default:
    ``create_graph``). With ``create_graph`` the backward pass is recorded, so the
    gradients can be differentiated again. With ``inputs``, only those leaves accumulate.
    """
    outputs = _as_list(tensors)
    grads = _as_list(grad_tensors) if grad_tensors is not None else [None] * len(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    seeds = _make_seeds(outputs, grads, create_graph)
    input_list = None
    if inputs is not None:
        input_list = _as_list(inputs)
        if not input_list:
            raise RuntimeError("backward: 'inputs' argument to backward() cannot be empty.")
    run_backward(outputs, seeds, retain_graph, create_graph, input_list, accumulate=True)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple:
    """Return the gradients of ``outputs`` with respect to ``inputs`` (no ``.grad`` changes).

    With ``create_graph=True`` the returned gradients are part of the graph, so they can be
    differentiated again (Hessian-vector products, gradient penalties).
    """
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    if isinstance(grad_outputs, Sequence) and not isinstance(grad_outputs, Tensor):
        gouts = list(grad_outputs)
    else:
        gouts = [grad_outputs] * len(outs) if grad_outputs is None else _as_list(grad_outputs)
    for t in ins:
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: inputs must be Tensors, got {type(t).__name__}")
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    seeds = _make_seeds(outs, gouts, create_graph)
    return run_backward(
        outs, seeds, retain_graph, create_graph, ins, accumulate=False, allow_unused=allow_unused
    )


from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: E402

__all__ += ["GradcheckError"]
