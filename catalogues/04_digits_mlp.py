"""Typical mistakes in assignment 04 (digits MLP), as edits to the reference solution.

Format: see AUTHORING.md and tests/catalogue_check.py. Every bug loses points in exactly the
test cells of `loses` (verified end to end with real nbgrader), all of them in its own exercise
(EXERCISES maps each test cell to the solution cells it grades) or in the integration check;
`visible` says whether the visible tests catch it (`nbgrader validate` on the filled release
fails). Every variant gets full marks and passes validate. An edit is (grade_id of a solution
cell, old text, new text); old None replaces the whole cell.
"""

# Which solution cells each test cell grades. test_train trains a stand-in model (visible part)
# or a trusted two-layer network (hidden part) with recording update rules of its own, so only
# `train` is graded there.
EXERCISES = {
    "test_init": ["two_layer_net"],
    "test_two_layer_net_loss": ["two_layer_net"],
    "test_two_layer_net_gradients": ["two_layer_net"],
    "test_sgd_momentum": ["sgd_momentum"],
    "test_adam": ["adam"],
    "test_train": ["train"],
    "test_train_digits": ["two_layer_net", "sgd_momentum", "train"],
}
# test_train_digits trains the student's network with the student's momentum and training loop
# to 95% validation accuracy; the notebook says (title cell and section 5) that it is the
# integration check, where a bug in any of them can cost points.
INTEGRATION = ["test_train_digits"]

_REG_GRAD = "        dW1 = dW1 + self.reg * W1\n        dW2 = dW2 + self.reg * W2\n"

