"""Tensor's op methods, one mixin class per kind of op.

Ops import ``Tensor``, so ``tensor.py`` cannot import them before ``Tensor`` exists. Instead
each mixin here holds one-line methods that call ops, and ``install`` copies them onto
``Tensor`` at the end of ``tensor.py``. Adding an op: write it in ``ops/``, then add its
method to the matching mixin (or a new mixin listed in ``MIXINS``).
"""

from __future__ import annotations

# __hash__: defining __eq__ sets it to None in the mixin; Tensor keeps identity hashing.
_SKIP = {
    "__module__",
    "__qualname__",
    "__doc__",
    "__dict__",
    "__weakref__",
    "__slots__",
    "__hash__",
}


def install(cls) -> None:
    from .arithmetic import ArithmeticMethods
    from .conversion import ConversionMethods
    from .inplace import InplaceMethods
    from .linalg import LinalgMethods
    from .reduction import ReductionMethods
    from .shape import ShapeMethods

    for mixin in (
        ArithmeticMethods,
        ReductionMethods,
        ShapeMethods,
        ConversionMethods,
        InplaceMethods,
        LinalgMethods,
    ):
        for name, value in vars(mixin).items():
            if name in _SKIP:
                continue
            if name in vars(cls):
                raise RuntimeError(f"Tensor.{name} is defined twice ({mixin.__name__})")
            setattr(cls, name, value)
