"""Recurrent layers: RNN, LSTM, GRU (stacked, optionally bidirectional) and their cells.

A layer runs each (layer, direction) pair in turn. The input's contribution to the gates is
computed for every time step at once, one matmul of the (T * N, input) sequence; the Python
loop then runs over time steps only, each step one small matmul with ``weight_hh`` plus the
gate arithmetic of ``_rnn_cells`` (composites of public ops: autograd needs nothing else).
"""

from __future__ import annotations

import math
import numbers
import warnings

from ... import _creation
from ...ops.join import cat, stack
from .. import init
from ..functional.dropout import dropout
from ..parameter import Parameter
from ._rnn_cells import STEPS, GRUCell, LSTMCell, RNNCell, RNNCellBase, input_gates
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


class RNNBase(Module):
    """What RNN, LSTM and GRU share: validation, parameters, the layer loop and the repr.

    Parameters per layer ``k`` and direction (suffix ``_reverse`` for the backward one):
    ``weight_ih_l{k}`` (gates * hidden, layer input), ``weight_hh_l{k}`` (gates * hidden,
    hidden), ``bias_ih_l{k}``, ``bias_hh_l{k}``; all ~ U(-1/sqrt(hidden), 1/sqrt(hidden)).
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        if (
            not isinstance(dropout, numbers.Number)
            or isinstance(dropout, bool)
            or not 0 <= dropout <= 1
        ):
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an "
                "element being zeroed"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero "
                f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                f"num_layers={num_layers}",
                stacklevel=3,
            )
        for name, value in (("bias", bias), ("batch_first", batch_first)):
            if not isinstance(value, bool):
                raise TypeError(f"{name} should be of type bool, got: {type(value).__name__}")
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
            if value <= 0:
                raise ValueError(f"{name} must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError(
                "proj_size should be a positive integer or zero to disable projections"
            )
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size != 0:
            raise NotImplementedError(
                f"LSTM: proj_size={proj_size} (LSTM with projections) is not supported by "
                "chainrule; use proj_size=0"
            )
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size

        gates = _GATES[mode] * hidden_size
        num_directions = 2 if bidirectional else 1
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * num_directions
            for direction in range(num_directions):
                suffix = "_reverse" if direction == 1 else ""
                shapes = {"weight_ih": (gates, layer_input), "weight_hh": (gates, hidden_size)}
                if bias:
                    shapes.update(bias_ih=(gates,), bias_hh=(gates,))
                names = []
                for kind, shape in shapes.items():
                    name = f"{kind}_l{layer}{suffix}"
                    param = _creation.empty(*shape, dtype=dtype, device=device)
                    setattr(self, name, Parameter(param))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """A no-op kept for PyTorch code that calls it (it packs weights for cuDNN)."""

    @property
    def all_weights(self) -> list:
        """The parameters, one list per (layer, direction)."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, name) for name in self._flat_weights_names]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ------------------------------------------------------------ forward
    def _layer_name(self) -> str:
        return type(self).__name__

    def _check_input(self, input) -> bool:
        """Input rank, size and dtype checks; returns whether the input is batched."""
        if input.dim() not in (2, 3):
            raise ValueError(
                f"{self._layer_name()}: Expected input to be 2D or 3D, got {input.dim()}D "
                "tensor instead"
            )
        return input.dim() == 3

    def _check_forward(self, x, states: tuple) -> None:
        """``x`` (batched, time-major) and the initial states against the layer's sizes."""
        name = self._layer_name()
        weight = self.weight_ih_l0
        if x.dtype != weight.dtype:
            raise ValueError(
                f"{name}: input dtype ({x.dtype}) does not match weight dtype ({weight.dtype}). "
                f"Convert input: input.to({weight.dtype}), or convert model: "
                f"model.to({x.dtype})"
            )
        if x.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{name}: input.size(-1) must be equal to input_size. Expected "
                f"{self.input_size}, got {x.shape[-1]}"
            )
        if x.shape[0] == 0:
            raise RuntimeError(f"{name}: Expected sequence length to be larger than 0 in RNN")
        expected = (self.num_layers * (2 if self.bidirectional else 1), x.shape[1])
        expected += (self.hidden_size,)
        for i, s in enumerate(states):
            if s is not None and tuple(s.shape) != expected:
                which = f"hidden[{i}]" if len(states) == 2 else "hidden"
                raise RuntimeError(f"{name}: Expected {which} size {expected}, got {list(s.shape)}")

    def _run(self, x, states: list):
        """The stacked (bi)directional recurrence on time-major ``x`` (T, N, input).

        ``states`` holds the initial states, each (layers * directions, N, hidden) or None
        (zeros). Returns the last layer's output (T, N, directions * hidden) and the final
        states, stacked like the initial ones.
        """
        T, N = x.shape[0], x.shape[1]
        step = STEPS[self.mode]
        num_directions = 2 if self.bidirectional else 1
        zeros = _creation.zeros(N, self.hidden_size, dtype=x.dtype)
        initial = [zeros] * (self.num_layers * num_directions)
        per_state = [s.unbind(0) if s is not None else initial for s in states]
        finals: list[list] = [[] for _ in states]
        layer_input = x
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(num_directions):
                index = layer * num_directions + direction
                weights = [getattr(self, n) for n in self._all_weights[index]]
                w_ih, w_hh = weights[0], weights[1]
                b_ih, b_hh = (weights[2], weights[3]) if self.bias else (None, None)
                rows = layer_input.reshape(T * N, layer_input.shape[-1])
                gi = input_gates(rows, w_ih, b_ih, b_hh, self.mode)
                gi = gi.reshape(T, N, gi.shape[-1]).unbind(0)
                state = tuple(s[index] for s in per_state)
                state = state[0] if len(state) == 1 else state
                out = [None] * T
                w_hh_t = w_hh.t()
                for t in reversed(range(T)) if direction == 1 else range(T):
                    state = step(gi[t], state, w_hh_t, b_hh)
                    out[t] = state[0] if isinstance(state, tuple) else state
                outputs.append(stack(out, 0))
                for final, s in zip(finals, state if isinstance(state, tuple) else (state,)):
                    final.append(s)
            layer_input = outputs[0] if num_directions == 1 else cat(outputs, 2)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_input = dropout(layer_input, self.dropout)
        return layer_input, [stack(f, 0) for f in finals]

    def _forward(self, input, states: tuple):
        """Batch/unbatched and batch_first handling around ``_run``."""
        batched = self._check_input(input)
        batch_dim = 0 if self.batch_first else 1
        if not batched:
            for s in states:
                if s is not None and s.dim() != 2:
                    raise RuntimeError(self._hx_rank_message(states, batched))
            input = input.unsqueeze(batch_dim)
            states = tuple(s.unsqueeze(1) if s is not None else None for s in states)
        else:
            for s in states:
                if s is not None and s.dim() != 3:
                    raise RuntimeError(self._hx_rank_message(states, batched))
        x = input.transpose(0, 1) if self.batch_first else input
        self._check_forward(x, states)
        output, finals = self._run(x, list(states))
        if self.batch_first:
            output = output.transpose(0, 1)
        if not batched:
            output = output.squeeze(batch_dim)
            finals = [f.squeeze(1) for f in finals]
        return output, finals

    def _hx_rank_message(self, states: tuple, batched: bool) -> str:
        kind = "batched 3-D" if batched else "unbatched 2-D"
        want = "3-D" if batched else "2-D"
        if len(states) == 2:
            got = ", ".join(f"{s.dim()}-D" for s in states)
            return (
                f"{self._layer_name()}: For {kind} input, hx and cx should also be {want} but "
                f"got ({got}) tensors"
            )
        return (
            f"{self._layer_name()}: For {kind} input, hx should also be {want} but got "
            f"{states[0].dim()}-D tensor"
        )


