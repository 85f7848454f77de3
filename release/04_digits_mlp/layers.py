"""Reference layers for assignment 04 (cs231n conventions).

These are the layers you wrote in assignment 03, in a working version, so that a bug left
over from 03 cannot spoil 04. This file contains assignment 03's solutions: it is
released with assignment 04 only after the deadline of assignment 03.

Generated from 03_layers.ipynb by `python -m course build` (course/admin/authoring/shipped.py):
edit the notebook, not this file.
"""

import numpy as np

__all__ = [
    "affine_forward",
    "affine_backward",
    "relu_forward",
    "relu_backward",
    "affine_relu_forward",
    "affine_relu_backward",
    "softmax_loss",
]


def affine_forward(x, w, b):
    """Forward pass of an affine (fully connected) layer.

    Inputs:
    - x: input, shape (N, d_1, ..., d_k); each example has D = d_1 * ... * d_k numbers
    - w: weights, shape (D, M)
    - b: biases, shape (M,)

    Returns a tuple of:
    - out: output, shape (N, M)
    - cache: whatever affine_backward needs (your choice: a tuple, a dict, an object)

    x, w and b are not modified.
    """
    out = x.reshape(x.shape[0], -1) @ w + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    """Backward pass of an affine layer.

    Inputs:
    - dout: upstream gradient dL/dout, shape (N, M)
    - cache: what affine_forward returned as its cache

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, d_1, ..., d_k), the shape of x
    - dw: gradient with respect to w, shape (D, M)
    - db: gradient with respect to b, shape (M,)

    dout and the cache are not modified.
    """
    x, w, b = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = np.sum(dout, axis=0)
    return dx, dw, db


def relu_forward(x):
    """Forward pass of a layer of rectified linear units.

    Inputs:
    - x: input, any shape

    Returns a tuple of:
    - out: max(0, x) elementwise, the shape of x
    - cache: whatever relu_backward needs

    x is not modified.
    """
    out = np.maximum(0, x)
    cache = x
    return out, cache


def relu_backward(dout, cache):
    """Gradient of the loss with respect to the input of a ReLU layer.

    Inputs:
    - dout: upstream gradient, any shape
    - cache: what relu_forward returned as its cache

    Returns:
    - dx: gradient with respect to x, the shape of dout

    dout and the cache are not modified.
    """
    x = cache
    dx = dout * (x > 0)
    return dx


def affine_relu_forward(x, w, b):
    """An affine layer followed by a ReLU.

    Inputs:
    - x: input, shape (N, d_1, ..., d_k)
    - w: weights, shape (D, M)
    - b: biases, shape (M,)

    Returns a tuple of:
    - out: max(0, x_flat @ w + b), shape (N, M)
    - cache: whatever affine_relu_backward needs

    Use your affine_forward and relu_forward.
    """
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    cache = (fc_cache, relu_cache)
    return out, cache


def affine_relu_backward(dout, cache):
    """Backward pass of the affine-ReLU sandwich.

    Inputs:
    - dout: upstream gradient, shape (N, M)
    - cache: what affine_relu_forward returned as its cache

    Returns a tuple of:
    - dx: gradient with respect to x, the shape of x
    - dw: gradient with respect to w, shape (D, M)
    - db: gradient with respect to b, shape (M,)

    Use your relu_backward and affine_backward.
    """
    fc_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db


def softmax_loss(x, y):
    """Softmax (cross-entropy) loss, averaged over the batch, computed stably.

    Inputs:
    - x: scores, shape (N, C); x[n, j] is the score of class j for example n
    - y: labels, shape (N,), integers with 0 <= y[n] < C

    Returns a tuple of:
    - loss: scalar, the mean over n of -log softmax(x[n])[y[n]]
    - dx: gradient of the loss with respect to x, shape (N, C)

    x and y are not modified.
    """
    N = x.shape[0]
    rows = np.arange(N)
    shifted = x - np.max(x, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -np.mean(log_probs[rows, y])
    dx = np.exp(log_probs)
    dx[rows, y] -= 1
    dx /= N
    return loss, dx
