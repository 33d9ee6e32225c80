"""nn.functional: the loss functions, PyTorch's names, signatures and defaults.

Every loss takes ``reduction='none' | 'mean' | 'sum'`` (and the deprecated
``size_average``/``reduce`` flags where PyTorch still does). They live in three files by
kind; see each for the maths:

- ``_loss_regression.py``: mse_loss, l1_loss, smooth_l1_loss, huber_loss, kl_div,
  poisson_nll_loss, gaussian_nll_loss
- ``_loss_classification.py``: nll_loss, cross_entropy, binary_cross_entropy,
  binary_cross_entropy_with_logits
- ``_loss_margin.py``: cosine_embedding_loss, margin_ranking_loss, hinge_embedding_loss,
  soft_margin_loss, triplet_margin_loss, multi_margin_loss
"""

from __future__ import annotations

from ._loss_classification import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    nll_loss,
)
from ._loss_margin import (
    cosine_embedding_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multi_margin_loss,
    soft_margin_loss,
    triplet_margin_loss,
)
from ._loss_regression import (
    gaussian_nll_loss,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    poisson_nll_loss,
    smooth_l1_loss,
)

__all__ = [
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "nll_loss",
    "kl_div",
    "cosine_embedding_loss",
    "margin_ranking_loss",
    "soft_margin_loss",
    "hinge_embedding_loss",
    "poisson_nll_loss",
    "gaussian_nll_loss",
    "triplet_margin_loss",
    "multi_margin_loss",
]
