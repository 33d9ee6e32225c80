"""``chainrule xor``: the seed tutorial's XOR experiment, its figures, and the PyTorch check.

By default the run is the tutorial's, step for step: a 2-4-1 sigmoid network whose weights
are drawn from NumPy's seeded legacy stream as ``randn(fan_in, fan_out) * sqrt(1 / fan_in)``
(zero biases), float32 throughout, mean squared error and plain gradient descent (lr 1.0) on
the four XOR points. It prints the tutorial's own numbers (``Epoch 200/2000, Loss: 0.249160``).
The network is built from chainrule's own pieces (``nn.Linear``, ``nn.MSELoss``,
``optim.SGD``); that gives bit-for-bit the losses of the tutorial's hand-written ``x @ W + b``.

The comparison with PyTorch is a controlled experiment: the same network is built in PyTorch,
loaded with the *same* initial weights (copied arrays) and trained on the same data by the
same loop (``_fit`` is handed either ``chainrule`` or ``torch``: the API is the same), so any
difference between the two loss curves is the two libraries' arithmetic, nothing else.
"""

from __future__ import annotations

import argparse
import sys
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import chainrule

from .._optional import available, require
from ..viz.gradflow import GradFlowRecorder
from ..viz.plots import (
    new_figure,
    plot_decision_boundary,
    plot_loss_curve,
    plot_loss_difference,
    save_figure,
)
from ._common import add_output_options, output_dir, positive, progress

__all__ = [
    "XorConfig",
    "XorRun",
    "TorchComparison",
    "build_xor_model",
    "xor_data",
    "train",
    "compare_with_torch",
    "run_xor",
]

XOR_INPUTS = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
XOR_TARGETS = [[0.0], [1.0], [1.0], [0.0]]
RULE = "=" * 50
ACTIVATIONS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU"}  # nn class names
OPTIMIZERS = {"sgd": "SGD", "adam": "Adam"}  # optim class names
DEFAULT_LR = {"sgd": 1.0, "adam": 0.05}
TOLERANCE = 1e-4  # the largest loss or parameter difference from PyTorch that passes
BOUNDS = (-0.5, 1.5, -0.5, 1.5)  # the tutorial's decision-boundary window
PRINT_EVERY = 200
PROGRESS_FROM = 5000  # epochs; shorter runs take a second or two, a bar would only flicker


@dataclass(frozen=True)
class XorConfig:
    """One XOR experiment. ``lr=None`` means the optimizer's default (``DEFAULT_LR``)."""

    epochs: int = 2000
    lr: float | None = None
    hidden: int = 4
    activation: str = "sigmoid"
    optimizer: str = "sgd"
    init: str = "tutorial"
    seed: int = 42

    @property
    def learning_rate(self) -> float:
        return DEFAULT_LR[self.optimizer] if self.lr is None else self.lr

    def is_tutorials(self) -> bool:
        """Whether the network and its training are the tutorial's kind (any size, lr, seed)."""
        return (self.activation, self.optimizer, self.init) == ("sigmoid", "sgd", "tutorial")

    def describe(self) -> str:
        return (
            f"{self.activation} hidden layer, {OPTIMIZERS[self.optimizer]} "
            f"(lr {self.learning_rate:g}), {self.init} init (seed {self.seed})"
        )


@dataclass
class XorRun:
    """What a training run leaves behind, for the report, the figures and the comparison."""

    config: XorConfig
    model: chainrule.nn.Module
    initial_state: dict[str, np.ndarray]
    losses: np.ndarray
    predictions: np.ndarray
    grad_flow: GradFlowRecorder | None = None

    @property
    def correct(self) -> np.ndarray:
        return np.round(self.predictions) == np.asarray(XOR_TARGETS, dtype=np.float32)[:, 0]

    @property
    def accuracy(self) -> float:
        return float(self.correct.mean())


def xor_data(lib=chainrule):
    """The four XOR points and their targets as float32 tensors of ``lib`` (chainrule/torch)."""
    return lib.tensor(XOR_INPUTS), lib.tensor(XOR_TARGETS)


