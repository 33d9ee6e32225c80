"""Write notebooks/backprop_from_scratch.ipynb from the cells below.

    python scripts/build_notebook.py

The notebook retells the seed tutorial (tests/data/backprop_from_scratch.txt) on chainrule
itself. Its cells live here as plain text so that a change shows up as a readable diff; the
.ipynb is committed without outputs and executed by the test suite (pytest --nbmake).
"""

from __future__ import annotations

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "backprop_from_scratch.ipynb"

CELLS: list[tuple[str, str]] = [
    (
        "md",
        """# Backpropagation from scratch, on chainrule

The tutorial *Backpropagation from Scratch with PyTorch-like API* builds a small `Tensor`
class that records a computational graph, runs the chain rule backwards, trains a 2-4-1
network on XOR, and compares itself with PyTorch. chainrule grew out of it. This notebook
tells the same story with the library itself: every step below runs on chainrule's real
engine, and every formula it shows is read from chainrule's source.

**Learning goals** (the tutorial's):
1. Understand how automatic differentiation works
2. See the connection between math and code
3. Build intuition for gradient flow
4. Appreciate what PyTorch does under the hood""",
    ),
    (
        "code",
        """import inspect

import matplotlib.pyplot as plt
import numpy as np

import chainrule
import chainrule.nn as nn
from chainrule.viz import draw_graph

print("chainrule", chainrule.__version__)""",
    ),
    (
        "md",
        """## Part 1: a tensor that records its graph

A chainrule `Tensor` holds a NumPy array. When an input requires a gradient, every
operation on it records a node, and the result's `grad_fn` points at that node. The nodes
are named as in PyTorch (`MulBackward0`, ...), and `next_functions` leads back to the
inputs. This is the tutorial's first test, `c = a * b + a`:""",
    ),
    (
        "code",
        """a = chainrule.tensor(2.0, requires_grad=True)
b = chainrule.tensor(3.0, requires_grad=True)
c = a * b + a
print(c)
print(c.grad_fn, "<-", c.grad_fn.next_functions)""",
    ),
    (
        "md",
        """`chainrule.viz.draw_graph` draws it: blue boxes are the leaves we asked gradients
for, grey boxes are operations, the gold box is the result.""",
    ),
    (
        "code",
        """draw_graph(c, params={"a": a, "b": b, "c": c})""",
    ),
    (
        "md",
        """## Part 2: where the maths lives

Each operation is a small class whose docstring states its forward and backward maths,
and whose two static methods implement them: the tutorial's `_backward` closures, made
into something you can read and test. Here are `Mul`, `MatMul` and `Sigmoid`, printed
from chainrule's own source:""",
    ),
    (
        "code",
        """from chainrule.ops.activation import Sigmoid
from chainrule.ops.elementwise import Mul
from chainrule.ops.linalg import MatMul

for op in (Mul, Sigmoid):
    print(inspect.getsource(op))""",
    ),
    (
        "code",
        """print(inspect.getsource(MatMul))""",
    ),
    (
        "md",
        """## Part 3: the chain rule, checked by hand

`backward()` walks the recorded graph from the result to the leaves. For `c = a*b + a`,
the chain rule gives `dc/da = b + 1 = 4` and `dc/db = a = 2`.

The tutorial's own class prints `dc/db = 8.0` here. Its backward closures store the
upstream gradient *array* as a leaf's `.grad` and later add into it in place, so two
tensors end up sharing one gradient buffer. chainrule always accumulates into arrays it
owns, so the numbers are right:""",
    ),
    (
        "code",
        """c.backward()
print(f"dc/da = {a.grad.item()} (expected: b + 1 = 4.0)")
print(f"dc/db = {b.grad.item()} (expected: a = 2.0)")
assert a.grad.item() == 4.0 and b.grad.item() == 2.0""",
    ),
    (
        "md",
        """The tutorial's other two tests: a matrix product and a sigmoid.""",
    ),
    (
        "code",
        """X = chainrule.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
W = chainrule.tensor([[0.5, -0.5], [0.25, 0.75]], requires_grad=True)
loss = (X @ W).mean()
loss.backward()
print("dL/dX =", X.grad.numpy().tolist())  # each row: W's row sums / 4
print("dL/dW =", W.grad.numpy().tolist())  # each column: X's column sums / 4

x = chainrule.tensor([-2.0, 0.0, 2.0], requires_grad=True)
y = x.sigmoid()
y.sum().backward()
print("sigmoid'(x) =", x.grad.numpy(), " y(1-y) =", (y * (1 - y)).detach().numpy())""",
    ),
    (
        "md",
        """## Part 4: trust, but verify

Two independent checks of any gradient: finite differences (`gradcheck`, in float64)
and PyTorch itself. `chainrule.testing.compare_with_torch` runs the same function on both
libraries from the same arrays, back-propagates the same upstream gradient, and prints one
row per output and per input gradient.""",
    ),
    (
        "code",
        """rng = np.random.default_rng(0)
x64 = chainrule.tensor(rng.standard_normal((3, 2)), requires_grad=True)  # float64
w64 = chainrule.tensor(rng.standard_normal((2, 1)), requires_grad=True)
print("gradcheck:", chainrule.autograd.gradcheck(lambda x, w: (x @ w).sigmoid(), (x64, w64)))""",
    ),
    (
        "code",
        """from chainrule.testing import compare_with_torch

def layer(lib, x, w, b):
    return ((x @ w + b).sigmoid() - 0.5).pow(2).mean()

rng = np.random.default_rng(0)
inputs = [rng.standard_normal(s).astype(np.float32) for s in [(4, 2), (2, 4), (1, 4)]]
report = compare_with_torch(layer, *inputs)
print(report)
assert report.ok""",
    ),
    (
        "md",
        """## Part 5: the XOR network

The tutorial's 2-4-1 network, written as PyTorch code: an `nn.Module` with two `Linear`
layers and sigmoids. The weights start exactly where the tutorial's do
(`np.random.seed(42)`, then `randn(fan_in, fan_out) * sqrt(1/fan_in)`, zero biases); a
`Linear` layer stores its weight as (out, in), the transpose of the tutorial's W.""",
    ),
    (
        "code",
        """class XorNet(nn.Module):
    def __init__(self, hidden=4, seed=42):
        super().__init__()
        self.hidden = nn.Linear(2, hidden)
        self.out = nn.Linear(hidden, 1)
        rng = np.random.RandomState(seed)  # the stream np.random.seed(42) gives
        with chainrule.no_grad():
            for layer in (self.hidden, self.out):
                fan_in = layer.in_features
                w = rng.randn(fan_in, layer.out_features) * np.sqrt(1.0 / fan_in)
                layer.weight.copy_(chainrule.tensor(w.T.astype(np.float32)))
                layer.bias.zero_()

    def forward(self, x):
        return self.out(self.hidden(x).sigmoid()).sigmoid()


X_data = chainrule.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y_data = chainrule.tensor([[0.0], [1.0], [1.0], [0.0]])
model = XorNet()
print(model)
print("Total parameters:", sum(p.numel() for p in model.parameters()))""",
    ),
    (
        "code",
        """optimizer = chainrule.optim.SGD(model.parameters(), lr=1.0)
loss_fn = nn.MSELoss()
losses = []
for epoch in range(1, 2001):
    optimizer.zero_grad()
    loss = loss_fn(model(X_data), y_data)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
    if epoch % 200 == 0:
        print(f"Epoch {epoch}/2000, Loss: {loss.item():.6f}")""",
    ),
    (
        "md",
        """These are the tutorial's numbers (it prints 0.249160 at epoch 200 and 0.003152 at
epoch 2000). The network has learned XOR:""",
    ),
    (
        "code",
        """with chainrule.no_grad():
    predictions = model(X_data)
for xi, p, t in zip(X_data.tolist(), predictions.flatten().tolist(), y_data.flatten().tolist()):
    print(f"Input: {xi} | Predicted: {p:.4f} | True: {t:.0f} | {'✓' if round(p) == t else '✗'}")
accuracy = ((predictions > 0.5).float() == y_data).float().mean().item()
print(f"Accuracy: {accuracy:.0%}")
assert accuracy == 1.0""",
    ),
    (
        "md",
        """## Part 6: the loss curve and the decision boundary""",
    ),
    (
        "code",
        """from chainrule.viz.plots import plot_decision_boundary, plot_loss_curve

def predict(points):
    with chainrule.no_grad():
        return model(chainrule.tensor(points.astype(np.float32))).numpy()[:, 0]

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
plot_loss_curve(ax1, losses, label="chainrule")
plot_decision_boundary(ax2, predict, X_data.numpy(), y_data.numpy()[:, 0], title="XOR")
plt.show()""",
    ),
    (
        "md",
        """## Part 7: the graph of the trained network's loss

One more forward and backward pass, drawn with the parameters' names (taken from the
model): every operation of the network appears once, and every parameter shows its value
and gradient.""",
    ),
    (
        "code",
        """loss = loss_fn(model(X_data), y_data)
model.zero_grad()
loss.backward()
draw_graph(loss, params=model)""",
    ),
    (
        "md",
        """## Part 8: comparing with PyTorch, properly

The tutorial compares its network with a PyTorch network that starts from *different*
random weights, so the two loss curves only look alike. A real comparison starts both
from the same weights and the same data. chainrule's `state_dict` keys are PyTorch's, so
the weights copy straight across:""",
    ),
    (
        "code",
        """import torch

start = XorNet()  # the tutorial's initial weights again
twin = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Sigmoid(), torch.nn.Linear(4, 1),
                           torch.nn.Sigmoid())
twin.load_state_dict({
    "0.weight": torch.tensor(start.hidden.weight.detach().numpy()),
    "0.bias": torch.tensor(start.hidden.bias.detach().numpy()),
    "2.weight": torch.tensor(start.out.weight.detach().numpy()),
    "2.bias": torch.tensor(start.out.bias.detach().numpy()),
})
opt = torch.optim.SGD(twin.parameters(), lr=1.0)
Xt, yt = torch.tensor(X_data.numpy()), torch.tensor(y_data.numpy())
torch_losses = []
for epoch in range(2000):
    opt.zero_grad()
    loss = torch.nn.functional.mse_loss(twin(Xt), yt)
    loss.backward()
    opt.step()
    torch_losses.append(loss.item())

difference = np.abs(np.array(losses) - np.array(torch_losses)).max()
print(f"Largest loss difference over 2000 epochs: {difference:.2e}")
assert difference < 1e-4""",
    ),
    (
        "md",
        """## Part 9: gradient flow

The tutorial's third goal is intuition for gradient flow. `plot_grad_flow` shows the
average and largest gradient magnitude reaching each layer after a backward pass: with
sigmoids, the first layer's gradients are several times smaller than the last's.""",
    ),
    (
        "code",
        """from chainrule.viz import plot_grad_flow

fresh = XorNet()
loss_fn(fresh(X_data), y_data).backward()
plot_grad_flow(fresh)  # a matplotlib Figure: Jupyter shows it""",
    ),
    (
        "md",
        """## Key takeaways

1. A tensor that records its operations is a graph; `backward()` is the chain rule
   applied node by node, in reverse topological order.
2. Each operation needs only its local derivative; chainrule keeps it next to the
   forward maths, in a class you can read.
3. Gradients must accumulate into buffers the engine owns: sharing one array between
   tensors is how the tutorial's `dc/db` became 8.
4. Check gradients twice: against finite differences and against PyTorch, from identical
   weights.

The same code scales to the rest of chainrule: `chainrule digits` trains an MLP or a CNN
on handwritten digits with `DataLoader`, Adam and a learning-rate schedule.""",
    ),
]


def build() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    for i, (kind, source) in enumerate(CELLS):
        maker = nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell
        cell = maker(source)
        cell.id = f"cell-{i:02d}"  # stable ids: rebuilding gives the same file
        nb.cells.append(cell)
    return nb


def main() -> int:
    NOTEBOOK.parent.mkdir(exist_ok=True)
    nbformat.write(build(), NOTEBOOK)
    print(f"wrote {NOTEBOOK}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
