"""Collation: how a DataLoader turns a list of samples into one batch.

``default_collate`` follows PyTorch's rules exactly (the output types, the dtypes, the
errors), because training code often depends on them:

=======================  =====================================================
each sample is           the batch is
=======================  =====================================================
Tensor                   the samples stacked along a new dimension 0
NumPy array              converted (dtype kept), then stacked
NumPy scalar             a 1-d tensor of NumPy's dtype for the list
Python float             a float64 tensor
Python int / bool        an int64 tensor (bool if every sample is a bool)
str / bytes              the list itself
Mapping                  the same kind of mapping, each key collated
namedtuple               the same namedtuple, each field collated
tuple                    a **list**, each position collated (PyTorch's choice)
other Sequence (list)    the same kind of sequence, each position collated
=======================  =====================================================

``default_convert`` is the no-batching twin (``DataLoader(batch_size=None)``): NumPy
arrays and scalars become tensors, containers are walked, everything else is left alone.
"""

from __future__ import annotations

import collections.abc
import copy
import re
from collections.abc import Callable

import numpy as np

from ... import _creation
from ..._dtype import promote_types
from ...autograd.grad_mode import is_grad_enabled
from ...ops.join import stack
from ...tensor import Tensor, _wrap, tensor

__all__ = ["collate", "default_collate", "default_convert", "default_collate_fn_map"]

# dtype strings of byte strings, unicode strings and Python objects: not numbers.
_np_str_obj_array_pattern = re.compile(r"[SaUO]")

default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def _array_to_tensor(array: np.ndarray) -> Tensor:
    """PyTorch's ``as_tensor`` for a NumPy array: the dtype is kept (native byte order)."""
    if not array.dtype.isnative:
        array = array.astype(array.dtype.newbyteorder("="))
    return _creation.from_numpy(array)


# ---------------------------------------------------------------- one function per kind
def collate_tensor_fn(batch, *, collate_fn_map=None) -> Tensor:
    # NOTE: when nothing is recorded for autograd, the batch is one np.stack of the arrays
    # (with chainrule.stack's dtype promotion): the same tensor as chainrule.stack gives,
    # without the op machinery. chainrule.stack is used when the graph must be recorded, and
    # to raise its error for unequal shapes.
    first = batch[0]._data
    if all(t._data.shape == first.shape for t in batch) and not (
        is_grad_enabled() and any(t._requires_grad for t in batch)
    ):
        dtype = first.dtype
        for t in batch:
            if t._data.dtype != dtype:
                dtype = promote_types(dtype, t._data.dtype).np
        return _wrap(np.stack([t._data.astype(dtype, copy=False) for t in batch]))
    return stack(list(batch), 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    elem = batch[0]
    if _np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    return collate([_array_to_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None) -> Tensor:
    return _array_to_tensor(np.asarray(batch))


def collate_float_fn(batch, *, collate_fn_map=None) -> Tensor:
    return tensor(list(batch), dtype=np.float64)


def collate_int_fn(batch, *, collate_fn_map=None) -> Tensor:
    # chainrule.tensor infers like torch.tensor: all bools -> bool, ints -> int64.
    return tensor(list(batch))


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


default_collate_fn_map: dict[type | tuple[type, ...], Callable] = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


# ---------------------------------------------------------------- the walk over containers
def collate(batch, *, collate_fn_map: dict | None = None):
    """Collate ``batch`` (a list of samples), dispatching on the type of its first element.

    ``collate_fn_map`` maps element types to functions ``fn(batch, *, collate_fn_map)``; the
    element's exact type is tried first, then each key in order with ``isinstance``.
    Containers (mappings, namedtuples, sequences) are collated field by field.
    """
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)

    def sub(samples):
        return collate(samples, collate_fn_map=collate_fn_map)

    if isinstance(elem, collections.abc.Mapping):
        collated = {key: sub([d[key] for d in batch]) for key in elem}
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update(collated)
                return clone
            return elem_type(collated)
        except TypeError:  # a mapping type that cannot be built from a dict
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(sub(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        elem_size = len(next(it))
        if not all(len(e) == elem_size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [sub(samples) for samples in transposed]  # PyTorch returns a list here
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, samples in enumerate(transposed):
                    clone[i] = sub(samples)
                return clone
            return elem_type([sub(samples) for samples in transposed])
        except TypeError:  # a sequence type that cannot be built from a list
            return [sub(samples) for samples in transposed]
    raise TypeError(default_collate_err_msg_format.format(elem_type))


def default_collate(batch):
    """Stack a list of samples into a batch with PyTorch's rules (see the module docstring).

    >>> default_collate([(0, 1.0), (2, 3.0)])      # a list: [int64 tensor, float64 tensor]
    [tensor([0, 2]), tensor([1., 3.], dtype=chainrule.float64)]
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)


def default_convert(data):
    """Convert one sample without batching: NumPy arrays and scalars become tensors, and
    mappings, namedtuples and sequences are converted element by element (tuples become
    lists, as in PyTorch); anything else is returned unchanged."""
    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "bytes_"):
        if (
            isinstance(data, np.ndarray)
            and _np_str_obj_array_pattern.search(data.dtype.str) is not None
        ):
            return data
        return _array_to_tensor(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        converted = {key: default_convert(data[key]) for key in data}
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update(converted)
                return clone
            return elem_type(converted)
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]  # PyTorch returns a list here
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return elem_type([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
