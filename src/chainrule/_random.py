"""Random numbers: chainrule's ``Generator`` and the random factories (``rand``, ``randn``, ...).

A ``Generator`` wraps a NumPy ``Generator`` (PCG64 bit generator) behind PyTorch's interface:
``manual_seed``, ``seed``, ``initial_seed``, ``get_state``, ``set_state``. The module-level
``default_generator`` serves every random function that is not handed ``generator=``; like
PyTorch's, it starts from a fresh OS-entropy seed in each process, so a script that wants the
same numbers every run calls ``chainrule.manual_seed(seed)`` first. The numbers are NumPy's,
not PyTorch's (a different algorithm): the same seed gives the same numbers in chainrule, run
after run, and the same distributions as PyTorch, not the same values.
"""

from __future__ import annotations

import builtins
import numbers

import numpy as np

from ._creation import _check_device, _finish, _parse_size, _sizes
from ._dtype import default_float_np, to_numpy_dtype
from .tensor import Tensor, _wrap

__all__ = [
    "Generator",
    "default_generator",
    "manual_seed",
    "seed",
    "initial_seed",
    "get_rng_state",
    "set_rng_state",
    "rand",
    "randn",
    "randint",
    "randperm",
    "normal",
    "bernoulli",
    "rand_like",
    "randn_like",
    "randint_like",
]

_DEFAULT_SEED = 67280421310721  # PyTorch's seed for a freshly constructed Generator()
_STATE_BYTES = 48  # PCG64: 128-bit state, 128-bit increment, has_uint32 flag, cached uint32


def _seed_value(seed) -> int:
    """PyTorch's seed rule: any int in [-2**63, 2**64); negatives wrap modulo 2**64."""
    try:
        value = builtins.int(seed)
    except (TypeError, ValueError):
        raise TypeError(
            f"manual_seed(): the seed must be an int, got {type(seed).__name__}"
        ) from None
    if not -(2**63) <= value < 2**64:
        raise ValueError(f"manual_seed(): seed {value} is outside [-2**63, 2**64)")
    return value % 2**64


class Generator:
    """A source of random numbers with PyTorch's interface, on a NumPy PCG64 generator.

    ``Generator().manual_seed(0)`` gives the same stream every run; ``get_state`` returns the
    full state as a uint8 tensor that ``set_state`` restores.
    """

    def __init__(self, device="cpu") -> None:
        _check_device(device, "Generator")
        self._initial_seed = _DEFAULT_SEED
        self._np = np.random.Generator(np.random.PCG64(_DEFAULT_SEED))

    @property
    def device(self) -> str:
        return "cpu"

    def manual_seed(self, seed) -> Generator:
        """Restart the stream from ``seed``; returns the generator (as PyTorch does)."""
        self._initial_seed = _seed_value(seed)
        self._np = np.random.Generator(np.random.PCG64(self._initial_seed))
        return self

    def seed(self) -> int:
        """Reseed from OS entropy (non-deterministic) and return the new seed."""
        new_seed = builtins.int(np.random.SeedSequence().entropy) % 2**64
        self.manual_seed(new_seed)
        return new_seed

    def initial_seed(self) -> int:
        """The seed the current stream started from."""
        return self._initial_seed

    def get_state(self) -> Tensor:
        """The generator's full state, as a uint8 tensor (PyTorch's ByteTensor)."""
        st = self._np.bit_generator.state
        words = (
            st["state"]["state"].to_bytes(16, "little"),
            st["state"]["inc"].to_bytes(16, "little"),
            builtins.int(st["has_uint32"]).to_bytes(8, "little"),
            builtins.int(st["uinteger"]).to_bytes(8, "little"),
        )
        return _wrap(np.frombuffer(b"".join(words), dtype=np.uint8).copy())

    def set_state(self, new_state: Tensor) -> Generator:
        """Restore a state that ``get_state`` returned."""
        data = new_state._data if isinstance(new_state, Tensor) else None
        if data is None or data.dtype != np.uint8 or data.shape != (_STATE_BYTES,):
            raise RuntimeError(
                f"set_state(): expected a uint8 tensor of {_STATE_BYTES} bytes from get_state(), "
                f"got {new_state!r:.80}"
            )
        raw = data.tobytes()
        self._np.bit_generator.state = {
            "bit_generator": "PCG64",
            "state": {
                "state": builtins.int.from_bytes(raw[0:16], "little"),
                "inc": builtins.int.from_bytes(raw[16:32], "little"),
            },
            "has_uint32": builtins.int.from_bytes(raw[32:40], "little"),
            "uinteger": builtins.int.from_bytes(raw[40:48], "little"),
        }
        return self

    def __repr__(self) -> str:
        return f"<chainrule.Generator object at {id(self):#x}>"


