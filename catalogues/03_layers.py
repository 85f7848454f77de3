"""Typical mistakes in assignment 03 (layers), as edits to the reference solution.

Each bug must lose points in exactly the test cells named in `loses` (checked end to end by
tests/test_catalogue.py through real nbgrader), all of them tests of the exercise the bug is in;
`visible` says whether the visible tests catch it (`nbgrader validate` fails on the release
notebook filled with the bug). The reference and every VARIANT must get full marks and pass
`nbgrader validate`. An edit is (grade_id of a solution cell, old text, new text); old None
replaces the whole cell.
"""

# Which solution cells each test cell grades. A backward's test grades the backward: its numeric
# gradients come from the true function, and it reads the cache the layer's own forward makes
# only when that forward runs and its output is right; otherwise it passes the cache the
# reference keeps. So a forward that raises or computes a wrong output costs points in its own
# test only. The cache itself stays a contract between a layer's forward and backward (it is
# opaque: only the layer's own backward can read it), so a forward that caches the wrong thing
# may cost the backward's test: the pair is one exercise there. The sandwich's backward is
# graded with trusted layers and, if its own forward fails, the cache those layers make. Tests
# of layers built on others (the sandwich, the network) bind trusted references for those
# others in their hidden part.
_PAIRS = {"affine": ["affine_forward", "affine_backward"], "relu": ["relu_forward", "relu_backward"],
          "sigmoid": ["sigmoid_forward", "sigmoid_backward"], "tanh": ["tanh_forward", "tanh_backward"],
          "affine_relu": ["affine_relu_forward", "affine_relu_backward"],
          "svm": ["svm_loss"], "softmax": ["softmax_loss"]}
EXERCISES = {
    "test_affine_forward": ["affine_forward"],
    "test_affine_backward": _PAIRS["affine"],
    "test_relu_forward": ["relu_forward"],
    "test_relu_backward": _PAIRS["relu"],
    "test_sigmoid_forward": ["sigmoid_forward"],
    "test_sigmoid_backward": _PAIRS["sigmoid"],
    "test_tanh_forward": ["tanh_forward"],
    "test_tanh_backward": _PAIRS["tanh"],
    "test_svm_loss": ["svm_loss"],
    "test_softmax_loss": ["softmax_loss"],
    "test_affine_relu_forward": ["affine_relu_forward"],
    "test_affine_relu_backward": ["affine_relu_backward"],
    **{f"test_no_side_effects_{layer}": cells for layer, cells in _PAIRS.items()},
    "test_two_layer_loss": ["two_layer_loss"],
}
# No test cell uses everything: the overfitting picture at the end is not graded.
INTEGRATION = []

