"""Datasets, random_split and samplers against torch.utils.data (values, lengths, errors)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import chainrule
import chainrule.utils.data as cud


def raises_like(torch_call, chainrule_call):
    """Both calls fail, with the same exception type; returns (torch's, chainrule's)."""
    with pytest.raises(Exception) as want:
        torch_call()
    with pytest.raises(want.type) as got:
        chainrule_call()
    return want.value, got.value


# ---------------------------------------------------------------- datasets
def test_tensor_dataset_items_and_len():
    x = chainrule.arange(12.0).reshape(4, 3)
    y = chainrule.tensor([0, 1, 0, 1])
    ds = cud.TensorDataset(x, y)
    assert len(ds) == 4
    xi, yi = ds[2]
    np.testing.assert_array_equal(xi.numpy(), [6.0, 7.0, 8.0])
    assert yi.item() == 0
    assert ds.tensors[0] is x


def test_tensor_dataset_size_mismatch_like_torch():
    want, got = raises_like(
        lambda: tud.TensorDataset(torch.zeros(3), torch.zeros(4)),
        lambda: cud.TensorDataset(chainrule.zeros(3), chainrule.zeros(4)),
    )
    assert str(got).startswith(str(want))  # "Size mismatch between tensors", then the sizes


def test_subset_and_list_indexing():
    ds = cud.TensorDataset(chainrule.arange(10) * 10)
    sub = cud.Subset(ds, [7, 2, 5])
    assert len(sub) == 3
    assert sub[0][0].item() == 70 and sub[-1][0].item() == 50
    assert [sample[0].item() for sample in sub.__getitems__([0, 2])] == [70, 50]


@pytest.mark.parametrize("idx", [0, 2, 3, 6, 8, -1, -4, -9])
def test_concat_dataset_indexing_like_torch(idx):
    parts = [list(range(3)), list(range(10, 14)), list(range(20, 22))]
    ours, theirs = cud.ConcatDataset(parts), tud.ConcatDataset(parts)
    assert len(ours) == len(theirs) == 9
    assert ours[idx] == theirs[idx]
    assert ours.cumulative_sizes == theirs.cumulative_sizes


@pytest.mark.parametrize("idx", [-10, 9])
def test_concat_dataset_out_of_range_like_torch(idx):
    parts = [list(range(3)), list(range(6))]
    raises_like(lambda: tud.ConcatDataset(parts)[idx], lambda: cud.ConcatDataset(parts)[idx])


def test_concat_dataset_errors_like_torch():
    raises_like(lambda: tud.ConcatDataset([]), lambda: cud.ConcatDataset([]))

    class TorchStream(tud.IterableDataset):
        def __iter__(self):
            return iter([])

    class Stream(cud.IterableDataset):
        def __iter__(self):
            return iter([])

    raises_like(lambda: tud.ConcatDataset([TorchStream()]), lambda: cud.ConcatDataset([Stream()]))


def test_dataset_add_and_abstract_getitem():
    a = cud.TensorDataset(chainrule.arange(2))
    b = cud.TensorDataset(chainrule.arange(3))
    joined = a + b
    assert isinstance(joined, cud.ConcatDataset) and len(joined) == 5
    assert joined[4][0].item() == 2
    raises_like(lambda: tud.Dataset()[0], lambda: cud.Dataset()[0])


def test_chain_dataset_streams_in_order():
    class Stream(cud.IterableDataset):
        def __init__(self, items):
            self.items = items

        def __iter__(self):
            return iter(self.items)

        def __len__(self):
            return len(self.items)

    chained = Stream([1, 2]) + Stream([3])
    assert isinstance(chained, cud.ChainDataset)
    assert list(chained) == [1, 2, 3] and len(chained) == 3


# ---------------------------------------------------------------- random_split
@pytest.mark.parametrize(
    "n, lengths",
    [
        (10, [0.33, 0.33, 0.34]),
        (7, [0.1, 0.2, 0.7]),
        (100, [0.8, 0.1, 0.1]),
        (11, [0.5, 0.5]),
        (5, [0.25, 0.25, 0.25, 0.25]),
        (10, [3, 7]),
        (10, [0, 10]),
    ],
)
def test_random_split_lengths_like_torch(n, lengths):
    ours = cud.random_split(range(n), lengths, generator=chainrule.Generator().manual_seed(0))
    theirs = tud.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    indices = sorted(i for s in ours for i in s)
    assert indices == list(range(n))  # a partition of the dataset


def test_random_split_is_reproducible_and_random():
    def split(seed):
        parts = cud.random_split(range(50), [25, 25], chainrule.Generator().manual_seed(seed))
        return [list(p) for p in parts]

    assert split(3) == split(3)
    assert split(3) != split(4)
    chainrule.manual_seed(5)
    first = [list(p) for p in cud.random_split(range(50), [0.5, 0.5])]
    chainrule.manual_seed(5)
    assert first == [list(p) for p in cud.random_split(range(50), [0.5, 0.5])]


@pytest.mark.parametrize("lengths", [[3, 3], [0.5, 0.6, -0.1], [1.5, -0.5], [0.5, 0.4]], ids=str)
def test_random_split_errors_like_torch(lengths):
    want, got = raises_like(
        lambda: tud.random_split(range(10), lengths), lambda: cud.random_split(range(10), lengths)
    )
    assert str(got).startswith(str(want))


def test_random_split_warns_about_empty_split():
    with pytest.warns(UserWarning, match="Length of split at index 2 is 0"):
        cud.random_split(range(2), [0.5, 0.5, 0.0])


# ---------------------------------------------------------------- samplers
def test_sequential_and_batch_sampler_like_torch():
    for drop_last in (False, True):
        ours = cud.BatchSampler(cud.SequentialSampler(range(10)), 3, drop_last)
        theirs = tud.BatchSampler(tud.SequentialSampler(range(10)), 3, drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.BatchSampler(range(3), 0, False),
        lambda m: m.BatchSampler(range(3), True, False),
        lambda m: m.BatchSampler(range(3), 2, 1),
        lambda m: m.RandomSampler(range(3), replacement=1),
        lambda m: m.RandomSampler(range(3), num_samples=0),
        lambda m: m.RandomSampler([]),
        lambda m: m.WeightedRandomSampler([1.0, 2.0], 0),
        lambda m: m.WeightedRandomSampler([1.0, 2.0], 2, replacement=1),
        lambda m: m.WeightedRandomSampler([[1.0, 2.0]], 2),
        lambda m: list(m.WeightedRandomSampler([1.0, 2.0], 3, replacement=False)),
        lambda m: list(m.WeightedRandomSampler([1.0, -2.0], 3)),
        lambda m: list(m.WeightedRandomSampler([0.0, 0.0], 3)),
    ],
)
def test_sampler_errors_like_torch(make):
    raises_like(lambda: make(tud), lambda: make(cud))


def test_random_sampler_permutations_and_replacement():
    g = chainrule.Generator().manual_seed(0)
    sampler = cud.RandomSampler(range(20), generator=g)
    first, second = list(sampler), list(sampler)
    assert sorted(first) == sorted(second) == list(range(20))
    assert first != second  # a new order each epoch
    long = list(cud.RandomSampler(range(5), num_samples=12, generator=g))
    assert len(long) == 12 and sorted(long[:10]) == sorted(list(range(5)) * 2)
    draws = list(cud.RandomSampler(range(4), replacement=True, num_samples=4000, generator=g))
    assert len(draws) == 4000 and set(draws) == {0, 1, 2, 3}
    counts = np.bincount(draws, minlength=4)
    assert np.all(np.abs(counts - 1000) < 150)


def test_random_sampler_without_generator_follows_manual_seed():
    chainrule.manual_seed(11)
    a = list(cud.RandomSampler(range(30)))
    chainrule.manual_seed(11)
    assert list(cud.RandomSampler(range(30))) == a


def test_subset_random_sampler_permutes_the_indices():
    indices = [3, 9, 4, 100]
    sampler = cud.SubsetRandomSampler(indices, generator=chainrule.Generator().manual_seed(1))
    assert len(sampler) == 4 and sorted(sampler) == sorted(indices)


def test_weighted_random_sampler_frequencies():
    g = chainrule.Generator().manual_seed(0)
    weights = [0.0, 1.0, 3.0]
    draws = list(cud.WeightedRandomSampler(weights, 8000, generator=g))
    counts = np.bincount(draws, minlength=3)
    assert counts[0] == 0
    assert abs(counts[2] / counts[1] - 3.0) < 0.3
    # without replacement: distinct indices, heavy weights first more often
    firsts = [
        list(cud.WeightedRandomSampler([1.0, 1.0, 8.0], 3, replacement=False, generator=g))
        for _ in range(300)
    ]
    assert all(sorted(f) == [0, 1, 2] for f in firsts)
    assert sum(f[0] == 2 for f in firsts) > 200  # P = 0.8
    # zero weights come last, as torch.multinomial does when positives run out
    assert list(cud.WeightedRandomSampler([0.0, 1.0], 2, replacement=False))[0] == 1


def test_sampler_base_is_abstract():
    raises_like(lambda: iter(tud.Sampler()), lambda: iter(cud.Sampler()))
