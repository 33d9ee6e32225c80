"""DataLoader against torch.utils.data.DataLoader: batches, len, drop_last, shuffling,
iterable datasets, batch_size=None, and the argument errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import chainrule
import chainrule.utils.data as cud


def as_np(batch):
    """Batches from either library as nested lists of NumPy arrays (with dtypes)."""
    if isinstance(batch, (chainrule.Tensor, torch.Tensor)):
        return np.asarray(batch.numpy())
    if isinstance(batch, (list, tuple)):
        return [as_np(b) for b in batch]
    if isinstance(batch, dict):
        return {k: as_np(v) for k, v in batch.items()}
    return batch


def assert_batches_equal(ours, theirs):
    ours, theirs = as_np(list(ours)), as_np(list(theirs))
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert type(a) is type(b)
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_array_equal(a, b)
        elif isinstance(a, list):
            assert_batches_equal(a, b)
        else:
            assert a == b


def twin_datasets(n=10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64) % 3
    ours = cud.TensorDataset(chainrule.from_numpy(x), chainrule.from_numpy(y))
    theirs = tud.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    return ours, theirs


class Pairs(cud.Dataset):
    """A map-style dataset of (NumPy array, int, float) samples."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.full(2, i, np.float32), i, i / 2


class TorchPairs(tud.Dataset):
    __init__, __len__, __getitem__ = Pairs.__init__, Pairs.__len__, Pairs.__getitem__


@pytest.mark.parametrize("batch_size", [1, 3, 4, 10, 11])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batches_and_len_like_torch(batch_size, drop_last):
    ours, theirs = twin_datasets(10)
    a = cud.DataLoader(ours, batch_size=batch_size, drop_last=drop_last)
    b = tud.DataLoader(theirs, batch_size=batch_size, drop_last=drop_last)
    assert len(a) == len(b)
    assert_batches_equal(a, b)
    assert sum(1 for _ in a) == len(a)


@pytest.mark.parametrize("batch_size", [2, 3, 64])
def test_generic_dataset_batches_like_torch(batch_size):
    a = cud.DataLoader(Pairs(150), batch_size=batch_size)
    b = tud.DataLoader(TorchPairs(150), batch_size=batch_size)
    assert_batches_equal(a, b)


def test_tensor_dataset_fast_path_equals_default_collate():
    ours, _ = twin_datasets(9)
    order = [4, 0, 8, 2, 2]
    fast = list(cud.DataLoader(ours, batch_sampler=[order]))
    # a collate_fn that is not default_collate itself turns the gather off
    slow = list(
        cud.DataLoader(ours, batch_sampler=[order], collate_fn=lambda b: cud.default_collate(b))
    )
    assert type(fast[0]) is type(slow[0]) is list
    assert_batches_equal(fast, slow)


def test_batch_size_none_converts_each_sample_like_torch():
    a = cud.DataLoader(Pairs(3), batch_size=None)
    b = tud.DataLoader(TorchPairs(3), batch_size=None)
    assert len(a) == len(b) == 3
    assert_batches_equal(a, b)


def test_custom_collate_sampler_and_batch_sampler():
    ours, theirs = twin_datasets(10)
    collate = lambda batch: len(batch)
    assert list(cud.DataLoader(ours, batch_size=4, collate_fn=collate)) == [4, 4, 2]
    order = [9, 1, 5]
    assert_batches_equal(
        cud.DataLoader(ours, sampler=order, batch_size=2),
        tud.DataLoader(theirs, sampler=order, batch_size=2),
    )
    batches = [[0, 1], [7], [3, 3, 3]]
    a = cud.DataLoader(ours, batch_sampler=batches)
    assert len(a) == 3
    assert_batches_equal(a, tud.DataLoader(theirs, batch_sampler=batches))


def test_num_workers_gives_the_same_batches():
    ours, _ = twin_datasets(10)
    plain = list(cud.DataLoader(ours, batch_size=3))
    workers = cud.DataLoader(ours, batch_size=3, num_workers=4, persistent_workers=True)
    assert workers.prefetch_factor == 2
    assert_batches_equal(workers, plain)


# ---------------------------------------------------------------- shuffling
def epoch_order(loader):
    return [int(i) for xb, yb in loader for i in (xb[:, 0] / 3).tolist()]


def test_shuffle_covers_each_index_once_and_epochs_differ():
    ours, _ = twin_datasets(20)
    loader = cud.DataLoader(
        ours, batch_size=6, shuffle=True, generator=chainrule.Generator().manual_seed(0)
    )
    first, second = epoch_order(loader), epoch_order(loader)
    assert sorted(first) == sorted(second) == list(range(20))
    assert first != second and first != list(range(20))


