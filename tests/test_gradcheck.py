"""Unit tests for course.gradcheck: numeric gradients and the teaching messages."""

import numpy as np
import pytest

from course.gradcheck import (assert_gradients_close, eval_numerical_gradient,
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
