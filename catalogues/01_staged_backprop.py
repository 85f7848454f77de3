"""Typical mistakes in assignment 01 (staged backprop), as edits to the reference solution.

Format: AUTHORING.md and the catalogue test (tests/test_catalogue.py). EXERCISES says which
solution cells each test cell grades; a bug may cost points only in test cells that grade a
cell it edits. `loses` is the exact set of test cells that lose points; `visible` says whether
the visible tests catch the bug (`nbgrader validate` fails on the filled release notebook).
"""

# Each test cell grades one exercise. Hidden parts bind trusted references for every other
# student function the exercise may call (f_backward may call the partials, g_backward_m1
# f_backward_t1, staged_tape the nodes of 5.1, centred_difference forward_difference), and the
# test of staged_backward builds its cache from the table, not from staged_forward.
EXERCISES = {
    "test_forward_difference": ["forward_difference"],
    "test_centred_difference": ["centred_difference"],
    "test_f_backward_t1": ["f_backward_t1"],
    "test_f_backward_t2": ["f_backward_t2"],
    "test_f_backward": ["f_backward"],
    "test_g_backward_m1": ["g_backward_m1"],
    "test_g_backward_m2": ["g_backward_m2"],
    "test_g_backward": ["g_backward"],
    "test_staged_forward": ["staged_forward"],
    "test_staged_backward": ["staged_backward"],
    "test_tape_nodes": ["tape_nodes"],
    "test_reverse_sweep": ["reverse_sweep"],
    "test_staged_tape": ["staged_tape"],
}
# No test cell of this notebook uses everything on purpose.
INTEGRATION = []

_F_BACKWARD_CALLS_PARTIALS = (
    "f_backward", None,
    "def f_backward(dout, cache):\n"
    "    parts_t1 = f_backward_t1(dout, cache)\n"
    "    parts_t2 = f_backward_t2(dout, cache)\n"
    "    return tuple(p1 + p2 for p1, p2 in zip(parts_t1, parts_t2))\n")
_G_BACKWARD_M1_CALLS_F_PARTIAL = (
    "g_backward_m1", None,
    "def g_backward_m1(dm1, cache):\n"
    "    return f_backward_t1(3 * dm1, cache)   # m1 = 3 t1: scale, then the stage t1\n")
_STAGED_TAPE_TWO_SIGMOIDS_ONE_NODE = [
    ("staged_tape", 'sigy = Sigmoid(tape)(yv, name="sigy")',
     'sigmoid_node = Sigmoid(tape)\n    sigy = sigmoid_node(yv, name="sigy")'),
    ("staged_tape", 'sigx = Sigmoid(tape)(xv, name="sigx")', 'sigx = sigmoid_node(xv, name="sigx")'),
]