def test_shuffle_same_seed_same_order():
    ours, _ = twin_datasets(20)

    def run(seed):
        g = chainrule.Generator().manual_seed(seed)
        loader = cud.DataLoader(ours, batch_size=5, shuffle=True, generator=g)
        return [epoch_order(loader) for _ in range(2)]

    assert run(1) == run(1)
    assert run(1) != run(2)


def test_shuffle_without_generator_follows_manual_seed():
    ours, _ = twin_datasets(20)
    loader = cud.DataLoader(ours, batch_size=5, shuffle=True)
    chainrule.manual_seed(7)
    a = [epoch_order(loader), epoch_order(loader)]
    chainrule.manual_seed(7)
    assert [epoch_order(loader), epoch_order(loader)] == a
    assert a[0] != a[1]


# ---------------------------------------------------------------- iterable datasets
class Stream(cud.IterableDataset):
    def __init__(self, n, with_len=True):
        self.n, self.with_len = n, with_len

    def __iter__(self):
        return ({"x": np.float32(i), "i": i} for i in range(self.n))

    def __len__(self):
        if not self.with_len:
            raise TypeError("object of type 'Stream' has no len()")
        return self.n


class TorchStream(tud.IterableDataset):
    __init__, __iter__, __len__ = Stream.__init__, Stream.__iter__, Stream.__len__


@pytest.mark.parametrize("batch_size", [None, 1, 3, 7, 8])
@pytest.mark.parametrize("drop_last", [False, True])
def test_iterable_dataset_like_torch(batch_size, drop_last):
    if batch_size is None and drop_last:
        return
    a = cud.DataLoader(Stream(7), batch_size=batch_size, drop_last=drop_last)
    b = tud.DataLoader(TorchStream(7), batch_size=batch_size, drop_last=drop_last)
    assert len(a) == len(b)
    ours, theirs = list(a), list(b)
    assert len(ours) == len(theirs)
    for x, y in zip(ours, theirs):
        assert list(x) == list(y)
        for k in x:
            assert_batches_equal([x[k]], [y[k]])


def test_iterable_dataset_without_len():
    loader = cud.DataLoader(Stream(5, with_len=False), batch_size=2)
    assert [len(batch["i"]) for batch in loader] == [2, 2, 1]
    raises_like(
        lambda: len(tud.DataLoader(TorchStream(5, with_len=False), batch_size=2)),
        lambda: len(loader),
    )


# ---------------------------------------------------------------- argument errors
def raises_like(torch_call, chainrule_call):
    with pytest.raises(Exception) as want:
        torch_call()
    with pytest.raises(want.type) as got:
        chainrule_call()
    assert str(got.value) == str(want.value)


BAD_ARGUMENTS = [
    dict(sampler=[0, 1], shuffle=True),
    dict(batch_sampler=[[0]], batch_size=2),
    dict(batch_sampler=[[0]], shuffle=True),
    dict(batch_sampler=[[0]], sampler=[0]),
    dict(batch_sampler=[[0]], drop_last=True),
    dict(batch_size=None, drop_last=True),
    dict(batch_size=0),
    dict(batch_size=-2),
    dict(num_workers=-1),
    dict(timeout=-1),
    dict(prefetch_factor=2),
    dict(persistent_workers=True),
    dict(num_workers=2, prefetch_factor=-1),
]


@pytest.mark.parametrize("kwargs", BAD_ARGUMENTS, ids=lambda k: ",".join(k))
def test_argument_errors_like_torch(kwargs):
    ours, theirs = twin_datasets(4)
    raises_like(lambda: tud.DataLoader(theirs, **kwargs), lambda: cud.DataLoader(ours, **kwargs))


@pytest.mark.parametrize(
    "kwargs", [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])], ids=str
)
def test_iterable_dataset_argument_errors_like_torch(kwargs):
    raises_like(
        lambda: tud.DataLoader(TorchStream(3), **kwargs),
        lambda: cud.DataLoader(Stream(3), **kwargs),
    )


@pytest.mark.parametrize("attr", ["batch_size", "sampler", "drop_last", "dataset"])
def test_attributes_frozen_after_init_like_torch(attr):
    ours, theirs = twin_datasets(4)
    a, b = cud.DataLoader(ours), tud.DataLoader(theirs)
    raises_like(lambda: setattr(b, attr, 2), lambda: setattr(a, attr, 2))
    a.collate_fn = cud.default_convert  # other attributes may change