def _sequential(lib, hidden: int, activation: str):
    """2 -> hidden -> 1 with the given hidden activation and a sigmoid output, in ``lib``."""
    nn = lib.nn
    act1 = getattr(nn, ACTIVATIONS[activation])()
    layers = dict(fc1=nn.Linear(2, hidden), act1=act1, fc2=nn.Linear(hidden, 1), act2=nn.Sigmoid())
    return nn.Sequential(OrderedDict(layers))


def build_xor_model(
    hidden: int = 4, activation: str = "sigmoid", init: str = "tutorial", seed: int = 42
) -> chainrule.nn.Module:
    """The XOR network (``fc1``, ``act1``, ``fc2``, ``act2``), initialised.

    ``init="tutorial"``: the tutorial's weights (``_init_params``: W1 then W2 drawn as
    ``randn(fan_in, fan_out) * sqrt(1 / fan_in)``, biases zero) without touching NumPy's
    global state. ``init="torch"``: PyTorch's default init from ``chainrule.manual_seed``.
    """
    if init not in ("tutorial", "torch"):
        raise ValueError(f"build_xor_model: init must be 'tutorial' or 'torch', got {init!r}")
    if init == "torch":
        chainrule.manual_seed(seed)
    model = _sequential(chainrule, hidden, activation)
    if init == "tutorial":
        w1, b1, w2, b2 = _init_params([2, hidden, 1], seed)
        with chainrule.no_grad():
            # the tutorial computes x @ W with W (fan_in, fan_out); Linear does x @ weight.T
            for layer, w, b in ((model.fc1, w1, b1), (model.fc2, w2, b2)):
                layer.weight.copy_(w.t())
                layer.bias.copy_(b.reshape(-1))
    return model


def _init_params(sizes: list[int], seed: int) -> list[chainrule.Tensor]:
    """The tutorial's explicit parameters [W1, b1, W2, b2, ...], W of shape (fan_in, fan_out),
    from ``RandomState(seed)``, the stream the tutorial's ``np.random.seed(seed)`` seeds."""
    rng = np.random.RandomState(seed)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        w = rng.randn(fan_in, fan_out) * np.sqrt(1.0 / fan_in)
        params.append(chainrule.tensor(w.astype(np.float32), requires_grad=True))
        params.append(chainrule.tensor(np.zeros((1, fan_out), np.float32), requires_grad=True))
    return params


def _forward(params: list[chainrule.Tensor], x: chainrule.Tensor) -> chainrule.Tensor:
    """The tutorial's forward pass: each layer is sigmoid(x @ W + b), the output included."""
    for w, b in zip(params[0::2], params[1::2]):
        x = (x @ w + b).sigmoid()
    return x


