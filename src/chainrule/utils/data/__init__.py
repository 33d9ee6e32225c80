"""``chainrule.utils.data``: datasets, samplers and the DataLoader, with PyTorch's API.

>>> from chainrule.utils.data import DataLoader, TensorDataset
>>> loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
>>> for xb, yb in loader:
...     ...

Batches are loaded in the main process (``num_workers`` is accepted and ignored; see
``DataLoader``).
"""

from __future__ import annotations

from ._collate import default_collate, default_convert
from .dataloader import DataLoader, get_worker_info
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "Dataset",
    "IterableDataset",
    "TensorDataset",
    "ConcatDataset",
    "ChainDataset",
    "Subset",
    "random_split",
    "Sampler",
    "SequentialSampler",
    "RandomSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
    "BatchSampler",
    "DataLoader",
    "get_worker_info",
    "default_collate",
    "default_convert",
]