BUGS = [
    {
        "name": "relu_backward_writes_into_dout",
        "why": "dx = dout makes dx an alias of dout, so zeroing dx zeros the caller's dout; "
               "dx itself is right, so only the side-effect test can see it",
        "edits": [("relu_backward", "    dx = dout * (x > 0)", "    dx = dout\n    dx[x <= 0] = 0")],
        "loses": ["test_no_side_effects_relu"],
        "visible": True,
    },
    {
        "name": "affine_backward_dx_not_reshaped",
        "why": "dx is returned as (N, D) instead of the shape of x",
        "edits": [("affine_backward", "dx = (dout @ w.T).reshape(x.shape)", "dx = dout @ w.T")],
        "loses": ["test_affine_backward"],
        "visible": True,
    },
    {
        "name": "affine_forward_no_reshape",
        "why": "x of shape (N, d_1, ..., d_k) is multiplied without flattening each example",
        "edits": [("affine_forward", "out = x.reshape(x.shape[0], -1) @ w + b", "out = x @ w + b")],
        "loses": ["test_affine_forward", "test_no_side_effects_affine"],
        "visible": True,
    },
    {
        "name": "affine_forward_forgets_bias",
        "why": "out = x_flat @ w without + b; the cache is right. The backward's test takes its numeric "
               "gradients from the true affine map, so only the forward's own test fails (issue 25)",
        "edits": [("affine_forward", "out = x.reshape(x.shape[0], -1) @ w + b", "out = x.reshape(x.shape[0], -1) @ w")],
        "loses": ["test_affine_forward"],
        "visible": True,
    },
    {
        "name": "affine_backward_db_wrong_axis",
        "why": "db sums over the classes (axis=1) instead of over the batch (axis=0)",
        "edits": [("affine_backward", "db = np.sum(dout, axis=0)", "db = np.sum(dout, axis=1)")],
        "loses": ["test_affine_backward"],
        "visible": True,
    },
    {
        "name": "affine_backward_dw_transposed",
        "why": "dw = dout.T @ x_flat has shape (M, D), the transpose of w's shape",
        "edits": [("affine_backward", "dw = x.reshape(x.shape[0], -1).T @ dout",
                   "dw = dout.T @ x.reshape(x.shape[0], -1)")],
        "loses": ["test_affine_backward"],
        "visible": True,
    },
    {
        "name": "relu_backward_mask_from_dout",
        "why": "the gate is taken from the sign of dout instead of the sign of the input x",
        "edits": [("relu_backward", "dx = dout * (x > 0)", "dx = dout * (dout > 0)")],
        "loses": ["test_relu_backward"],
        "visible": True,
    },
    {
        "name": "sigmoid_backward_uses_x",
        "why": "the cache holds x and the backward computes x * (1 - x) instead of "
               "sigmoid(x) * (1 - sigmoid(x))",
        "edits": [("sigmoid_forward", "    cache = out", "    cache = x"),
                  ("sigmoid_backward", "    out = cache\n    dx = dout * out * (1 - out)",
                   "    x = cache\n    dx = dout * x * (1 - x)")],
        "loses": ["test_sigmoid_backward"],
        "visible": True,
    },
    {
        "name": "sigmoid_backward_writes_into_cache",
        "why": "out *= 1 - out overwrites the cached sigmoid output; dx is right the first time",
        "edits": [("sigmoid_backward", "    dx = dout * out * (1 - out)",
                   "    out *= 1 - out\n    dx = dout * out")],
        "loses": ["test_no_side_effects_sigmoid"],
        "visible": True,
    },
    {
        "name": "sigmoid_as_exp_ratio",
        "why": "exp(x) / (1 + exp(x)) is inf / inf = nan for large x",
        "edits": [("sigmoid_forward",
                   "    z = np.exp(-np.abs(x))\n    out = np.where(x >= 0, 1 / (1 + z), z / (1 + z))",
                   "    out = np.exp(x) / (1 + np.exp(x))")],
        "loses": ["test_sigmoid_forward"],
        "visible": True,
    },
    {
        "name": "tanh_backward_uses_x",
        "why": "the cache holds x, so the backward computes 1 - x**2 instead of 1 - tanh(x)**2",
        "edits": [("tanh_forward", "    cache = out", "    cache = x")],
        "loses": ["test_tanh_backward"],
        "visible": True,
    },
    {
        "name": "svm_counts_correct_class",
        "why": "the hinge sum includes j = y[n], whose margin is always 1: the loss is 1 too big "
               "and the correct class's gradient is off by 1/N",
        "edits": [("svm_loss", "    margins[rows, y] = 0\n", "")],
        "loses": ["test_svm_loss"],
        "visible": True,
    },
    {
        "name": "svm_gradient_not_averaged",
        "why": "the loss is a mean over N but the gradient is not divided by N",
        "edits": [("svm_loss", "    dx /= N\n", "")],
        "loses": ["test_svm_loss"],
        "visible": True,
    },
    {
        "name": "softmax_no_max_shift",
        "why": "without subtracting each row's maximum, np.exp overflows for scores of size ~1000 "
               "(the visible test with tiny scores passes)",
        "edits": [("softmax_loss", "shifted = x - np.max(x, axis=1, keepdims=True)", "shifted = x")],
        "loses": ["test_softmax_loss"],
        "visible": True,
    },
    {
        "name": "softmax_shifts_scores_in_place",
        "why": "x -= max shifts the caller's scores; the loss is shift-invariant, so its values look "
               "right, but the numeric gradient (which perturbs x in place) gets garbled",
        "edits": [("softmax_loss", "    shifted = x - np.max(x, axis=1, keepdims=True)",
                   "    x -= np.max(x, axis=1, keepdims=True)\n    shifted = x")],
        "loses": ["test_softmax_loss", "test_no_side_effects_softmax"],
        "visible": True,
    },
    {
        "name": "affine_relu_backward_skips_relu",
        "why": "the sandwich's backward forgets the ReLU gate and passes dout straight to the affine",
        "edits": [("affine_relu_backward", "    da = relu_backward(dout, relu_cache)", "    da = dout")],
        "loses": ["test_affine_relu_backward"],
        "visible": True,
    },
    {
        "name": "two_layer_no_reg_gradient",
        "why": "the L2 term is in the loss but reg * W is missing from dW1 and dW2",
        "edits": [("two_layer_loss", '"W1": dW1 + reg * W1', '"W1": dW1'),
                  ("two_layer_loss", '"W2": dW2 + reg * W2', '"W2": dW2')],
        "loses": ["test_two_layer_loss"],
        "visible": True,
    },
    {
        "name": "two_layer_other_l2_convention",
        "why": "reg * sum(W**2) with gradient 2 * reg * W is self-consistent (gradient checks pass) "
               "but is not the course's 0.5 * reg * sum(W**2) convention shared with assignment 04",
        "edits": [("two_layer_loss", "loss = data_loss + 0.5 * reg * (", "loss = data_loss + reg * ("),
                  ("two_layer_loss", '"W1": dW1 + reg * W1', '"W1": dW1 + 2 * reg * W1'),
                  ("two_layer_loss", '"W2": dW2 + reg * W2', '"W2": dW2 + 2 * reg * W2')],
        "loses": ["test_two_layer_loss"],
        "visible": True,
    },
    {
        "name": "two_layer_regularises_biases",
        "why": "the L2 term (and its gradient) also covers b1 and b2; the course regularises weights only",
        "edits": [("two_layer_loss", "np.sum(W2 ** 2))", "np.sum(W2 ** 2) + np.sum(b1 ** 2) + np.sum(b2 ** 2))"),
                  ("two_layer_loss", '"b1": db1,', '"b1": db1 + reg * b1,'),
                  ("two_layer_loss", '"b2": db2}', '"b2": db2 + reg * b2}')],
        "loses": ["test_two_layer_loss"],
        "visible": True,
    },
    {
        "name": "softmax_shifts_by_row_minimum",
        "why": "x - min(x) leaves the largest shifted score at max - min, so exp overflows once the "
               "scores of a row spread over ~710 (the +-1000 shift tests move whole rows and miss it)",
        "edits": [("softmax_loss", "shifted = x - np.max(x, axis=1, keepdims=True)",
                   "shifted = x - np.min(x, axis=1, keepdims=True)")],
        "loses": ["test_softmax_loss"],
        "visible": True,
    },
    {
        "name": "relu_backward_mask_includes_zero",
        "why": "x >= 0 passes the gradient at exactly x = 0, where the course's convention is 0",
        "edits": [("relu_backward", "dx = dout * (x > 0)", "dx = dout * (x >= 0)")],
        "loses": ["test_relu_backward"],
        "visible": True,
    },
    {
        "name": "relu_forward_zeros_x_in_place",
        "why": "x[x < 0] = 0 (the text warns against it) zeros the caller's array; out is right, "
               "and so is the cache's mask",
        "edits": [("relu_forward", "    out = np.maximum(0, x)", "    x[x < 0] = 0\n    out = x")],
        "loses": ["test_no_side_effects_relu"],
        "visible": True,
    },
    {
        "name": "affine_forward_reshapes_x_in_place",
        "why": "x.shape = (N, -1) (the text warns against it) reshapes the caller's array",
        "edits": [("affine_forward", "    out = x.reshape(x.shape[0], -1) @ w + b",
                   "    x.shape = (x.shape[0], -1)\n    out = x @ w + b")],
        "loses": ["test_affine_backward", "test_no_side_effects_affine"],
        "visible": True,
    },
    {
        "name": "tanh_from_exponentials",
        "why": "(exp(x) - exp(-x)) / (exp(x) + exp(-x)) is inf / inf = nan for |x| ~ 1000; the text "
               "says np.tanh is stable",
        "edits": [("tanh_forward", "    out = np.tanh(x)",
                   "    out = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))")],
        "loses": ["test_tanh_forward"],
        "visible": True,
    },
    {
        "name": "svm_loss_summed",
        "why": "the loss is summed over the batch although both losses are means over N",
        "edits": [("svm_loss", "    loss = np.sum(margins) / N", "    loss = np.sum(margins)")],
        "loses": ["test_svm_loss"],
        "visible": True,
    },
]

