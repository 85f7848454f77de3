"""Unit tests for course.gradcheck: numeric gradients and the teaching messages."""

import numpy as np
import pytest

from course.gradcheck import (assert_gradients_close, check_intermediates, eval_numerical_gradient,
                              eval_numerical_gradient_array, gradient_diagnosis, rel_error)


@pytest.fixture
def affine():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((4, 3)), rng.standard_normal((3, 5))
    dout = rng.standard_normal((4, 5))
    return x, w, dout


def test_scalar_gradient_matches_calculus():
    x = np.array([0.3, -1.2, 2.0])
    grad = eval_numerical_gradient(lambda v: np.sum(v ** 3), x)
    assert rel_error(grad, 3 * x ** 2) < 1e-8


def test_array_gradient_is_vector_jacobian_product(affine):
    x, w, dout = affine
    grad = eval_numerical_gradient_array(lambda v: v @ w, x, dout)
    assert rel_error(grad, dout @ w.T) < 1e-8


def test_perturbs_in_place_and_restores(affine):
    x, w, dout = affine
    before = x.copy()
    # The cs231n idiom: a closure that ignores its argument and reads x.
    grad = eval_numerical_gradient_array(lambda _: x @ w, x, dout)
    assert np.array_equal(x, before), "x must be restored exactly"
    assert rel_error(grad, dout @ w.T) < 1e-8, "the closure must see the perturbation"


def test_rejects_integer_arrays():
    with pytest.raises(TypeError, match="float64"):
        eval_numerical_gradient(lambda v: float(np.sum(v)), np.arange(3))


def test_upstream_gradient_not_modified(affine):
    x, w, dout = affine
    before = dout.copy()
    eval_numerical_gradient_array(lambda v: v @ w, x, dout)
    assert np.array_equal(dout, before)


def test_rel_error_of_equal_arrays_is_zero():
    assert rel_error(np.ones(3), np.ones(3)) == 0.0
    assert rel_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)


def test_pass_returns_relative_error(affine):
    x, w, dout = affine
    num = eval_numerical_gradient_array(lambda v: v @ w, x, dout)
    assert assert_gradients_close("dx", dout @ w.T, num) < 1e-8


def _message(analytic, numeric, name="dx"):
    with pytest.raises(AssertionError) as info:
        assert_gradients_close(name, analytic, numeric)
    return str(info.value)


@pytest.mark.parametrize("transform, expected", [
    (lambda g: -g, "minus the right one"),
    (lambda g: 4 * g, "4 times the right one"),
    (lambda g: g / 2, "0.5 times the right one"),
    (lambda g: np.zeros_like(g), "all zeros"),
    (lambda g: np.where(np.arange(g.size).reshape(g.shape) % 3 == 0, 0.0, g), "entries are right"),
])
def test_messages_name_the_likely_cause(affine, transform, expected):
    x, w, dout = affine
    right = dout @ w.T
    msg = _message(transform(right), right)
    assert "dx is wrong: max relative error" in msg
    assert "yours:" in msg and "numeric:" in msg and "at index (" in msg
    assert expected in msg


def test_message_for_missing_one_over_n_names_n():
    right = np.full((5, 2), 0.2) + np.arange(10).reshape(5, 2) * 0.01
    assert "1/N (N = 5?)" in _message(5 * right, right)


def test_message_for_transpose():
    rng = np.random.default_rng(1)
    square = rng.standard_normal((3, 3))
    assert "transpose" in _message(square.T, square, "dW")
    assert "transposed" in _message(square[:, :2].T, square[:, :2], "dW")


def test_message_for_shape_and_not_finite():
    assert "wrong shape: yours (4,), expected (4, 1)" in _message(np.ones(4), np.ones((4, 1)))
    assert "sum over the batch axis" in _message(np.ones((8, 3)), np.ones(3))
    bad = np.array([1.0, np.nan, np.inf])
    assert "2 entries of your gradient are nan or inf" in _message(bad, np.ones(3))


def test_message_for_none_and_non_numeric():
    assert "returned nothing" in _message(None, np.ones(2))
    assert "not a numeric array" in _message("oops", np.ones(2))


def test_no_false_diagnosis_for_random_noise():
    rng = np.random.default_rng(2)
    assert gradient_diagnosis(rng.standard_normal((4, 4)), rng.standard_normal((4, 4))) is None


# --- check_intermediates: a staged forward checked piece by piece ----------------------------

def _staged_example():
    """f = sum-free staged function in which `a` feeds two later stages.

    x: (3,), w: (3,); a = x * w; b = tanh(a); c = a * b (a used twice); out = c + x.
    """
    rng = np.random.default_rng(3)
    inputs = {"x": rng.standard_normal(3), "w": rng.standard_normal(3)}
    stages = [
        ("a", lambda v: v["x"] * v["w"]),
        ("b", lambda v: np.tanh(v["a"])),
        ("c", lambda v: v["a"] * v["b"]),
        ("out", lambda v: v["c"] + v["x"]),
    ]
    dout = rng.standard_normal(3)
    return stages, inputs, dout


def _staged_backward(inputs, dout, bug=None):
    """Hand-written backward of _staged_example; `bug` breaks one step."""
    x, w = inputs["x"], inputs["w"]
    a = x * w
    b = np.tanh(a)
    g = {"out": dout}
    g["c"] = dout.copy()
    g["b"] = g["c"] * a
    db_da = (1 - b ** 2) if bug != "tanh_uses_input" else (1 - a ** 2)
    g["a"] = g["c"] * b + g["b"] * db_da
    if bug == "one_path_of_a":
        g["a"] = g["b"] * db_da           # forgets the direct path a -> c
    g["x"] = g["a"] * w + dout
    g["w"] = g["a"] * x
    return g


