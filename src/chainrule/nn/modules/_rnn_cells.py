"""The recurrent cells (RNNCell, LSTMCell, GRUCell) and the one-step maths they share with
the sequence layers in ``rnn.py``.

Every step is a composite of public ops, so autograd differentiates it with no backward of
its own. A step receives ``gi``, the input's contribution to the gates, already computed
(the layers compute it for all time steps in one matmul), and the previous state:

    RNN:   h' = tanh(gi + h W_hh^T)                      (or relu)
    LSTM:  i, f, g, o = split(gi + h W_hh^T)             (PyTorch's gate order)
           c' = sigmoid(f) * c + sigmoid(i) * tanh(g),   h' = sigmoid(o) * tanh(c')
    GRU:   r, z = sigmoid(gi_rz + h W_hrz^T + b_hrz)
           n = tanh(gi_n + r * (h W_hn^T + b_hn)),       h' = (1 - z) * n + z * h

For RNN and LSTM, ``b_hh`` is simply added to ``gi`` once; the GRU keeps ``b_hn`` inside the
reset gate's product, so its step adds ``b_hh`` itself.
"""

from __future__ import annotations

import math

from ... import _creation
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


# ---------------------------------------------------------------- one step
def input_gates(x, w_ih, b_ih, b_hh, mode: str):
    """x W_ih^T + b_ih (+ b_hh, except for the GRU), for ``x`` of shape (rows, input_size)."""
    gi = x @ w_ih.t()
    if b_ih is not None:
        gi = gi + (b_ih if mode == "GRU" else b_ih + b_hh)
    return gi


def rnn_tanh_step(gi, h, w_hh_t, b_hh):
    return (gi + h @ w_hh_t).tanh()


def rnn_relu_step(gi, h, w_hh_t, b_hh):
    return (gi + h @ w_hh_t).relu()


def lstm_step(gi, state, w_hh_t, b_hh):
    h, c = state
    i, f, g, o = (gi + h @ w_hh_t).chunk(4, -1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c.tanh(), c


def gru_step(gi, h, w_hh_t, b_hh):
    hidden = h.shape[-1]
    gh = h @ w_hh_t
    if b_hh is not None:
        gh = gh + b_hh
    gi_rz, gi_n = gi.split([2 * hidden, hidden], -1)
    gh_rz, gh_n = gh.split([2 * hidden, hidden], -1)
    r, z = (gi_rz + gh_rz).sigmoid().chunk(2, -1)
    n = (gi_n + r * gh_n).tanh()
    return n + z * (h - n)  # = (1 - z) * n + z * h, one op fewer


STEPS = {
    "RNN_TANH": rnn_tanh_step,
    "RNN_RELU": rnn_relu_step,
    "LSTM": lstm_step,
    "GRU": gru_step,
}


# ---------------------------------------------------------------- cells
class RNNCellBase(Module):
    """The parameters every cell has: ``weight_ih`` (chunks * hidden, input),
    ``weight_hh`` (chunks * hidden, hidden), ``bias_ih`` and ``bias_hh`` (chunks * hidden);
    all ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as in PyTorch."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool,
        num_chunks: int,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        gates = num_chunks * hidden_size

        def empty(*shape):
            return Parameter(_creation.empty(*shape, dtype=dtype, device=device))

        self.weight_ih = empty(gates, input_size)
        self.weight_hh = empty(gates, hidden_size)
        if bias:
            self.bias_ih = empty(gates)
            self.bias_hh = empty(gates)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    # ------------------------------------------------------------ shared forward
    def _prepare(self, input, states: tuple, names: tuple):
        """Check ``input`` and the given states; returns them batched (2-D), with zeros for
        missing states, and whether the input was batched."""
        name = type(self).__name__
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        for s, label in zip(states, names):
            if s is not None and s.dim() not in (1, 2):
                raise ValueError(f"{name}: Expected {label} to be 1D or 2D, got {s.dim()}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{name}: input has inconsistent input_size: got {input.shape[-1]} expected "
                f"{self.input_size} (input of shape {list(input.shape)})"
            )
        if input.dtype != self.weight_ih.dtype:
            raise RuntimeError(
                f"{name}: input dtype ({input.dtype}) does not match weight dtype "
                f"({self.weight_ih.dtype})"
            )
        batched = input.dim() == 2
        x = input if batched else input.unsqueeze(0)
        out = []
        for s in states:
            if s is None:
                s = _creation.zeros(x.shape[0], self.hidden_size, dtype=x.dtype)
            else:
                if s.dim() != input.dim():
                    raise RuntimeError(
                        f"{name}: input of shape {list(input.shape)} and hidden state of shape "
                        f"{list(s.shape)} must be both batched (2-D) or both unbatched (1-D)"
                    )
                s = s if batched else s.unsqueeze(0)
                if s.shape[0] != x.shape[0]:
                    raise RuntimeError(
                        f"{name}: Input batch size {x.shape[0]} doesn't match hidden0 batch "
                        f"size {s.shape[0]}"
                    )
                if s.shape[1] != self.hidden_size:
                    raise RuntimeError(
                        f"{name}: hidden0 has inconsistent hidden_size: got {s.shape[1]}, "
                        f"expected {self.hidden_size}"
                    )
            out.append(s)
        return x, out, batched

    def _step(self, mode: str, x, state):
        gi = input_gates(x, self.weight_ih, self.bias_ih, self.bias_hh, mode)
        return STEPS[mode](gi, state, self.weight_hh.t(), self.bias_hh)


class RNNCell(RNNCellBase):
    """An Elman cell: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu).

    ``input`` (N, input_size) or unbatched (input_size,); ``hx`` likewise, zeros if omitted.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        x, (h,), batched = self._prepare(input, (hx,), ("hidden",))
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"RNNCell: Unknown nonlinearity: {self.nonlinearity}")
        h = self._step("RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU", x, h)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """A long short-term memory cell; returns ``(h', c')``.

    Gates in PyTorch's order (input, forget, cell, output) along ``weight_ih``'s rows.
    ``hx`` is a pair ``(h, c)``, zeros if omitted.
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        states = (None, None) if hx is None else tuple(hx)
        x, (h, c), batched = self._prepare(input, states, ("hx[0]", "hx[1]"))
        h, c = self._step("LSTM", x, (h, c))
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """A gated recurrent unit cell; gates in PyTorch's order (reset, update, new):
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        x, (h,), batched = self._prepare(input, (hx,), ("hidden",))
        h = self._step("GRU", x, h)
        return h if batched else h.squeeze(0)
