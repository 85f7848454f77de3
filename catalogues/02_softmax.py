"""Typical mistakes in assignment 02 (softmax), as edits to the reference solution.

Format: see AUTHORING.md and tests/catalogue_check.py. Every bug loses points in exactly the
test cells of `loses` (verified end to end with real nbgrader), all of them in its own exercise
(EXERCISES maps each test cell to the solution cells it grades); `visible` says whether the
visible tests catch it (`nbgrader validate` on the filled release fails). Every variant gets full
marks and passes validate.
"""

# Which solution cells each test cell grades. The hidden parts use trusted references for every
# other function they need, and the visible parts check an earlier function first ("fix
# `softmax_loss` first") instead of failing on it.
EXERCISES = {
    "test_softmax_forward": ["softmax_forward"],
    "test_softmax_stable": ["softmax_forward"],
    "test_grad_divexps": ["grad_divexps"],
    "test_grad_sexps": ["grad_sexps"],
    "test_grad_exps": ["grad_exps"],
    "test_softmax_backward": ["softmax_backward"],
    "test_softmax_backward_compact": ["softmax_backward_compact"],
    "test_softmax_loss": ["softmax_loss"],
    "test_softmax_loss_grad": ["softmax_loss"],
    "test_softmax_loss_stable": ["softmax_loss"],
    "test_two_layer_loss": ["two_layer_loss"],
    "test_two_layer_intermediate_grads": ["two_layer_loss"],
    "test_two_layer_param_grads": ["two_layer_loss"],
}
# No test cell of this notebook uses everything.
INTEGRATION = []

