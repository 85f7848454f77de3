"""Typical mistakes in assignment 06 (convolution, pooling, spatial normalisation, a small CNN),
as edits to the reference.

Format: see AUTHORING.md and tests/catalogue_check.py. Every bug loses points in exactly the
test cells of `loses` (verified end to end with real nbgrader), all of them in its own exercise
(EXERCISES maps each test cell to the solution cells it grades); `visible` says whether the
visible tests catch it (`nbgrader validate` on the filled release fails). Every variant gets full
marks and passes validate.
"""

# Which solution cells each test cell grades. Backward tests build their own caches (every cache
# is documented), hidden parts bind working versions of every other function (stand-ins), and the
# visible parts skip a check whose earlier function fails its own quick check ("fix `X` first").
EXERCISES = {
    "test_conv_forward_naive": ["conv_forward_naive"],
    "test_conv_backward_naive": ["conv_backward_naive"],
    "test_im2col": ["im2col"],
    "test_col2im": ["col2im"],
    "test_conv_forward_im2col": ["conv_forward_im2col"],
    "test_conv_backward_staged": ["conv_backward_staged"],
    "test_max_pool_forward": ["max_pool_forward_naive"],
    "test_max_pool_backward": ["max_pool_backward_naive"],
    "test_avg_pool_forward": ["avg_pool_forward_naive"],
    "test_avg_pool_backward": ["avg_pool_backward_naive"],
    "test_spatial_batchnorm_forward": ["spatial_batchnorm_forward"],
    "test_spatial_batchnorm_backward": ["spatial_batchnorm_backward"],
    "test_spatial_groupnorm_forward": ["spatial_groupnorm_forward"],
    "test_spatial_groupnorm_backward": ["spatial_groupnorm_backward"],
    "test_convnet_init": ["three_layer_convnet"],
    "test_convnet_loss": ["three_layer_convnet"],
    "test_convnet_gradients": ["three_layer_convnet"],
}
# No test cell of this notebook uses everything: the training run is a demonstration.
INTEGRATION = []

_CONV_LOOP_BODY = '''                    window = xpad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
'''
_MAXPOOL_BACKWARD_BODY = '''            first = np.argmax(window.reshape(N, C, -1), axis=2)    # ties: the first maximum
            p, q = np.unravel_index(first, (ph, pw))
            dx[n, c, i * stride + p, j * stride + q] += dout[:, :, i, j]
'''
_IM2COL_BODY = '''    rows = stride * np.arange(Ho)[:, None, None, None] + np.arange(HH)[None, None, :, None]
    columns = stride * np.arange(Wo)[None, :, None, None] + np.arange(WW)[None, None, None, :]
    patches = xpad[:, :, rows, columns]            # (N, C, H', W', HH, WW)
    cols = patches.transpose(0, 2, 3, 1, 4, 5).reshape(N * Ho * Wo, C * HH * WW)
'''
_COL2IM_BODY = '''    rows = stride * np.arange(Ho)[:, None, None, None] + np.arange(HH)[None, None, :, None]
    columns = stride * np.arange(Wo)[None, :, None, None] + np.arange(WW)[None, None, None, :]
    patches = dcols.reshape(N, Ho, Wo, C, HH, WW).transpose(0, 3, 1, 2, 4, 5)
    dxpad = np.zeros(xpad_shape)
    np.add.at(dxpad, (slice(None), slice(None), rows, columns), patches)  # += at repeated indices
'''