def test_check_intermediates_passes_a_correct_backward(capsys):
    stages, inputs, dout = _staged_example()
    rows = check_intermediates(stages, inputs, dout, _staged_backward(inputs, dout))
    assert [r["name"] for r in rows] == ["out", "c", "b", "a", "x", "w"]
    assert all(r["verdict"] == "ok" and r["rel_error"] < 1e-6 for r in rows)
    printed = capsys.readouterr().out
    assert "intermediate" in printed and "relative error" in printed and "verdict" in printed
    assert "(3,)" in printed


@pytest.mark.parametrize("bug, expected", [
    ("tanh_uses_input", "'a'"),
    ("one_path_of_a", "'a'"),
])
def test_check_intermediates_names_the_first_wrong_one(capsys, bug, expected):
    stages, inputs, dout = _staged_example()
    grads = _staged_backward(inputs, dout, bug=bug)
    with pytest.raises(AssertionError) as info:
        check_intermediates(stages, inputs, dout, grads)
    msg = str(info.value)
    assert msg.startswith(f"first wrong intermediate: {expected}")
    # The stages nearer the output are not blamed: their rows say ok.
    printed = capsys.readouterr().out
    verdicts = {line.split()[0]: line.split()[-1] for line in printed.splitlines()[2:]}
    assert verdicts["out"] == verdicts["c"] == verdicts["b"] == "ok"
    assert verdicts["a"] == verdicts["x"] == verdicts["w"] == "WRONG"
    assert "are right,\nso look at the backward step" in msg
    assert "may only follow from it" in msg
    assert "max relative error" in msg and "yours:" in msg    # assert_gradients_close's message


def test_check_intermediates_hint_for_a_forgotten_path():
    """a feeds b and c: a backward that keeps one path only is wrong at a, with a hint."""
    stages = [("a", lambda v: 2.0 * v["x"]),
              ("b", lambda v: 3.0 * v["a"]),
              ("out", lambda v: v["a"] + v["b"])]
    x = np.array([0.5, -1.0])
    dout = np.array([1.0, 2.0])
    right = {"out": dout, "b": dout, "a": dout + 3 * dout, "x": 2 * (dout + 3 * dout)}
    check_intermediates(stages, {"x": x}, dout, right)
    one_path = dict(right, a=3 * dout, x=2 * 3 * dout)
    with pytest.raises(AssertionError, match=r"first wrong intermediate: 'a'(.|\n)*0.75 times"):
        check_intermediates(stages, {"x": x}, dout, one_path)


def test_check_intermediates_wrong_shape_and_missing():
    stages, inputs, dout = _staged_example()
    grads = _staged_backward(inputs, dout)
    grads["b"] = grads["b"][:, None]
    with pytest.raises(AssertionError, match=r"first wrong intermediate: 'b'(.|\n)*wrong shape"):
        check_intermediates(stages, inputs, dout, grads)
    grads = dict(_staged_backward(inputs, dout), c=None)
    with pytest.raises(AssertionError, match=r"'c'(.|\n)*returned nothing"):
        check_intermediates(stages, inputs, dout, grads)


def test_check_intermediates_rejects_unknown_names_and_bad_dout():
    stages, inputs, dout = _staged_example()
    with pytest.raises(ValueError, match="neither inputs nor stages"):
        check_intermediates(stages, inputs, dout, {"d": np.zeros(3)})
    with pytest.raises(ValueError, match="dout has shape"):
        check_intermediates(stages, inputs, np.ones(4), {"a": np.zeros(3)})
    with pytest.raises(ValueError, match="used twice"):
        check_intermediates(stages + [("x", lambda v: v["out"])], inputs, dout, {})


def test_check_intermediates_leaves_inputs_and_scalars_alone():
    """Scalar inputs work; the caller's arrays are not changed; in-place stages are harmless."""
    x = np.array([1.0, 2.0])
    before = x.copy()

    def scale_in_place(v):
        v["x"] *= 2.0                   # a stage that changes its input in place
        return v["x"]

    stages = [("y", scale_in_place), ("out", lambda v: np.sum(v["y"] * v["k"]))]
    rows = check_intermediates(stages, {"x": x, "k": 3.0}, 1.0,
                               {"x": np.array([6.0, 6.0]), "k": np.float64(2 * np.sum(x))})
    assert np.array_equal(x, before)
    assert [r["verdict"] for r in rows] == ["ok", "ok"]


def test_check_intermediates_with_shapes_that_change():
    """Intermediates of other shapes than the inputs (a mean over the batch, a scalar output)."""
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((4, 3)), rng.standard_normal(3)
    stages = [("mu", lambda v: v["x"].mean(axis=0)),            # (3,)
              ("xc", lambda v: v["x"] - v["mu"]),                # (4, 3), mu feeds it by broadcast
              ("out", lambda v: np.sum(v["xc"] ** 3 * v["w"]))]  # ()
    dout = np.float64(1.5)
    xc = x - x.mean(axis=0)
    dxc = dout * 3 * xc ** 2 * w
    dmu = -dxc.sum(axis=0)
    assert np.all(np.abs(dmu) > 1e-3)               # mu's path matters
    grads = {"out": dout, "xc": dxc, "mu": dmu, "x": dxc + dmu / 4,
             "w": dout * np.sum(xc ** 3, axis=0)}
    rows = check_intermediates(stages, {"x": x, "w": w}, dout, grads)
    assert [r["shape"] for r in rows] == [(), (4, 3), (3,), (4, 3), (3,)]
    with pytest.raises(AssertionError, match="first wrong intermediate: 'x'"):
        check_intermediates(stages, {"x": x, "w": w}, dout, dict(grads, x=dxc))  # mu's path lost
