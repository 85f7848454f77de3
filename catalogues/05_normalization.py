"""Typical mistakes in assignment 05 (normalisation, dropout, deep nets), as edits to the reference.

Format: see AUTHORING.md and tests/catalogue_check.py. Every bug loses points in exactly the
test cells of `loses` (verified end to end with real nbgrader), all of them in its own exercise
(EXERCISES maps each test cell to the solution cells it grades); `visible` says whether the
visible tests catch it (`nbgrader validate` on the filled release fails). Every variant gets full
marks and passes validate.
"""

# Which solution cells each test cell grades. The backward tests build their own caches (the
# cache is a documented dict), the net tests bind working layers in their hidden parts, and their
# visible parts skip a check whose layer fails its own check ("fix it first") instead of failing.
EXERCISES = {
    "test_batchnorm_forward": ["batchnorm_forward"],
    "test_batchnorm_running": ["batchnorm_forward"],
    "test_batchnorm_backward": ["batchnorm_backward_staged"],
    "test_batchnorm_backward_alt": ["batchnorm_backward_alt"],
    "test_layernorm_forward": ["layernorm_forward"],
    "test_layernorm_backward": ["layernorm_backward_staged"],
    "test_dropout_forward": ["dropout_forward"],
    "test_dropout_backward": ["dropout_backward"],
    "test_fc_net_init": ["fc_net"],
    "test_fc_net_loss": ["fc_net"],
    "test_fc_net_gradients": ["fc_net"],
}
# No test cell of this notebook uses everything: the training runs are demonstrations.
INTEGRATION = []

_FWD_HIDDEN = '''            h, fc_cache = affine_forward(h, self.params[f"W{layer}"], self.params[f"b{layer}"])
            norm_cache = None
            if self.normalization == "batchnorm":
                h, norm_cache = batchnorm_forward(h, self.params[f"gamma{layer}"],
                                                  self.params[f"beta{layer}"], self.bn_params[layer - 1])
            elif self.normalization == "layernorm":
                h, norm_cache = layernorm_forward(h, self.params[f"gamma{layer}"],
                                                  self.params[f"beta{layer}"], self.ln_params[layer - 1])
            h, relu_cache = relu_forward(h)
'''
_BWD_HIDDEN = '''            dh = relu_backward(dh, relu_cache)
            if self.normalization == "batchnorm":
                dh, grads[f"gamma{layer}"], grads[f"beta{layer}"] = batchnorm_backward(dh, norm_cache)
            elif self.normalization == "layernorm":
                dh, grads[f"gamma{layer}"], grads[f"beta{layer}"] = layernorm_backward(dh, norm_cache)
'''


# The released stub of a solution cell: what an unfinished exercise still holds.
_UNFINISHED = "    # YOUR CODE HERE\n    raise NotImplementedError()"
_STAGED_BODY = """    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    distd = np.sum(dxhat * xc, axis=0)
    dstd = -distd / std ** 2
    dvar = dstd / (2.0 * std)
    dxc = dxhat * istd                      # path 1: xc -> xhat
    dxc = dxc + (2.0 / N) * xc * dvar       # path 2: xc -> var -> std -> istd -> xhat
    dmu = -np.sum(dxc, axis=0)
    dx = dxc + dmu / N                      # x -> xc directly, plus x -> mu -> xc"""
_ALT_BODY = """    gamma, istd, xhat = cache["gamma"], cache["istd"], cache["xhat"]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    dx = istd * (dxhat - np.mean(dxhat, axis=0) - xhat * np.mean(dxhat * xhat, axis=0))"""


def _relu_first(block):
    """The hidden layer with the ReLU moved before the normalisation."""
    lines = block.splitlines(keepends=True)
    return lines[0] + lines[-1] + "".join(lines[1:-1])


def _relu_last(block):
    """The backward with the ReLU's backward after the normalisation's."""
    lines = block.splitlines(keepends=True)
    return "".join(lines[1:]) + lines[0]


