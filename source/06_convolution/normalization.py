"""Batch normalisation for assignment 06: the one you wrote in assignment 05, working.

This file contains assignment 05's solutions: it is released with assignment 06
only after the deadline of assignment 05.

Generated from 05_normalization.ipynb by `python -m course build`: edit the notebook,
not this file.
"""

import numpy as np

__all__ = [
    "batchnorm_forward",
    "batchnorm_backward_staged",
    "batchnorm_backward",
]


def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalisation over the batch axis.

    Inputs:
    - x: (N, D) input
    - gamma: (D,) scale, beta: (D,) shift
    - bn_param: dict with "mode" ("train" or "test"), optional "eps" (1e-5),
      "momentum" (0.9), "running_mean" (D,) and "running_var" (D,) (zeros and ones
      when missing)

    Returns:
    - out: (N, D)
    - cache: in train mode, the dict {"x", "gamma", "beta", "eps", "mu", "xc", "var",
      "std", "istd", "xhat"}; in test mode, None

    Train mode stores the updated running averages in bn_param; test mode changes
    nothing. x, gamma and beta are not modified.
    """
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D))
    running_var = bn_param.get("running_var", np.ones(D))
    if mode == "train":
        mu = np.mean(x, axis=0)
        xc = x - mu
        var = np.mean(xc ** 2, axis=0)
        std = np.sqrt(var + eps)
        istd = 1.0 / std
        xhat = xc * istd
        out = gamma * xhat + beta
        cache = {"x": x, "gamma": gamma, "beta": beta, "eps": eps,
                 "mu": mu, "xc": xc, "var": var, "std": std, "istd": istd, "xhat": xhat}
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
    elif mode == "test":
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        cache = None
    else:
        raise ValueError(f'bn_param["mode"] must be "train" or "test", not {mode!r}')
    return out, cache


def batchnorm_backward_staged(dout, cache):
    """Backward pass of batch normalisation, one intermediate at a time.

    Inputs:
    - dout: upstream gradient, (N, D)
    - cache: the dict batchnorm_forward returns in train mode

    Returns a dict with the gradient of the output with respect to every intermediate
    and input: "beta", "gamma", "istd", "std", "var", "mu" of shape (D,); "xhat",
    "xc", "x" of shape (N, D). Gradients are total: through every path.
    dout and the cache are not modified.
    """
    x, gamma, xc = cache["x"], cache["gamma"], cache["xc"]
    std, istd, xhat = cache["std"], cache["istd"], cache["xhat"]
    N = x.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    distd = np.sum(dxhat * xc, axis=0)
    dstd = -distd / std ** 2
    dvar = dstd / (2.0 * std)
    dxc = dxhat * istd                      # path 1: xc -> xhat
    dxc = dxc + (2.0 / N) * xc * dvar       # path 2: xc -> var -> std -> istd -> xhat
    dmu = -np.sum(dxc, axis=0)
    dx = dxc + dmu / N                      # x -> xc directly, plus x -> mu -> xc
    return {"beta": dbeta, "gamma": dgamma, "xhat": dxhat, "istd": distd, "std": dstd,
            "var": dvar, "xc": dxc, "mu": dmu, "x": dx}


def batchnorm_backward(dout, cache):
    """cs231n's interface to your staged backward: returns dx (N, D), dgamma (D,), dbeta (D,)."""
    grads = batchnorm_backward_staged(dout, cache)
    return grads["x"], grads["gamma"], grads["beta"]
