"""nn.functional: embedding lookups and one_hot.

``embedding`` picks rows of a weight table by integer index. Its gradient sums the upstream
gradients of every position that used a row into that row (a scatter-add); the padding row
receives none, and with ``scale_grad_by_freq`` each row's gradient is divided by how often
the row occurs in the batch. ``max_norm`` rescales, in place, every looked-up row whose norm
exceeds it, as PyTorch does.
"""

from __future__ import annotations

import numpy as np

from ...autograd.grad_mode import no_grad
from ...ops._pointwise import require_tensor
from ...ops.nn_activation import EmbeddingLookup
from ...tensor import Tensor, _wrap

__all__ = ["embedding", "one_hot"]


def _padding_index(padding_idx, num_embeddings: int) -> int:
    """PyTorch's padding_idx rule: within [-n, n), negatives counted from the end; -1 for
    none. Out of range is an AssertionError, as in PyTorch."""
    if padding_idx is None:
        return -1
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise AssertionError(
            f"Padding_idx must be within num_embeddings (padding_idx={padding_idx}, "
            f"num_embeddings={num_embeddings})"
        )
    return padding_idx + num_embeddings if padding_idx < 0 else padding_idx


def _indices(input: Tensor, rows: int, op: str) -> np.ndarray:
    require_tensor(input, op)
    idx = input._data
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError(
            f"{op}(): Expected tensor for argument #1 'indices' to have one of the following "
            f"scalar types: Long, Int; but got {input.dtype} instead"
        )
    if idx.size and (idx.min() < 0 or idx.max() >= rows):
        raise IndexError(
            f"{op}(): index out of range in self (indices must lie in [0, {rows}); got values "
            f"from {idx.min()} to {idx.max()})"
        )
    return idx


def _renorm_rows(weight: Tensor, idx: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Scale each looked-up row whose ``norm_type``-norm exceeds ``max_norm`` down to it."""
    rows = np.unique(idx)
    with no_grad():
        w = weight._data[rows]
        norms = np.linalg.norm(w, ord=norm_type, axis=1)
        too_big = norms > max_norm
        if too_big.any():
            scale = np.where(too_big, max_norm / (norms + 1e-7), 1.0).astype(w.dtype)
            weight._data[rows] = w * scale[:, None]
            weight._bump_version()


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """``weight[input]``: one row of ``weight`` (num_embeddings, embedding_dim) per index."""
    require_tensor(weight, "embedding", "weight")
    pad = _padding_index(padding_idx, weight.shape[0] if weight.dim() else 0)
    if weight.dim() != 2:
        raise RuntimeError(
            f"embedding(): 'weight' must be 2-D, got a weight of shape {list(weight.shape)}"
        )
    if sparse:
        raise NotImplementedError(
            "embedding(): sparse=True needs sparse gradients, which chainrule does not have; "
            "use sparse=False (the gradient is dense)"
        )
    rows = weight.shape[0]
    idx = _indices(input, rows, "embedding")
    if max_norm is not None:
        _renorm_rows(weight, idx, max_norm, norm_type)
    mask = freq = None
    if weight.requires_grad:
        dtype = weight._data.dtype
        if pad >= 0:
            mask = np.ones(rows, dtype=dtype)
            mask[pad] = 0
        if scale_grad_by_freq:
            counts = np.bincount(idx.reshape(-1), minlength=rows)
            freq = (1.0 / np.maximum(counts, 1)).astype(dtype)
    return EmbeddingLookup.apply(weight, idx, mask, freq)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot codes: shape ``tensor.shape + (num_classes,)``; ``num_classes=-1``
    means one more than the largest value."""
    require_tensor(tensor, "one_hot", "tensor")
    idx = tensor._data
    if idx.dtype != np.int64:
        raise RuntimeError(
            f"one_hot is only applicable to index tensor of type LongTensor (got {tensor.dtype})."
        )
    if num_classes == -1:
        if idx.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(idx.max()) + 1
    if idx.size and idx.min() < 0:
        raise RuntimeError(f"Class values must be non-negative (got {int(idx.min())}).")
    if num_classes < 0 or (idx.size and idx.max() >= num_classes):
        raise RuntimeError(
            f"Class values must be smaller than num_classes (num_classes={num_classes})."
        )
    codes = idx[..., None] == np.arange(num_classes)
    return _wrap(codes.astype(np.int64))