BUGS = [
    {
        "name": "no_max_subtraction",
        "why": "np.exp of scores of size 1000 overflows: inf / inf gives nan probabilities",
        "edits": [
            ("softmax_forward", "x - np.max(x, axis=1, keepdims=True)",
             "x"),
        ],
        "loses": ["test_softmax_stable"],
        "visible": True,
    },
    {
        "name": "shift_in_place",
        "why": "x -= max modifies the caller's scores (right values, wrong side effect)",
        "edits": [
            ("softmax_forward", "shifted = x - np.max(x, axis=1, keepdims=True)",
             "x -= np.max(x, axis=1, keepdims=True)\n    shifted = x"),
        ],
        "loses": ["test_softmax_forward"],
        "visible": True,
    },
    {
        "name": "row_sum_over_examples",
        "why": "sexps sums over axis=0, so the columns sum to 1 instead of the rows",
        "edits": [
            ("softmax_forward", "sexps = np.sum(exps, axis=1, keepdims=True)",
             "sexps = np.sum(exps, axis=0, keepdims=True)"),
        ],
        "loses": ["test_softmax_forward", "test_softmax_stable"],
        "visible": True,
    },
    {
        "name": "sexps_without_keepdims",
        "why": "sexps loses its column shape (no keepdims), so exps * divexps divides the columns (wrong values when N == C, a broadcasting error otherwise)",
        "edits": [
            ("softmax_forward", "sexps = np.sum(exps, axis=1, keepdims=True)",
             "sexps = np.sum(exps, axis=1)"),
        ],
        "loses": ["test_softmax_forward", "test_softmax_stable"],
        "visible": True,
    },
    {
        "name": "divexps_grad_wrong_axis",
        "why": "the gradient at divexps sums over the examples instead of the classes",
        "edits": [
            ("grad_divexps", "axis=1",
             "axis=0"),
        ],
        "loses": ["test_grad_divexps"],
        "visible": True,
    },
    {
        "name": "reciprocal_sign",
        "why": "d(1/s)/ds taken as +1/s**2",
        "edits": [
            ("grad_sexps", "dsexps = -ddivexps / sexps**2",
             "dsexps = ddivexps / sexps**2"),
        ],
        "loses": ["test_grad_sexps"],
        "visible": True,
    },
    {
        "name": "reciprocal_not_squared",
        "why": "d(1/s)/ds taken as -1/s",
        "edits": [
            ("grad_sexps", "dsexps = -ddivexps / sexps**2",
             "dsexps = -ddivexps / sexps"),
        ],
        "loses": ["test_grad_sexps"],
        "visible": True,
    },
    {
        "name": "sexps_grad_in_place",
        "why": "the step divides its input ddivexps in place: right numbers, but the caller's array changes",
        "edits": [
            ("grad_sexps", "dsexps = -ddivexps / sexps**2",
             "ddivexps /= -sexps**2\n    dsexps = ddivexps"),
        ],
        "loses": ["test_grad_sexps"],
        "visible": True,
    },
    {
        "name": "rowsum_path_dropped",
        "why": "exps reaches probs by two paths; only the product path is kept",
        "edits": [
            ("grad_exps", "dexps = dexps_product + dexps_rowsum",
             "dexps = dexps_product"),
        ],
        "loses": ["test_grad_exps"],
        "visible": True,
    },
    {
        "name": "product_path_dropped",
        "why": "exps reaches probs by two paths; only the row-sum path is kept",
        "edits": [
            ("grad_exps", "dexps = dexps_product + dexps_rowsum",
             "dexps = dexps_rowsum"),
        ],
        "loses": ["test_grad_exps"],
        "visible": True,
    },
    {
        "name": "paths_overwrite_dprobs",
        "why": "dprobs *= divexps reuses the upstream array: right numbers, but dout is changed",
        "edits": [
            ("grad_exps", "dexps_product = dprobs * divexps",
             "dexps_product = dprobs\n    dexps_product *= divexps"),
        ],
        "loses": ["test_grad_exps"],
        "visible": True,
    },
    {
        "name": "backward_modifies_cache",
        "why": "the final step multiplies the cached exps in place",
        "edits": [
            ("softmax_backward", "dx = dexps * exps",
             "exps *= dexps\n    dx = exps"),
        ],
        "loses": ["test_softmax_backward"],
        "visible": True,
    },
    {
        "name": "backward_modifies_dout",
        "why": "the product path written in place on dout: right dx, but the caller's dout is changed",
        "edits": [
            ("softmax_backward", "dexps = grad_exps(dout, divexps, dsexps)",
             "dexps = dout\n    dexps *= divexps\n    dexps += dsexps"),
        ],
        "loses": ["test_softmax_backward"],
        "visible": True,
    },
    {
        "name": "compact_forgets_p_in_sum",
        "why": "the compact form subtracts sum(dout) instead of sum(dout * p)",
        "edits": [
            ("softmax_backward_compact", "np.sum(dout * probs, axis=1, keepdims=True)",
             "np.sum(dout, axis=1, keepdims=True)"),
        ],
        "loses": ["test_softmax_backward_compact"],
        "visible": True,
    },
    {
        "name": "compact_sum_wrong_axis",
        "why": "the compact form sums over the examples (axis=0) instead of the classes",
        "edits": [
            ("softmax_backward_compact", "np.sum(dout * probs, axis=1, keepdims=True)",
             "np.sum(dout * probs, axis=0, keepdims=True)"),
        ],
        "loses": ["test_softmax_backward_compact"],
        "visible": True,
    },
    {
        "name": "compact_sum_without_keepdims",
        "why": "the row sum loses its column shape: (N,) does not broadcast against (N, C)",
        "edits": [
            ("softmax_backward_compact", "np.sum(dout * probs, axis=1, keepdims=True)",
             "np.sum(dout * probs, axis=1)"),
        ],
        "loses": ["test_softmax_backward_compact"],
        "visible": True,
    },
    {
        "name": "loss_summed",
        "why": "the loss is summed over the batch instead of averaged",
        "edits": [
            ("softmax_loss", "loss = -np.mean(log_probs[np.arange(n), y])",
             "loss = -np.sum(log_probs[np.arange(n), y])"),
        ],
        "loses": ["test_softmax_loss", "test_softmax_loss_grad", "test_softmax_loss_stable"],
        "visible": True,
    },
    {
        "name": "grad_not_divided_by_n",
        "why": "dx = p - onehot(y), without the 1/N of the mean",
        "edits": [
            ("softmax_loss", "    dx /= n\n",
             ""),
        ],
        "loses": ["test_softmax_loss_grad", "test_softmax_loss_stable"],
        "visible": True,
    },
    {
        "name": "log_of_probability",
        "why": "the loss takes np.log of a probability that underflows to 0 for scores 0 and -1000",
        "edits": [
            ("softmax_loss", "loss = -np.mean(log_probs[np.arange(n), y])",
             "probs = np.exp(log_probs)\n    loss = -np.mean(np.log(probs[np.arange(n), y]))"),
        ],
        "loses": ["test_softmax_loss_stable"],
        "visible": True,
    },
    {
        "name": "log_of_clipped_probability",
        "why": "np.log(p + 1e-12) hides log(0) but gives a loss of 27.6 where 1000 is right",
        "edits": [
            ("softmax_loss", "loss = -np.mean(log_probs[np.arange(n), y])",
             "probs = np.exp(log_probs)\n    loss = -np.mean(np.log(probs[np.arange(n), y] + 1e-12))"),
        ],
        "loses": ["test_softmax_loss_stable"],
        "visible": True,
    },
    {
        "name": "no_max_in_loss",
        "why": "the loss uses log(sum(exp(x))) without the shift: overflow for scores of size 1000",
        "edits": [
            ("softmax_loss", "shifted = x - np.max(x, axis=1, keepdims=True)",
             "shifted = x"),
        ],
        "loses": ["test_softmax_loss_stable"],
        "visible": True,
    },
    {
        "name": "loss_shift_in_place",
        "why": "x -= max in softmax_loss changes the caller's scores (right loss, wrong side effect)",
        "edits": [
            ("softmax_loss", "shifted = x - np.max(x, axis=1, keepdims=True)",
             "x -= np.max(x, axis=1, keepdims=True)\n    shifted = x"),
        ],
        "loses": ["test_softmax_loss"],
        "visible": True,
    },
    {
        "name": "penalty_gradient_without_2",
        "why": "the gradient of reg * theta**2 taken as reg * theta",
        "edits": [
            ("two_layer_loss", "2 * reg * w1",
             "reg * w1"),
            ("two_layer_loss", "2 * reg * w2",
             "reg * w2"),
            ("two_layer_loss", "2 * reg * b1",
             "reg * b1"),
            ("two_layer_loss", "2 * reg * b2",
             "reg * b2"),
        ],
        "loses": ["test_two_layer_param_grads"],
        "visible": True,
    },
    {
        "name": "biases_not_regularised",
        "why": "the penalty leaves out the biases (value and gradient consistent with each other, but not with the specified loss)",
        "edits": [
            ("two_layer_loss", "reg * (np.sum(w1 * w1) + np.sum(b1 * b1) + np.sum(w2 * w2) + np.sum(b2 * b2))",
             "reg * (np.sum(w1 * w1) + np.sum(w2 * w2))"),
            ("two_layer_loss", " + 2 * reg * b2",
             ""),
            ("two_layer_loss", " + 2 * reg * b1",
             ""),
        ],
        "loses": ["test_two_layer_loss", "test_two_layer_param_grads"],
        "visible": True,
    },
    {
        "name": "penalty_with_half",
        "why": "the penalty taken as 0.5 * reg * sum(theta**2), with the matching gradient reg * theta (the convention of assignment 03, which the text warns about)",
        "edits": [
            ("two_layer_loss", "penalty = reg * (",
             "penalty = 0.5 * reg * ("),
            ("two_layer_loss", "2 * reg * w1",
             "reg * w1"),
            ("two_layer_loss", "2 * reg * w2",
             "reg * w2"),
            ("two_layer_loss", "2 * reg * b1",
             "reg * b1"),
            ("two_layer_loss", "2 * reg * b2",
             "reg * b2"),
        ],
        "loses": ["test_two_layer_loss", "test_two_layer_param_grads"],
        "visible": True,
    },
    {
        "name": "bias_grad_over_classes",
        "why": "db2 sums over the classes instead of the examples (b reaches every row)",
        "edits": [
            ("two_layer_loss", "db2 = np.sum(dscores, axis=0)",
             "db2 = np.sum(dscores, axis=1)"),
        ],
        "loses": ["test_two_layer_loss", "test_two_layer_intermediate_grads", "test_two_layer_param_grads"],
        "visible": True,
    },
    {
        "name": "relu_mask_from_gradient",
        "why": "the ReLU's mask is taken from the upstream gradient (dh > 0), not from h_pre",
        "edits": [
            ("two_layer_loss", "dh_pre = dh * (h_pre > 0)",
             "dh_pre = dh * (dh > 0)"),
        ],
        "loses": ["test_two_layer_intermediate_grads", "test_two_layer_param_grads"],
        "visible": True,
    },
]

