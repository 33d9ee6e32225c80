"""Check analytical gradients against finite differences (float64), like PyTorch's.

``gradcheck`` compares, for every output and every input that requires grad, the Jacobian
that backward computes (one vector-Jacobian product per output element) with central
differences ``(f(x + eps) - f(x - eps)) / 2 eps``. ``gradgradcheck`` does the same for the
gradient function itself, which exercises every backward formula under ``create_graph``.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, _wrap
from .grad_mode import no_grad


class GradcheckError(RuntimeError):
    """Raised by gradcheck/gradgradcheck when analytical and numerical gradients disagree."""


def _as_tuple(x) -> tuple:
    return x if isinstance(x, tuple) else tuple(x) if isinstance(x, list) else (x,)


def _differentiable_outputs(outputs) -> list:
    return [o for o in _as_tuple(outputs) if isinstance(o, Tensor) and o._data.dtype.kind == "f"]


def _flat_outputs(fn, inputs) -> list:
    return [o._data.astype(np.float64).ravel() for o in _differentiable_outputs(fn(*inputs))]


def _numerical_jacobians(fn, inputs, diff_idx, eps) -> list:
    """J[o][i] of shape (numel(output o), numel(input i)) by central differences.

    ``fn`` runs in the caller's grad mode: gradgradcheck's ``fn`` takes a gradient itself.
    """
    base = _differentiable_outputs(fn(*inputs))
    jac = [[np.zeros((o._data.size, inputs[i]._data.size)) for i in diff_idx] for o in base]
    for col, i in enumerate(diff_idx):
        x = inputs[i]._data
        flat = x.reshape(-1)  # a view: x is contiguous (gradcheck copies its inputs)
        for j in range(flat.size):
            orig = flat[j]
            flat[j] = orig + eps
            plus = _flat_outputs(fn, inputs)
            flat[j] = orig - eps
            minus = _flat_outputs(fn, inputs)
            flat[j] = orig
            for k in range(len(base)):
                jac[k][col][:, j] = (plus[k] - minus[k]) / (2 * eps)
    return jac


def _analytical_jacobians(fn, inputs, diff_idx) -> list:
    from . import grad

    outputs = _differentiable_outputs(fn(*inputs))
    diff_inputs = [inputs[i] for i in diff_idx]
    jac = [[np.zeros((o._data.size, inputs[i]._data.size)) for i in diff_idx] for o in outputs]
    for k, out in enumerate(outputs):
        if not out._requires_grad:
            continue
        for r in range(out._data.size):
            seed = np.zeros(out._data.size, out._data.dtype)
            seed[r] = 1
            grads = grad(
                out,
                diff_inputs,
                grad_outputs=_wrap(seed.reshape(out._data.shape)),
                retain_graph=True,
                allow_unused=True,
            )
            for col, g in enumerate(grads):
                if g is not None:
                    jac[k][col][r, :] = g._data.astype(np.float64).ravel()
    return jac


def gradcheck(
    fn,
    inputs,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """True when backward's gradients of ``fn`` match finite differences at ``inputs``.

    Every input that requires grad must be float64. On failure raises ``GradcheckError``
    naming the output, the input and the worst element (or returns False when
    ``raise_exception=False``).
    """
    inputs = _as_tuple(inputs)
    diff_idx = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t._requires_grad]
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor that requires grad")
    for i in diff_idx:
        if inputs[i]._data.dtype != np.float64:
            raise ValueError(
                f"gradcheck: input {i} is {inputs[i].dtype}; finite differences need float64 "
                "inputs (use x.double())"
            )
    # Work on contiguous private copies so perturbing them in place cannot touch the caller.
    inputs = tuple(_fresh_leaf(t) if i in diff_idx else t for i, t in enumerate(inputs))
    numerical = _numerical_jacobians(fn, inputs, diff_idx, eps)
    analytical = _analytical_jacobians(fn, inputs, diff_idx)
    if not numerical:
        raise ValueError("gradcheck: the function returned no floating-point output to check")
    for k, (num_rows, ana_rows) in enumerate(zip(numerical, analytical)):
        for col, (n, a) in enumerate(zip(num_rows, ana_rows)):
            bad = np.abs(a - n) > atol + rtol * np.abs(n)
            if bad.any():
                if not raise_exception:
                    return False
                worst = np.unravel_index(np.argmax(np.abs(a - n) - rtol * np.abs(n)), n.shape)
                worst = tuple(int(w) for w in worst)
                shape = inputs[diff_idx[col]]._data.shape
                elem = [int(e) for e in np.unravel_index(worst[1], shape)] if shape else []
                raise GradcheckError(
                    f"Jacobian mismatch for output {k} with respect to input {diff_idx[col]}: "
                    f"worst element is d(output[{worst[0]}])/d(input{elem}): numerical "
                    f"{n[worst]:.10g} vs analytical {a[worst]:.10g} "
                    f"(atol={atol}, rtol={rtol}; {int(bad.sum())} of {bad.size} entries differ)\n"
                    f"numerical:\n{n}\nanalytical:\n{a}"
                )
    return True


def _fresh_leaf(t: Tensor) -> Tensor:
    leaf = _wrap(np.array(t._data, dtype=np.float64, order="C", copy=True))
    leaf._requires_grad = True
    return leaf


def gradgradcheck(
    fn,
    inputs,
    grad_outputs=None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    seed: int = 0,
) -> bool:
    """gradcheck of the gradient of ``fn``: checks every backward formula's own derivative.

    The gradient is taken with random upstream gradients (``grad_outputs``, drawn with
    ``seed`` when not given), which are themselves checked as inputs.
    """
    from . import grad

    inputs = _as_tuple(inputs)
    diff_idx = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t._requires_grad]
    with no_grad():
        outputs = _differentiable_outputs(fn(*inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = [_fresh_leaf(_wrap(rng.standard_normal(o._data.shape))) for o in outputs]
    grad_outputs = list(_as_tuple(grad_outputs))
    n_in = len(inputs)

    def first_derivative(*args):
        ins, gouts = args[:n_in], args[n_in:]
        outs = [o for o in _differentiable_outputs(fn(*ins)) if o._requires_grad]
        grads = grad(
            outs,
            [ins[i] for i in diff_idx],
            grad_outputs=list(gouts[: len(outs)]),
            create_graph=True,
            allow_unused=True,
        )
        return tuple(g for g in grads if g is not None)

    return gradcheck(
        first_derivative,
        tuple(inputs) + tuple(grad_outputs),
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
    )
