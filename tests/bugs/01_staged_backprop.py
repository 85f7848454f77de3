"""Typical mistakes in assignment 01 (staged backprop), as edits to the reference solution.

Each bug must lose points in the test cells named in "loses", end to end through nbgrader;
each variant is a correct alternative and must get full marks. Format: AUTHORING.md.
"""

BUGS = [
    {
        "name": "centred_divides_by_h",
        "why": "the centred difference spans 2h, not h: every estimate comes out twice too large",
        "edits": [("centred_difference", "/ (2 * h)", "/ h")],
        "loses": ["test_centred_difference"],
    },
    {
        "name": "scalar_zero_gradient",
        "why": "dc = 0 is a number, not an array of c's shape: right values, wrong shape",
        "edits": [("f_backward_t1", "dc = np.zeros_like(c)", "dc = 0")],
        "loses": ["test_f_backward_t1"],
    },
    {
        "name": "returns_da_for_db",
        "why": "a slip in the return statement hands back da twice",
        "edits": [("f_backward_t1", "return da, db, dc", "return da, da, dc")],
        "loses": ["test_f_backward_t1"],
    },
    {
        "name": "missing_minus_in_dc",
        "why": "d(b/c)/dc = -b/c**2: the minus sign is dropped",
        "edits": [("f_backward_t2", "dc = -dt2 * b / c**2", "dc = dt2 * b / c**2")],
        "loses": ["test_f_backward_t2"],
    },
    {
        "name": "overwrite_db_at_fork",
        "why": "b feeds t1 and t2; '=' instead of '+=' keeps only the path through t2",
        "edits": [("f_backward", "db += dt2 / c", "db = dt2 / c")],
        "loses": ["test_f_backward"],
    },
    {
        "name": "db_aliases_dout",
        "why": "db = dout gives dout a second name, so db += ... changes the caller's dout "
               "(and the values read from it afterwards)",
        "edits": [("f_backward", "db = -dt1 * a / b**2       # b's first path, through t1 ...",
                   "db = dt2\n    db *= 1 / c\n    db += -dt1 * a / b**2")],
        "loses": ["test_f_backward"],
    },
    {
        "name": "dropped_factor_5_in_partial",
        "why": "m2 = 5 * t2: the partial backward forgets to scale by 5",
        "edits": [("g_backward_m2", "dt2 = 5 * dm2", "dt2 = dm2")],
        "loses": ["test_g_backward_m2"],
    },
    {
        "name": "dropped_factor_3",
        "why": "m1 = 3 * t1: the full backward forgets to scale by 3",
        "edits": [("g_backward", "dt1 = 3 * dm1              # m1 = 3 * t1",
                   "dt1 = dm1")],
        "loses": ["test_g_backward"],
    },
    {
        "name": "scales_dout_in_place",
        "why": "dm2 is dout, so dm2 *= 5 scales the caller's upstream gradient; the values "
               "returned are right, only the in-place check sees it",
        "edits": [("g_backward", "dt2 = 5 * dm2              # m2 = 5 * t2",
                   "dm2 *= 5                   # dm2 is dout: this scales dout itself\n"
                   "    dt2 = dm2")],
        "loses": ["test_g_backward"],
    },
    {
        "name": "staged_forward_wrong_sigmoid_input",
        "why": "the numerator uses sigma(x) instead of sigma(y)",
        "edits": [("staged_forward", "num = x + sigy", "num = x + sigmoid(x)")],
        "loses": ["test_staged_forward", "test_staged_backward"],
    },
    {
        "name": "sigmoid_derivative_of_input",
        "why": "sigma'(x) is sigma(x) (1 - sigma(x)), not x (1 - x)",
        "edits": [("staged_backward", "dx += sigx * (1 - sigx) * dsigx",
                   "dx += x * (1 - x) * dsigx")],
        "loses": ["test_staged_backward"],
    },
    {
        "name": "square_missing_2",
        "why": "d(xpy**2)/dxpy = 2 xpy: the 2 is forgotten",
        "edits": [("staged_backward", "dxpy = 2 * xpy * dxpysqr", "dxpy = xpy * dxpysqr")],
        "loses": ["test_staged_backward"],
    },
    {
        "name": "overwrite_dx_at_fork",
        "why": "x feeds three stages; '=' instead of '+=' for the path through num drops the "
               "other two",
        "edits": [("staged_backward", "dx += dnum", "dx = dnum")],
        "loses": ["test_staged_backward"],
    },
    {
        "name": "summed_gradients",
        "why": "returns np.sum(dx), np.sum(dy): right for one point, wrong shape for arrays",
        "edits": [("staged_backward", "return dx, dy", "return np.sum(dx), np.sum(dy)")],
        "loses": ["test_staged_backward"],
    },
    {
        "name": "square_node_missing_2",
        "why": "Square.backward forgets the 2 of d(z**2)/dz",
        "edits": [("tape_nodes", "return (2 * self.z * dout,)", "return (self.z * dout,)")],
        "loses": ["test_tape_nodes", "test_staged_tape"],
    },
    {
        "name": "reciprocal_node_sign",
        "why": "d(1/z)/dz = -1/z**2: the minus sign is dropped",
        "edits": [("tape_nodes", "return (-self.out**2 * dout,)", "return (self.out**2 * dout,)")],
        "loses": ["test_tape_nodes", "test_staged_tape"],
    },
    {
        "name": "sweep_overwrites_at_fork",
        "why": "a Var used by several nodes keeps only the last gradient that arrives",
        "edits": [("reverse_sweep", "grads[var] = grads[var] + g", "grads[var] = g")],
        "loses": ["test_reverse_sweep"],
    },
    {
        "name": "sweep_adds_in_place",
        "why": "grads[var] += g adds into an array that Add.backward shares with dout and "
               "with the other input's gradient",
        "edits": [("reverse_sweep", "grads[var] = grads[var] + g", "grads[var] += g")],
        "loses": ["test_reverse_sweep"],
    },
    {
        "name": "sweep_no_skip",
        "why": "an entry that does not lead to out has no gradient: looking it up fails",
        "edits": [("reverse_sweep",
                   "        if output not in grads:\n"
                   "            continue                        # this entry does not lead to out\n",
                   "")],
        "loses": ["test_reverse_sweep"],
    },
    {
        "name": "staged_tape_wrong_order",
        "why": "the sigmoid of x is taken of y: the tape computes a different function",
        "edits": [("staged_tape", 'sigx = Sigmoid(tape)(xv, name="sigx")',
                   'sigx = Sigmoid(tape)(yv, name="sigx")')],
        "loses": ["test_staged_tape"],
    },
]

