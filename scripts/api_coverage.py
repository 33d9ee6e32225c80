"""Generate docs/api-coverage.md: which PyTorch names chainrule supports.

    python scripts/api_coverage.py          # rewrite docs/api-coverage.md
    python scripts/api_coverage.py --check  # exit 1 if the committed page is out of date

For ``torch.<name>`` functions and ``torch.Tensor`` methods/attributes, a name counts as
supported when chainrule has the same name (``chainrule.<name>`` or ``chainrule.Tensor.<name>``).
The tables list the names a model script reaches for (the ones chainrule's issues cover, and
every name chainrule has); the rest of PyTorch's public names are listed compactly at the end.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

import chainrule

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "api-coverage.md"

# The names a PyTorch training script for MLPs, CNNs and simple RNNs uses (the op library's
# scope), grouped as in the docs.
CORE = {
    "Creation": "tensor zeros ones full empty eye arange linspace rand randn randint normal "
    "zeros_like ones_like full_like rand_like randn_like empty_like from_numpy as_tensor "
    "manual_seed",
    "dtypes": "float32 float64 float16 int64 int32 bool get_default_dtype set_default_dtype "
    "result_type promote_types can_cast",
    "Elementwise": "neg add sub mul div true_divide pow exp exp2 log log2 log10 log1p expm1 "
    "sqrt rsqrt square abs sign sin cos tan asin acos atan atan2 sinh cosh tanh sigmoid relu "
    "clamp clip maximum minimum where reciprocal floor ceil round trunc frac fmod remainder "
    "lerp erf logaddexp nan_to_num",
    "Comparison and logic": "eq ne lt le gt ge logical_and logical_or logical_not logical_xor "
    "isnan isinf isfinite allclose equal",
    "Reductions": "sum mean prod max min amax amin argmax argmin var std logsumexp norm "
    "cumsum cumprod all any topk sort argsort softmax log_softmax",
    "Shape and indexing": "reshape view_as reshape_as permute transpose swapaxes t flatten "
    "unflatten squeeze unsqueeze broadcast_to repeat_interleave tile flip roll cat concat "
    "stack split chunk unbind narrow gather scatter scatter_add index_select masked_fill "
    "masked_select take tril triu diag diagonal trace",
    "Linear algebra": "matmul mm bmm mv dot outer einsum tensordot",
    "Autograd": "no_grad enable_grad set_grad_enabled is_grad_enabled",
    "Checkpoints": "save load",
}
CORE_TENSOR = (
    "data grad requires_grad grad_fn is_leaf shape ndim dtype size dim numel item tolist "
    "numpy detach clone requires_grad_ retain_grad register_hook backward view reshape "
    "expand expand_as T mT contiguous float double half long int bool to type_as type "
    "add_ sub_ mul_ div_ pow_ clamp_ zero_ fill_ copy_ normal_ uniform_ masked_fill_"
)
LINALG = "norm vector_norm matrix_norm inv det solve"

# The namespaces of the nn/optim/data toolkit, with the names its issue asks for. Every
# other public name chainrule has in the namespace is listed below them.
NAMESPACES = {
    "torch.nn": (
        "Module Parameter Buffer Sequential ModuleList ModuleDict Identity Flatten Unflatten "
        "Linear Bilinear Conv1d Conv2d ConvTranspose2d MaxPool2d AvgPool2d AdaptiveAvgPool2d "
        "BatchNorm1d BatchNorm2d LayerNorm GroupNorm Dropout Embedding RNN LSTM GRU RNNCell "
        "LSTMCell GRUCell MultiheadAttention ReLU LeakyReLU ELU GELU SiLU Sigmoid Tanh Softplus "
        "Softmax LogSoftmax Hardtanh Mish MSELoss L1Loss SmoothL1Loss HuberLoss BCELoss "
        "BCEWithLogitsLoss CrossEntropyLoss NLLLoss KLDivLoss CosineEmbeddingLoss "
        "MarginRankingLoss"
    ),
    "torch.nn.functional": (
        "linear bilinear conv1d conv2d conv_transpose2d max_pool2d avg_pool2d "
        "adaptive_avg_pool2d batch_norm layer_norm group_norm dropout embedding one_hot pad "
        "normalize scaled_dot_product_attention cosine_similarity interpolate relu leaky_relu "
        "elu gelu silu sigmoid tanh softplus softmax log_softmax hardtanh mish mse_loss l1_loss "
        "smooth_l1_loss huber_loss binary_cross_entropy binary_cross_entropy_with_logits "
        "cross_entropy nll_loss kl_div cosine_embedding_loss margin_ranking_loss"
    ),
    "torch.nn.init": (
        "uniform_ normal_ constant_ zeros_ ones_ eye_ xavier_uniform_ xavier_normal_ "
        "kaiming_uniform_ kaiming_normal_ orthogonal_ trunc_normal_ calculate_gain"
    ),
    "torch.nn.utils": (
        "clip_grad_norm_ clip_grad_value_ parameters_to_vector vector_to_parameters"
    ),
    "torch.optim": "Optimizer SGD Adam AdamW RMSprop Adagrad Adadelta Adamax NAdam RAdam",
    "torch.optim.lr_scheduler": (
        "StepLR MultiStepLR ExponentialLR CosineAnnealingLR CosineAnnealingWarmRestarts "
        "LambdaLR LinearLR OneCycleLR ReduceLROnPlateau SequentialLR"
    ),
    "torch.utils.data": (
        "Dataset IterableDataset TensorDataset Subset ConcatDataset random_split DataLoader"
    ),
}


def _public(names) -> list[str]:
    return sorted(n for n in names if not n.startswith("_"))


def _row(name: str, ok: bool) -> str:
    return f"| `{name}` | {'yes' if ok else 'no'} |"


def _table(names, has) -> tuple[list[str], int]:
    lines = ["| name | supported |", "| --- | --- |"]
    n_ok = 0
    for name in names:
        ok = has(name)
        n_ok += ok
        lines.append(_row(name, ok))
    return lines, n_ok


def render() -> str:
    out = [
        "# API coverage",
        "",
        f"Generated by `scripts/api_coverage.py` against PyTorch {torch.__version__.split('+')[0]}",
        "(run `python scripts/api_coverage.py` after adding an op; a test checks this page is",
        "current). A name is supported when chainrule has it with PyTorch's meaning; the op",
        "table in `tests/` checks each one against PyTorch.",
        "",
    ]
    torch_funcs = set(_public(dir(torch)))
    has_fn = lambda n: hasattr(chainrule, n)  # noqa: E731
    listed: set[str] = set()
    for title, names in CORE.items():
        names = [n for n in names.split() if n in torch_funcs]
        listed.update(names)
        lines, n_ok = _table(names, has_fn)
        out += [f"## `torch.*`: {title} ({n_ok}/{len(names)})", "", *lines, ""]

    extra = [n for n in _public(chainrule.__all__) if n in torch_funcs and n not in listed]
    if extra:
        listed.update(extra)
        lines, _ = _table(extra, has_fn)
        out += ["## `torch.*`: other names chainrule has", "", *lines, ""]

    tensor_attrs = set(_public(dir(torch.Tensor)))
    has_attr = lambda n: hasattr(chainrule.Tensor, n)  # noqa: E731
    t_names = [n for n in CORE_TENSOR.split() if n in tensor_attrs]
    ours = [n for n in _public(dir(chainrule.Tensor)) if n in tensor_attrs and n not in t_names]
    t_names += ours
    lines, n_ok = _table(t_names, has_attr)
    out += [f"## `torch.Tensor` methods and attributes ({n_ok}/{len(t_names)})", "", *lines, ""]

    la = [n for n in LINALG.split() if hasattr(torch.linalg, n)]
    cr_linalg = getattr(chainrule, "linalg", None)
    lines, n_ok = _table(la, lambda n: cr_linalg is not None and hasattr(cr_linalg, n))
    out += [f"## `torch.linalg` ({n_ok}/{len(la)})", "", *lines, ""]

    for space, wanted in NAMESPACES.items():
        out += _namespace(space, wanted.split())

    rest_fn = [n for n in sorted(torch_funcs - listed) if callable(getattr(torch, n, None))]
    rest_t = [n for n in sorted(tensor_attrs - set(t_names))]
    out += [
        "## Not supported (the rest of PyTorch's public names)",
        "",
        f"`torch.*` ({len(rest_fn)}): " + ", ".join(f"`{n}`" for n in rest_fn),
        "",
        f"`torch.Tensor.*` ({len(rest_t)}): " + ", ".join(f"`{n}`" for n in rest_t),
        "",
    ]
    return "\n".join(out)


def _resolve(root, dotted: str):
    obj = root
    for part in dotted.split(".")[1:]:
        obj = getattr(obj, part, None)
    return obj


def _namespace(space: str, wanted: list[str]) -> list[str]:
    """The table for one namespace (``torch.nn``...): the issue's names, then the others
    chainrule has there, then PyTorch's remaining public names in one line."""
    theirs = _resolve(torch, space)
    ours = _resolve(chainrule, space.replace("torch", "chainrule", 1))
    torch_names = {
        n
        for n in _public(dir(theirs))
        if not isinstance(getattr(theirs, n, None), type(torch))  # skip sub-modules
    }
    has = lambda n: ours is not None and hasattr(ours, n)  # noqa: E731
    names = [n for n in wanted if n in torch_names]
    extra = [n for n in _public(getattr(ours, "__all__", [])) if n in torch_names]
    names += [n for n in extra if n not in names]
    lines, n_ok = _table(names, has)
    rest = sorted(torch_names - set(names))
    return [
        f"## `{space}` ({n_ok}/{len(names)})",
        "",
        *lines,
        "",
        f"Not supported ({len(rest)}): " + ", ".join(f"`{n}`" for n in rest),
        "",
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the page is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if not PAGE.exists() or PAGE.read_text() != text:
            print(f"{PAGE} is out of date: run python scripts/api_coverage.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(text)
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
