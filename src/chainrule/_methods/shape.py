"""Tensor methods that reshape, view, join, index and write into tensors."""

from __future__ import annotations

from ..ops import diagonal as G
from ..ops import indexing as I
from ..ops import join as J
from ..ops import permute as P
from ..ops import scatter as X
from ..ops import shape as S


class ShapeMethods:
    """Installed on Tensor by ``_methods.install``; each method is one line calling an op."""

    __slots__ = ()

    def __getitem__(self, key):
        return I.getitem(self, key)

    def __setitem__(self, key, value):
        I.setitem(self, key, value)

    @property
    def T(self):
        return P.numpy_T(self)

    @property
    def mT(self):
        return P.matrix_T(self)

    # ------------------------------------------------------------------ shape and views
    def reshape(self, *shape):
        return S.reshape(self, *shape)

    def view(self, *shape):
        return S.view(self, *shape)

    def view_as(self, other):
        return S.view_as(self, other)

    def reshape_as(self, other):
        return S.reshape_as(self, other)

    def flatten(self, start_dim: int = 0, end_dim: int = -1):
        return S.flatten(self, start_dim, end_dim)

    def unflatten(self, dim: int, sizes):
        return S.unflatten(self, dim, sizes)

    def squeeze(self, dim=None):
        return S.squeeze(self, dim)

    def unsqueeze(self, dim: int):
        return S.unsqueeze(self, dim)

    def permute(self, *dims):
        return P.permute(self, *dims)

    def transpose(self, dim0: int, dim1: int):
        return P.transpose(self, dim0, dim1)

    def swapaxes(self, axis0: int, axis1: int):
        return P.transpose(self, axis0, axis1)

    def swapdims(self, dim0: int, dim1: int):
        return P.transpose(self, dim0, dim1)

    def t(self):
        return P.t(self)

    def movedim(self, source, destination):
        return P.movedim(self, source, destination)

    def moveaxis(self, source, destination):
        return P.movedim(self, source, destination)

    def expand(self, *sizes):
        return S.expand(self, *sizes)

    def expand_as(self, other):
        return S.expand_as(self, other)

    def broadcast_to(self, size):
        return S.broadcast_to(self, size)

    def contiguous(self, memory_format=None):
        return S.contiguous(self)

    def is_contiguous(self, memory_format=None) -> bool:
        return bool(self._data.flags.c_contiguous)

    def clone(self, *, memory_format=None):
        return S.clone(self)

    # ------------------------------------------------------------------ joining and splitting
    def split(self, split_size, dim: int = 0):
        return J.split(self, split_size, dim)

    def chunk(self, chunks: int, dim: int = 0):
        return J.chunk(self, chunks, dim)

    def unbind(self, dim: int = 0):
        return J.unbind(self, dim)

    def repeat(self, *sizes):
        return J.repeat(self, *sizes)

    def tile(self, *dims):
        return J.tile(self, dims[0] if len(dims) == 1 else dims)

    def flip(self, *dims):
        return J.flip(self, *dims)

    def roll(self, shifts, dims=None):
        return J.roll(self, shifts, dims)

    # ------------------------------------------------------------------ indexing
    def select(self, dim: int, index: int):
        return I.select(self, dim, index)

    def narrow(self, dim: int, start, length: int):
        return I.narrow(self, dim, start, length)

    def gather(self, dim: int, index, *, sparse_grad: bool = False):
        return X.gather(self, dim, index)

    def scatter(self, dim: int, index, src=None, *, value=None, reduce=None):
        return X.scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_add(self, dim: int, index, src):
        return X.scatter_add(self, dim, index, src)

    def index_select(self, dim: int, index):
        return X.index_select(self, dim, index)

    def masked_fill(self, mask, value):
        return I.masked_fill(self, mask, value)

    def masked_fill_(self, mask, value):
        return I.masked_fill_(self, mask, value)

    def masked_select(self, mask):
        return I.masked_select(self, mask)

    def take(self, index):
        return X.take(self, index)

    # ------------------------------------------------------------------ diagonals and triangles
    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1):
        return G.diagonal(self, offset, dim1, dim2)

    def diag(self, diagonal: int = 0):
        return G.diag(self, diagonal)

    def diag_embed(self, offset: int = 0, dim1: int = -2, dim2: int = -1):
        return G.diag_embed(self, offset, dim1, dim2)

    def trace(self):
        return G.trace(self)

    def tril(self, diagonal: int = 0):
        return G.tril(self, diagonal)

    def triu(self, diagonal: int = 0):
        return G.triu(self, diagonal)