def _state_arrays(model) -> dict[str, np.ndarray]:
    return {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


def _optimizer(lib, model, config: XorConfig):
    return getattr(lib.optim, OPTIMIZERS[config.optimizer])(
        model.parameters(), lr=config.learning_rate
    )


def _fit(lib, model, optimizer, steps, after_backward=None) -> np.ndarray:
    """The training loop, for ``lib`` = chainrule or torch: one MSE step per epoch.

    The loss is recorded before the step, as the tutorial does; ``after_backward(epoch,
    loss)`` sees the gradients before the optimizer uses them.
    """
    x, y = xor_data(lib)
    loss_fn = lib.nn.MSELoss()
    losses = []
    for epoch in steps:
        loss = loss_fn(model(x), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        if after_backward is not None:
            after_backward(epoch, losses[-1])
        optimizer.step()
    return np.array(losses)


def _epochs(config: XorConfig, desc: str, quiet: bool):
    steps = range(1, config.epochs + 1)
    if config.epochs < PROGRESS_FROM:
        return steps
    return progress(steps, total=config.epochs, desc=desc, quiet=quiet, unit="epoch")


def train(config: XorConfig, *, say=print, grad_flow: bool = False) -> XorRun:
    """Build, train and evaluate the chainrule network; ``say`` (None: silent) gets the
    tutorial's header and progress lines. ``grad_flow`` records the gradients every epoch."""
    model = build_xor_model(config.hidden, config.activation, config.init, config.seed)
    sizes = [2, config.hidden, 1]
    if say is not None:
        say(f"Network architecture: {' -> '.join(map(str, sizes))}")
        say(f"Total parameters: {sum(p.numel() for p in model.parameters())}")
        if not config.is_tutorials():
            say(f"Setup: {config.describe()}")
        say(f"\nTraining started...\n{RULE}")
    initial_state = _state_arrays(model)
    recorder = GradFlowRecorder(model) if grad_flow else None
    steps = _epochs(config, "chainrule", quiet=say is None)
    write = getattr(steps, "write", say)  # tqdm.write keeps the bar under the printed lines

    def after_backward(epoch: int, loss: float) -> None:
        if recorder is not None:
            recorder.record()
        if say is not None and epoch % PRINT_EVERY == 0:
            write(f"Epoch {epoch}/{config.epochs}, Loss: {loss:.6f}")

    losses = _fit(chainrule, model, _optimizer(chainrule, model, config), steps, after_backward)
    with chainrule.no_grad():
        predictions = model(xor_data()[0]).numpy()[:, 0]
    return XorRun(config, model, initial_state, losses, predictions, recorder)


def _report(result: XorRun, say) -> None:
    """The tutorial's results table (if ``say``), then the accuracy and final loss (always)."""
    if say is not None:
        say(f"\nFinal Results:\n{RULE}")
        inputs = np.asarray(XOR_INPUTS, dtype=np.float32)
        targets = np.asarray(XOR_TARGETS, dtype=np.float32)[:, 0]
        for xi, p, t, ok in zip(inputs, result.predictions, targets, result.correct):
            say(f"Input: {xi} | Predicted: {p:.4f} | True: {t:.0f} | {'✓' if ok else '✗'}")
        say()
    print(f"Accuracy: {result.accuracy * 100:.1f}%")
    print(f"Final loss: {result.losses[-1]:.6f}")


def run_xor(
    epochs: int = 2000, lr: float = 1.0, hidden: int = 4, seed: int = 42, quiet: bool = False
) -> float:
    """Train on XOR, printing as the tutorial does; returns the accuracy in [0, 1]."""
    result = train(XorConfig(epochs, lr, hidden, seed=seed), say=None if quiet else print)
    _report(result, None if quiet else print)
    return result.accuracy


# ------------------------------------------------------------------------ the PyTorch twin
@dataclass
class TorchComparison:
    """The PyTorch run's losses and the largest differences from chainrule's run.

    They agree when the loss curves differ by less than ``TOLERANCE`` at every epoch and the
    final parameters by less than ``TOLERANCE`` times their scale (the largest |parameter|,
    at least 1: float32 rounding is relative to the size of the numbers).
    """

    losses: np.ndarray
    loss_difference: float  # max over epochs of |chainrule loss - PyTorch loss|
    parameter_difference: float  # max over all final parameters' entries
    parameter_scale: float = 1.0

    @property
    def agrees(self) -> bool:
        relative = self.parameter_difference / max(1.0, self.parameter_scale)
        return max(self.loss_difference, relative) < TOLERANCE


def compare_with_torch(result: XorRun, *, quiet: bool = False) -> TorchComparison:
    """Train the same network in PyTorch from ``result``'s initial weights; compare."""
    torch = require("torch", "the PyTorch comparison (--compare-torch)")
    config = result.config
    model = _sequential(torch, config.hidden, config.activation)
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in result.initial_state.items()})
    losses = _fit(torch, model, _optimizer(torch, model, config), _epochs(config, "PyTorch", quiet))
    ours, theirs = _state_arrays(result.model), _state_arrays(model)
    parameter_difference = max(float(np.abs(ours[k] - theirs[k]).max()) for k in ours)
    scale = max(float(np.abs(v).max()) for v in ours.values())
    loss_difference = float(np.abs(result.losses - losses).max())
    return TorchComparison(losses, loss_difference, parameter_difference, scale)


