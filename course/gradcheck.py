"""Numeric gradients and gradient comparisons that teach.

The two numeric helpers follow cs231n's conventions so that code written for
that course works here unchanged:

- ``eval_numerical_gradient(f, x)`` for a scalar function ``f(x)``;
- ``eval_numerical_gradient_array(f, x, df)`` for an array-valued ``f(x)``,
  returning the vector-Jacobian product ``sum(df * d f(x) / dx)``.

Both use centred differences, ``(f(x + h) - f(x - h)) / 2h``, in float64, and
perturb ``x`` *in place*, one entry at a time, restoring it afterwards.

``check_intermediates(stages, inputs, dout, grads)`` checks a staged backward
pass piece by piece: it compares your gradient at every named intermediate of
a forward pass with a numeric one and names the first wrong one.
"""

import numpy as np

__all__ = [
    "eval_numerical_gradient",
    "eval_numerical_gradient_array",
    "rel_error",
    "gradient_diagnosis",
    "assert_gradients_close",
    "check_intermediates",
]


def _as_float64_view(x, name):
    if not isinstance(x, np.ndarray):
        raise TypeError(
            f"{name} must be a numpy array, got {type(x).__name__}. "
            "Wrap plain numbers with np.array(..., dtype=float)."
        )
    if x.dtype != np.float64:
        raise TypeError(
            f"{name} has dtype {x.dtype}; numeric gradients need float64 "
            "(an integer array cannot hold x + h, float32 loses the digits "
            f"that centred differences need). Use {name}.astype(np.float64)."
        )
    return x


def eval_numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of a scalar function.

    Inputs:
    - f: function of one argument returning a scalar (a Python float or a
      0-d array)
    - x: float64 array, any shape; the point at which to differentiate
    - h: step size

    Returns:
    - grad: float64 array of the same shape as x, grad[i] ~ d f / d x[i]

    x is perturbed in place, one entry at a time, and every entry is restored
    before the function returns. This matters: cs231n-style checks pass
    closures such as ``lambda _: loss(w1, w2)`` that ignore their argument and
    read the arrays they captured. Because the perturbation happens in the
    very array the closure reads, such a closure still sees it. A helper that
    perturbed a copy would silently return zeros for it.
    """
    _as_float64_view(x, "x")
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        f_plus = float(f(x))
        x[ix] = old - h
        f_minus = float(f(x))
        x[ix] = old
        grad[ix] = (f_plus - f_minus) / (2 * h)
        it.iternext()
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Centred-difference vector-Jacobian product of an array function.

    Inputs:
    - f: function of one argument returning an array of df's shape
    - x: float64 array, any shape; the point at which to differentiate
    - df: upstream gradient, same shape as f(x)
    - h: step size

    Returns:
    - grad: float64 array of x's shape with
      grad[i] ~ sum(df * (f(x + h e_i) - f(x - h e_i)) / 2h)

    Like eval_numerical_gradient, x is perturbed in place and restored, so
    closures that read a captured array (and ignore their argument) still see
    the perturbation. df is not modified.
    """
    _as_float64_view(x, "x")
    df = np.asarray(df, dtype=np.float64)
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        pos = np.array(f(x), dtype=np.float64, copy=True)
        x[ix] = old - h
        neg = np.array(f(x), dtype=np.float64, copy=True)
        x[ix] = old
        if pos.shape != df.shape:
            raise ValueError(
                f"f(x) has shape {pos.shape} but the upstream gradient df has "
                f"shape {df.shape}; they must match."
            )
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


