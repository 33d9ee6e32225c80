"""The hand-written NumPy CNN of W6: 3x3 convolutions (padding 1) as im2col and one matrix
product, batch normalisation, 2x2 max pooling, and their backward passes.

Layouts are PyTorch's: images ``(batch, channels, height, width)``, kernels
``(out_channels, in_channels, 3, 3)``, so the same initial weights load into every
implementation unchanged.
"""

from __future__ import annotations

import numpy as np

from ._common import softmax_cross_entropy

KERNEL = 3
PAD = 1
BN_EPS = 1e-5
BN_MOMENTUM = 0.1


def im2col(x: np.ndarray) -> np.ndarray:
    """``(B, C, H, W)`` -> ``(B*H*W, C*3*3)``: row ``(b, h, w)`` holds the padded 3x3 patch
    around pixel ``(h, w)``, channel-major like a flattened kernel."""
    batch, channels, height, width = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (PAD, PAD), (PAD, PAD)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (KERNEL, KERNEL), axis=(2, 3))
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(batch * height * width, -1)


def col2im(cols: np.ndarray, shape: tuple) -> np.ndarray:
    """The adjoint of im2col: each patch entry's gradient added back to its pixel."""
    batch, channels, height, width = shape
    patches = cols.reshape(batch, height, width, channels, KERNEL, KERNEL)
    padded = np.zeros((batch, channels, height + 2 * PAD, width + 2 * PAD), dtype=cols.dtype)
    for i in range(KERNEL):
        for j in range(KERNEL):
            padded[:, :, i : i + height, j : j + width] += patches[..., i, j].transpose(0, 3, 1, 2)
    return padded[:, :, PAD : PAD + height, PAD : PAD + width]


def conv_forward(x, kernel, bias):
    """y = conv2d(x, kernel, padding=1) + bias; returns y and the patches backward needs."""
    batch, _, height, width = x.shape
    cols = im2col(x)
    y = cols @ kernel.reshape(kernel.shape[0], -1).T
    y += bias
    return y.reshape(batch, height, width, -1).transpose(0, 3, 1, 2), cols


def conv_backward(grad_y, cols, kernel, x_shape, need_input_grad: bool):
    """Gradients of the kernel, the bias and (if asked) the input."""
    out_channels = kernel.shape[0]
    g = grad_y.transpose(0, 2, 3, 1).reshape(-1, out_channels)
    grad_kernel = (g.T @ cols).reshape(kernel.shape)
    grad_bias = g.sum(axis=0)
    grad_x = col2im(g @ kernel.reshape(out_channels, -1), x_shape) if need_input_grad else None
    return grad_x, grad_kernel, grad_bias