def _report_comparison(result: XorRun, comparison: TorchComparison, say) -> None:
    if say is not None:
        say(f"\nComparison with PyTorch (same initial weights, data and optimizer):\n{RULE}")
        say(f"chainrule final loss: {result.losses[-1]:.6f}")
        say(f"PyTorch final loss:   {comparison.losses[-1]:.6f}")
        epochs = len(result.losses)
        say(f"Max |loss difference| over {epochs} epochs: {comparison.loss_difference:.1e}")
        say(f"Max |parameter difference| after training: {comparison.parameter_difference:.1e}")
    if comparison.agrees:
        if say is not None:
            say(f"✓ chainrule and PyTorch agree to within {TOLERANCE:.0e}")
        return
    print(
        f"chainrule xor: chainrule and PyTorch differ by more than {TOLERANCE:.0e} (loss "
        f"{comparison.loss_difference:.1e}, parameters {comparison.parameter_difference:.1e}). "
        "Where the gradient is zero up to rounding (a plateau, a dead unit), an optimizer "
        "like Adam rescales that noise into full-size steps and the runs part ways; the "
        "xor_vs_torch figure shows where.",
        file=sys.stderr,
    )


# ------------------------------------------------------------------------------- figures
def _figure_xor(result: XorRun, path: Path) -> Path:
    """The tutorial's Part 7: loss curve (log scale) and decision boundary, side by side."""
    fig, (left, right) = new_figure(ncols=2, size=(12, 4.8))
    plot_loss_curve(left, result.losses, label="training loss")
    left.set_ylabel("Loss (MSE, log scale)")
    left.set_title("Training loss over time", fontweight="bold")

    def predict(points: np.ndarray) -> np.ndarray:
        with chainrule.no_grad():
            return result.model(chainrule.tensor(points)).numpy()[:, 0]

    labels = np.asarray(XOR_TARGETS)[:, 0].astype(int)
    plot_decision_boundary(
        right, predict, np.asarray(XOR_INPUTS), labels, bounds=BOUNDS,
        title="Decision boundary (XOR)", class_names=["XOR = 0", "XOR = 1"],
    )  # fmt: skip
    fig.suptitle(_headline(result), fontsize=12)
    return save_figure(fig, path)


def _headline(result: XorRun) -> str:
    sizes = f"2-{result.config.hidden}-1"
    return (
        f"chainrule xor: {sizes}, {result.config.describe()}, {len(result.losses)} epochs; "
        f"accuracy {result.accuracy:.0%}, final loss {result.losses[-1]:.6f}"
    )


def _figure_comparison(result: XorRun, comparison: TorchComparison, path: Path) -> Path:
    """Both loss curves overlaid, and their absolute difference per epoch."""
    fig, (left, right) = new_figure(ncols=2, size=(12, 4.8))
    plot_loss_curve(left, result.losses, label="chainrule")
    torch_line = plot_loss_curve(left, comparison.losses, label="PyTorch")
    torch_line.set(linestyle="--", color="black", linewidth=1.5)
    left.legend()
    left.set_ylabel("Loss (MSE, log scale)")
    left.set_title("Loss curves from the same initial weights", fontweight="bold")

    plot_loss_difference(
        right, result.losses, comparison.losses, label="|chainrule − PyTorch|", tolerance=TOLERANCE
    )
    fig.suptitle(
        f"chainrule vs PyTorch: max |loss difference| {comparison.loss_difference:.1e}, "
        f"max |parameter difference| {comparison.parameter_difference:.1e}",
        fontsize=12,
    )
    return save_figure(fig, path)


def _report_grad_norms(result: XorRun, say) -> None:
    last = len(result.losses)
    say(f"\nGradient norms (L2), epoch 1 -> epoch {last}:\n{RULE}")
    for name, norms in result.grad_flow.history.items():
        say(f"{name:<12} {norms[0]:.3e} -> {norms[-1]:.3e}")


# ---------------------------------------------------------------------------------- CLI
def _seed(text: str) -> int:
    value = int(text)  # argparse turns a ValueError into "invalid _seed value: ..."
    if not 0 <= value < 2**32:  # what NumPy's RandomState accepts
        raise argparse.ArgumentTypeError(f"must be in [0, 2**32), got {text!r}")
    return value