def rel_error(x, y):
    """Largest elementwise relative error between two arrays.

    max |x - y| / max(1e-8, |x| + |y|), the measure cs231n uses. As a rule of
    thumb for float64 centred differences: below 1e-7 is right, 1e-7 to 1e-4
    deserves a look (kinks such as ReLU at 0 can cause it), above 1e-4 is
    almost certainly a bug.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def _fmt(v):
    return f"{v:.6g}"


def _nearly(a, b, tol):
    return rel_error(a, b) < tol


def gradient_diagnosis(analytic, numeric, tol=1e-6):
    """Name the likely cause of a wrong gradient, or return None.

    Inputs:
    - analytic, numeric: float arrays of the same shape
    - tol: tolerance on rel_error for calling two arrays equal

    Returns a one-sentence hint (str) for the first pattern that fits:
    not finite, all zeros, the wrong sign, a constant factor, the transpose,
    or right in some entries only; None when no pattern fits.
    """
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    loose = max(tol, 1e-4)
    if not np.all(np.isfinite(a)):
        bad = int(np.size(a) - np.count_nonzero(np.isfinite(a)))
        return (f"{bad} entries of your gradient are nan or inf: look for a "
                "division by zero, an overflowing exp, or log of 0.")
    if not np.any(a) and np.any(n):
        return ("your gradient is all zeros: is it computed but not returned, "
                "or overwritten with np.zeros_like at the end?")
    if np.any(n) and _nearly(a, -n, loose):
        return "your gradient is minus the right one: check the sign of each local derivative."
    if np.any(n) and np.any(a):
        mask = np.abs(n) > 1e-8 * max(1.0, float(np.max(np.abs(n))))
        if np.any(mask):
            ratios = a[mask] / n[mask]
            k = float(np.median(ratios))
            if np.isfinite(k) and k != 0 and abs(k - 1) > 1e-3 and _nearly(a, k * n, loose):
                hint = (f"your gradient is {_fmt(k)} times the right one everywhere. "
                        "A constant factor: ")
                if k > 1 and abs(k - round(k)) < 1e-3:
                    return hint + (f"a missing 1/N (N = {round(k)}?), or a path "
                                   "counted more than once?")
                if k < 1 and abs(1 / k - round(1 / k)) < 1e-3:
                    return hint + (f"divided by {round(1 / k)} once too often, or "
                                   "dropped one of the paths that reach this "
                                   "variable (use += where paths join)?")
                return hint + "a forgotten factor from a local derivative?"
    if a.ndim == 2 and a.shape[0] == a.shape[1] and not _nearly(a, n, loose) \
            and _nearly(a.T, n, loose):
        return "your gradient is the transpose of the right one: check the order of a matrix product."
    if a.shape == n.shape and np.size(a) > 1:
        close = np.abs(a - n) <= 1e-6 * np.maximum(1.0, np.abs(n))
        share = float(np.mean(close))
        # A missing branch gets a sizeable share right; a few lucky entries
        # (a formula that agrees near 0) say nothing.
        if 0.2 <= share < 1:
            return (f"{share:.0%} of the entries are right and the others wrong: "
                    "a branch (mask, max, index) or one path of several may be missing.")
    return None


def assert_gradients_close(name, analytic, numeric, tol=1e-6):
    """Raise AssertionError with a teaching message unless two gradients agree.

    Inputs:
    - name: what is compared, for the message (e.g. "dx of softmax_backward")
    - analytic: your gradient, array
    - numeric: the numeric gradient, array of the same shape
    - tol: largest acceptable rel_error

    Returns the relative error (float) when the check passes.

    The message says what went wrong, where and by how much: shape mismatch,
    the largest relative error, the worst entry with both values, and a hint
    from gradient_diagnosis when one of its patterns fits.
    """
    if analytic is None:
        raise AssertionError(
            f"{name} is None: your function returned nothing for it. "
            "Did you forget a return statement, or return too few values?")
    try:
        a = np.asarray(analytic, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise AssertionError(
            f"{name} is not a numeric array ({type(analytic).__name__}): {err}") from None
    n = np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape:
        hint = ""
        if a.size == n.size == 1:
            hint = f" Return an array of shape {n.shape} (np.reshape or a[..., None]), not a scalar."
        elif a.ndim == 2 and a.shape == n.shape[::-1]:
            hint = " It looks transposed: check the order of the matrix product (x.T @ dout, not dout.T @ x)."
        elif a.size == n.size:
            hint = " Same number of entries: reshape it to the input's shape (x.shape)."
        elif a.ndim == n.ndim + 1 or a.size > n.size:
            hint = " Did you forget to sum over the batch axis (axis=0)?"
        raise AssertionError(
            f"{name} has the wrong shape: yours {a.shape}, expected {n.shape}.{hint}")
    if not np.all(np.isfinite(a)):
        raise AssertionError(f"{name} is wrong: {gradient_diagnosis(a, n, tol)}")
    if a.size == 0:
        return 0.0
    err = np.abs(a - n) / np.maximum(1e-8, np.abs(a) + np.abs(n))
    worst = float(np.max(err))
    if worst <= tol:
        return worst
    ix = np.unravel_index(int(np.argmax(err)), err.shape)
    where = tuple(int(i) for i in ix)
    lines = [
        f"{name} is wrong: max relative error {worst:.2g} (tolerance {tol:.0e}) at index {where}.",
        f"yours: {_fmt(a[ix])}   numeric: {_fmt(n[ix])}",
    ]
    hint = gradient_diagnosis(a, n, tol)
    if hint:
        lines.append("Likely cause: " + hint)
    raise AssertionError("\n".join(lines))


def _run_tail(stages, start, values):
    """Run stages[start:] on a copy of values; return the last stage's value.

    The copy keeps a stage that changes its input in place from corrupting the
    values that later perturbations start from.
    """
    v = {k: np.array(a, dtype=np.float64, copy=True) for k, a in values.items()}
    for name, fn in stages[start:]:
        v[name] = np.asarray(fn(v), dtype=np.float64)
    return v[stages[-1][0]]


def _check_names(stages, inputs, grads):
    stage_names = [name for name, _ in stages]
    if not stage_names:
        raise ValueError("check_intermediates needs at least one stage (the output).")
    seen = set()
    for name in list(inputs) + stage_names:
        if name in seen:
            raise ValueError(
                f"the name {name!r} is used twice among the inputs and stages; "
                "every input and intermediate needs its own name.")
        seen.add(name)
    unknown = [name for name in grads if name not in seen]
    if unknown:
        raise ValueError(
            f"grads has gradients for {unknown}, which are neither inputs nor stages. "
            f"Known names: inputs {list(inputs)}, stages {stage_names}. "
            "Check the spelling of the keys.")


def _row(name, value, grad, numeric, tol):
    """One table row: name, shape, relative error (or None), verdict."""
    shape = tuple(np.shape(value))
    if grad is None:
        return {"name": name, "shape": shape, "rel_error": None, "verdict": "missing"}
    try:
        g = np.asarray(grad, dtype=np.float64)
    except (TypeError, ValueError):
        return {"name": name, "shape": shape, "rel_error": None, "verdict": "not an array"}
    if g.shape != shape:
        return {"name": name, "shape": shape, "rel_error": None,
                "verdict": f"wrong shape {g.shape}"}
    if not np.all(np.isfinite(g)):
        return {"name": name, "shape": shape, "rel_error": None, "verdict": "nan/inf"}
    err = rel_error(g, numeric) if g.size else 0.0
    return {"name": name, "shape": shape, "rel_error": err,
            "verdict": "ok" if err <= tol else "WRONG"}


def _table(rows):
    lines = ["gradient check per intermediate (backward order: nearest the output first)",
             f"{'intermediate':<16} {'shape':<12} {'relative error':<15} verdict"]
    for r in rows:
        err = "-" if r["rel_error"] is None else f"{r['rel_error']:.2e}"
        lines.append(f"{r['name']:<16} {str(r['shape']):<12} {err:<15} {r['verdict']}")
    return "\n".join(lines)


def check_intermediates(stages, inputs, dout, grads, tol=1e-6, h=1e-5):
    """Check a staged backward pass at every named intermediate.

    Inputs:
    - stages: list of (name, fn) in forward order. fn(v) returns the value of
      the intermediate ``name`` (an array or a float, any shape) from v, a dict
      holding the inputs and every earlier intermediate by name. The last
      stage is the output. A value may feed several later stages.
    - inputs: {name: array}, any shapes; converted to float64 copies
    - dout: upstream gradient, same shape as the output
    - grads: {name: your gradient}, for any of the inputs and intermediates;
      grads[name] must have the shape of that value
    - tol: largest acceptable relative error (see rel_error)
    - h: step of the centred differences

    Returns:
    - rows: list of dicts {"name", "shape", "rel_error", "verdict"}, one per
      name in grads, in backward order, when every gradient is right.

    For each name in grads, the numeric gradient of sum(dout * output) with
    respect to that value is computed by perturbing the value and re-running
    only the stages after the one that produced it (all stages for an input),
    with every earlier value held fixed. So the numeric gradient at a value
    that feeds several later stages is the sum over all its paths, which is
    what a correct backward pass accumulates there.

    Prints a table (intermediate, shape, relative error, verdict) in backward
    order and raises AssertionError naming the first wrong gradient in that
    order: the one nearest the output, where to start fixing. The gradients
    nearer the output are right, so the bug is in the backward step that
    produced it; the wrong ones further back may only follow from it. The
    message carries assert_gradients_close's hint for it.

    Raises ValueError for a name in grads that is neither an input nor a
    stage, for duplicate names, or when dout's shape is not the output's.
    """
    stages = list(stages)
    _check_names(stages, inputs, grads)
    values = {k: np.array(a, dtype=np.float64, copy=True) for k, a in inputs.items()}
    for name, fn in stages:
        # Each stage sees copies, so one that changes its input in place cannot
        # change the point at which the later gradients are taken.
        values[name] = np.array(fn({k: a.copy() for k, a in values.items()}),
                                dtype=np.float64, copy=True)
    dout = np.asarray(dout, dtype=np.float64)
    out_name = stages[-1][0]
    if dout.shape != values[out_name].shape:
        raise ValueError(
            f"dout has shape {dout.shape} but the output {out_name!r} has shape "
            f"{values[out_name].shape}; they must match.")

    # Backward order: stages from the output back, then the inputs.
    position = {name: i for i, (name, _) in enumerate(stages)}
    order = [name for name, _ in reversed(stages)] + list(inputs)
    rows, numerics = [], {}
    for name in order:
        if name not in grads:
            continue
        # Perturb this value only: re-run the stages after the one that made it.
        start = position[name] + 1 if name in position else 0
        point = values[name].copy()

        def tail(x, name=name, start=start):
            return _run_tail(stages, start, {**values, name: x})

        if start == len(stages):          # the output itself: d output / d output
            numeric = dout.copy()
        else:
            numeric = eval_numerical_gradient_array(tail, point, dout, h=h)
        numerics[name] = numeric
        rows.append(_row(name, values[name], grads[name], numeric, tol))

    table = _table(rows)
    print(table)
    wrong = [r for r in rows if r["verdict"] != "ok"]
    if not wrong:
        return rows
    first = wrong[0]["name"]
    nearer = [r["name"] for r in rows[:rows.index(wrong[0])]]
    try:
        assert_gradients_close(f"the gradient at {first!r}", grads[first], numerics[first], tol)
        teaching = f"the gradient at {first!r} is wrong."      # only reached for odd verdicts
    except AssertionError as err:
        teaching = str(err)
    if nearer:
        where = (f"The gradients nearer the output ({', '.join(repr(n) for n in nearer)}) "
                 f"are right,\nso look at the backward step that computes the gradient "
                 f"at {first!r} from them.")
    else:
        where = f"{first!r} is the first value checked, nearest the output: start there."
    later = [r["name"] for r in wrong[1:]]
    follow = (f"\nThe wrong gradients further back ({', '.join(repr(n) for n in later)}) "
              "may only follow from it:\nfix it first, then check again."
              if later else "")
    raise AssertionError(f"first wrong intermediate: {first!r}\n{teaching}\n{where}{follow}"
                         f"\n{table}")
