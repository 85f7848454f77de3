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


def test_dropout_wins_on_every_seed_and_narrows_the_gap_on_average(nb):
    """Section 6's dropout demo and its reading: without dropout every network fits its 200 training
    images perfectly; with dropout the best validation accuracy is higher on every seed, by more
    than the spread between seeds, and the train/validation gap at the last epoch narrows on
    average."""
    ns, printed = nb
    runs = ns["dropout_runs"]
    seeds = ns["DROPOUT_SEEDS"]
    assert len(seeds) >= 3 and set(runs) == {(keep, s) for keep in (1.0, 0.5) for s in seeds}, sorted(runs)
    assert all(runs[1.0, s]["train_acc"][-1] == 1.0 for s in seeds), "without dropout a run did not overfit"
    best = {keep: np.array([runs[keep, s]["best_val_acc"] for s in seeds]) for keep in (1.0, 0.5)}
    gains = best[0.5] - best[1.0]
    assert np.all(gains > 0), f"dropout did not win on every seed: best validation accuracy {best}"
    assert gains.mean() > max(best[1.0].std(), best[0.5].std()), (
        f"the mean gain {gains.mean():.3f} is within the spread between seeds {best}")
    gaps = {keep: np.mean([runs[keep, s]["train_acc"][-1] - runs[keep, s]["val_acc"][-1] for s in seeds])
            for keep in (1.0, 0.5)}
    assert gaps[0.5] < gaps[1.0], f"mean gaps (train - validation) by keep probability: {gaps}"
    assert f"in {len(seeds)} of {len(seeds)} seeds" in printed["dropout_gap"], printed["dropout_gap"]


def test_batchnorm_widens_the_range_of_weight_scales_that_train(nb):
    """'Without normalisation the network learns only near the He scale: at 0.1 it reaches about
    0.94, and at 1e-3 and 3e-3 it stays at chance ... With batch normalisation every scale from 1e-3
    to 0.1 trains to above 0.9 ... at 0.3 and 1 it falls behind its own best as well.'"""
    ns, _ = nb
    scales = np.asarray(ns["sweep_scales"])
    plain, bn = (np.asarray(ns["scale_sweep"][key]) for key in (None, "batchnorm"))
    table = f"scales {np.round(scales, 4)}\nplain {plain}\nbatchnorm {bn}"
    assert np.allclose(scales, np.logspace(-3, 0, 7)), table
    assert np.all(plain[:2] < 0.15), f"the plain network learns at the two smallest scales:\n{table}"
    assert np.argmax(plain) == 4 and plain[4] > 0.9, f"the plain network's best is not ~0.94 at 0.1:\n{table}"
    assert np.all(bn[:5] > 0.9), f"batch norm is not above 0.9 at every scale up to 0.1:\n{table}"
    assert np.all(bn[5:] < bn.max() - 0.05), f"batch norm does not fall behind at 0.3 and 1:\n{table}"
    assert np.ptp(bn[:5]) < 0.1 and np.ptp(plain[:5]) > 0.6, (
        f"up to 0.1, batch norm's accuracy does not vary much less than the plain network's:\n{table}")


def test_batchnorm_suffers_from_tiny_batches_and_layernorm_does_not(nb):
    """'With batches of 10 and 50, batch normalisation does at least as well as layer normalisation
    here. With batches of 5 it loses more than 0.15 of validation accuracy, while layer normalisation
    stays within a few hundredths of its own best.'"""
    ns, _ = nb
    assert tuple(ns["batch_size_grid"]) == (5, 10, 50), ns["batch_size_grid"]
    bn, ln = (np.asarray(ns["batch_sizes"][key]) for key in ("batchnorm", "layernorm"))
    table = f"batch sizes 5, 10, 50\nbatchnorm {bn}\nlayernorm {ln}"
    assert np.all(bn[1:] >= ln[1:]), f"layer norm beats batch norm with batches of 10 or 50:\n{table}"
    assert bn[0] < bn.max() - 0.15, f"batch norm does not lose 0.15 with batches of 5:\n{table}"
    assert ln[0] > ln.max() - 0.05, f"layer norm loses more than a few hundredths with batches of 5:\n{table}"
    assert ln[0] > bn[0] + 0.05, f"with batches of 5 layer norm is not clearly above batch norm:\n{table}"
