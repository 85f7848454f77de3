"""The training loop of assignment 04, working: accuracy and train.

This file contains assignment 04's solution: it is released with assignment 06
only after the deadline of assignment 04. Unlike 04's, this train takes any model
(not only TwoLayerNet's four parameters), and keeps batch normalisation's running
averages of the best epoch together with its parameters.

Generated from 04_digits_mlp.ipynb by `python -m course build`: edit the notebook, not
this file.
"""

import copy

import numpy as np
from tqdm.auto import tqdm

from optim import sgd

__all__ = [
    "accuracy",
    "train",
]


def running_averages(model):
    """A deep copy of model.bn_params (batch normalisation's running averages), or None.

    They belong to the parameters they were averaged with: train keeps them together."""
    bn_params = getattr(model, "bn_params", None)
    return None if bn_params is None else copy.deepcopy(bn_params)


def restore_running_averages(model, kept):
    """Put back what running_averages(model) returned (nothing if it was None)."""
    if kept is not None:
        model.bn_params = kept


def accuracy(model, X, y):
    """Share of the rows of X (N, D) that the model classifies as y (N,), a float in [0, 1]."""
    scores = model.loss(X)
    return float(np.mean(np.argmax(scores, axis=1) == y))


def train(model, data, update_rule=sgd, optim_config=None, num_epochs=10, batch_size=100,
          lr_decay=1.0, seed=0, progress=True):
    """Train a model with minibatch gradient descent and keep its best parameters.

    Inputs:
    - model: any object with
      - model.params: a dict name -> float array, the parameters to train
      - model.loss(X): the scores (N, C) in test mode (no dropout, running averages in
        batch normalisation)
      - model.loss(X, y): (loss, grads) in train mode, grads a dict with the keys and
        shapes of model.params
      - optionally model.bn_params: a list of dicts of batch normalisation's state
    - data: dict with "X_train" (N, D), "y_train" (N,), "X_val" (N_val, D), "y_val" (N_val,)
    - update_rule: sgd, sgd_momentum or adam (any function (w, dw, config) -> (next_w, config))
    - optim_config: dict of hyperparameters for the update rule, e.g. {"learning_rate": 0.1};
      every parameter gets its own copy. None means the rule's defaults.
    - num_epochs: number of passes over the training set
    - batch_size: examples per minibatch; the last minibatch of an epoch may be smaller
    - lr_decay: after every epoch, every config's learning_rate is multiplied by lr_decay
    - seed: seed of np.random.default_rng for the shuffling
    - progress: show a tqdm progress bar over the epochs

    Returns a dict history with
    - "loss": list of floats, the loss of every training minibatch, in order
    - "train_acc", "val_acc": lists of floats, the accuracies after every epoch
    - "best_val_acc": float, the best validation accuracy

    On return, model.params holds (copies of) the parameters of the epoch with the best
    validation accuracy, and model.bn_params (if any) the running averages of that epoch.
    """
    rng = np.random.default_rng(seed)
    X, y = data["X_train"], data["y_train"]
    configs = {name: dict(optim_config or {}) for name in model.params}
    history = {"loss": [], "train_acc": [], "val_acc": [], "best_val_acc": -1.0}
    best_params = {name: w.copy() for name, w in model.params.items()}
    best_averages = running_averages(model)

    bar = tqdm(range(num_epochs), desc="epochs", disable=not progress)
    for epoch in bar:
        order = rng.permutation(X.shape[0])
        for start in range(0, X.shape[0], batch_size):
            batch = order[start:start + batch_size]
            loss, grads = model.loss(X[batch], y[batch])
            history["loss"].append(float(loss))
            for name in model.params:
                model.params[name], configs[name] = update_rule(
                    model.params[name], grads[name], configs[name])
        for config in configs.values():
            config["learning_rate"] = config["learning_rate"] * lr_decay

        history["train_acc"].append(accuracy(model, X, y))
        history["val_acc"].append(accuracy(model, data["X_val"], data["y_val"]))
        if history["val_acc"][-1] >= history["best_val_acc"]:
            history["best_val_acc"] = history["val_acc"][-1]
            best_params = {name: w.copy() for name, w in model.params.items()}
            best_averages = running_averages(model)
        bar.set_postfix(loss=f"{history['loss'][-1]:.3f}", val_acc=f"{history['val_acc'][-1]:.3f}")

    model.params = best_params
    restore_running_averages(model, best_averages)
    return history