# Correct alternatives: full marks, and `nbgrader validate` passes.
VARIANTS = [
    {
        "name": "cache_as_tuple",
        "edits": [
            ("softmax_forward", "cache = {\"exps\": exps, \"sexps\": sexps, \"divexps\": divexps}",
             "cache = (exps, sexps, divexps)"),
            ("softmax_backward", "exps, sexps, divexps = cache[\"exps\"], cache[\"sexps\"], cache[\"divexps\"]",
             "exps, sexps, divexps = cache"),
        ],
    },
    {
        "name": "cache_as_object_with_x",
        "edits": [
            ("softmax_forward", "cache = {\"exps\": exps, \"sexps\": sexps, \"divexps\": divexps}",
             "from types import SimpleNamespace\n    cache = SimpleNamespace(x=x, exps=exps, sexps=sexps, divexps=divexps)"),
            ("softmax_backward", "exps, sexps, divexps = cache[\"exps\"], cache[\"sexps\"], cache[\"divexps\"]",
             "exps, sexps, divexps = cache.exps, cache.sexps, cache.divexps"),
        ],
    },
    {
        "name": "loop_over_rows",
        "edits": [
            ("softmax_forward", None,
             "\ndef softmax_forward(x):\n    n, c = x.shape\n    exps = np.empty((n, c))\n    sexps = np.empty((n, 1))\n    for i in range(n):\n        exps[i] = np.exp(x[i] - x[i].max())\n        sexps[i, 0] = exps[i].sum()\n    divexps = 1.0 / sexps\n    probs = exps * divexps\n    return probs, [exps, sexps, divexps]\n"),
            ("softmax_backward", "exps, sexps, divexps = cache[\"exps\"], cache[\"sexps\"], cache[\"divexps\"]",
             "exps, sexps, divexps = cache"),
        ],
    },
    {
        "name": "max_path_explicit",
        "edits": [
            ("softmax_forward", "cache = {\"exps\": exps, \"sexps\": sexps, \"divexps\": divexps}",
             "cache = {\"x\": x, \"exps\": exps, \"sexps\": sexps, \"divexps\": divexps}"),
            ("softmax_backward", "dx = dexps * exps",
             "dshifted = dexps * exps\n    dx = dshifted.copy()\n    rows = np.arange(dx.shape[0])\n    dx[rows, np.argmax(cache['x'], axis=1)] -= np.sum(dshifted, axis=1)"),
        ],
    },
    {
        "name": "sexps_grad_via_divexps",
        "edits": [
            ("grad_sexps", "dsexps = -ddivexps / sexps**2",
             "divexps = 1.0 / sexps\n    dsexps = -ddivexps * divexps * divexps"),
        ],
    },
    {
        "name": "rowsum_path_by_broadcasting",
        "edits": [
            ("grad_exps", "dexps = dexps_product + dexps_rowsum",
             "dexps = dprobs * divexps + dsexps"),
        ],
    },
    {
        "name": "loss_through_softmax_forward",
        "edits": [
            ("softmax_loss", "dx = np.exp(log_probs)",
             "dx = softmax_forward(x)[0].copy()"),
        ],
    },
    {
        "name": "relu_mask_ge_zero",
        "edits": [
            ("two_layer_loss", "dh_pre = dh * (h_pre > 0)",
             "dh_pre = dh * (h_pre >= 0)"),
        ],
    },
    {
        "name": "relu_mask_from_h",
        "edits": [
            ("two_layer_loss", "dh_pre = dh * (h_pre > 0)",
             "dh_pre = np.where(h > 0, dh, 0.0)"),
        ],
    },
    {
        "name": "loss_literal_log_sum_exp",
        "edits": [
            ("softmax_loss", "loss = -np.mean(log_probs[np.arange(n), y])",
             "m = np.max(x, axis=1)\n    loss = np.mean(m + np.log(np.sum(np.exp(x - m[:, None]), axis=1)) - x[np.arange(n), y])"),
        ],
    },
    {
        "name": "loss_onehot_matrix",
        "edits": [
            ("softmax_loss", "dx = np.exp(log_probs)\n    dx[np.arange(n), y] -= 1.0\n    dx /= n",
             "dx = (np.exp(log_probs) - np.eye(x.shape[1])[y]) / n"),
        ],
    },
    {
        "name": "backward_inlined",
        "edits": [
            ("softmax_backward", "ddivexps = grad_divexps(dout, exps)\n    dsexps = grad_sexps(ddivexps, sexps)\n    dexps = grad_exps(dout, divexps, dsexps)",
             "ddivexps = (dout * exps).sum(axis=1, keepdims=True)\n    dsexps = -ddivexps * divexps**2\n    dexps = dout * divexps + dsexps"),
        ],
    },
    {
        "name": "backward_from_probs",
        "edits": [
            ("softmax_backward", "dx = dexps * exps",
             "probs = exps * divexps\n    dx = probs * (dout - np.sum(dout * probs, axis=1, keepdims=True))"),
        ],
    },
    {
        "name": "compact_einsum",
        "edits": [
            ("softmax_backward_compact", "dx = probs * (dout - np.sum(dout * probs, axis=1, keepdims=True))",
             "dx = probs * (dout - np.einsum('ij,ij->i', dout, probs)[:, None])"),
        ],
    },
    {
        "name": "forward_divides",
        "edits": [
            ("softmax_forward", "probs = exps * divexps",
             "probs = exps / sexps"),
        ],
    },
    # Issue 25: correct work that lost points when the tests were not fair by construction.
    {
        "name": "softmax_loss_called_with_keywords",
        "why": "the docstring names softmax_loss(x, y): a trusted stand-in must accept x= and y=",
        "edits": [("two_layer_loss", "softmax_loss(scores, y)", "softmax_loss(x=scores, y=y)")],
    },
    {
        "name": "helper_named_like_a_test_variable",
        "why": "a private helper named _loss, a name hidden tests once bound at the notebook's top "
               "level: the tests must leave the student's names alone",
        "edits": [("softmax_loss", "def softmax_loss(x, y):",
                   "def _loss(log_probs, y):\n    return -np.mean(log_probs[np.arange(len(y)), y])\n\n\n"
                   "def softmax_loss(x, y):"),
                  ("softmax_loss", "loss = -np.mean(log_probs[np.arange(n), y])", "loss = _loss(log_probs, y)")],
    },
]
