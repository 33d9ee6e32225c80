"""``chainrule moons``: micrograd's classic demo, two interleaving half circles.

scikit-learn's ``make_moons`` draws the points (seeded); a stratified 80/20 split keeps a
test set aside, and both coordinates are standardised with the training set's statistics.
A small ReLU network (2 -> H -> H -> 2) learns the curved boundary that no straight line
can draw, with cross-entropy and Adam on the whole training set at once (full-batch). The
figure shows the learned probability map with the decision boundary, and the loss curve.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import chainrule
from chainrule import nn

from ._common import add_output_options, output_dir, positive, progress
from ._datasets import Split, load_moons_split

__all__ = ["build_model"]

REPORTS = 10  # progress lines printed during training


def add_parser(commands) -> argparse.ArgumentParser:
    moons = commands.add_parser(
        "moons",
        help="train a small ReLU network on the two-moons data set",
        description="Train a 2-H-H-2 ReLU network on scikit-learn's two moons "
        "(micrograd's demo) and draw its decision boundary.",
    )
    moons.add_argument("--epochs", type=positive(int), default=300, help="default: 300")
    moons.add_argument("--lr", type=positive(float), default=0.01, help="Adam's (0.01)")
    moons.add_argument("--hidden", type=positive(int), default=16, help="units per layer (16)")
    moons.add_argument("--noise", type=_noise, default=0.1, help="noise of make_moons (0.1)")
    moons.add_argument("--samples", type=_samples, default=200, help="points in all (200)")
    moons.add_argument("--seed", type=int, default=0, help="seed of data and weights (0)")
    add_output_options(moons)
    moons.add_argument("--quiet", action="store_true", help="print only the accuracies")
    return moons


def _noise(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a float, got {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text!r}")
    return value


def _samples(text: str) -> int:
    value = positive(int)(text)
    if value < 10:  # the stratified split needs a few points of each moon in each part
        raise argparse.ArgumentTypeError(f"need at least 10 samples, got {text!r}")
    return value


def build_model(hidden: int) -> nn.Module:
    """2 -> hidden -> hidden -> 2 with ReLU: two class scores per point."""
    return nn.Sequential(
        nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 2)
    )


def run(args) -> int:
    say = (lambda *a: None) if args.quiet else print
    data = load_moons_split(args.samples, args.noise, args.seed)
    x_train, y_train = chainrule.from_numpy(data.x_train), chainrule.from_numpy(data.y_train)
    x_test, y_test = chainrule.from_numpy(data.x_test), chainrule.from_numpy(data.y_test)

    chainrule.manual_seed(args.seed)
    model = build_model(args.hidden)
    optimizer = chainrule.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()
    n_params = sum(p.numel() for p in model.parameters())
    say(
        f"Two moons: {len(data.y_train)} training and {len(data.y_test)} test points "
        f"(noise {args.noise:g}, seed {args.seed})"
    )
    say(f"Network: 2 -> {args.hidden} -> {args.hidden} -> 2 (ReLU), {n_params} parameters")
    say(f"Training: Adam (lr {args.lr:g}), cross-entropy, full batch, {args.epochs} epochs")

    losses = []
    every = max(1, args.epochs // REPORTS)
    width = len(str(args.epochs))
    began = time.perf_counter()
    for epoch in progress(range(1, args.epochs + 1), desc="Training", quiet=args.quiet):
        model.train()
        optimizer.zero_grad()
        scores = model(x_train)
        loss = loss_fn(scores, y_train)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if epoch % every == 0 or epoch == args.epochs:
            accuracy = (scores.argmax(dim=1) == y_train).float().mean().item()
            say(f"Epoch {epoch:{width}d}/{args.epochs}  loss {losses[-1]:.4f}  "
                f"train acc {100 * accuracy:.1f}%")  # fmt: skip
    say(f"Trained in {time.perf_counter() - began:.1f} s")

    train_acc = _accuracy(model, x_train, y_train)
    test_acc = _accuracy(model, x_test, y_test)
    if not args.no_plot:
        path = _write_figure(args, model, data, losses, train_acc, test_acc)
        say(f"Figure: {path}")
    print(f"Train accuracy: {100 * train_acc:.1f}%")
    print(f"Test accuracy: {100 * test_acc:.1f}%")
    return 0


def _accuracy(model, x, y) -> float:
    model.eval()
    with chainrule.no_grad():
        return (model(x).argmax(dim=1) == y).float().mean().item()


def _write_figure(args, model, data: Split, losses, train_acc, test_acc) -> Path:
    from ..viz.plots import new_figure, plot_decision_boundary, plot_loss_curve, save_figure

    def probability_of_class_1(points: np.ndarray) -> np.ndarray:
        # the grid is in the data's own coordinates; the network sees standardised ones
        with chainrule.no_grad():
            scores = model(chainrule.from_numpy(data.scaler(points)))
            return scores.softmax(dim=1)[:, 1].numpy()

    model.eval()
    fig, (left, right) = new_figure(ncols=2, size=(12.0, 4.8))
    points = np.concatenate([data.raw_train, data.raw_test])
    labels = np.concatenate([data.y_train, data.y_test])
    low, high = points.min(axis=0) - 0.4, points.max(axis=0) + 0.4
    bounds = (low[0], high[0], low[1], high[1] + 0.6)  # headroom: the legend covers no point
    plot_decision_boundary(
        left, probability_of_class_1, points, labels, bounds=bounds,
        class_names=["moon 0", "moon 1"],
        title=f"Decision boundary: train {100 * train_acc:.1f}%, test {100 * test_acc:.1f}%",
    )  # fmt: skip
    plot_loss_curve(right, losses)
    right.set_ylabel("Cross-entropy loss (log scale)")
    fig.suptitle(
        f"Two moons ({args.samples} points, noise {args.noise:g}), "
        f"2-{args.hidden}-{args.hidden}-2 ReLU network",
        fontweight="bold",
    )
    return save_figure(fig, output_dir(Path(args.out)) / f"moons.{args.format}")