BUGS = [
    # --- batchnorm_forward -------------------------------------------------------------------
    {
        "name": "bn_variance_n_minus_1",
        "why": "the unbiased variance (divided by N - 1) instead of the batch's own",
        "edits": [("batchnorm_forward", "var = np.mean(xc ** 2, axis=0)",
                   "var = np.sum(xc ** 2, axis=0) / (x.shape[0] - 1)")],
        "loses": ["test_batchnorm_forward", "test_batchnorm_running"],
        "visible": True,
    },
    {
        "name": "bn_statistics_over_rows",
        "why": "mean and variance of every example (axis 1) instead of every feature: layer norm",
        "edits": [("batchnorm_forward", "mu = np.mean(x, axis=0)", "mu = np.mean(x, axis=1, keepdims=True)"),
                  ("batchnorm_forward", "var = np.mean(xc ** 2, axis=0)",
                   "var = np.mean(xc ** 2, axis=1, keepdims=True)")],
        "loses": ["test_batchnorm_forward", "test_batchnorm_running"],
        "visible": True,
    },
    {
        "name": "bn_eps_outside_sqrt",
        "why": "sqrt(var) + eps: wrong for columns with a small variance",
        "edits": [("batchnorm_forward", "std = np.sqrt(var + eps)", "std = np.sqrt(var) + eps")],
        "loses": ["test_batchnorm_forward"],
        "visible": True,
    },
    {
        "name": "bn_centres_in_place",
        "why": "x -= mu changes the caller's batch; the output is right",
        "edits": [("batchnorm_forward", "        xc = x - mu\n", "        x -= mu\n        xc = x\n")],
        "loses": ["test_batchnorm_forward", "test_batchnorm_running"],
        "visible": True,
    },
    {
        "name": "bn_momentum_reversed",
        "why": "running = (1 - momentum) * running + momentum * statistic",
        "edits": [("batchnorm_forward", "momentum * running_mean + (1 - momentum) * mu",
                   "(1 - momentum) * running_mean + momentum * mu"),
                  ("batchnorm_forward", "momentum * running_var + (1 - momentum) * var",
                   "(1 - momentum) * running_var + momentum * var")],
        "loses": ["test_batchnorm_running"],
        "visible": True,
    },
    {
        "name": "bn_running_var_starts_at_zero",
        "why": "cs231n's start, running_var = zeros, against this notebook's spec (ones)",
        "edits": [("batchnorm_forward", 'bn_param.get("running_var", np.ones(D))',
                   'bn_param.get("running_var", np.zeros(D))')],
        "loses": ["test_batchnorm_running"],
        "visible": True,
    },
    {
        "name": "bn_test_mode_updates_running",
        "why": "the running averages are updated in test mode too",
        "edits": [("batchnorm_forward", "        cache = None\n",
                   "        cache = None\n"
                   "        bn_param[\"running_mean\"] = momentum * running_mean + (1 - momentum) * np.mean(x, axis=0)\n")],
        "loses": ["test_batchnorm_running"],
        "visible": True,
    },
    {
        "name": "bn_test_mode_batch_statistics",
        "why": "test mode normalises with the test batch's own mean and variance",
        "edits": [("batchnorm_forward",
                   "out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta",
                   "out = gamma * (x - np.mean(x, axis=0)) / np.sqrt(np.var(x, axis=0) + eps) + beta")],
        "loses": ["test_batchnorm_running"],
        "visible": True,
    },
    {
        "name": "bn_momentum_ignored",
        "why": "the momentum 0.9 written into the update instead of bn_param's momentum",
        "edits": [("batchnorm_forward", "momentum * running_mean + (1 - momentum) * mu",
                   "0.9 * running_mean + 0.1 * mu"),
                  ("batchnorm_forward", "momentum * running_var + (1 - momentum) * var",
                   "0.9 * running_var + 0.1 * var")],
        "loses": ["test_batchnorm_running"],
        "visible": False,
    },
    {
        "name": "bn_test_mode_stores_defaults",
        "why": "the starting running averages read with setdefault: a test-mode call on a fresh bn_param "
               "adds running_mean and running_var to it",
        "edits": [("batchnorm_forward", 'running_mean = bn_param.get("running_mean", np.zeros(D))',
                   'running_mean = bn_param.setdefault("running_mean", np.zeros(D))'),
                  ("batchnorm_forward", 'running_var = bn_param.get("running_var", np.ones(D))',
                   'running_var = bn_param.setdefault("running_var", np.ones(D))')],
        "loses": ["test_batchnorm_running"],
        "visible": False,
    },
    {
        "name": "bn_eps_ignored",
        "why": "eps written as 1e-5 instead of read from bn_param",
        "edits": [("batchnorm_forward", "std = np.sqrt(var + eps)", "std = np.sqrt(var + 1e-5)")],
        "loses": ["test_batchnorm_forward"],
        "visible": False,
    },
    # --- batchnorm_backward_staged ---------------------------------------------------------------
    {
        "name": "bn_backward_drops_path_through_var",
        "why": "dxc takes only the direct path through xhat; the path through var is lost",
        "edits": [("batchnorm_backward_staged",
                   "    dxc = dxc + (2.0 / N) * xc * dvar       # path 2: xc -> var -> std -> istd -> xhat\n", "")],
        "loses": ["test_batchnorm_backward"],
        "visible": True,
    },
    {
        "name": "bn_backward_drops_path_through_mu",
        "why": "dx = dxc: the path from x through mu is lost",
        "edits": [("batchnorm_backward_staged", "dx = dxc + dmu / N", "dx = dxc")],
        "loses": ["test_batchnorm_backward"],
        "visible": True,
    },
    {
        "name": "bn_backward_dgamma_wrong_axis",
        "why": "dgamma summed over the features (axis 1) instead of the batch",
        "edits": [("batchnorm_backward_staged", "dgamma = np.sum(dout * xhat, axis=0)",
                   "dgamma = np.sum(dout * xhat, axis=1)")],
        "loses": ["test_batchnorm_backward"],
        "visible": True,
    },
    {
        "name": "bn_backward_dstd_sign",
        "why": "d(1/s)/ds taken as +1/s**2",
        "edits": [("batchnorm_backward_staged", "dstd = -distd / std ** 2", "dstd = distd / std ** 2")],
        "loses": ["test_batchnorm_backward"],
        "visible": True,
    },
    # --- batchnorm_backward_alt ------------------------------------------------------------------
    {
        "name": "alt_forgets_mean_term",
        "why": "the column mean of dxhat is left out of the compact formula",
        "edits": [("batchnorm_backward_alt", "(dxhat - np.mean(dxhat, axis=0) - xhat",
                   "(dxhat - xhat")],
        "loses": ["test_batchnorm_backward_alt"],
        "visible": True,
    },
    {
        "name": "alt_sum_instead_of_mean",
        "why": "sums where the formula has means (a missing 1/N)",
        "edits": [("batchnorm_backward_alt", "xhat * np.mean(dxhat * xhat, axis=0)",
                   "xhat * np.sum(dxhat * xhat, axis=0)")],
        "loses": ["test_batchnorm_backward_alt"],
        "visible": True,
    },
    # --- layer norm ------------------------------------------------------------------------------
    {
        "name": "ln_over_batch_axis",
        "why": "layer norm with the statistics of the batch (axis 0): batch norm again",
        "edits": [("layernorm_forward", "mu = np.mean(x, axis=1, keepdims=True)",
                   "mu = np.mean(x, axis=0, keepdims=True)"),
                  ("layernorm_forward", "var = np.mean(xc ** 2, axis=1, keepdims=True)",
                   "var = np.mean(xc ** 2, axis=0, keepdims=True)")],
        "loses": ["test_layernorm_forward"],
        "visible": True,
    },
    {
        "name": "ln_backward_batch_axis",
        "why": "the staged backward carried over from batch norm without changing the axis",
        "edits": [("layernorm_backward_staged", "distd = np.sum(dxhat * xc, axis=1, keepdims=True)",
                   "distd = np.sum(dxhat * xc, axis=0, keepdims=True)"),
                  ("layernorm_backward_staged", "dmu = -np.sum(dxc, axis=1, keepdims=True)",
                   "dmu = -np.sum(dxc, axis=0, keepdims=True)")],
        "loses": ["test_layernorm_backward"],
        "visible": True,
    },
    {
        "name": "ln_dgamma_over_features",
        "why": "dgamma summed over axis 1 because everything else in layer norm is",
        "edits": [("layernorm_backward_staged", "dgamma = np.sum(dout * xhat, axis=0)",
                   "dgamma = np.sum(dout * xhat, axis=1)")],
        "loses": ["test_layernorm_backward"],
        "visible": True,
    },
    {
        "name": "ln_backward_drops_path_through_var",
        "why": "dxc takes only the direct path through xhat; the path through var is lost",
        "edits": [("layernorm_backward_staged", "dxc = dxhat * istd + (2.0 / D) * xc * dvar", "dxc = dxhat * istd")],
        "loses": ["test_layernorm_backward"],
        "visible": True,
    },
    {
        "name": "ln_backward_no_keepdims",
        "why": "distd summed over axis 1 without keepdims: shape (N,), which broadcasts against (N, 1) "
               "into (N, N), or silently along the wrong axis when N == D",
        "edits": [("layernorm_backward_staged", "distd = np.sum(dxhat * xc, axis=1, keepdims=True)",
                   "distd = np.sum(dxhat * xc, axis=1)")],
        "loses": ["test_layernorm_backward"],
        "visible": True,
    },
    {
        "name": "ln_backward_dstd_sign",
        "why": "d(1/s)/ds taken as +1/s**2",
        "edits": [("layernorm_backward_staged", "dstd = -distd / std ** 2", "dstd = distd / std ** 2")],
        "loses": ["test_layernorm_backward"],
        "visible": True,
    },
    {
        "name": "ln_backward_dbeta_over_features",
        "why": "dbeta summed over axis 1 because everything else in layer norm is",
        "edits": [("layernorm_backward_staged", "dbeta = np.sum(dout, axis=0)", "dbeta = np.sum(dout, axis=1)")],
        "loses": ["test_layernorm_backward"],
        "visible": True,
    },
    # --- dropout ---------------------------------------------------------------------------------
    {
        "name": "dropout_p_read_as_drop_probability",
        "why": "p taken as the probability of dropping (PyTorch's convention)",
        "edits": [("dropout_forward", "mask = rng.random(x.shape) < p", "mask = rng.random(x.shape) >= p")],
        "loses": ["test_dropout_forward"],
        "visible": True,
    },
    {
        "name": "dropout_not_scaled_in_training",
        "why": "plain dropout: kept units are not divided by p at training time",
        "edits": [("dropout_forward", "out = x * mask / p", "out = x * mask")],
        "loses": ["test_dropout_forward"],
        "visible": True,
    },
    {
        "name": "dropout_scaled_at_test_time",
        "why": "test mode multiplies by p, as non-inverted dropout does",
        "edits": [("dropout_forward", "out = x.copy()", "out = x * p")],
        "loses": ["test_dropout_forward"],
        "visible": True,
    },
    {
        "name": "dropout_seed_ignored",
        "why": "the mask comes from fresh entropy even when a seed is given",
        "edits": [("dropout_forward", 'rng = np.random.default_rng(dropout_param.get("seed"))',
                   "rng = np.random.default_rng()")],
        "loses": ["test_dropout_forward"],
        "visible": True,
    },
    {
        "name": "dropout_new_mask_in_backward",
        "why": "the backward draws a new mask instead of using the forward's",
        "edits": [("dropout_backward", 'return dout * cache["mask"] / cache["p"]',
                   'return dout * (np.random.default_rng().random(dout.shape) < cache["p"]) / cache["p"]')],
        "loses": ["test_dropout_backward"],
        "visible": True,
    },
    {
        "name": "dropout_backward_not_scaled",
        "why": "the backward forgets the 1/p of the forward pass",
        "edits": [("dropout_backward", 'return dout * cache["mask"] / cache["p"]',
                   'return dout * cache["mask"]')],
        "loses": ["test_dropout_backward"],
        "visible": True,
    },
    {
        "name": "dropout_backward_in_place",
        "why": "dout *= mask / p: right values, but the caller's upstream gradient is changed",
        "edits": [("dropout_backward", 'return dout * cache["mask"] / cache["p"]',
                   'dout *= cache["mask"] / cache["p"]\n        return dout')],
        "loses": ["test_dropout_backward"],
        "visible": False,
    },
    # --- FullyConnectedNet -----------------------------------------------------------------------
    {
        "name": "net_normalises_after_relu",
        "why": "batch norm applied after the ReLU, contrary to the spec (consistent gradients)",
        "edits": [("fc_net", _FWD_HIDDEN, _relu_first(_FWD_HIDDEN)),
                  ("fc_net", _BWD_HIDDEN, _relu_last(_BWD_HIDDEN))],
        "loses": ["test_fc_net_loss"],
        "visible": True,
    },
    {
        "name": "net_reg_gradient_missing",
        "why": "0.5 * reg * sum(W**2) is in the loss, reg * W not in the gradient",
        "edits": [("fc_net", '            grads[f"W{layer}"] = grads[f"W{layer}"] + self.reg * W\n', "")],
        "loses": ["test_fc_net_gradients"],
        "visible": True,
    },
    {
        "name": "net_he_with_fan_out",
        "why": "He scale computed from the layer's output size",
        "edits": [("fc_net", "np.sqrt(2.0 / fan_in)", "np.sqrt(2.0 / fan_out)")],
        "loses": ["test_fc_net_init"],
        "visible": True,
    },
    {
        "name": "net_gamma_starts_at_zero",
        "why": "gamma initialised like a bias, to zeros: every normalised unit starts dead",
        "edits": [("fc_net", 'self.params[f"gamma{layer}"] = np.ones(fan_out)',
                   'self.params[f"gamma{layer}"] = np.zeros(fan_out)')],
        # Only the initialisation: the gradient checks set their own parameters (issue 25).
        "loses": ["test_fc_net_init"],
        "visible": True,
    },
    # --- issue 25: one mistake, one exercise; messages that name the cause ----------------------
    {
        "name": "staged_dout_in_place",
        "why": "dxhat = dout, then dxhat *= gamma: right gradients, but the caller's dout is changed "
               "(the check names dout, not the intermediate xhat)",
        "edits": [("batchnorm_backward_staged", "dxhat = dout * gamma", "dxhat = dout\n    dxhat *= gamma")],
        "loses": ["test_batchnorm_backward"],
        "visible": True,
    },
    {
        "name": "staged_unfinished",
        "why": "the staged backward still raises NotImplementedError; the network tests use a working one",
        "edits": [("batchnorm_backward_staged", _STAGED_BODY, _UNFINISHED)],
        "loses": ["test_batchnorm_backward"],
        "visible": True,
    },
    {
        "name": "alt_unfinished_and_used_by_net",
        "why": "the network uses the compact backward (the text allows it), which still raises "
               "NotImplementedError",
        "edits": [("fc_net", "= batchnorm_backward(dh, norm_cache)", "= batchnorm_backward_alt(dh, norm_cache)"),
                  ("batchnorm_backward_alt", _ALT_BODY, _UNFINISHED)],
        "loses": ["test_batchnorm_backward_alt"],
        "visible": True,
    },
    {
        "name": "alt_bug_used_by_net",
        "why": "the network uses the compact backward, which forgets the mean term",
        "edits": [("fc_net", "= batchnorm_backward(dh, norm_cache)", "= batchnorm_backward_alt(dh, norm_cache)"),
                  ("batchnorm_backward_alt", "(dxhat - np.mean(dxhat, axis=0) - xhat", "(dxhat - xhat")],
        "loses": ["test_batchnorm_backward_alt"],
        "visible": True,
    },
    {
        "name": "dropout_legacy_rng",
        "why": "np.random.seed / np.random.rand instead of np.random.default_rng(seed): the same int seed "
               "gives the same mask, but a Generator as the seed (FullyConnectedNet's) raises",
        "edits": [("dropout_forward", 'rng = np.random.default_rng(dropout_param.get("seed"))\n'
                   '        mask = rng.random(x.shape) < p',
                   'if dropout_param.get("seed") is not None:\n'
                   '            np.random.seed(dropout_param["seed"])\n'
                   '        mask = np.random.rand(*x.shape) < p')],
        "loses": ["test_dropout_forward"],
        "visible": True,
    },
    {
        "name": "net_shared_bn_param",
        "why": "every hidden layer passes self.bn_params[0]: layers of different sizes share one dict of "
               "running averages (the tests say so instead of showing numpy's broadcasting error)",
        "edits": [("fc_net", "self.params[f\"beta{layer}\"], self.bn_params[layer - 1])",
                   "self.params[f\"beta{layer}\"], self.bn_params[0])")],
        "loses": ["test_fc_net_loss", "test_fc_net_gradients"],
        "visible": True,
    },
    {
        "name": "net_reg_gradient_doubled",
        "why": "2 * reg * W in the gradient (the 0.5 of the loss forgotten)",
        "edits": [("fc_net", 'grads[f"W{layer}"] = grads[f"W{layer}"] + self.reg * W',
                   'grads[f"W{layer}"] = grads[f"W{layer}"] + 2 * self.reg * W')],
        "loses": ["test_fc_net_gradients"],
        "visible": True,
    },
]