BUGS = [
    # --- 1. numeric derivatives ("Do not change x in place") ---
    {
        "name": "centred_divides_by_h",
        "why": "the centred difference spans 2h, not h: every estimate comes out twice too large",
        "edits": [("centred_difference", "/ (2 * h)", "/ h")],
        "loses": ["test_centred_difference"],
        "visible": True,
    },
    {
        "name": "forward_changes_x_in_place",
        "why": "x += h moves the caller's x (the text: do not change x in place)",
        "edits": [("forward_difference", "return (f(x + h) - f(x)) / h",
                   "fx = f(x)\n    x += h\n    return (f(x) - fx) / h")],
        "loses": ["test_forward_difference"],
        "visible": True,
    },
    {
        "name": "centred_changes_x_in_place",
        "why": "x += h, x -= 2 h leaves the caller's x moved by -h",
        "edits": [("centred_difference", "return (f(x + h) - f(x - h)) / (2 * h)",
                   "x += h\n    f_plus = f(x)\n    x -= 2 * h\n    return (f_plus - f(x)) / (2 * h)")],
        "loses": ["test_centred_difference"],
        "visible": True,
    },
    {
        "name": "forward_difference_backwards",
        "why": "(f(x) - f(x + h)) / h: the slope with the wrong sign",
        "edits": [("forward_difference", "return (f(x + h) - f(x)) / h", "return (f(x) - f(x + h)) / h")],
        "loses": ["test_forward_difference"],
        "visible": True,
    },
    {
        "name": "forward_bug_with_centred_calling_it",
        "why": "centred_difference averages two forward differences (allowed) and "
               "forward_difference has the wrong sign: the points are lost in "
               "forward_difference's test only",
        "edits": [("centred_difference", None,
                   "def centred_difference(f, x, h):\n"
                   "    return (forward_difference(f, x, h) + forward_difference(f, x, -h)) / 2\n"),
                  ("forward_difference", "return (f(x + h) - f(x)) / h",
                   "return (f(x) - f(x + h)) / h")],
        "loses": ["test_forward_difference"],
        "visible": True,
    },
    # --- 2. f = a/b + b/c ("never the number 0", "mind the sign", forks, d = dout) ---
    {
        "name": "scalar_zero_gradient",
        "why": "dc = 0 is a number, not an array of c's shape: right values, wrong shape",
        "edits": [("f_backward_t1", "dc = np.zeros_like(c)", "dc = 0")],
        "loses": ["test_f_backward_t1"],
        "visible": True,
    },
    {
        "name": "returns_da_for_db",
        "why": "a slip in the return statement hands back da twice",
        "edits": [("f_backward_t1", "return da, db, dc", "return da, da, dc")],
        "loses": ["test_f_backward_t1"],
        "visible": True,
    },
    {
        "name": "t1_ignores_upstream",
        "why": "da = 1 / b is the local derivative alone: the upstream gradient dt1 is forgotten",
        "edits": [("f_backward_t1", "da = dt1 / b", "da = 1 / b")],
        "loses": ["test_f_backward_t1"],
        "visible": True,
    },
    {
        "name": "missing_minus_in_dc",
        "why": "d(b/c)/dc = -b/c**2: the minus sign is dropped",
        "edits": [("f_backward_t2", "dc = -dt2 * b / c**2", "dc = dt2 * b / c**2")],
        "loses": ["test_f_backward_t2"],
        "visible": True,
    },
    {
        "name": "overwrite_db_at_fork",
        "why": "b feeds t1 and t2; '=' instead of '+=' keeps only the path through t2",
        "edits": [("f_backward", "db += dt2 / c", "db = dt2 / c")],
        "loses": ["test_f_backward"],
        "visible": True,
    },
    {
        "name": "db_aliases_dout",
        "why": "db = dout gives dout a second name, so db += ... changes the caller's dout "
               "(and the values read from it afterwards)",
        "edits": [("f_backward", "db = -dt1 * a / b**2       # b's first path, through t1 ...",
                   "db = dt2\n    db *= 1 / c\n    db += -dt1 * a / b**2")],
        "loses": ["test_f_backward"],
        "visible": True,
    },
    {
        "name": "partial_bug_with_f_backward_calling_partials",
        "why": "f_backward adds the partials (allowed) and f_backward_t1 has a sign slip: the "
               "points are lost in f_backward_t1's test only; f_backward's visible test says "
               "'fix `f_backward_t1` first'",
        "edits": [_F_BACKWARD_CALLS_PARTIALS,
                  ("f_backward_t1", "db = -dt1 * a / b**2", "db = dt1 * a / b**2")],
        "loses": ["test_f_backward_t1"],
        "visible": True,
    },
    # --- 3. g = 3 a/b + 5 b/c ("do not scale dout in place") ---
    {
        "name": "dropped_factor_5_in_partial",
        "why": "m2 = 5 * t2: the partial backward forgets to scale by 5",
        "edits": [("g_backward_m2", "dt2 = 5 * dm2", "dt2 = dm2")],
        "loses": ["test_g_backward_m2"],
        "visible": True,
    },
    {
        "name": "partial_scales_dm1_in_place",
        "why": "dt1 = dm1; dt1 *= 3 scales the caller's upstream gradient",
        "edits": [("g_backward_m1", "dt1 = 3 * dm1", "dt1 = dm1\n    dt1 *= 3")],
        "loses": ["test_g_backward_m1"],
        "visible": True,
    },
    {
        "name": "dropped_factor_3",
        "why": "m1 = 3 * t1: the full backward forgets to scale by 3",
        "edits": [("g_backward", "dt1 = 3 * dm1              # m1 = 3 * t1", "dt1 = dm1")],
        "loses": ["test_g_backward"],
        "visible": True,
    },
    {
        "name": "scales_dout_in_place",
        "why": "dm2 is dout, so dm2 *= 5 scales the caller's upstream gradient; the values "
               "returned are right, only the in-place check sees it",
        "edits": [("g_backward", "dt2 = 5 * dm2              # m2 = 5 * t2",
                   "dm2 *= 5                   # dm2 is dout: this scales dout itself\n"
                   "    dt2 = dm2")],
        "loses": ["test_g_backward"],
        "visible": True,
    },
    {
        "name": "g_overwrites_db_at_fork",
        "why": "b feeds m1 and m2; db = ... twice keeps the path through m2 only",
        "edits": [("g_backward", "db = -dt1 * a / b**2 + dt2 / c",
                   "db = -dt1 * a / b**2\n    db = dt2 / c")],
        "loses": ["test_g_backward"],
        "visible": True,
    },
    {
        "name": "f_partial_bug_with_g_partial_calling_it",
        "why": "g_backward_m1 calls f_backward_t1 (allowed), which drops its minus sign: the "
               "points are lost in f_backward_t1's test only",
        "edits": [_G_BACKWARD_M1_CALLS_F_PARTIAL,
                  ("f_backward_t1", "db = -dt1 * a / b**2", "db = dt1 * a / b**2")],
        "loses": ["test_f_backward_t1"],
        "visible": True,
    },
    # --- 4. the staged example (forks at x and y, "+=, never =", d = df is not a copy) ---
    {
        "name": "staged_forward_wrong_sigmoid_input",
        "why": "the numerator uses sigma(x) instead of sigma(y)",
        "edits": [("staged_forward", "num = x + sigy", "num = x + sigmoid(x)")],
        "loses": ["test_staged_forward"],
        "visible": True,
    },
    {
        "name": "staged_forward_den_without_square",
        "why": "den = sigx + xpy: stage 6 takes xpy instead of xpysqr",
        "edits": [("staged_forward", "den = sigx + xpysqr", "den = sigx + xpy")],
        "loses": ["test_staged_forward"],
        "visible": True,
    },
    {
        "name": "sigmoid_derivative_of_input",
        "why": "sigma'(x) is sigma(x) (1 - sigma(x)), not x (1 - x)",
        "edits": [("staged_backward", "dx += sigx * (1 - sigx) * dsigx",
                   "dx += x * (1 - x) * dsigx")],
        "loses": ["test_staged_backward"],
        "visible": True,
    },
    {
        "name": "sigmoid_derivative_forgotten_for_y",
        "why": "stage 1 passes dsigy on as if sigma were the identity",
        "edits": [("staged_backward", "dy += sigy * (1 - sigy) * dsigy", "dy += dsigy")],
        "loses": ["test_staged_backward"],
        "visible": True,
    },
    {
        "name": "square_missing_2",
        "why": "d(xpy**2)/dxpy = 2 xpy: the 2 is forgotten",
        "edits": [("staged_backward", "dxpy = 2 * xpy * dxpysqr", "dxpy = xpy * dxpysqr")],
        "loses": ["test_staged_backward"],
        "visible": True,
    },
    {
        "name": "overwrite_dx_at_fork",
        "why": "x feeds three stages; '=' instead of '+=' for the path through num drops the "
               "other two",
        "edits": [("staged_backward", "dx += dnum", "dx = dnum")],
        "loses": ["test_staged_backward"],
        "visible": True,
    },
    {
        "name": "staged_dnum_aliases_df",
        "why": "dnum = df; dnum *= invden scales the caller's df (d = df is not a copy)",
        "edits": [("staged_backward", "dnum = invden * df", "dnum = df\n    dnum *= invden")],
        "loses": ["test_staged_backward"],
        "visible": True,
    },
    {
        "name": "summed_gradients",
        "why": "returns np.sum(dx), np.sum(dy): right for one point, wrong shape for arrays",
        "edits": [("staged_backward", 'return {"x": dx, "y": dy,',
                   'return {"x": np.sum(dx), "y": np.sum(dy),')],
        "loses": ["test_staged_backward"],
        "visible": True,
    },
    # --- 5. the tape ("return (dz,)", one node per operation, aliasing in the sweep) ---
    {
        "name": "square_node_missing_2",
        "why": "Square.backward forgets the 2 of d(z**2)/dz",
        "edits": [("tape_nodes", "return (2 * self.z * dout,)", "return (self.z * dout,)")],
        "loses": ["test_tape_nodes"],
        "visible": True,
    },
    {
        "name": "square_node_ignores_dout",
        "why": "Square.backward returns the local derivative 2 z without multiplying by dout",
        "edits": [("tape_nodes", "return (2 * self.z * dout,)", "return (2 * self.z,)")],
        "loses": ["test_tape_nodes"],
        "visible": True,
    },
    {
        "name": "sigmoid_node_ignores_dout",
        "why": "Sigmoid.backward returns sigma' without multiplying by dout",
        "edits": [("tape_nodes", "return (self.out * (1 - self.out) * dout,)",
                   "return (self.out * (1 - self.out),)")],
        "loses": ["test_tape_nodes"],
        "visible": True,
    },
    {
        "name": "reciprocal_node_sign",
        "why": "d(1/z)/dz = -1/z**2: the minus sign is dropped",
        "edits": [("tape_nodes", "return (-self.out**2 * dout,)", "return (self.out**2 * dout,)")],
        "loses": ["test_tape_nodes"],
        "visible": True,
    },
    {
        "name": "reciprocal_node_returns_array",
        "why": "return (-...) without the comma returns an array, not a tuple (dz,)",
        "edits": [("tape_nodes", "return (-self.out**2 * dout,)", "return (-self.out**2 * dout)")],
        "loses": ["test_tape_nodes"],
        "visible": True,
    },
    {
        "name": "sweep_overwrites_at_fork",
        "why": "a Var used by several nodes keeps only the last gradient that arrives",
        "edits": [("reverse_sweep", "grads[var] = grads[var] + g", "grads[var] = g")],
        "loses": ["test_reverse_sweep"],
        "visible": True,
    },
    {
        "name": "sweep_adds_in_place",
        "why": "grads[var] += g adds into an array that Add.backward shares with dout and "
               "with the other input's gradient",
        "edits": [("reverse_sweep", "grads[var] = grads[var] + g", "grads[var] += g")],
        "loses": ["test_reverse_sweep"],
        "visible": True,
    },
    {
        "name": "sweep_no_skip",
        "why": "an entry that does not lead to out has no gradient: looking it up fails",
        "edits": [("reverse_sweep",
                   "        if output not in grads:\n"
                   "            continue                        # this entry does not lead to out\n",
                   "")],
        "loses": ["test_reverse_sweep"],
        "visible": True,
    },
    {
        "name": "sweep_ignores_dout",
        "why": "starts from ones instead of dout: right only when dout is 1",
        "edits": [("reverse_sweep", "grads = {out: dout}", "grads = {out: np.ones_like(dout)}")],
        "loses": ["test_reverse_sweep"],
        "visible": True,
    },
    {
        "name": "staged_tape_wrong_order",
        "why": "the sigmoid of x is taken of y: the tape computes a different function",
        "edits": [("staged_tape", 'sigx = Sigmoid(tape)(xv, name="sigx")',
                   'sigx = Sigmoid(tape)(yv, name="sigx")')],
        "loses": ["test_staged_tape"],
        "visible": True,
    },
    {
        "name": "square_forward_bug_with_staged_tape",
        "why": "Square.forward returns 2 z: staged_tape is right, and loses nothing",
        "edits": [("tape_nodes", "return z**2", "return 2 * z")],
        "loses": ["test_tape_nodes"],
        "visible": True,
    },
    {
        "name": "staged_tape_reuses_node",
        "why": "one Sigmoid node for both sigmoids: a node keeps the cache of one call",
        "edits": _STAGED_TAPE_TWO_SIGMOIDS_ONE_NODE,
        "loses": ["test_staged_tape"],
        "visible": True,
    },
]

