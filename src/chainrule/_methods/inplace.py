"""In-place Tensor methods: ``x.add_(y)``, ``x += y``, ``x.fill_(v)``, ``w.normal_()`` ...

Each is one line; the machinery (the untracked fast path, graph recording, PyTorch's
refusals) is in ``ops/inplace.py``. Under ``no_grad`` these are what ``nn.init`` uses.
"""

from __future__ import annotations

from ..ops import inplace as I
from ..ops.elementwise import bitwise_and, bitwise_or, bitwise_xor


class InplaceMethods:
    """Installed on Tensor by ``_methods.install``; each method returns ``self``."""

    __slots__ = ()

    def __iadd__(self, other):
        return I.binary_(self, other, "add")

    def __isub__(self, other):
        return I.binary_(self, other, "sub")

    def __imul__(self, other):
        return I.binary_(self, other, "mul")

    def __itruediv__(self, other):
        return I.binary_(self, other, "div")

    def __ipow__(self, exponent):
        return I.binary_(self, exponent, "pow")

    def __iand__(self, other):
        return I.logical_(self, other, "bitwise_and", bitwise_and)

    def __ior__(self, other):
        return I.logical_(self, other, "bitwise_or", bitwise_or)

    def __ixor__(self, other):
        return I.logical_(self, other, "bitwise_xor", bitwise_xor)

    def add_(self, other, *, alpha=1):
        return I.binary_(self, other, "add", alpha)

    def sub_(self, other, *, alpha=1):
        return I.binary_(self, other, "sub", alpha)

    def mul_(self, other):
        return I.binary_(self, other, "mul")

    def div_(self, other, *, rounding_mode=None):
        return I.binary_(self, other, "div", rounding_mode=rounding_mode)

    def pow_(self, exponent):
        return I.binary_(self, exponent, "pow")

    def clamp_(self, min=None, max=None):  # noqa: A002 - torch names
        return I.clamp_(self, min, max)

    def clip_(self, min=None, max=None):  # noqa: A002
        return I.clamp_(self, min, max)

    def zero_(self):
        return I.zero_(self)

    def fill_(self, value):
        return I.fill_(self, value)

    def copy_(self, src, non_blocking: bool = False):
        return I.copy_(self, src)

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        return I.normal_(self, mean, std, generator=generator)

    def uniform_(self, from_=0.0, to=1.0, *, generator=None):
        return I.uniform_(self, from_, to, generator=generator)

    def exponential_(self, lambd=1.0, *, generator=None):
        return I.exponential_(self, lambd, generator=generator)
