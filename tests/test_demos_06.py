"""What the demo cells of 06_convolution claim, checked on the executed reference notebook."""

import pytest

from notebook_namespace import reference_namespace

A = "06_convolution"


@pytest.fixture(scope="module")
def nb():
    return reference_namespace(A)


def test_overlap_demo_assigning_loses_the_overlaps_and_only_them(nb):
    """'`=` instead of +=' is wrong wherever windows overlap, and invisible with stride 3."""
    ns, _ = nb
    assert ns["overlap_error"] > 0.5, ns["overlap_error"]
    assert ns["wrong_share"] > 0.5, ns["wrong_share"]
    assert ns["no_overlap_error"] < 1e-12, ns["no_overlap_error"]


def test_trained_convnet_reads_the_digits(nb):
    """Section 6: 'this network reaches about 98.5% test accuracy' (seed 0 of the five)."""
    ns, _ = nb
    assert ns["convnet_test_acc"] >= 0.98, ns["convnet_test_acc"]
    assert ns["convnet_history"]["best_val_acc"] >= 0.97, ns["convnet_history"]


def test_feature_maps_are_one_per_filter(nb):
    """The pictures show the 16 filters and feature maps of one digit, 8 x 8 each."""
    ns, _ = nb
    assert ns["W1"].shape == (16, 1, 3, 3)
    assert ns["maps"].shape == (1, 16, 8, 8)
