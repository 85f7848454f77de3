"""What the demo cells of 05_normalization claim, checked on the executed reference notebook.

One test per demo cell whose text makes a claim; each reads the numbers the cell left in
named variables, or the lines it printed.
"""

import re

import numpy as np
import pytest

from notebook_namespace import reference_namespace

A = "05_normalization"


@pytest.fixture(scope="module")
def nb():
    return reference_namespace(A)


def test_scale_demo_output_keeps_its_scale_and_dx_shrinks_as_one_over_a(nb):
    """'the output does not change when the input is multiplied by a positive number', and
    dx scales as 1/a (the question's factor r = 1/s)."""
    _, printed = nb
    rows = re.findall(r"input scale\s+([\d.]+): output std ([\d.]+), \|dx\| mean ([\d.]+)",
                      printed["scale_demo"])
    assert len(rows) == 3, printed["scale_demo"]
    scales, stds, dx = (np.array([float(r[i]) for r in rows]) for i in range(3))
    assert np.allclose(stds, stds[1], rtol=1e-3), f"output std changes with the input's scale: {stds}"
    assert np.allclose(dx * scales, dx[1] * scales[1], rtol=0.05), f"|dx| is not ~1/a: {dx}"


def test_batchnorm_rescues_the_poor_initialisation(nb):
    """Section 6: five hidden layers from a poor initialisation learn nothing without batch
    normalisation and learn with it; from He initialisation both learn."""
    ns, _ = nb
    best = {key: history["best_val_acc"] for key, (_net, history) in ns["runs"].items()}
    assert best["poor", None] < 0.3, best
    assert best["poor", "batchnorm"] > 0.9, best
    assert best["He", None] > 0.9 and best["He", "batchnorm"] > 0.9, best


def test_dropout_narrows_the_train_validation_gap(nb):
    """'Dropout is a regulariser: it should narrow the gap between the training and the
    validation accuracy.'"""
    _, printed = nb
    rows = re.findall(r"keep ([\d.]+): final train accuracy ([\d.]+), validation ([\d.]+)",
                      printed["dropout_gap"])
    gaps = {float(keep): float(train) - float(val) for keep, train, val in rows}
    assert set(gaps) == {1.0, 0.5}, printed["dropout_gap"]
    assert gaps[0.5] < gaps[1.0], f"gaps (train - validation) by keep probability: {gaps}"