BUGS = [
    # --- conv_forward_naive ------------------------------------------------------------------
    {
        "name": "conv_flipped_filters",
        "why": "a textbook convolution: the filter flipped in both directions",
        "edits": [("conv_forward_naive", "np.sum(window * w[f])", "np.sum(window * w[f, :, ::-1, ::-1])")],
        "loses": ["test_conv_forward_naive"],
        "visible": True,
    },
    {
        "name": "conv_stride_pad_swapped",
        "why": "stride and pad read from each other's keys",
        "edits": [("conv_forward_naive", 'stride, pad = conv_param["stride"], conv_param["pad"]',
                   'pad, stride = conv_param["stride"], conv_param["pad"]')],
        "loses": ["test_conv_forward_naive"],
        "visible": True,
    },
    {
        "name": "conv_window_ignores_stride",
        "why": "the window of output pixel (i, j) starts at (i, j), not (i * stride, j * stride)",
        "edits": [("conv_forward_naive",
                   "window = xpad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]",
                   "window = xpad[n, :, i:i + HH, j:j + WW]")],
        "loses": ["test_conv_forward_naive"],
        "visible": True,
    },
    {
        "name": "conv_bias_missing",
        "why": "the bias is never added",
        "edits": [("conv_forward_naive", "np.sum(window * w[f]) + b[f]", "np.sum(window * w[f])")],
        "loses": ["test_conv_forward_naive"],
        "visible": True,
    },
    # --- conv_backward_naive -----------------------------------------------------------------
    {
        "name": "conv_dx_unpad_negative_slice",
        "why": "dxpad[:, :, pad:-pad, pad:-pad] is empty when pad = 0",
        "edits": [("conv_backward_naive", "dx = dxpad[:, :, pad:pad + H, pad:pad + W]",
                   "dx = dxpad[:, :, pad:-pad, pad:-pad]")],
        "loses": ["test_conv_backward_naive"],
        "visible": False,
    },
    {
        "name": "conv_dw_overwritten",
        "why": "dw[f] = ... keeps only the last output pixel's contribution",
        "edits": [("conv_backward_naive", "dw[f] += dout", "dw[f] = dout")],
        "loses": ["test_conv_backward_naive"],
        "visible": True,
    },
    {
        "name": "conv_db_first_image_only",
        "why": "db summed over the first image only",
        "edits": [("conv_backward_naive", "db = np.sum(dout, axis=(0, 2, 3))", "db = np.sum(dout[0], axis=(1, 2))")],
        "loses": ["test_conv_backward_naive"],
        "visible": True,
    },
    {
        "name": "conv_backward_flipped_w",
        "why": "the input gradient uses the flipped filter",
        "edits": [("conv_backward_naive", "+= dout[n, f, i, j] * w[f]\n",
                   "+= dout[n, f, i, j] * w[f, :, ::-1, ::-1]\n")],
        "loses": ["test_conv_backward_naive"],
        "visible": True,
    },
    {
        "name": "conv_backward_ignores_stride",
        "why": "windows at (i, j) instead of (i * stride, j * stride): right only for stride 1",
        "edits": [("conv_backward_naive", "top, left = i * stride, j * stride", "top, left = i, j")],
        "loses": ["test_conv_backward_naive"],
        "visible": False,
    },
    # --- im2col, col2im ------------------------------------------------------------------------
    {
        "name": "im2col_order_pqc",
        "why": "each window flattened in the order (p, q, c), not (c, p, q) as w[f].ravel()",
        "edits": [("im2col", "patches.transpose(0, 2, 3, 1, 4, 5)", "patches.transpose(0, 2, 3, 4, 5, 1)")],
        "loses": ["test_im2col"],
        "visible": True,
    },
    {
        "name": "im2col_ignores_stride",
        "why": "windows start at every pixel: right only for stride 1",
        "edits": [("im2col", "rows = stride * np.arange(Ho)", "rows = np.arange(Ho)"),
                  ("im2col", "columns = stride * np.arange(Wo)", "columns = np.arange(Wo)")],
        "loses": ["test_im2col"],
        "visible": False,
    },
    {
        "name": "col2im_assign_at_overlaps",
        "why": "= instead of +=: a pixel in several windows keeps one gradient",
        "edits": [("col2im", "np.add.at(dxpad, (slice(None), slice(None), rows, columns), patches)",
                   "dxpad[:, :, rows, columns] = patches")],
        "loses": ["test_col2im"],
        "visible": True,
    },
    {
        "name": "col2im_buffered_plus_equals",
        "why": "a[index] += v with repeated indices adds only once (numpy buffers it)",
        "edits": [("col2im", "np.add.at(dxpad, (slice(None), slice(None), rows, columns), patches)",
                   "dxpad[:, :, rows, columns] += patches")],
        "loses": ["test_col2im"],
        "visible": True,
    },
    # --- conv_forward_im2col, conv_backward_staged -----------------------------------------------
    {
        "name": "staged_forward_reshape_without_transpose",
        "why": "out_mat (N H' W', F) reshaped straight to (N, F, H', W')",
        "edits": [("conv_forward_im2col", "out = out_mat.reshape(N, Ho, Wo, F).transpose(0, 3, 1, 2)",
                   "out = out_mat.reshape(N, F, Ho, Wo)")],
        "loses": ["test_conv_forward_im2col"],
        "visible": True,
    },
    {
        "name": "staged_forward_filters_reshaped_wrong",
        "why": "w.reshape(-1, F) has the right shape and the wrong numbers",
        "edits": [("conv_forward_im2col", "cols @ w.reshape(F, -1).T + b", "cols @ w.reshape(-1, F) + b")],
        "loses": ["test_conv_forward_im2col"],
        "visible": True,
    },
    {
        "name": "staged_dout_mat_wrong_layout",
        "why": "dout reshaped to (N H' W', F) without moving the filter axis last",
        "edits": [("conv_backward_staged", "dout_mat = dout.transpose(0, 2, 3, 1).reshape(-1, F)",
                   "dout_mat = dout.reshape(-1, F)")],
        "loses": ["test_conv_backward_staged"],
        "visible": True,
    },
    {
        "name": "staged_dw_transposed",
        "why": "(cols.T @ dout_mat) is (C HH WW, F): reshaped to w's shape it mixes the filters",
        "edits": [("conv_backward_staged", "dw = (dout_mat.T @ cols).reshape(w.shape)",
                   "dw = (cols.T @ dout_mat).reshape(w.shape)")],
        "loses": ["test_conv_backward_staged"],
        "visible": True,
    },
    {
        "name": "staged_dx_unpad_negative_slice",
        "why": "dxpad[:, :, pad:-pad, pad:-pad] is empty when pad = 0",
        "edits": [("conv_backward_staged", "dx = dxpad[:, :, pad:pad + H, pad:pad + W]",
                   "dx = dxpad[:, :, pad:-pad, pad:-pad]")],
        "loses": ["test_conv_backward_staged"],
        "visible": False,
    },
    # --- pooling -----------------------------------------------------------------------------------
    {
        "name": "max_pool_takes_min",
        "why": "np.min instead of np.max",
        "edits": [("max_pool_forward_naive", "np.max(window, axis=(2, 3))", "np.min(window, axis=(2, 3))")],
        "loses": ["test_max_pool_forward"],
        "visible": True,
    },
    {
        "name": "max_pool_windows_by_size",
        "why": "windows placed at i * pool_height instead of i * stride: right only when they are equal",
        "edits": [("max_pool_forward_naive",
                   "window = x[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw]",
                   "window = x[:, :, i * ph:i * ph + ph, j * pw:j * pw + pw]")],
        "loses": ["test_max_pool_forward"],
        "visible": False,
    },
    {
        "name": "max_pool_mask_from_dout",
        "why": "the mask of the maximum recomputed from dout instead of the input",
        "edits": [("max_pool_backward_naive", _MAXPOOL_BACKWARD_BODY,
                   "            mask = window == np.max(dout[:, :, i:i + 1, j:j + 1], axis=(2, 3), keepdims=True)\n"
                   "            dx[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw] += "
                   "mask * dout[:, :, i:i + 1, j:j + 1]\n")],
        "loses": ["test_max_pool_backward"],
        "visible": True,
    },
    {
        "name": "max_pool_ties_to_all",
        "why": "every tied maximum gets the whole gradient",
        "edits": [("max_pool_backward_naive", _MAXPOOL_BACKWARD_BODY,
                   "            mask = window == np.max(window, axis=(2, 3), keepdims=True)\n"
                   "            dx[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw] += "
                   "mask * dout[:, :, i:i + 1, j:j + 1]\n")],
        "loses": ["test_max_pool_backward"],
        "visible": True,
    },
    {
        "name": "max_pool_backward_overwrites",
        "why": "= instead of += where windows overlap",
        "edits": [("max_pool_backward_naive", "dx[n, c, i * stride + p, j * stride + q] += dout[:, :, i, j]",
                   "dx[n, c, i * stride + p, j * stride + q] = dout[:, :, i, j]")],
        "loses": ["test_max_pool_backward"],
        "visible": False,
    },
    {
        "name": "avg_pool_sums",
        "why": "the sum of each window instead of its mean",
        "edits": [("avg_pool_forward_naive", "np.mean(x[:, :, i * stride", "np.sum(x[:, :, i * stride")],
        "loses": ["test_avg_pool_forward"],
        "visible": True,
    },
    {
        "name": "avg_pool_backward_undivided",
        "why": "dout sent to every input of the window without dividing by its size",
        "edits": [("avg_pool_backward_naive", "share = dout / (ph * pw)", "share = dout")],
        "loses": ["test_avg_pool_backward"],
        "visible": True,
    },
    {
        "name": "avg_pool_backward_overwrites",
        "why": "= instead of += where windows overlap",
        "edits": [("avg_pool_backward_naive", "j * stride + pw] += share", "j * stride + pw] = share")],
        "loses": ["test_avg_pool_backward"],
        "visible": True,
    },
    # --- spatial normalisation -----------------------------------------------------------------
    {
        "name": "spatial_bn_reshape_without_transpose",
        "why": "x.reshape(-1, C) mixes channels and pixels",
        "edits": [("spatial_batchnorm_forward", "pixels = x.transpose(0, 2, 3, 1).reshape(-1, C)",
                   "pixels = x.reshape(-1, C)")],
        "loses": ["test_spatial_batchnorm_forward"],
        "visible": True,
    },
    {
        "name": "spatial_bn_backward_reshape_without_transpose",
        "why": "dout.reshape(-1, C) does not match the rows of the forward's matrix",
        "edits": [("spatial_batchnorm_backward", "dout_flat = dout.transpose(0, 2, 3, 1).reshape(-1, C)",
                   "dout_flat = dout.reshape(-1, C)")],
        "loses": ["test_spatial_batchnorm_backward"],
        "visible": True,
    },
    {
        "name": "groupnorm_per_channel",
        "why": "statistics per channel, not per group (each group then has mean 0 and variance 1 too)",
        "edits": [("spatial_groupnorm_forward", "mu = np.mean(groups, axis=(2, 3, 4), keepdims=True)",
                   "mu = np.mean(groups, axis=(3, 4), keepdims=True)"),
                  ("spatial_groupnorm_forward", "var = np.mean((groups - mu) ** 2, axis=(2, 3, 4), keepdims=True)",
                   "var = np.mean((groups - mu) ** 2, axis=(3, 4), keepdims=True)")],
        "loses": ["test_spatial_groupnorm_forward"],
        "visible": True,
    },
    {
        "name": "groupnorm_backward_drops_variance_path",
        "why": "dx without the term through the variance",
        "edits": [("spatial_groupnorm_backward",
                   "dx = istd.reshape(N, G, 1) * (dxhat - np.mean(dxhat, axis=2, keepdims=True)\n"
                   "                                  - xh * np.mean(dxhat * xh, axis=2, keepdims=True))",
                   "dx = istd.reshape(N, G, 1) * (dxhat - np.mean(dxhat, axis=2, keepdims=True))")],
        "loses": ["test_spatial_groupnorm_backward"],
        "visible": True,
    },
    {
        "name": "groupnorm_dgamma_shape",
        "why": "dgamma of shape (C,) instead of gamma's (1, C, 1, 1)",
        "edits": [("spatial_groupnorm_backward", "dgamma = np.sum(dout * xhat, axis=(0, 2, 3), keepdims=True)",
                   "dgamma = np.sum(dout * xhat, axis=(0, 2, 3))")],
        "loses": ["test_spatial_groupnorm_backward"],
        "visible": True,
    },
    # --- ThreeLayerConvNet ---------------------------------------------------------------------
    {
        "name": "convnet_w2_ignores_pooling",
        "why": "W2 sized for the conv output, F * H * W, not the pooled F * H/2 * W/2",
        "edits": [("three_layer_convnet", "num_filters * (H // 2) * (W // 2)", "num_filters * H * W")],
        "loses": ["test_convnet_init", "test_convnet_loss", "test_convnet_gradients"],
        "visible": True,
    },
    {
        "name": "convnet_reg_on_biases",
        "why": "the L2 penalty on the biases too (zero at first: only a trained net shows it)",
        "edits": [("three_layer_convnet", 'for name in ("W1", "W2", "W3"):', "for name in self.params:")],
        "loses": ["test_convnet_loss"],
        "visible": False,
    },
    {
        "name": "convnet_no_reg_gradient",
        "why": "the penalty is in the loss but not in the gradients",
        "edits": [("three_layer_convnet", "grads[name] = grads[name] + self.reg * self.params[name]",
                   "grads[name] = grads[name]")],
        "loses": ["test_convnet_gradients"],
        "visible": True,
    },
]