default_generator = Generator()
default_generator.seed()  # like PyTorch: a fresh seed per process until manual_seed


def manual_seed(seed) -> Generator:
    """Seed the default generator: the same seed gives the same numbers on every run."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator from OS entropy; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    default_generator.set_state(new_state)


def _gen(generator) -> np.random.Generator:
    if generator is None:
        return default_generator._np
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a chainrule.Generator, got {type(generator).__name__}")
    return generator._np


def _float_dtype(dtype, op: str, kernel: str) -> np.dtype:
    """The floating dtype a continuous distribution is drawn in (PyTorch refuses integers)."""
    npd = default_float_np() if dtype is None else to_numpy_dtype(dtype)
    if npd.kind != "f":
        raise NotImplementedError(f'{op}: "{kernel}" not implemented for {npd} (use a float dtype)')
    return npd


# ---------------------------------------------------------------- raw draws (arrays)
def uniform_array(gen, shape, npd, low=0.0, high=1.0) -> np.ndarray:
    """Uniform numbers in [low, high) of dtype ``npd``."""
    draw_dtype = np.float32 if npd == np.float16 else npd  # NumPy draws float32/64 only
    u = gen.random(shape, dtype=draw_dtype)
    if low != 0.0 or high != 1.0:
        if type(low) in (float, int) and type(high) in (float, int):
            u *= high - low  # in place: the same numbers (Python numbers keep u's dtype)
            u += low  # and no temporary the size of the weight (W3 builds 16 MB ones)
        else:
            u = u * (high - low) + low
    u = u.astype(npd, copy=False)
    if high > low:  # rounding (to float16, or of the affine map) must not reach ``high``
        top = np.nextafter(np.asarray(high, npd), np.asarray(low, npd))
        np.minimum(u, top, out=u)
    return u


def normal_array(gen, shape, npd, mean=0.0, std=1.0) -> np.ndarray:
    """Normal numbers N(mean, std**2) of dtype ``npd``."""
    draw_dtype = np.float32 if npd == np.float16 else npd
    z = gen.standard_normal(shape, dtype=draw_dtype)
    if mean != 0.0 or std != 1.0:
        z = z * std + mean
    return z.astype(npd, copy=False)


# ---------------------------------------------------------------- factories
def rand(*args, size=None, generator=None, dtype=None, device=None, requires_grad: bool = False):
    """Uniform numbers in [0, 1), of the given size."""
    shape = _sizes(args, size, "rand")
    npd = _float_dtype(dtype, "rand", "check_uniform_bounds")
    _check_device(device, "rand")
    return _finish(uniform_array(_gen(generator), shape, npd), requires_grad)


def randn(*args, size=None, generator=None, dtype=None, device=None, requires_grad: bool = False):
    """Standard normal numbers, of the given size."""
    shape = _sizes(args, size, "randn")
    npd = _float_dtype(dtype, "randn", "normal_kernel_cpu")
    _check_device(device, "randn")
    return _finish(normal_array(_gen(generator), shape, npd), requires_grad)


def _integral(v, what: str) -> builtins.int:
    if isinstance(v, Tensor):
        v = v.item()
    if isinstance(v, numbers.Real) and not isinstance(v, builtins.bool):
        return builtins.int(v)
    raise TypeError(f"randint(): {what} must be an int, got {type(v).__name__}")


def randint(
    *args,
    size=None,
    low=None,
    high=None,
    generator=None,
    dtype=None,
    device=None,
    requires_grad: bool = False,
):
    """Integers uniform in [low, high): ``randint(high, size)`` or ``randint(low, high, size)``.

    The result is int64 unless ``dtype`` says otherwise (floats hold the same integers).
    """
    args = list(args)
    if size is None and args and isinstance(args[-1], (tuple, list)):
        size = args.pop()
    if high is None and args:
        high = args.pop()
    if low is None and args:
        low = args.pop()
    if args or high is None or size is None:
        raise TypeError(
            "randint(): expected randint(high, size) or randint(low, high, size) with size a "
            "tuple of ints"
        )
    low = 0 if low is None else _integral(low, "low")
    high = _integral(high, "high")
    if low >= high:
        raise RuntimeError(
            f"randint(): random_ expects 'from' to be less than 'to', but got from={low} >= "
            f"to={high}"
        )
    shape = _parse_size((size,), "randint")
    npd = np.dtype(np.int64) if dtype is None else to_numpy_dtype(dtype)
    _check_device(device, "randint")
    values = _gen(generator).integers(low, high, shape, dtype=np.int64)
    return _finish(values.astype(npd, copy=False), requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad: bool = False):
    """A random permutation of 0 .. n-1 (int64 unless ``dtype`` says otherwise)."""
    n = _integral(n, "n")
    if n < 0:
        raise RuntimeError(f"randperm(): n must be non-negative, got {n}")
    npd = np.dtype(np.int64) if dtype is None else to_numpy_dtype(dtype)
    _check_device(device, "randperm")
    return _finish(_gen(generator).permutation(n).astype(npd), requires_grad)


def normal(
    mean=0.0,
    std=1.0,
    size=None,
    *,
    generator=None,
    dtype=None,
    device=None,
    requires_grad: bool = False,
):
    """Normal numbers with the given mean and standard deviation.

    ``normal(mean_tensor, std_tensor)`` broadcasts the two (either may be a number);
    ``normal(mean, std, size)`` with numbers draws ``size`` values. As in PyTorch, a sample
    is not differentiable in its parameters: a tensor ``mean``/``std`` that requires grad
    gets a zero gradient.
    """
    from .ops.fill import normal_tensor  # the Op lives with the ops

    _check_device(device, "normal")
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        return normal_tensor(mean, std, _gen(generator))
    if size is None:
        raise TypeError(
            "normal(): with a float mean and a float std, pass size= (or give a tensor mean/std)"
        )
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    shape = _parse_size((size,), "normal")
    npd = _float_dtype(dtype, "normal", "normal_kernel_cpu")
    return _finish(normal_array(_gen(generator), shape, npd, mean, std), requires_grad)


def bernoulli(input: Tensor, p=None, *, generator=None):
    """0/1 draws: 1 with probability ``input`` (or ``p``), in ``input``'s dtype."""
    probs = input._data if p is None else np.full(input._data.shape, p)
    if np.any((probs < 0) | (probs > 1)):
        raise RuntimeError("bernoulli(): the probabilities must be in [0, 1]")
    u = _gen(generator).random(input._data.shape)
    return _wrap((u < probs).astype(input._data.dtype))


def _like(input: Tensor, dtype):
    return input._data.shape, (input._data.dtype if dtype is None else to_numpy_dtype(dtype))


def rand_like(
    input: Tensor, *, dtype=None, device=None, requires_grad: bool = False, generator=None
):
    shape, npd = _like(input, dtype)
    return rand(shape, generator=generator, dtype=npd, device=device, requires_grad=requires_grad)


def randn_like(
    input: Tensor, *, dtype=None, device=None, requires_grad: bool = False, generator=None
):
    shape, npd = _like(input, dtype)
    return randn(shape, generator=generator, dtype=npd, device=device, requires_grad=requires_grad)


def randint_like(
    input: Tensor,
    low,
    high=None,
    *,
    dtype=None,
    device=None,
    requires_grad: bool = False,
    generator=None,
):
    shape, npd = _like(input, dtype)
    if high is None:
        low, high = 0, low
    return randint(
        low, high, shape, generator=generator, dtype=npd, device=device, requires_grad=requires_grad
    )
