"""What the demo cells of 02_softmax claim, checked on the executed reference notebook.

One test per demo cell; each reads the numbers the cell left in named variables (and, where
the claim is about what the cell prints, its printed text).
"""

import numpy as np
import pytest

from notebook_namespace import reference_namespace

A = "02_softmax"


@pytest.fixture(scope="module")
def nb():
    namespace, printed = reference_namespace(A)
    return namespace, printed


def test_temperature_sharpens_flattens_and_keeps_the_order(nb):
    """'Low T: one class takes all; high T: uniform (1/C)', 'never changes the order of the
    classes', all 200 temperatures in one call."""
    ns, _ = nb
    scores, temps, probs = ns["scores_t"], ns["temps"], ns["probs_t"]
    assert probs.shape == (200, 4) and temps[0] == pytest.approx(10 ** -1.5)
    assert np.allclose(probs.sum(axis=1), 1.0)
    winner = int(np.argmax(scores))
    assert probs[0, winner] > 0.999                        # T ~ 0.03: one class takes all
    assert np.max(np.abs(probs[-1] - 0.25)) < 0.02         # T ~ 31.6: nearly uniform
    order = np.argsort(-scores)
    assert np.all(np.diff(probs[:, order], axis=1) <= 0)   # the order never changes
    # monotone in T: the winner's probability only falls as T grows
    assert np.all(np.diff(probs[:, winner]) <= 1e-15)


def test_jacobian_matches_diag_minus_outer(nb):
    """The C unit vectors through the compact backward give diag(p) - p p^T, rows summing to 0,
    positive diagonal and negative off-diagonal (the question relies on both)."""
    ns, printed = nb
    jac, p = ns["jac"], ns["p_row"][0]
    assert ns["jac_error"] < 1e-12 and ns["largest_row_sum"] < 1e-15
    assert np.allclose(jac, np.diag(p) - np.outer(p, p), rtol=0, atol=1e-15)
    off = ~np.eye(len(p), dtype=bool)
    assert np.all(np.diag(jac) > 0) and np.all(jac[off] < 0)
    assert "rel_error against diag(p) - p p^T" in printed["demo_jacobian"]


def test_naive_softmax_overflows_and_the_shift_cures_it(nb):
    """The naive softmax gives nan with numpy's overflow warning on scores around 1000; the
    shifted scores and your softmax_forward give the finite answer."""
    ns, printed = nb
    assert np.all(np.isnan(ns["naive"]))
    assert any("overflow" in str(w.message) for w in ns["caught"])
    expected = [0.6652409557748219, 0.24472847105479767, 0.09003057317038046]
    assert np.allclose(ns["softmax_naive"](ns["big"] - 1000.0)[0], expected, rtol=1e-12)
    assert np.allclose(ns["softmax_forward"](ns["big"])[0][0], expected, rtol=1e-12)
    assert "numpy warned" in printed["demo_naive"]


def test_error_plot_breaks_where_the_answer_key_says(nb):
    """Where each curve leaves the floor (md_error_plot_q and its answer key): naive
    probabilities nan above s = 709.8; stable probabilities never; 'softmax_forward, then log'
    worse from s ~ 354 (gradual underflow), inf above 372.2; softmax_loss never."""
    ns, _ = nb
    s = ns["scales"]
    prob_err = {k: np.asarray(v, dtype=float) for k, v in ns["prob_err"].items()}
    loss_err = {k: np.asarray(v, dtype=float) for k, v in ns["loss_err"].items()}

    naive = prob_err["naive softmax"]
    assert np.all(np.isfinite(naive[s < 709.0])) and np.all(np.isnan(naive[s > 710.0]))
    assert np.max(prob_err["your softmax_forward"]) < 1e-15

    then_log = loss_err["your softmax_forward, then log"]
    assert np.max(then_log[s < 354.0]) < 1e-14                      # on the floor
    finite_band = (s > 354.2) & (s < 372.2)
    assert np.all(np.isfinite(then_log[finite_band]))
    assert np.max(then_log[finite_band]) > 1e-6                      # worse before it breaks
    assert np.all(np.isinf(then_log[s > 372.3]))                     # -log(0)

    assert np.max(loss_err["your softmax_loss"]) < 1e-15             # never leaves the floor


def test_kink_slopes(nb):
    """At w1[0, 0] = 0.5 the one-sided slopes differ, the centred difference is their average,
    and the analytic value (mask h_pre > 0) equals the slope from the left."""
    ns, printed = nb
    left, right, centred = ns["slope_left"], ns["slope_right"], ns["centred"]
    assert left == pytest.approx(0.05, abs=1e-6)                   # only the penalty 2 * reg * w
    assert right == pytest.approx(0.697192, abs=1e-5)
    assert centred == pytest.approx((left + right) / 2, abs=1e-9)
    assert ns["grads"]["w1"][0, 0] == pytest.approx(left, abs=1e-6)
    assert "slope from the left" in printed["demo_kink"]