VARIANTS = [
    {
        "name": "conv_forward_einsum_per_pixel",
        "why": "loops over the output pixels only, all images and filters at once with einsum",
        "edits": [("conv_forward_naive", "    for n in range(N):\n        for f in range(F):\n"
                   "            for i in range(Ho):\n                for j in range(Wo):\n" + _CONV_LOOP_BODY,
                   "    for i in range(Ho):\n        for j in range(Wo):\n"
                   "            window = xpad[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW]\n"
                   "            out[:, :, i, j] = np.einsum('nchw,fchw->nf', window, w) + b\n")],
    },
    {
        "name": "conv_backward_tensordot_per_pixel",
        "why": "loops over the output pixels only, with tensordot",
        "edits": [("conv_backward_naive", None, '''def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, Ho, Wo = dout.shape
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxpad = np.zeros_like(xpad, dtype=float)
    dw = np.zeros_like(w, dtype=float)
    for i in range(Ho):
        for j in range(Wo):
            rows = slice(i * stride, i * stride + HH)
            cols = slice(j * stride, j * stride + WW)
            dw += np.tensordot(dout[:, :, i, j], xpad[:, :, rows, cols], axes=([0], [0]))
            dxpad[:, :, rows, cols] += np.tensordot(dout[:, :, i, j], w, axes=([1], [0]))
    H_end, W_end = pad + H, pad + W
    return dxpad[:, :, pad:H_end, pad:W_end], dw, dout.sum(axis=(0, 2, 3))''')],
    },
    {
        "name": "im2col_as_strided",
        "why": "the windows as a strided view (np.lib.stride_tricks.as_strided), copied by reshape",
        "edits": [("im2col", _IM2COL_BODY,
                   "    sN, sC, sH, sW = xpad.strides\n"
                   "    view = np.lib.stride_tricks.as_strided(\n"
                   "        xpad, shape=(N, Ho, Wo, C, HH, WW),\n"
                   "        strides=(sN, sH * stride, sW * stride, sC, sH, sW), writeable=False)\n"
                   "    cols = view.reshape(N * Ho * Wo, C * HH * WW)\n")],
    },
    {
        "name": "im2col_loops",
        "why": "one row at a time",
        "edits": [("im2col", _IM2COL_BODY,
                   "    cols = np.empty((N * Ho * Wo, C * HH * WW))\n"
                   "    for n in range(N):\n        for i in range(Ho):\n            for j in range(Wo):\n"
                   "                cols[n * Ho * Wo + i * Wo + j] = xpad[n, :, i * stride:i * stride + HH, "
                   "j * stride:j * stride + WW].ravel()\n")],
    },
    {
        "name": "col2im_loops",
        "why": "a += per window, which accumulates at overlaps",
        "edits": [("col2im", _COL2IM_BODY,
                   "    patches = dcols.reshape(N, Ho, Wo, C, HH, WW)\n"
                   "    dxpad = np.zeros(xpad_shape)\n"
                   "    for i in range(Ho):\n        for j in range(Wo):\n"
                   "            dxpad[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW] += patches[:, i, j]\n")],
    },
    {
        "name": "max_pool_ties_to_last",
        "why": "ties routed to the last maximum in row-major order: the docstring allows any one",
        "edits": [("max_pool_backward_naive", "first = np.argmax(window.reshape(N, C, -1), axis=2)",
                   "first = ph * pw - 1 - np.argmax(window.reshape(N, C, -1)[:, :, ::-1], axis=2)")],
    },
    {
        "name": "max_pool_first_tie_by_mask",
        "why": "a boolean mask of the maxima, keeping the first with a cumulative sum",
        "edits": [("max_pool_backward_naive", _MAXPOOL_BACKWARD_BODY,
                   "            flat = window.reshape(N, C, -1)\n"
                   "            mask = flat == flat.max(axis=2, keepdims=True)\n"
                   "            mask &= np.cumsum(mask, axis=2) == 1\n"
                   "            dx[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw] += (\n"
                   "                mask * dout[:, :, i, j, None]).reshape(window.shape)\n")],
    },
    {
        "name": "convnet_pool_before_relu",
        "why": "max pooling and ReLU commute: pool first, then ReLU",
        "edits": [("three_layer_convnet",
                   "        act, relu_cache = relu_forward(conv)\n"
                   "        pooled, pool_cache = max_pool_forward_naive(act, self.pool_param)\n",
                   "        pooled_pre, pool_cache = max_pool_forward_naive(conv, self.pool_param)\n"
                   "        pooled, relu_cache = relu_forward(pooled_pre)\n"),
                  ("three_layer_convnet",
                   "        dact = max_pool_backward_naive(dpooled, pool_cache)\n"
                   "        dconv = relu_backward(dact, relu_cache)\n",
                   "        dpre = relu_backward(dpooled, relu_cache)\n"
                   "        dconv = max_pool_backward_naive(dpre, pool_cache)\n")],
    },
    {
        "name": "staged_forward_einsum",
        "why": "the matmul stage written with einsum",
        "edits": [("conv_forward_im2col", "out_mat = cols @ w.reshape(F, -1).T + b",
                   "out_mat = np.einsum('rk,fk->rf', cols, w.reshape(F, -1)) + b")],
    },
    {
        "name": "groupnorm_with_np_var",
        "why": "np.var and a reshape of gamma to the groups",
        "edits": [("spatial_groupnorm_forward",
                   "var = np.mean((groups - mu) ** 2, axis=(2, 3, 4), keepdims=True)",
                   "var = np.var(groups, axis=(2, 3, 4), keepdims=True)")],
    },
]