VARIANTS = [
    {"name": "bn_np_var", "edits": [("batchnorm_forward", "var = np.mean(xc ** 2, axis=0)",
                                     "var = np.var(x, axis=0)")]},
    {"name": "bn_cache_extra_key", "edits": [("batchnorm_forward", '"xhat": xhat}',
                                              '"xhat": xhat, "N": x.shape[0]}')]},
    {"name": "bn_istd_power", "edits": [("batchnorm_forward", "istd = 1.0 / std", "istd = std ** -1.0")]},
    {"name": "staged_einsum_and_var_formula",
     "edits": [("batchnorm_backward_staged", "dgamma = np.sum(dout * xhat, axis=0)",
                'dgamma = np.einsum("nd,nd->d", dout, xhat)'),
               ("batchnorm_backward_staged", "dvar = dstd / (2.0 * std)",
                'dvar = -0.5 * distd * (cache["var"] + cache["eps"]) ** -1.5')]},
    {"name": "alt_with_sums", "edits": [("batchnorm_backward_alt",
        "dx = istd * (dxhat - np.mean(dxhat, axis=0) - xhat * np.mean(dxhat * xhat, axis=0))",
        "N = dout.shape[0]\n    dx = istd / N * (N * dxhat - np.sum(dxhat, axis=0) - xhat * np.sum(dxhat * xhat, axis=0))")]},
    {"name": "ln_backward_compact", "edits": [("layernorm_backward_staged",
        "    dx = dxc + dmu / D\n",
        "    dx = istd * (dxhat - np.mean(dxhat, axis=1, keepdims=True)\n"
        "                 - xhat * np.mean(dxhat * xhat, axis=1, keepdims=True))\n")]},
    {"name": "dropout_binomial_mask", "edits": [("dropout_forward", "mask = rng.random(x.shape) < p",
                                                 "mask = rng.binomial(1, p, size=x.shape).astype(bool)")]},
    {"name": "dropout_test_returns_x", "edits": [("dropout_forward", "out = x.copy()", "out = x")]},
    {"name": "dropout_backward_where", "edits": [("dropout_backward",
        'return dout * cache["mask"] / cache["p"]',
        'return np.where(cache["mask"], dout / cache["p"], 0.0)')]},
    # Initial weights drawn another way the docstring allows (issue 25): the tests own their parameters.
    {"name": "net_init_out_in_transposed", "edits": [("fc_net", "scale * rng.standard_normal((fan_in, fan_out))",
                                                      "scale * rng.standard_normal((fan_out, fan_in)).T")]},
    {"name": "net_init_float32_last_layer_first",
     "edits": [("fc_net", "for layer in range(1, self.num_layers + 1):", "for layer in range(self.num_layers, 0, -1):"),
               ("fc_net", "scale * rng.standard_normal((fan_in, fan_out))",
                "scale * rng.standard_normal((fan_in, fan_out), dtype=np.float32)")]},
    {"name": "net_uses_compact_backward", "edits": [("fc_net",
        '= batchnorm_backward(dh, norm_cache)', '= batchnorm_backward_alt(dh, norm_cache)')]},
    {"name": "net_reg_in_one_sum", "edits": [("fc_net",
        "            loss += 0.5 * self.reg * np.sum(W * W)\n", ""),
        ("fc_net", "        return loss, grads",
         "        loss += 0.5 * self.reg * sum(np.sum(self.params[f'W{k}'] ** 2) for k in range(1, L + 1))\n"
         "        return loss, grads")]},
]