BUGS = [
    {
        "name": "reg_gradient_missing",
        "why": "the L2 term is in the loss but its gradient reg * W is never added; invisible "
               "with reg = 0",
        "edits": [("two_layer_net", _REG_GRAD, "")],
        "loses": ["test_two_layer_net_gradients"],
        "visible": True,
    },
    {
        "name": "reg_gradient_factor_two",
        "why": "d/dW of 0.5 * reg * W**2 taken as 2 * reg * W (the 0.5 forgotten in the gradient)",
        "edits": [("two_layer_net", _REG_GRAD,
                   "        dW1 = dW1 + 2 * self.reg * W1\n        dW2 = dW2 + 2 * self.reg * W2\n")],
        "loses": ["test_two_layer_net_gradients"],
        "visible": True,
    },
    {
        "name": "biases_regularised",
        "why": "the biases are regularised too, consistently in loss and gradient, so the "
               "gradient check passes; only the loss value shows it",
        "edits": [("two_layer_net", "(np.sum(W1 * W1) + np.sum(W2 * W2))",
                   "(np.sum(W1 * W1) + np.sum(W2 * W2) + np.sum(b1 * b1) + np.sum(b2 * b2))"),
                  ("two_layer_net", '{"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}',
                   '{"W1": dW1, "b1": db1 + self.reg * b1, "W2": dW2, "b2": db2 + self.reg * b2}')],
        "loses": ["test_two_layer_net_loss"],
        "visible": True,
    },
    {
        "name": "relu_gate_skipped_in_backward",
        "why": "the hidden layer's backward uses affine_backward alone and forgets the ReLU gate",
        "edits": [("two_layer_net", "_, dW1, db1 = affine_relu_backward(dhidden, hidden_cache)",
                   "_, dW1, db1 = affine_backward(dhidden, hidden_cache[0])")],
        "loses": ["test_two_layer_net_gradients"],
        "visible": True,
    },
    {
        "name": "zero_init",
        "why": "all weights start at 0: every hidden unit stays identical, and W1 gets no "
               "gradient at all while W2 is 0",
        "edits": [("two_layer_net", "scale1 * rng.standard_normal((input_dim, hidden_dim))",
                   "np.zeros((input_dim, hidden_dim))"),
                  ("two_layer_net", "scale2 * rng.standard_normal((hidden_dim, num_classes))",
                   "np.zeros((hidden_dim, num_classes))")],
        "loses": ["test_init", "test_train_digits"],
        "visible": True,
    },
    {
        "name": "all_positive_init",
        "why": "weights drawn with rng.random, uniform on [0, 1): all positive (seed 003's "
               "initialisation)",
        "edits": [("two_layer_net", "scale1 * rng.standard_normal((input_dim, hidden_dim))",
                   "scale1 * rng.random((input_dim, hidden_dim))"),
                  ("two_layer_net", "scale2 * rng.standard_normal((hidden_dim, num_classes))",
                   "scale2 * rng.random((hidden_dim, num_classes))")],
        "loses": ["test_init"],
        "visible": True,
    },
    {
        "name": "xavier_instead_of_he",
        "why": "variance 1 / fan_in instead of 2 / fan_in",
        "edits": [("two_layer_net", "np.sqrt(2.0 / input_dim)", "np.sqrt(1.0 / input_dim)"),
                  ("two_layer_net", "np.sqrt(2.0 / hidden_dim)", "np.sqrt(1.0 / hidden_dim)")],
        "loses": ["test_init"],
        "visible": True,
    },
    {
        "name": "momentum_wrong_sign",
        "why": "v = mu * v + lr * dw, then w + v: the velocity points uphill, training diverges",
        "edits": [("sgd_momentum", 'config["momentum"] * v - config["learning_rate"] * dw',
                   'config["momentum"] * v + config["learning_rate"] * dw')],
        "loses": ["test_sgd_momentum", "test_train_digits"],
        "visible": True,
    },
    {
        "name": "momentum_in_place",
        "why": "w += v updates the caller's array in place; the values are right",
        "edits": [("sgd_momentum", "    next_w = w + v\n", "    w += v\n    next_w = w\n")],
        "loses": ["test_sgd_momentum"],
        "visible": True,
    },
    {
        "name": "momentum_velocity_not_stored",
        "why": "the new velocity is never written back to config, so every step starts from 0",
        "edits": [("sgd_momentum", '    config["velocity"] = v\n', "")],
        "loses": ["test_sgd_momentum"],
        "visible": True,
    },
    {
        "name": "adam_no_bias_correction",
        "why": "m and v used without dividing by 1 - beta**t: the first steps are too large",
        "edits": [("adam", 'm_hat = config["m"] / (1 - beta1 ** t)', 'm_hat = config["m"]'),
                  ("adam", 'v_hat = config["v"] / (1 - beta2 ** t)', 'v_hat = config["v"]')],
        "loses": ["test_adam"],
        "visible": True,
    },
    {
        "name": "adam_t_incremented_after",
        "why": "the bias correction uses t before it is incremented (t = 0 at the first step: "
               "division by zero)",
        "edits": [("adam", '    config["t"] += 1\n    t = config["t"]\n', '    t = config["t"]\n'),
                  ("adam", "    next_w = w - config", '    config["t"] += 1\n    next_w = w - config')],
        "loses": ["test_adam"],
        "visible": True,
    },
    {
        "name": "labels_shuffled_apart",
        "why": "the inputs are taken in shuffled order, the labels in stored order: every "
               "minibatch pairs images with the wrong labels",
        "edits": [("train", "model.loss(X[batch], y[batch])",
                   "model.loss(X[batch], y[start:start + batch_size])")],
        "loses": ["test_train", "test_train_digits"],
        "visible": True,
    },
    {
        "name": "no_shuffle",
        "why": "every epoch visits the examples in their stored order",
        "edits": [("train", "order = rng.permutation(X.shape[0])", "order = np.arange(X.shape[0])")],
        "loses": ["test_train"],
        "visible": True,
    },
    {
        "name": "no_lr_decay",
        "why": "lr_decay is accepted but never applied",
        "edits": [("train",
                   '        for config in configs.values():\n'
                   '            config["learning_rate"] = config["learning_rate"] * lr_decay\n', "")],
        "loses": ["test_train"],
        "visible": True,
    },
    {
        "name": "shared_config",
        "why": "one config dict for all parameters: the velocity of W1 is applied to b1 "
               "(shape error with momentum), and the decay is applied once per parameter",
        "edits": [("train", "configs = {name: dict(optim_config or {}) for name in model.params}",
                   "shared = dict(optim_config or {})\n"
                   "    configs = {name: shared for name in model.params}")],
        "loses": ["test_train", "test_train_digits"],
        "visible": True,
    },
    {
        "name": "last_params_returned",
        "why": "the best parameters are tracked but the last ones are left in the model",
        "edits": [("train", "    model.params = best_params\n", "")],
        "loses": ["test_train"],
        "visible": True,
    },
    {
        "name": "best_params_not_copied",
        "why": "best_params = model.params keeps a reference to the live dict, which the "
               "following updates overwrite",
        "edits": [("train", "            best_params = {name: w.copy() for name, w in model.params.items()}",
                   "            best_params = model.params")],
        "loses": ["test_train"],
        "visible": True,
    },
    {
        "name": "biases_random_init",
        "why": "the biases are drawn at random like the weights instead of starting at 0",
        "edits": [("two_layer_net", 'self.params["b1"] = np.zeros(hidden_dim)',
                   'self.params["b1"] = scale1 * rng.standard_normal(hidden_dim)'),
                  ("two_layer_net", 'self.params["b2"] = np.zeros(num_classes)',
                   'self.params["b2"] = scale2 * rng.standard_normal(num_classes)')],
        "loses": ["test_init"],
        "visible": True,
    },
    {
        "name": "global_random_state",
        "why": "weights drawn from np.random instead of rng = np.random.default_rng(seed): the "
               "seed is ignored and every network differs",
        "edits": [("two_layer_net", "scale1 * rng.standard_normal((input_dim, hidden_dim))",
                   "scale1 * np.random.standard_normal((input_dim, hidden_dim))"),
                  ("two_layer_net", "scale2 * rng.standard_normal((hidden_dim, num_classes))",
                   "scale2 * np.random.standard_normal((hidden_dim, num_classes))")],
        "loses": ["test_init"],
        "visible": True,
    },
    {
        "name": "weight_scale_ignored",
        "why": "He initialisation even when weight_scale is given",
        "edits": [("two_layer_net",
                   "np.sqrt(2.0 / input_dim) if weight_scale is None else weight_scale",
                   "np.sqrt(2.0 / input_dim)"),
                  ("two_layer_net",
                   "np.sqrt(2.0 / hidden_dim) if weight_scale is None else weight_scale",
                   "np.sqrt(2.0 / hidden_dim)")],
        "loses": ["test_init"],
        "visible": True,
    },
    {
        "name": "weights_read_once",
        "why": "loss uses copies of the weights taken in __init__ instead of reading self.params "
               "each call: the gradient check's perturbations and the training updates are ignored",
        "edits": [("two_layer_net", '        self.params["b2"] = np.zeros(num_classes)\n',
                   '        self.params["b2"] = np.zeros(num_classes)\n'
                   '        self._initial = {k: v.copy() for k, v in self.params.items()}\n'),
                  ("two_layer_net", "        hidden, hidden_cache = affine_relu_forward(X, W1, b1)\n",
                   '        W1, b1, W2, b2 = (self._initial[k] for k in ("W1", "b1", "W2", "b2"))\n'
                   "        hidden, hidden_cache = affine_relu_forward(X, W1, b1)\n")],
        "loses": ["test_two_layer_net_loss", "test_two_layer_net_gradients", "test_train_digits"],
        "visible": True,
    },
    {
        "name": "adam_in_place",
        "why": "w -= step updates the caller's array in place; the values are right",
        "edits": [("adam", '    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])\n',
                   '    w -= config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])\n'
                   '    next_w = w\n')],
        "loses": ["test_adam"],
        "visible": True,
    },
    {
        "name": "rng_created_every_epoch",
        "why": "a fresh default_rng(seed) inside the epoch loop: every epoch the same order",
        "edits": [("train", "order = rng.permutation(X.shape[0])",
                   "order = np.random.default_rng(seed).permutation(X.shape[0])")],
        "loses": ["test_train"],
        "visible": True,
    },
    {
        "name": "batches_with_replacement",
        "why": "each minibatch drawn at random with replacement: some examples are seen twice "
               "in an epoch, others never",
        "edits": [("train", "            batch = order[start:start + batch_size]\n",
                   "            batch = rng.integers(0, X.shape[0], size=len(order[start:start + batch_size]))\n")],
        "loses": ["test_train"],
        "visible": True,
    },
    {
        "name": "last_batch_dropped",
        "why": "range(0, N - batch_size + 1, batch_size) drops the last, smaller minibatch: some "
               "examples are never visited in an epoch",
        "edits": [("train", "for start in range(0, X.shape[0], batch_size):",
                   "for start in range(0, X.shape[0] - batch_size + 1, batch_size):")],
        "loses": ["test_train"],
        "visible": True,
    },
    {
        "name": "lr_decay_every_minibatch",
        "why": "the learning rate is decayed after every minibatch instead of every epoch",
        "edits": [("train",
                   "                    model.params[name], grads[name], configs[name])\n"
                   "        for config in configs.values():\n"
                   '            config["learning_rate"] = config["learning_rate"] * lr_decay\n',
                   "                    model.params[name], grads[name], configs[name])\n"
                   "            for config in configs.values():\n"
                   '                config["learning_rate"] = config["learning_rate"] * lr_decay\n')],
        "loses": ["test_train"],
        "visible": True,
    },
]

