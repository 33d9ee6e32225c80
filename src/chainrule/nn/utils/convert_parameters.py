"""Flatten parameters into one vector and back (for second-order methods, line searches)."""

from __future__ import annotations

from ...autograd.grad_mode import no_grad
from ...ops.join import cat
from ...tensor import Tensor


def parameters_to_vector(parameters) -> Tensor:
    """Concatenate the flattened parameters into one 1-D tensor (differentiable)."""
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into the parameters, in order."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    if vec.dim() != 1:
        raise RuntimeError(f"vector_to_parameters(): vec must be 1-D, got shape {list(vec.shape)}")
    parameters = list(parameters)
    total = sum(p.numel() for p in parameters)
    if total != vec.numel():
        raise RuntimeError(
            f"vector_to_parameters(): vec has {vec.numel()} elements but the parameters "
            f"hold {total}"
        )
    offset = 0
    with no_grad():
        for p in parameters:
            n = p.numel()
            # Like PyTorch, the parameter's data is replaced (p.data = ...), not copied into.
            p.data = vec[offset : offset + n].view_as(p).detach().clone()
            offset += n
