"""Update rules for assignment 05: the ones you wrote in assignment 04, working.

This file contains assignment 04's solutions: it is released with assignment 05
only after the deadline of assignment 04.

Every rule has the signature ``next_w, config = rule(w, dw, config=None)``; no rule
modifies w or dw. Generated from 04_digits_mlp.ipynb by `python -m course build`:
edit the notebook, not this file.
"""

import numpy as np

__all__ = [
    "sgd",
    "sgd_momentum",
    "adam",
]


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: next_w = w - learning_rate * dw.

    Inputs:
    - w: parameter, array of any shape
    - dw: gradient of the loss with respect to w, same shape
    - config: dict with "learning_rate" (default 1e-2), or None

    Returns (next_w, config); next_w is a new array, w and dw are not modified.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    next_w = w - config["learning_rate"] * dw
    return next_w, config


def sgd_momentum(w, dw, config=None):
    """Stochastic gradient descent with momentum.

    Inputs:
    - w: parameter, array of any shape
    - dw: gradient of the loss with respect to w, same shape
    - config: dict or None, with
      - "learning_rate": alpha (default 1e-2)
      - "momentum": mu, between 0 and 1 (default 0.9)
      - "velocity": v, the shape of w (zeros at the first step)

    Returns (next_w, config): next_w = w + v with the new velocity
    v = mu * v - learning_rate * dw, stored as config["velocity"].
    w and dw are not modified.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v
    config["velocity"] = v
    return next_w, config


def adam(w, dw, config=None):
    """The Adam update rule.

    Inputs:
    - w: parameter, array of any shape
    - dw: gradient of the loss with respect to w, same shape
    - config: dict or None, with
      - "learning_rate" (default 1e-3), "beta1" (0.9), "beta2" (0.999), "epsilon" (1e-8)
      - "m", "v": running means of dw and dw**2, the shape of w (zeros at first)
      - "t": the number of steps taken so far (0 at first)

    Returns (next_w, config). t is incremented before the bias correction.
    w and dw are not modified.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("t", 0)
    beta1, beta2 = config["beta1"], config["beta2"]
    config["t"] += 1
    t = config["t"]
    config["m"] = beta1 * config["m"] + (1 - beta1) * dw
    config["v"] = beta2 * config["v"] + (1 - beta2) * (dw * dw)
    m_hat = config["m"] / (1 - beta1 ** t)
    v_hat = config["v"] / (1 - beta2 ** t)
    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
    return next_w, config
