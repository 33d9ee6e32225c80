"""DataLoader: batches of samples from a dataset, in sampler order, collated into tensors."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ...autograd.grad_mode import is_grad_enabled
from ...tensor import Tensor, _wrap
from ._collate import default_collate, default_convert
from .dataset import Dataset, IterableDataset, TensorDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "get_worker_info"]


def get_worker_info() -> None:
    """Information about the current loader worker: always None in chainrule, which loads
    every batch in the main process (PyTorch returns None there too)."""
    return None


class _InfiniteConstantSampler(Sampler[None]):
    """Counts the samples of an IterableDataset stream: yields None forever."""

    def __iter__(self):
        while True:
            yield None


_FROZEN_AFTER_INIT = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset")


class DataLoader:
    """Iterates over ``dataset`` in batches.

    Arguments and their defaults are PyTorch's:

    - ``batch_size`` samples per batch (``None``: no batching, each sample is converted with
      ``default_convert``); ``drop_last`` drops a last, incomplete batch.
    - ``shuffle=True`` draws a new random order each epoch from ``generator`` (a
      ``chainrule.Generator``); without a generator the order is seeded from the default
      generator, so ``chainrule.manual_seed(s)`` makes it reproducible.
    - ``sampler`` (indices) or ``batch_sampler`` (lists of indices) replace the default order;
      as in PyTorch they exclude ``shuffle`` (and ``batch_sampler`` excludes ``batch_size``,
      ``sampler`` and ``drop_last``), with PyTorch's ValueError otherwise.
    - ``collate_fn`` turns a list of samples into a batch (``default_collate`` by default).
    - An ``IterableDataset`` is read as a stream and batched in order; it takes no shuffle,
      sampler or batch_sampler.

    Workers: chainrule always loads in the main process. ``num_workers > 0``,
    ``prefetch_factor``, ``persistent_workers``, ``timeout``, ``worker_init_fn``,
    ``multiprocessing_context``, ``pin_memory`` (and its device) and ``in_order`` are
    validated as PyTorch does and otherwise ignored: the batches are the same as with
    ``num_workers=0`` (``worker_init_fn`` is never called, and ``get_worker_info()`` is
    None). An IterableDataset is therefore read once, not once per worker.
    """

    dataset: Dataset
    batch_size: int | None
    num_workers: int
    pin_memory: bool
    drop_last: bool
    timeout: float
    sampler: Sampler | Iterable
    prefetch_factor: int | None
    __initialized = False

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | Iterable | None = None,
        batch_sampler: Sampler | Iterable | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context=None,
        generator=None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        if num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; use num_workers=0 to disable "
                "multiprocessing."
            )
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing.let "
                "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None."
            )
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in {False, None}:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified shuffle option, "
                    f"but got shuffle={shuffle}"
                )
            if sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified sampler option, "
                    f"but got sampler={sampler}"
                )
            if batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified batch_sampler "
                    f"option, but got batch_sampler={batch_sampler}"
                )
        else:
            shuffle = bool(shuffle)

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, "
                    "sampler, and drop_last"
                )
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive "
                "with drop_last"
            )

        if sampler is None:
            if self._iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self.__initialized = True

    def __setattr__(self, attr: str, value) -> None:
        if self.__initialized and attr in (*_FROZEN_AFTER_INIT, "persistent_workers"):
            raise ValueError(
                f"{attr} attribute should not be set after {type(self).__name__} is initialized"
            )
        super().__setattr__(attr, value)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __iter__(self) -> _DataLoaderIter:
        return _DataLoaderIter(self)

    def __len__(self) -> int:
        if self._iterable:
            length = len(self.dataset)  # TypeError when the stream has no length, as PyTorch
            if self.batch_size is not None:
                if self.drop_last:
                    return length // self.batch_size
                return -(-length // self.batch_size)
            return length
        return len(self._index_sampler)


class _DataLoaderIter:
    """One pass over a DataLoader (an epoch): fetches and collates batch after batch."""

    def __init__(self, loader: DataLoader) -> None:
        self._loader = loader
        self._dataset = loader.dataset
        self._collate_fn = loader.collate_fn
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._sampler_iter = iter(loader._index_sampler)
        self._dataset_iter = iter(loader.dataset) if loader._iterable else None
        self._ended = False
        # NOTE: a TensorDataset batch with the default collation is the tensors indexed by
        # the whole index list at once: one gather per tensor instead of batch_size
        # indexings and a stack (same values, dtypes and container as default_collate).
        self._gather = (
            self._auto_collation
            and type(self._dataset) is TensorDataset
            and self._collate_fn is default_collate
            and len(self._dataset.tensors) > 0
        )

    def __iter__(self) -> _DataLoaderIter:
        return self

    def __len__(self) -> int:
        return len(self._loader)

    def __next__(self):
        if self._ended:
            raise StopIteration
        index = next(self._sampler_iter)  # StopIteration ends the epoch
        if self._dataset_iter is not None:
            return self._collate_fn(self._next_from_stream(index))
        if self._auto_collation:
            if self._gather:
                batch = self._gathered(index)
                if batch is not None:
                    return batch
            getitems = getattr(self._dataset, "__getitems__", None)
            if callable(getitems):
                data = getitems(index)
            else:
                data = [self._dataset[i] for i in index]
        else:
            data = self._dataset[index]
        return self._collate_fn(data)

    def _gathered(self, index) -> list[Tensor] | None:
        """The TensorDataset batch at ``index`` as one gather per tensor, or None when the
        index is not a non-empty list of integers (the general path then handles it)."""
        positions = np.asarray(index)
        if positions.ndim != 1 or positions.dtype.kind not in "iu" or not positions.size:
            return None
        tensors = self._dataset.tensors
        if any(t._requires_grad for t in tensors) and is_grad_enabled():
            return [t[positions] for t in tensors]  # stacking would be recorded: use the op
        try:
            # rows by take(): a third of the time of t._data[positions] on a matrix (the
            # same rows; a vector is as fast either way)
            return [_wrap(t._data.take(positions, 0)) for t in tensors]
        except IndexError:  # out of range: let the indexing op raise its own message
            return [t[positions] for t in tensors]

    def _next_from_stream(self, index):
        if not self._auto_collation:
            try:
                return next(self._dataset_iter)
            except StopIteration:
                self._ended = True
                raise
        data = []
        for _ in index:
            try:
                data.append(next(self._dataset_iter))
            except StopIteration:
                self._ended = True
                break
        if not data or (self._drop_last and len(data) < len(index)):
            self._ended = True
            raise StopIteration
        return data