# Correct alternatives: full marks, and nbgrader validate passes.
VARIANTS = [
    {
        "name": "forward_difference_as_float_arrays",
        "edits": [("forward_difference", None,
                   "def forward_difference(f, x, h):\n"
                   "    x = np.asarray(x, dtype=np.float64)\n"
                   "    x_plus = x + h                     # a new array\n"
                   "    return (f(x_plus) - f(x)) / h\n")],
    },
    {
        "name": "centred_from_two_forward_differences",
        "edits": [("centred_difference", None,
                   "def centred_difference(f, x, h):\n"
                   "    # the mean of the forward differences with steps h and -h\n"
                   "    return (forward_difference(f, x, h) + forward_difference(f, x, -h)) / 2\n")],
    },
    {"name": "f_backward_sums_partials", "edits": [_F_BACKWARD_CALLS_PARTIALS]},
    {"name": "g_backward_m1_calls_f_partial", "edits": [_G_BACKWARD_M1_CALLS_F_PARTIAL]},
    {
        "name": "g_backward_m2_calls_f_partial",
        "edits": [("g_backward_m2", None,
                   "def g_backward_m2(dm2, cache):\n"
                   "    return f_backward_t2(5 * dm2, cache)\n")],
    },
    {
        "name": "g_backward_sums_partials",
        "edits": [("g_backward", None,
                   "def g_backward(dout, cache):\n"
                   "    p1, p2 = g_backward_m1(dout, cache), g_backward_m2(dout, cache)\n"
                   "    return tuple(u + v for u, v in zip(p1, p2))\n")],
    },
    {
        "name": "g_backward_from_f_partials",
        "edits": [("g_backward", None,
                   "def g_backward(dout, cache):\n"
                   "    p1 = f_backward_t1(3 * dout, cache)\n"
                   "    p2 = f_backward_t2(5 * dout, cache)\n"
                   "    return p1[0] + p2[0], p1[1] + p2[1], p1[2] + p2[2]\n")],
    },
    {
        "name": "g_backward_in_one_line_each",
        "edits": [("g_backward", None,
                   "def g_backward(dout, cache):\n"
                   "    a, b, c = cache\n"
                   "    return 3 * dout / b, -3 * dout * a / (b * b) + 5 * dout / c, -5 * dout * b / (c * c)\n")],
    },
    {
        "name": "staged_forward_with_exp",
        "edits": [("staged_forward", "sigy = sigmoid(y)                  # 1",
                   "sigy = 1 / (1 + np.exp(-y))        # 1"),
                  ("staged_forward", "invden = 1.0 / den                 # 7",
                   "invden = den**-1.0                 # 7")],
    },
    {
        "name": "staged_backward_without_zeros",
        "edits": [("staged_backward", "dx = np.zeros_like(x)\n    dy = np.zeros_like(y)\n", ""),
                  ("staged_backward", "dx += dxpy\n    dy += dxpy",
                   "dx = dxpy.copy()\n    dy = dxpy.copy()")],
    },
    {
        "name": "staged_backward_other_forms",
        "edits": [("staged_backward", "dden = -1.0 / den**2 * dinvden", "dden = -invden**2 * dinvden"),
                  ("staged_backward", "dx += sigx * (1 - sigx) * dsigx",
                   "dx = dx + sigmoid(x) * (1 - sigmoid(x)) * dsigx")],
    },
    {
        "name": "nodes_other_forms",
        "edits": [("tape_nodes", "return (2 * self.z * dout,)", "return (dout * 2 * self.z,)"),
                  ("tape_nodes", "self.out = 1.0 / z\n        return self.out",
                   "self.z = z\n        return 1.0 / z"),
                  ("tape_nodes", "return (-self.out**2 * dout,)", "return (-dout / self.z**2,)")],
    },
    {
        "name": "sweep_with_copies",
        "edits": [("reverse_sweep", None,
                   "def reverse_sweep(tape, out, dout):\n"
                   "    grads = {out: np.array(dout, dtype=float, copy=True)}\n"
                   "    for node, inputs, output in tape.entries[::-1]:\n"
                   "        if output in grads:\n"
                   "            for var, g in zip(inputs, node.backward(grads[output])):\n"
                   "                if var not in grads:\n"
                   "                    grads[var] = np.zeros_like(var.value)\n"
                   "                grads[var] += g   # safe: every entry is an array of its own\n"
                   "    return grads\n")],
    },
    {
        "name": "sweep_defaultdict",
        "edits": [("reverse_sweep", None,
                   "from collections import defaultdict\n\n\n"
                   "def reverse_sweep(tape, out, dout):\n"
                   "    grads = defaultdict(float)\n"
                   "    grads[out] = dout\n"
                   "    for node, inputs, output in reversed(tape.entries):\n"
                   "        if output in grads:\n"
                   "            for var, g in zip(inputs, node.backward(grads[output])):\n"
                   "                grads[var] = grads[var] + g\n"
                   "    return dict(grads)\n")],
    },
    # Issue 25: correct work that a test which is not fair by construction fails.
    {"name": "f_backward_calls_partials_with_keywords", "edits": [
        ("f_backward", None,
         "def f_backward(dout, cache):\n"
         "    parts_t1 = f_backward_t1(dt1=dout, cache=cache)\n"
         "    parts_t2 = f_backward_t2(dt2=dout, cache=cache)\n"
         "    return tuple(p1 + p2 for p1, p2 in zip(parts_t1, parts_t2))\n")]},
    # A helper named _t1, as a hidden test once named its trusted forward at the notebook's top
    # level, which then replaced this helper for g_backward_m1's test.
    {"name": "helper_named_like_a_test_variable", "edits": [
        ("f_backward_t1", "def f_backward_t1(dt1, cache):",
         "def _t1(dt1, a, b):\n    return dt1 / b, -dt1 * a / b**2\n\n\ndef f_backward_t1(dt1, cache):"),
        ("f_backward_t1", "    da = dt1 / b\n    db = -dt1 * a / b**2", "    da, db = _t1(dt1, a, b)"),
        ("g_backward_m1", "    da = dt1 / b\n    db = -dt1 * a / b**2", "    da, db = _t1(dt1, a, b)")]},
]
