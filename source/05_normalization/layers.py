"""Reference layers for assignment 05 (cs231n conventions).

These are the layers you wrote in assignment 03, in a working version, so that
a bug left over from 03 cannot spoil 05. This file contains assignment 03's
solutions: it is released with assignment 05 only after the deadline of
assignment 03.

Every ``*_forward`` returns ``(out, cache)``; every ``*_backward`` takes the
upstream gradient ``dout`` and that cache and returns the gradients of its
inputs. No function modifies its arguments.
"""

import numpy as np

__all__ = [
    "affine_forward", "affine_backward",
    "relu_forward", "relu_backward",
    "affine_relu_forward", "affine_relu_backward",
    "softmax_loss",
]


def affine_forward(x, w, b):
    """Fully connected layer: out = x @ w + b.

    Inputs:
    - x: (N, d_1, ..., d_k), each example is flattened to D = d_1 * ... * d_k
    - w: weights, (D, M)
    - b: biases, (M,)

    Returns:
    - out: (N, M)
    - cache: (x, w, b)
    """
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    """Gradients of the fully connected layer.

    Inputs:
    - dout: upstream gradient, (N, M)
    - cache: (x, w, b) from affine_forward

    Returns:
    - dx: (N, d_1, ..., d_k), the shape of x
    - dw: (D, M)
    - db: (M,)
    """
    x, w, _ = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


def relu_forward(x):
    """ReLU: out = max(0, x), elementwise.

    Inputs:
    - x: any shape

    Returns:
    - out: same shape as x
    - cache: x
    """
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    """Gradient of the ReLU: dout where x > 0, else 0.

    Inputs:
    - dout: upstream gradient, any shape
    - cache: x from relu_forward, same shape as dout

    Returns:
    - dx: same shape as dout (a new array: dout is not modified)
    """
    return dout * (cache > 0)


def affine_relu_forward(x, w, b):
    """An affine layer followed by a ReLU.

    Inputs: as affine_forward. Returns out (N, M) and a cache for affine_relu_backward.
    """
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    return out, (fc_cache, relu_cache)


def affine_relu_backward(dout, cache):
    """Gradients of affine_relu_forward.

    Inputs:
    - dout: (N, M)
    - cache: from affine_relu_forward

    Returns dx (shape of x), dw (D, M), db (M,).
    """
    fc_cache, relu_cache = cache
    return affine_backward(relu_backward(dout, relu_cache), fc_cache)


def softmax_loss(x, y):
    """Softmax cross-entropy loss, averaged over the batch, and its gradient.

    Inputs:
    - x: scores, (N, C); x[i, j] is the score of class j for example i
    - y: labels, (N,), integers with 0 <= y[i] < C

    Returns:
    - loss: float, mean over the N examples of -log softmax(x[i])[y[i]]
    - dx: gradient of loss with respect to x, (N, C)
    """
    shifted = x - x.max(axis=1, keepdims=True)  # exp cannot overflow
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = x.shape[0]
    loss = -float(log_probs[np.arange(n), y].mean())
    dx = np.exp(log_probs)
    dx[np.arange(n), y] -= 1
    dx /= n
    return loss, dx