# Correct alternatives that must get full marks.
VARIANTS = [
    {
        "name": "f_backward_sums_partials",
        "edits": [("f_backward", None,
                   "def f_backward(dout, cache):\n"
                   "    parts_t1 = f_backward_t1(dout, cache)\n"
                   "    parts_t2 = f_backward_t2(dout, cache)\n"
                   "    return tuple(p1 + p2 for p1, p2 in zip(parts_t1, parts_t2))\n")],
    },
    {
        "name": "g_backward_in_one_line_each",
        "edits": [("g_backward", None,
                   "def g_backward(dout, cache):\n"
                   "    a, b, c = cache\n"
                   "    return 3 * dout / b, -3 * dout * a / (b * b) + 5 * dout / c, -5 * dout * b / (c * c)\n")],
    },
    {
        "name": "staged_dict_cache",
        "edits": [
            ("staged_forward", "cache = (x, y, sigy, num, sigx, xpy, xpysqr, den, invden)",
             "cache = dict(x=x, y=y, sigy=sigy, num=num, sigx=sigx, xpy=xpy, xpysqr=xpysqr,\n"
             "                 den=den, invden=invden)"),
            ("staged_backward", "x, y, sigy, num, sigx, xpy, xpysqr, den, invden = cache",
             "x, y, sigy, num, sigx, xpy, xpysqr, den, invden = (\n"
             "        cache[k] for k in ('x', 'y', 'sigy', 'num', 'sigx', 'xpy', 'xpysqr', 'den', 'invden'))"),
        ],
    },
    {
        "name": "staged_backward_without_zeros",
        "edits": [("staged_backward", "dx = np.zeros_like(x)\n    dy = np.zeros_like(y)\n", ""),
                  ("staged_backward", "dx += dxpy\n    dy += dxpy",
                   "dx = dxpy.copy()\n    dy = dxpy.copy()")],
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
]