# Correct alternatives that must get full marks: the tests treat the cache as opaque and do
# not care whether a layer loops or is vectorised.
VARIANTS = [
    {"name": "affine_cache_dict", "edits": [
        ("affine_forward", None, '''def affine_forward(x, w, b):
    out = np.dot(x.reshape(len(x), -1), w) + b
    cache = {"x": x, "w": w}
    return out, cache'''),
        ("affine_backward", None, '''def affine_backward(dout, cache):
    x, w = cache["x"], cache["w"]
    dx = np.dot(dout, w.T).reshape(x.shape)
    dw = np.dot(x.reshape(len(x), -1).T, dout)
    db = dout.sum(axis=0)
    return dx, dw, db'''),
    ]},
    {"name": "affine_cache_flat_copy_and_shape", "edits": [
        ("affine_forward", None, '''def affine_forward(x, w, b):
    x_flat = np.array(x, dtype=float).reshape(x.shape[0], -1)
    out = x_flat @ w + b
    cache = (x_flat, x.shape, w)
    return out, cache'''),
        ("affine_backward", None, '''def affine_backward(dout, cache):
    x_flat, x_shape, w = cache
    return (dout @ w.T).reshape(x_shape), x_flat.T @ dout, dout.sum(0)'''),
    ]},
    {"name": "affine_loops", "edits": [
        ("affine_forward", None, '''def affine_forward(x, w, b):
    N = x.shape[0]
    out = np.zeros((N, w.shape[1]))
    for n in range(N):
        out[n] = x[n].ravel() @ w + b
    cache = (x, w, b)
    return out, cache'''),
        ("affine_backward", None, '''def affine_backward(dout, cache):
    x, w, b = cache
    dx = np.zeros(x.shape)
    dw = np.zeros(w.shape)
    db = np.zeros(b.shape)
    for n in range(x.shape[0]):
        dx[n] = (w @ dout[n]).reshape(x.shape[1:])
        dw += np.outer(x[n].ravel(), dout[n])
        db += dout[n]
    return dx, dw, db'''),
    ]},
    {"name": "relu_cache_object_with_mask", "edits": [
        ("relu_forward", None, '''class ReluCache:
    """What relu_backward needs: where the input was positive."""
    __slots__ = ("mask",)

    def __init__(self, mask):
        self.mask = mask


def relu_forward(x):
    mask = x > 0
    out = np.where(mask, x, 0.0)
    return out, ReluCache(mask)'''),
        ("relu_backward", None, '''def relu_backward(dout, cache):
    return np.where(cache.mask, dout, 0.0)'''),
    ]},
    {"name": "relu_loops", "edits": [
        ("relu_forward", None, '''def relu_forward(x):
    out = np.zeros_like(x)
    for ix in np.ndindex(*x.shape):
        if x[ix] > 0:
            out[ix] = x[ix]
    cache = x
    return out, cache'''),
        ("relu_backward", None, '''def relu_backward(dout, cache):
    x = cache
    dx = np.zeros_like(dout)
    for ix in np.ndindex(*dout.shape):
        if x[ix] > 0:
            dx[ix] = dout[ix]
    return dx'''),
    ]},
    {"name": "sigmoid_cache_tuple_naive_formula", "edits": [
        ("sigmoid_forward", None, '''def sigmoid_forward(x):
    out = 1 / (1 + np.exp(-x))
    cache = (x, out)
    return out, cache'''),
        ("sigmoid_backward", None, '''def sigmoid_backward(dout, cache):
    _, s = cache
    return dout * s * (1 - s)'''),
    ]},
    {"name": "sigmoid_via_tanh_cache_dict", "edits": [
        ("sigmoid_forward", None, '''def sigmoid_forward(x):
    out = 0.5 * (1 + np.tanh(0.5 * x))
    return out, {"out": out}'''),
        ("sigmoid_backward", None, '''def sigmoid_backward(dout, cache):
    s = cache["out"]
    dx = dout.copy()
    dx *= s
    dx *= 1 - s
    return dx'''),
    ]},
    {"name": "tanh_cache_input", "edits": [
        ("tanh_forward", None, '''def tanh_forward(x):
    return np.tanh(x), x'''),
        ("tanh_backward", None, '''def tanh_backward(dout, cache):
    return dout / np.cosh(cache) ** 2'''),
    ]},
    {"name": "svm_loops", "edits": [
        ("svm_loss", None, '''def svm_loss(x, y):
    N, C = x.shape
    loss = 0.0
    dx = np.zeros_like(x, dtype=float)
    for n in range(N):
        for j in range(C):
            if j == y[n]:
                continue
            margin = x[n, j] - x[n, y[n]] + 1
            if margin > 0:
                loss += margin
                dx[n, j] += 1
                dx[n, y[n]] -= 1
    return loss / N, dx / N'''),
    ]},
    {"name": "softmax_loops", "edits": [
        ("softmax_loss", None, '''def softmax_loss(x, y):
    N, C = x.shape
    loss = 0.0
    dx = np.zeros((N, C))
    for n in range(N):
        row = x[n] - np.max(x[n])
        p = np.exp(row) / np.sum(np.exp(row))
        loss -= np.log(p[y[n]])
        dx[n] = p
        dx[n, y[n]] -= 1
    return loss / N, dx / N'''),
    ]},
    {"name": "affine_relu_cache_object", "edits": [
        ("affine_relu_forward", None, '''from types import SimpleNamespace


def affine_relu_forward(x, w, b):
    a, fc = affine_forward(x, w, b)
    out, relu = relu_forward(a)
    return out, SimpleNamespace(fc=fc, relu=relu)'''),
        ("affine_relu_backward", None, '''def affine_relu_backward(dout, cache):
    return affine_backward(relu_backward(dout, cache.relu), cache.fc)'''),
    ]},
    {"name": "two_layer_from_single_layers", "edits": [
        ("two_layer_loss", None, '''def two_layer_loss(X, y, params, reg=0.0):
    a, fc1 = affine_forward(X, params["W1"], params["b1"])
    h, relu_cache = relu_forward(a)
    scores, fc2 = affine_forward(h, params["W2"], params["b2"])
    loss, dscores = softmax_loss(scores, y)
    grads = {}
    dh, grads["W2"], grads["b2"] = affine_backward(dscores, fc2)
    da = relu_backward(dh, relu_cache)
    _, grads["W1"], grads["b1"] = affine_backward(da, fc1)
    for name in ("W1", "W2"):
        loss += 0.5 * reg * np.linalg.norm(params[name]) ** 2
        grads[name] = grads[name] + reg * params[name]
    return loss, grads'''),
    ]},
    {"name": "softmax_log_sum_exp_literal", "edits": [
        ("softmax_loss", None, '''def softmax_loss(x, y):
    N = len(y)
    m = x.max(axis=1)
    lse = m + np.log(np.exp(x - m[:, None]).sum(axis=1))
    loss = np.mean(lse - x[np.arange(N), y])
    dx = np.exp(x - lse[:, None])
    dx[np.arange(N), y] -= 1
    return loss, dx / N'''),
    ]},
    {"name": "sigmoid_cache_input_recomputed", "edits": [
        ("sigmoid_forward", None, '''def sigmoid_forward(x):
    out = 0.5 * (1 + np.tanh(x / 2))
    return out, x'''),
        ("sigmoid_backward", None, '''def sigmoid_backward(dout, cache):
    s = 0.5 * (1 + np.tanh(cache / 2))
    return dout * s * (1 - s)'''),
    ]},
    {"name": "relu_mask_cache_multiply", "edits": [
        ("relu_forward", None, '''def relu_forward(x):
    mask = x > 0
    return x * mask, mask'''),
        ("relu_backward", None, '''def relu_backward(dout, cache):
    dx = dout.copy()
    dx[~cache] = 0
    return dx'''),
    ]},
    {"name": "svm_where", "edits": [
        ("svm_loss", None, '''def svm_loss(x, y):
    N, C = x.shape
    is_y = np.arange(C)[None, :] == y[:, None]
    margins = np.where(is_y, 0.0, np.maximum(0.0, x - x[np.arange(N), y][:, None] + 1.0))
    positive = (margins > 0).astype(float)
    dx = positive - is_y * positive.sum(axis=1, keepdims=True)
    return margins.sum() / N, dx / N'''),
    ]},
    {"name": "affine_einsum_cache_dict", "edits": [
        ("affine_forward", None, '''def affine_forward(x, w, b):
    flat = x.reshape(len(x), -1)
    return np.einsum("nd,dm->nm", flat, w) + b, {"flat": flat, "shape": x.shape, "w": w}'''),
        ("affine_backward", None, '''def affine_backward(dout, cache):
    dx = np.einsum("nm,dm->nd", dout, cache["w"]).reshape(cache["shape"])
    dw = np.einsum("nd,nm->dm", cache["flat"], dout)
    return dx, dw, dout.sum(axis=0)'''),
    ]},
]
