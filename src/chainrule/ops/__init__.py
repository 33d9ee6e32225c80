"""chainrule's differentiable primitives, one small class each, grouped by kind.

Each class states its maths in its docstring (forward, gradient, what it saves). The
lower-case functions next to them (``add``, ``sum``, ...) are the public entry points that
``Tensor`` methods and ``chainrule.*`` call; they validate arguments and pick the class.
"""
