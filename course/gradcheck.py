"""Numeric gradients and gradient comparisons that teach.

The two numeric helpers follow cs231n's conventions so that code written for
that course works here unchanged:

- ``eval_numerical_gradient(f, x)`` for a scalar function ``f(x)``;
- ``eval_numerical_gradient_array(f, x, df)`` for an array-valued ``f(x)``,
  returning the vector-Jacobian product ``sum(df * d f(x) / dx)``.

Both use centred differences, ``(f(x + h) - f(x - h)) / 2h``, in float64, and
perturb ``x`` *in place*, one entry at a time, restoring it afterwards.
"""

import numpy as np

__all__ = [
    "eval_numerical_gradient",
    "eval_numerical_gradient_array",
    "rel_error",
    "gradient_diagnosis",
    "assert_gradients_close",
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
