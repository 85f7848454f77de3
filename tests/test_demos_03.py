"""What the demonstration cells of 03_layers claim, checked on the reference notebook.

Each test reads the numbers a demo cell left behind (tests/notebook_namespace.py runs the source
notebook in process once per session) and asserts the claim the notebook's text makes about them.
"""

import numpy as np
import pytest

from notebook_namespace import reference_namespace

ASSIGNMENT = "03_layers"


@pytest.fixture(scope="module")
def ns():
    return reference_namespace(ASSIGNMENT)[0]


@pytest.fixture(scope="module")
def printed():
    return reference_namespace(ASSIGNMENT)[1]


def _standardise(x):
    return (x - x.mean(axis=0)) / x.std(axis=0)


def test_dead_relu_plot_offset_kills_units_and_standardising_revives_them(ns, printed):
    """dead_relu_question: "With an offset of 10 ... roughly 40% of the units are negative for all
    examples"; standardising brings the dead share back to almost zero in both panels."""
    assert ns["dead_centred"] < 0.02
    assert 0.3 < ns["dead_offset_10"] < 0.5
    dead_fraction, z = ns["dead_fraction"], ns["z_in"]
    # right panel: "an input much smaller than the biases" leaves the biases' signs in charge
    assert dead_fraction(1e-3 * z) > 0.3
    for x in (z + 10, 1e-3 * z):
        assert dead_fraction(_standardise(x)) < 0.02
    assert f"offset 10: {ns['dead_offset_10']:.0%} dead" in printed["dead_relu_plot"]


def test_activation_gallery_draws_the_derivatives(ns):
    """gallery_intro: the dashed curve is f'(x), from the backward with dout = 1; gallery_question
    relies on the sigmoid's derivative peaking at 1/4 at x = 0 and the ReLU's being 1 for x > 0."""
    x, derivatives = ns["x_plot"], ns["derivatives"]
    assert x.shape == (401,) and set(derivatives) == {"ReLU", "sigmoid", "tanh"}
    s = 1 / (1 + np.exp(-x))
    assert np.allclose(derivatives["sigmoid"], s * (1 - s), atol=1e-12)
    assert np.allclose(derivatives["tanh"], 1 - np.tanh(x) ** 2, atol=1e-12)
    assert np.array_equal(derivatives["ReLU"], (x > 0).astype(float))
    peak = int(np.argmax(derivatives["sigmoid"]))
    assert x[peak] == 0 and derivatives["sigmoid"][peak] == pytest.approx(0.25)


def test_cache_memory_grows_with_the_batch(ns, printed):
    """cache_intro: the caches keep the activations alive, one per layer, and their size grows
    with the batch: with the reference layers, the affine output and the ReLU output, 2 x 512
    float64 numbers per example at every batch size."""
    freed = ns["freed_per_example"]
    assert sorted(freed) == [16, 128, 512]
    for n, per_example in freed.items():
        assert per_example == 2 * 512 * 8, (n, per_example)
    assert "8 kB per example" in printed["cache_memory"]


def test_skip_connection_demo_shows_the_in_place_error(ns, printed):
    """inplace_intro: with a relu_backward that leaves dout alone the error is about 1e-10 or less;
    with the in-place version it is far above 1e-6. The numeric gradient must come from the dout
    given, not the one the in-place backward changed (which made the demo print 3e-12)."""
    assert ns["error_yours"] < 1e-9
    assert ns["error_in_place"] > 1e-2
    text = printed["skip_connection_demo"]
    assert f"{ns['error_yours']:.1e}" in text and f"{ns['error_in_place']:.1e}" in text


def test_skip_connection_demo_in_place_version_really_writes_into_dout(ns):
    x = np.array([[-1.0, 2.0], [3.0, -4.0]])
    dout = np.ones((2, 2))
    dx = ns["relu_backward_in_place"](dout, x)
    assert dx is dout and np.array_equal(dout, [[0.0, 1.0], [1.0, 0.0]])


def test_skip_connection_demo_takes_any_cache(ns):
    """The demo hands each backward the cache of its own forward, so a correct relu_backward with
    a different cache (a mask) also gives a tiny error, and an in-place one a large error."""
    def mask_backward(dout, mask):
        return np.where(mask, dout, 0.0)

    def mask_backward_in_place(dout, mask):
        dout[~mask] = 0
        return dout

    error = ns["skip_connection_error"]
    assert error(mask_backward, lambda x: x > 0) < 1e-9
    assert error(mask_backward_in_place, lambda x: x > 0) > 1e-2


def test_overfit_digits_reaches_almost_zero_loss(ns, printed):
    """overfit_intro: with correct layers the training loss falls below 0.05 and all 50 digits end
    up classified correctly."""
    assert ns["losses"][-1] < 0.05
    assert ns["accuracy"] == 1.0
    assert "training accuracy 100%" in printed["overfit_digits"]
