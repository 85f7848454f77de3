"""Update rules for assignment 05: the ones you wrote in assignment 04, working.

This file contains assignment 04's solutions: it is released with assignment 05
only after the deadline of assignment 04.

Every rule has the signature ``next_w, config = rule(w, dw, config=None)``:
- w: a parameter, array of any shape; dw: the gradient of the loss, same shape
- config: a dict of hyperparameters and state (velocity, running means), one per
  parameter, or None for the defaults; the rule fills in what is missing and
  returns it.
No rule modifies w or dw: next_w is a new array.
"""

import numpy as np

__all__ = ["sgd", "sgd_momentum", "adam"]


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: next_w = w - learning_rate * dw.

    config: "learning_rate" (default 1e-2).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    return w - config["learning_rate"] * dw, config


def sgd_momentum(w, dw, config=None):
    """SGD with momentum: v = momentum * v - learning_rate * dw; next_w = w + v.

    config: "learning_rate" (1e-2), "momentum" (0.9), "velocity" (zeros like w at first).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config


def adam(w, dw, config=None):
    """Adam, with bias correction; the step counter t is incremented first.

    config: "learning_rate" (1e-3), "beta1" (0.9), "beta2" (0.999), "epsilon" (1e-8),
    "m" and "v" (zeros like w at first), "t" (0 at first).
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
    config["m"] = beta1 * config["m"] + (1 - beta1) * dw
    config["v"] = beta2 * config["v"] + (1 - beta2) * (dw * dw)
    m_hat = config["m"] / (1 - beta1 ** config["t"])
    v_hat = config["v"] / (1 - beta2 ** config["t"])
    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
    return next_w, config