HELP = {
    "activation": "hidden-layer activation; the output is a sigmoid (default: sigmoid)",
    "init": "tutorial: randn(fan_in, fan_out) * sqrt(1/fan_in) from NumPy's seed; torch: "
    "PyTorch's default initialisation from chainrule.manual_seed (default: tutorial)",
    "compare": "train the same network in PyTorch from the same initial weights and compare "
    "(default: on when PyTorch is installed)",
    "grad_flow": "record each parameter's gradient norm every epoch and plot it",
}


def add_parser(commands) -> argparse.ArgumentParser:
    xor = commands.add_parser(
        "xor",
        help="train the tutorial's 2-4-1 sigmoid network on XOR, plot it, compare with PyTorch",
        description="Train the tutorial's network on XOR, draw its loss curve and decision "
        "boundary, and check it against PyTorch trained from the same initial weights.",
    )
    arg = xor.add_argument
    arg("--epochs", type=positive(int), default=2000, help="default: 2000")
    arg("--lr", type=positive(float), help="default: 1.0 for sgd, 0.05 for adam")
    arg("--hidden", type=positive(int), default=4, help="hidden units (default: 4)")
    arg("--activation", choices=tuple(ACTIVATIONS), default="sigmoid", help=HELP["activation"])
    arg("--optimizer", choices=tuple(OPTIMIZERS), default="sgd", help="default: sgd")
    arg("--init", choices=("tutorial", "torch"), default="tutorial", help=HELP["init"])
    arg("--seed", type=_seed, default=42, help="random seed (default: 42)")
    add_output_options(xor)
    arg("--quiet", action="store_true", help="print only the final accuracy and loss")
    arg("--compare-torch", action=argparse.BooleanOptionalAction, help=HELP["compare"])
    arg("--grad-flow", action="store_true", help=HELP["grad_flow"])
    xor.set_defaults(parser=xor)  # run() reports a missing extra as a usage error
    return xor


def _extras(args) -> tuple[bool, bool]:
    """Whether to compare with PyTorch and whether to plot, given what is installed."""
    compare = available("torch") if args.compare_torch is None else args.compare_torch
    if compare and not available("torch"):  # asked for explicitly: a usage error (status 2)
        try:
            require("torch", "--compare-torch")
        except ImportError as err:
            args.parser.error(str(err))
    plot = not args.no_plot and available("matplotlib")
    if not args.no_plot and not plot:
        hint = 'install it with: pip install "chainrule[plot]"'
        print(f"chainrule xor: no figures: matplotlib is not installed; {hint}", file=sys.stderr)
    return compare, plot


def _write_figures(args, result: XorRun, comparison: TorchComparison | None) -> list[Path]:
    out, suffix = output_dir(args.out), args.format
    written = [_figure_xor(result, out / f"xor.{suffix}")]
    if comparison is not None:
        written.append(_figure_comparison(result, comparison, out / f"xor_vs_torch.{suffix}"))
    if result.grad_flow is not None:
        fig = result.grad_flow.figure(title=_headline(result))
        written.append(save_figure(fig, out / f"xor_grad_flow.{suffix}"))
    return written


def run(args) -> int:
    config = XorConfig(
        args.epochs, args.lr, args.hidden, args.activation, args.optimizer, args.init, args.seed
    )
    compare, plot = _extras(args)
    say = None if args.quiet else print
    result = train(config, say=say, grad_flow=args.grad_flow)
    _report(result, say)
    if say is not None and result.accuracy < 1.0:
        say(
            "\nXOR is not solved yet: try more --epochs, a wider --hidden layer or another "
            "--seed (small ReLU networks can get stuck with a dead unit)."
        )
    comparison = compare_with_torch(result, quiet=args.quiet) if compare else None
    if comparison is not None:
        _report_comparison(result, comparison, say)
    if result.grad_flow is not None and say is not None:
        _report_grad_norms(result, say)
    if plot:
        written = _write_figures(args, result, comparison)
        if say is not None:
            say("\nFigures written:\n" + "\n".join(f"  {path}" for path in written))
    return 0 if comparison is None or comparison.agrees else 1
