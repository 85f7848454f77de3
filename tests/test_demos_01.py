"""What the demo cells of 01_staged_backprop claim, checked on the executed reference notebook.

One test per demo cell; each reads the numbers the cell left in named variables.
"""

import numpy as np
import pytest

from notebook_namespace import reference_namespace

A = "01_staged_backprop"


@pytest.fixture(scope="module")
def nb():
    namespace, printed = reference_namespace(A)
    return namespace, printed


def _slope(hs, errors, low, high):
    """Least-squares slope of log(error) against log(h) for low <= h <= high."""
    keep = (hs >= low) & (hs <= high)
    return float(np.polyfit(np.log10(hs[keep]), np.log10(errors[keep]), 1)[0])


def test_error_plot_matches_the_table(nb):
    """'Check that the printed best steps and errors match the table above', and the slopes."""
    ns, printed = nb
    hs, err_f, err_c = ns["hs"], ns["err_forward"], ns["err_centred"]
    best_f, best_c = hs[ns["best_f"]], hs[ns["best_c"]]
    # table: forward best h ~ sqrt(eps) ~ 1e-8 with error ~ 1e-8; centred ~ 6e-6 with ~ 1e-11
    assert 1e-9 <= best_f <= 1e-7 and err_f[ns["best_f"]] <= 1e-7
    assert 6e-7 <= best_c <= 6e-5 and err_c[ns["best_c"]] <= 1e-10
    # right of the minimum: truncation, slopes 1 and 2
    assert _slope(hs, err_f, 1e-5, 1e-1) == pytest.approx(1.0, abs=0.1)
    assert _slope(hs, err_c, 1e-3, 1e-1) == pytest.approx(2.0, abs=0.1)
    # gradient checks use h = 1e-5: the forward difference is off by ~1e-5, the centred by < 1e-9
    at = int(np.argmin(np.abs(np.log10(hs) + 5)))
    assert err_f[at] > 1e-6 and err_c[at] < 1e-9
    assert "forward: best h" in printed["error_plot"] and "centred: best h" in printed["error_plot"]


def test_rel_error_demo_typical_values(nb):
    """right ~1e-10; factor k gives |k - 1| / (k + 1) = 1/3 for k = 2; a wrong sign gives 1."""
    ns, printed = nb
    assert ns["err_right"] < 1e-7
    assert ns["err_factor_2"] == pytest.approx(1 / 3, abs=1e-6)
    assert ns["err_sign"] == pytest.approx(1.0, abs=1e-9)
    assert ns["err_no_dout"] > 1e-4           # a bug, by the table's rule
    assert "0.33" in printed["rel_error_demo"] and "1.00" in printed["rel_error_demo"]


def test_pitfall_lambda_shortcut_works_only_by_accident(nb):
    """The lambda that ignores its argument agrees with the exact gradient only while the
    helper perturbs the very array it reads; on a copy, its numeric gradient is zero."""
    ns, _ = nb
    exact = ns["exact"]
    assert np.allclose(ns["shortcut_in_place"], exact, rtol=1e-7, atol=1e-10)
    assert np.array_equal(ns["shortcut_on_a_copy"], np.zeros_like(exact))
    assert np.array_equal(ns["shortcut_helper_on_copies"], np.zeros_like(exact))
    assert np.allclose(ns["proper_helper_on_copies"], exact, rtol=1e-7, atol=1e-10)
    assert np.all(np.abs(exact) > 1e-3)      # so "zero" really is wrong


def test_pitfall_fork_demo(nb):
    """Overwriting fails the check (error near 1) and keeps exactly the path through sin;
    h_backward_aliases returns right values but changes dout; the re-reading version changes
    dout and returns wrong values."""
    ns, printed = nb
    message = ns["overwrites_message"]
    assert message.startswith("dx of h_backward_overwrites is wrong: max relative error")
    worst = float(message.split("max relative error ")[1].split()[0])
    assert worst > 0.5
    assert ns["overwrites_error_vs_sin_path"] == 0.0
    assert ns["aliases_changed_dout"] is True
    assert max(ns["aliases_errors"]) < 1e-12, "the text says its values are right"
    assert ns["rereads_changed_dout"] is True
    assert min(ns["rereads_errors"]) > 1e-2, "the text says its values are wrong"
    assert "The check fails as it should" in printed["pitfall_fork_demo"]


def test_draw_graph_arrows_match_the_table(nb):
    """'x has three outgoing arrows (into num, sigx and xpy) and y two', as in the table (STAGES)."""
    ns, _ = nb
    edges = ns["STAGED_EDGES"]
    assert sorted(end for start, end in edges if start == "x") == ["num", "sigx", "xpy"]
    assert sorted(end for start, end in edges if start == "y") == ["sigy", "xpy"]
    # every arrow is an input of a stage of the table, and every input has its arrow
    stages = dict(ns["STAGES"])
    probe = {name: _Probe(name) for name in ["x", "y"] + list(stages)}
    uses = set()
    for name, stage in stages.items():
        used = []
        stage(_Recorder(probe, used))
        uses |= {(u, name) for u in used}
    assert set(edges) == uses


class _Probe:
    """A stand-in value that survives the arithmetic of a stage."""

    def __init__(self, name):
        self.name = name

    def _any(self, *_):
        return self

    __add__ = __radd__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = __pow__ = __neg__ = _any

    def __array_ufunc__(self, *args, **kwargs):
        return self


class _Recorder(dict):
    """A dict of probes that records which names a stage reads."""

    def __init__(self, probes, used):
        super().__init__(probes)
        self.used = used

    def __getitem__(self, key):
        self.used.append(key)
        return super().__getitem__(key)


def test_compare_demo_tape_agrees_with_hand(nb):
    """The tape and staged_backward give the same gradient at every named value."""
    ns, printed = nb
    errors = ns["compare_errors"]
    assert set(errors) == set(ns["STAGED_NAMES"])
    assert max(errors.values()) < 1e-12
    assert ns["tape_grads"]["x"][0] == pytest.approx(2.0595697956, abs=1e-9)
    # The answer key: the path through xpy contributes most to df/dx.
    hand = ns["hand_grads"]
    cache = ns["staged_forward"](np.array([3.0]), np.array([-4.0]))[1]
    through_xpy = float(hand["xpy"][0])
    through_num = float(hand["num"][0])
    through_sigx = float((cache["sigx"] * (1 - cache["sigx"]) * hand["sigx"])[0])
    assert through_xpy + through_num + through_sigx == pytest.approx(float(hand["x"][0]))
    assert through_xpy > through_num > abs(through_sigx)
