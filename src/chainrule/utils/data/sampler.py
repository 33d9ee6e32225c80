"""Samplers: the order in which a DataLoader visits a map-style dataset's indices.

``SequentialSampler`` walks ``0 .. n-1``; ``RandomSampler`` draws a fresh permutation each
epoch (or indices with replacement); ``SubsetRandomSampler`` permutes a given index list;
``WeightedRandomSampler`` draws indices with probability proportional to weights;
``BatchSampler`` groups any sampler's indices into lists. Names, arguments and errors are
PyTorch's. Random samplers take a ``chainrule.Generator``; without one they seed a private
generator from the default generator each epoch, so ``chainrule.manual_seed`` makes a run
reproducible while each epoch still gets a new order.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Generic, TypeVar

import numpy as np

from ... import _random

__all__ = [
    "Sampler",
    "SequentialSampler",
    "RandomSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
    "BatchSampler",
]

T_co = TypeVar("T_co", covariant=True)


class Sampler(Generic[T_co]):
    """The base class: subclasses implement ``__iter__`` (and ``__len__`` when they can)."""

    def __init__(self, data_source: Sized | None = None) -> None:
        pass  # PyTorch accepts (and ignores) a data_source here too

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError


def _fresh_generator() -> _random.Generator:
    """A generator seeded from the default one: reproducible after ``manual_seed``."""
    seed = int(_random.default_generator._np.integers(0, 2**63 - 1, dtype=np.int64))
    return _random.Generator().manual_seed(seed)


class SequentialSampler(Sampler[int]):
    """``0, 1, ..., len(data_source) - 1``."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """Random indices of ``data_source``.

    Without replacement: a new permutation each epoch (``num_samples`` larger than the
    dataset chains several permutations). With replacement: ``num_samples`` independent
    uniform draws.
    """

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator=None,
    ) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(
                f"replacement should be a boolean value, but got replacement={self.replacement}"
            )
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(
                "num_samples should be a positive integer value, but got "
                f"num_samples={self.num_samples}"
            )

    @property
    def num_samples(self) -> int:
        # The dataset's length may change after construction: read it each time.
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        generator = _fresh_generator() if self.generator is None else self.generator
        gen = _random._gen(generator)
        if self.replacement:
            yield from gen.integers(0, n, self.num_samples, dtype=np.int64).tolist()
            return
        for _ in range(self.num_samples // n):
            yield from gen.permutation(n).tolist()
        yield from gen.permutation(n)[: self.num_samples % n].tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given ``indices``, in a new random order each epoch."""

    def __init__(self, indices: Sequence[int], generator=None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        order = _random._gen(self.generator).permutation(len(self.indices)).tolist()
        for i in order:
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """``num_samples`` indices in ``[0, len(weights))`` with P(i) proportional to
    ``weights[i]`` (the weights need not sum to 1).

    Without replacement each index appears at most once (successive draws renormalise the
    remaining weights, as ``torch.multinomial`` does).
    """

    def __init__(
        self,
        weights: Sequence[float],
        num_samples: int,
        replacement: bool = True,
        generator=None,
    ) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(
                f"num_samples should be a positive integer value, but got num_samples={num_samples}"
            )
        if not isinstance(replacement, bool):
            raise ValueError(
                f"replacement should be a boolean value, but got replacement={replacement}"
            )
        weights_array = np.asarray(
            weights._data if hasattr(weights, "_data") else weights, dtype=np.float64
        )
        if weights_array.ndim != 1:
            raise ValueError(
                "weights should be a 1d sequence but given weights have shape "
                f"{tuple(weights_array.shape)}"
            )
        self.weights = weights_array
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def _check(self) -> None:
        """torch.multinomial's checks, made when sampling (as PyTorch does)."""
        w, n = self.weights, self.weights.shape[0]
        if not self.replacement and self.num_samples > n:
            raise RuntimeError(
                "cannot sample n_sample > prob_dist.size(-1) samples without replacement "
                f"(WeightedRandomSampler: num_samples={self.num_samples}, {n} weights)"
            )
        if not np.all(np.isfinite(w)):
            raise RuntimeError("invalid multinomial distribution (probability is inf or nan)")
        if np.any(w < 0):
            raise RuntimeError(
                "invalid multinomial distribution (encountering probability entry < 0)"
            )
        if w.sum() <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")

    def __iter__(self) -> Iterator[int]:
        self._check()
        gen = _random._gen(self.generator)
        w = self.weights
        if self.replacement:
            draws = gen.choice(w.shape[0], size=self.num_samples, p=w / w.sum())
        else:
            # Sampling without replacement, proportional to w, is an exponential race: index
            # i finishes at E_i / w_i with E_i ~ Exp(1); the first num_samples to finish win.
            # Zero weights finish last (time inf), so like PyTorch they are only drawn when
            # there are too few positive weights.
            with np.errstate(divide="ignore"):
                times = gen.standard_exponential(w.shape[0]) / w
            draws = np.argsort(times, kind="stable")[: self.num_samples]
        yield from draws.tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list[int]]):
    """Groups the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter
    unless ``drop_last``)."""

    def __init__(
        self, sampler: Sampler[int] | Iterable[int], batch_size: int, drop_last: bool
    ) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}"
            )
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        # islice takes each batch's indices from the sampler in C rather than one append
        # at a time in Python: the same lists, a fraction of the per-batch cost.
        indices = iter(self.sampler)
        while batch := list(itertools.islice(indices, self.batch_size)):
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield batch

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