def _windows(x: np.ndarray) -> np.ndarray:
    """``(B, C, H, W)`` -> ``(B, C, H/2, W/2, 4)``: each 2x2 window, row-major."""
    batch, channels, height, width = x.shape
    x = x.reshape(batch, channels, height // 2, 2, width // 2, 2)
    return x.transpose(0, 1, 2, 4, 3, 5).reshape(batch, channels, height // 2, width // 2, 4)


def maxpool_forward(x):
    """2x2 max pooling; the gradient goes to the first maximum of a window, as PyTorch's."""
    windows = _windows(x)
    index = windows.argmax(axis=-1)[..., None]
    return np.take_along_axis(windows, index, axis=-1)[..., 0], index


def maxpool_backward(grad_y, index, x_shape):
    batch, channels, height, width = x_shape
    grad = np.zeros((*grad_y.shape, 4), dtype=grad_y.dtype)
    np.put_along_axis(grad, index, grad_y[..., None], axis=-1)
    grad = grad.reshape(batch, channels, height // 2, width // 2, 2, 2).transpose(0, 1, 2, 4, 3, 5)
    return grad.reshape(x_shape)


def batchnorm_forward(z, gamma, beta, running: dict, training: bool):
    """BatchNorm2d, PyTorch's defaults (eps 1e-5, momentum 0.1): normalise each channel with
    the batch's mean and biased variance while training, updating the running statistics
    (variance unbiased); with the running statistics in evaluation."""
    if training:
        mean, var = z.mean(axis=(0, 2, 3)), z.var(axis=(0, 2, 3))
        count = z.size // z.shape[1]
        running["mean"] *= 1 - BN_MOMENTUM
        running["mean"] += BN_MOMENTUM * mean
        running["var"] *= 1 - BN_MOMENTUM
        running["var"] += BN_MOMENTUM * var * (count / (count - 1))
    else:
        mean, var = running["mean"], running["var"]
    inv_std = 1.0 / np.sqrt(var + BN_EPS)
    x_hat = (z - mean[:, None, None]) * inv_std[:, None, None]
    return x_hat * gamma[:, None, None] + beta[:, None, None], (x_hat, inv_std)


def batchnorm_backward(grad_y, saved, gamma):
    """dx = gamma / std / m * (m * dy - sum(dy) - x_hat * sum(dy * x_hat)), per channel."""
    x_hat, inv_std = saved
    count = grad_y.size // grad_y.shape[1]
    grad_beta = grad_y.sum(axis=(0, 2, 3))
    grad_gamma = (grad_y * x_hat).sum(axis=(0, 2, 3))
    scale = (gamma * inv_std / count)[:, None, None]
    grad_x = scale * (count * grad_y - grad_beta[:, None, None] - x_hat * grad_gamma[:, None, None])
    return grad_x, grad_gamma, grad_beta


def cnn_forward(x, params, running, training: bool):
    """Two blocks of conv-BatchNorm-ReLU-pool, flatten, linear.

    ``params`` is ``[k0, c0, g0, be0, k1, c1, g1, be1, w, b]`` (kernel, conv bias, batch-norm
    weight and bias per block); ``running`` the two blocks' running statistics. Returns the
    logits and what backward needs.
    """
    h, saved = x, []
    for block in range(2):
        kernel, bias, gamma, beta = params[4 * block : 4 * block + 4]
        z, cols = conv_forward(h, kernel, bias)
        n, bn_saved = batchnorm_forward(z, gamma, beta, running[block], training)
        r = np.maximum(n, 0.0)
        pooled, index = maxpool_forward(r)
        saved.append((h.shape, cols, bn_saved, r, index))
        h = pooled
    flat = h.reshape(len(x), -1)
    return flat @ params[8] + params[9], (saved, h.shape, flat)


def cnn_backward(grad_logits, saved, params):
    """Gradients of ``params``, in order; the images need none."""
    blocks, pooled_shape, flat = saved
    grads = [None] * len(params)
    grads[8] = flat.T @ grad_logits
    grads[9] = grad_logits.sum(axis=0)
    g = (grad_logits @ params[8].T).reshape(pooled_shape)
    for block in reversed(range(2)):
        kernel, _, gamma, _ = params[4 * block : 4 * block + 4]
        x_shape, cols, bn_saved, r, index = blocks[block]
        g = maxpool_backward(g, index, r.shape) * (r > 0)
        g, grads[4 * block + 2], grads[4 * block + 3] = batchnorm_backward(g, bn_saved, gamma)
        g, grads[4 * block], grads[4 * block + 1] = conv_backward(
            g, cols, kernel, x_shape, need_input_grad=block > 0
        )
    return grads


def cnn_evaluate(params, running, data) -> dict:
    """The test accuracy in evaluation mode (running statistics), then the training-set loss
    in training mode (batch statistics; the running statistics are left as they were)."""
    test_logits, _ = cnn_forward(data["x_test"], params, running, training=False)
    accuracy = float((test_logits.argmax(axis=1) == data["y_test"]).mean())
    scratch = [{key: value.copy() for key, value in stats.items()} for stats in running]
    logits, _ = cnn_forward(data["x_train"], params, scratch, training=True)
    loss, _ = softmax_cross_entropy(logits, data["y_train"])
    return {"loss": float(loss), "accuracy": accuracy}