class RNN(RNNBase):
    """An Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu), stacked
    ``num_layers`` deep. ``forward(input, hx=None)`` returns ``(output, h_n)``:
    output (T, N, D * hidden) (``batch_first``: (N, T, D * hidden); unbatched: (T, ...)),
    h_n (num_layers * D, N, hidden), D = 2 if bidirectional else 1."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device=None,
        dtype=None,
        **kwargs,
    ) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if kwargs:
            raise TypeError(f"RNN got unexpected keyword arguments {sorted(kwargs)}")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        self.nonlinearity = nonlinearity
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(
            mode,
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            0,
            device,
            dtype,
        )

    def forward(self, input, hx=None):
        output, (h_n,) = self._forward(input, (hx,))
        return output, h_n


class LSTM(RNNBase):
    """A long short-term memory network (gates i, f, g, o in PyTorch's order), stacked
    ``num_layers`` deep. ``forward(input, hx=None)`` takes ``hx = (h_0, c_0)`` and returns
    ``(output, (h_n, c_n))``, shaped as for ``RNN``. ``proj_size`` must be 0."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(
            "LSTM",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            proj_size,
            device,
            dtype,
        )

    def forward(self, input, hx=None):
        states = (None, None) if hx is None else tuple(hx)
        output, (h_n, c_n) = self._forward(input, states)
        return output, (h_n, c_n)


class GRU(RNNBase):
    """A gated recurrent unit network (gates r, z, n in PyTorch's order), stacked
    ``num_layers`` deep. ``forward(input, hx=None)`` returns ``(output, h_n)``, shaped as for
    ``RNN``."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device=None,
        dtype=None,
        **kwargs,
    ) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if kwargs:
            raise TypeError(f"GRU got unexpected keyword arguments {sorted(kwargs)}")
        super().__init__(
            "GRU",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            0,
            device,
            dtype,
        )

    def forward(self, input, hx=None):
        output, (h_n,) = self._forward(input, (hx,))
        return output, h_n