# Correct alternatives that must get full marks.
VARIANTS = [
    {
        "name": "numpy_forward_backward",
        "edits": [("two_layer_net",
                   "        hidden, hidden_cache = affine_relu_forward(X, W1, b1)\n"
                   "        scores, scores_cache = affine_forward(hidden, W2, b2)\n",
                   "        pre = X @ W1 + b1\n"
                   "        hidden = np.maximum(0, pre)\n"
                   "        scores = hidden @ W2 + b2\n"),
                  ("two_layer_net",
                   "        dhidden, dW2, db2 = affine_backward(dscores, scores_cache)\n"
                   "        _, dW1, db1 = affine_relu_backward(dhidden, hidden_cache)\n",
                   "        dW2 = hidden.T @ dscores\n"
                   "        db2 = dscores.sum(axis=0)\n"
                   "        dpre = (dscores @ W2.T) * (pre > 0)\n"
                   "        dW1 = X.T @ dpre\n"
                   "        db1 = dpre.sum(axis=0)\n")],
    },
    {
        "name": "init_with_rng_normal",
        "edits": [("two_layer_net", "scale1 * rng.standard_normal((input_dim, hidden_dim))",
                   "rng.normal(0.0, scale1, size=(input_dim, hidden_dim))"),
                  ("two_layer_net", "scale2 * rng.standard_normal((hidden_dim, num_classes))",
                   "rng.normal(0.0, scale2, size=(hidden_dim, num_classes))")],
    },
    {
        "name": "momentum_setdefault_velocity",
        "edits": [("sgd_momentum", 'v = config.get("velocity", np.zeros_like(w))',
                   'v = config.setdefault("velocity", np.zeros_like(w))')],
    },
    {
        "name": "adam_paper_step_size",
        "why": "the Adam paper's equivalent form: a corrected step size, epsilon outside the correction",
        "edits": [("adam",
                   '    m_hat = config["m"] / (1 - beta1 ** t)\n'
                   '    v_hat = config["v"] / (1 - beta2 ** t)\n'
                   '    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])\n',
                   '    step = config["learning_rate"] * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)\n'
                   '    next_w = w - step * config["m"] / (np.sqrt(config["v"]) + config["epsilon"])\n')],
    },
    {
        "name": "array_split_batches",
        "edits": [("train",
                   "        for start in range(0, X.shape[0], batch_size):\n"
                   "            batch = order[start:start + batch_size]\n",
                   "        for batch in np.array_split(order, int(np.ceil(X.shape[0] / batch_size))):\n")],
    },
    {
        "name": "strictly_better_epoch",
        "edits": [("train", 'if history["val_acc"][-1] >= history["best_val_acc"]:',
                   'if history["val_acc"][-1] > history["best_val_acc"]:')],
    },
    {
        "name": "progress_bar_always_on",
        "why": "ignores progress=False: the bar must not cost points in the test cells",
        "edits": [("train", "disable=not progress", "disable=False")],
    },
    {
        "name": "train_logs_validation_loss",
        "why": "also logs the validation loss each epoch: a call of model.loss whose gradients are unused",
        "edits": [("train", '        history["val_acc"].append(accuracy(model, data["X_val"], data["y_val"]))\n',
                   '        history["val_acc"].append(accuracy(model, data["X_val"], data["y_val"]))\n'
                   '        val_loss, _ = model.loss(data["X_val"], data["y_val"])\n'
                   '        history.setdefault("val_loss", []).append(float(val_loss))\n')],
    },
    {
        "name": "train_logs_full_training_loss",
        "why": "also computes the loss on the whole training set each epoch",
        "edits": [("train", '        history["train_acc"].append(accuracy(model, X, y))\n',
                   '        history["train_acc"].append(accuracy(model, X, y))\n'
                   '        history.setdefault("epoch_loss", []).append(float(model.loss(X, y)[0]))\n')],
    },
    {
        "name": "twolayernet_names_hard_coded",
        "why": "loops over TwoLayerNet's four parameter names, as the docstring allows",
        "edits": [("train", "configs = {name: dict(optim_config or {}) for name in model.params}",
                   'names = ("W1", "b1", "W2", "b2")\n'
                   "    configs = {name: dict(optim_config or {}) for name in names}"),
                  ("train", "            for name in model.params:\n", "            for name in names:\n"),
                  ("train", "            best_params = {name: w.copy() for name, w in model.params.items()}",
                   "            best_params = {name: model.params[name].copy() for name in names}")],
    },
    {
        "name": "loop_over_grads",
        "edits": [("train",
                   "            for name in model.params:\n"
                   "                model.params[name], configs[name] = update_rule(\n"
                   "                    model.params[name], grads[name], configs[name])\n",
                   "            for name, dw in grads.items():\n"
                   "                model.params[name], configs[name] = update_rule(model.params[name], dw, configs[name])\n")],
    },
    {
        "name": "shuffle_in_place",
        "why": "rng.shuffle of an index array: another, equally valid, order",
        "edits": [("train", "order = rng.permutation(X.shape[0])",
                   "order = np.arange(X.shape[0])\n        rng.shuffle(order)")],
    },
    {
        "name": "shuffled_copies",
        "why": "shuffles copies of X and y once per epoch, then slices them",
        "edits": [("train",
                   "            batch = order[start:start + batch_size]\n"
                   "            loss, grads = model.loss(X[batch], y[batch])\n",
                   "            loss, grads = model.loss(X[order][start:start + batch_size],\n"
                   "                                     y[order][start:start + batch_size])\n")],
    },
    {
        "name": "best_params_update_in_place",
        "why": "puts the best copies back with dict.update instead of replacing the dict",
        "edits": [("train", "    model.params = best_params\n", "    model.params.update(best_params)\n")],
    },
    {
        "name": "best_params_deepcopy",
        "edits": [("train", "            best_params = {name: w.copy() for name, w in model.params.items()}",
                   "            import copy\n            best_params = copy.deepcopy(model.params)")],
    },
    {
        "name": "momentum_velocity_updated_in_place",
        "why": "updates its own velocity array in place (allowed: only w and dw must stay untouched)",
        "edits": [("sgd_momentum",
                   '    v = config.get("velocity", np.zeros_like(w))\n'
                   '    v = config["momentum"] * v - config["learning_rate"] * dw\n',
                   '    v = config.setdefault("velocity", np.zeros_like(w))\n'
                   '    v *= config["momentum"]\n'
                   '    v -= config["learning_rate"] * dw\n')],
    },
    {
        "name": "adam_moments_updated_in_place",
        "edits": [("adam",
                   '    config["m"] = beta1 * config["m"] + (1 - beta1) * dw\n'
                   '    config["v"] = beta2 * config["v"] + (1 - beta2) * (dw * dw)\n',
                   '    config["m"] *= beta1\n'
                   '    config["m"] += (1 - beta1) * dw\n'
                   '    config["v"] *= beta2\n'
                   '    config["v"] += (1 - beta2) * dw ** 2\n')],
    },
]
