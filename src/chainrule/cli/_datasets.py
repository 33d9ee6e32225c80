"""The demos' data sets: scikit-learn's bundled 8x8 digits and its two moons.

Both come from scikit-learn (the ``datasets`` extra), imported only when a demo runs, and
neither needs a download: ``load_digits`` reads a file shipped inside scikit-learn and
``make_moons`` draws points. Each set is split into training and test parts by a seeded,
stratified permutation (every class keeps its share in both parts), and standardised with
the *training* part's mean and spread, so that nothing about the test points leaks into
training.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._optional import require

__all__ = [
    "Split",
    "Standardizer",
    "stratified_split",
    "load_digits_split",
    "load_moons_split",
]


@dataclass(frozen=True)
class Standardizer:
    """x -> (x - mean) / std, per feature, with statistics taken from the training set.

    A feature that is constant in the training set (the digits' always-blank corner pixels)
    gets std 1, so it maps to zero instead of dividing by zero.
    """

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, x: np.ndarray) -> Standardizer:
        std = x.std(axis=0)
        return cls(mean=x.mean(axis=0), std=np.where(std > 0, std, 1.0))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.std).astype(np.float32)


@dataclass(frozen=True)
class Split:
    """A data set split in two: standardised float32 inputs, int64 labels.

    ``raw_train`` / ``raw_test`` keep the inputs as loaded (digit images with values 0-16,
    moon points in their own coordinates) for the figures; ``scaler`` maps raw inputs to
    the model's inputs (a decision-boundary plot feeds it grid points).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    raw_train: np.ndarray
    raw_test: np.ndarray
    scaler: Standardizer


def stratified_split(
    labels: np.ndarray, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test), each sorted: a seeded permutation of each class, whose first
    ``round(test_fraction * class size)`` members go to the test part."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction}")
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        n_test = int(round(test_fraction * len(members)))
        test.append(members[:n_test])
        train.append(members[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def _split(raw: np.ndarray, labels: np.ndarray, test_fraction: float, seed: int) -> Split:
    train, test = stratified_split(labels, test_fraction, seed)
    flat = raw.reshape(len(raw), -1).astype(np.float64)
    scaler = Standardizer.fit(flat[train])
    return Split(
        x_train=scaler(flat[train]),
        y_train=labels[train].astype(np.int64),
        x_test=scaler(flat[test]),
        y_test=labels[test].astype(np.int64),
        raw_train=raw[train],
        raw_test=raw[test],
        scaler=scaler,
    )


def load_digits_split(seed: int, test_fraction: float = 0.2) -> Split:
    """scikit-learn's 1,797 8x8 digit images (values 0-16), split and standardised per pixel.

    ``x_*`` are rows of 64 standardised pixels; ``raw_*`` the images, shape (N, 8, 8).
    """
    datasets = require("sklearn.datasets", "chainrule digits")
    digits = datasets.load_digits()
    return _split(digits.images, digits.target, test_fraction, seed)


def load_moons_split(n_samples: int, noise: float, seed: int, test_fraction: float = 0.2) -> Split:
    """scikit-learn's two interleaving half circles, ``make_moons(n_samples, noise=noise,
    random_state=seed)``, split and standardised per coordinate."""
    datasets = require("sklearn.datasets", "chainrule moons")
    points, labels = datasets.make_moons(n_samples, noise=noise, random_state=seed)
    return _split(points, labels, test_fraction, seed)
