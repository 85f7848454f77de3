"""What the demonstration cells of 04_digits_mlp claim, checked on the reference notebook.

Each test reads the numbers a demo cell left behind (tests/notebook_namespace.py runs the source
notebook in process once per session) and asserts the claim the notebook's text makes about them.
Timing claims are checked as CPU time with one BLAS thread, or as a ratio of two runs made under
the same load, so that a busy machine does not make them fail.
"""

import time

import numpy as np
import pytest

from notebook_namespace import reference_namespace

ASSIGNMENT = "04_digits_mlp"


def _run_notebook():
    """The notebook run once, with one BLAS thread: on a shared machine, threaded BLAS slows the
    small matrix products of this notebook (and scikit-learn's) down many times."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return reference_namespace(ASSIGNMENT)


@pytest.fixture(scope="module")
def ns():
    return _run_notebook()[0]


@pytest.fixture(scope="module")
def printed():
    return _run_notebook()[1]


def test_load_data_standardised_with_training_statistics(ns, printed):
    """Section 1: the split sizes, and pixels centred and scaled with training statistics only."""
    data = ns["data"]
    assert {part: data["X_" + part].shape for part in ("train", "val", "test")} == {
        "train": (1077, 64), "val": (270, 64), "test": (450, 64)}
    X = data["X_train"]
    assert np.allclose(X.mean(axis=0), 0, atol=1e-12)
    stds = X.std(axis=0)
    # "each pixel ... divided by the training set's standard deviation; a few border pixels are 0
    # in every training image ... only centred"
    assert np.all(np.isclose(stds, 1) | np.isclose(stds, 0)), stds
    assert 0 < np.sum(np.isclose(stds, 0)) < 8
    # validation and test pixels are not standardised with their own statistics
    assert not np.allclose(data["X_val"].mean(axis=0), 0, atol=1e-3)
    assert "train: X (1077, 64)" in printed["load_data"]


def test_show_data_every_part_is_balanced(ns):
    """'class balance: every part holds about 10% of each digit'."""
    for part, counts in ns["counts"].items():
        shares = counts / counts.sum()
        assert np.all((shares > 0.09) & (shares < 0.11)), (part, shares)


def test_overfit_small_reaches_100_percent_and_validation_stays_far_lower(ns):
    """Section 4: 'the training accuracy should reach 100% while the validation accuracy stays far
    lower', and the training loss falls 'to almost zero'."""
    history = ns["tiny_history"]
    assert len(history["loss"]) == 150 and len(history["train_acc"]) == 30
    assert history["train_acc"][-1] == 1.0
    assert history["loss"][-1] < 0.05 * history["loss"][0]
    assert history["best_val_acc"] < 0.9


def test_train_digits_reaches_97_percent_in_well_under_a_second(ns):
    """Title and section 5: at least 97% of the test digits, training 'well under a second'.
    The time is the best of three CPU times with one BLAS thread (wall time on a shared machine
    measures the other processes)."""
    from threadpoolctl import threadpool_limits

    assert ns["test_acc"] >= 0.97
    assert ns["digits_history"]["best_val_acc"] >= 0.97
    seconds = []
    with threadpool_limits(limits=1):
        for _ in range(3):
            net = ns["TwoLayerNet"](**ns["net_config"])
            start = time.process_time()
            ns["train"](net, ns["data"], **ns["train_config"], progress=False)
            seconds.append(time.process_time() - start)
    assert min(seconds) < 1.0, seconds


def test_curves_training_reaches_100_and_validation_levels_off_near_98(ns):
    """Section 6: 'The training accuracy reaches 100% while the validation accuracy levels off near
    98%', and the curves cell marks the best epoch."""
    history = ns["digits_history"]
    assert history["train_acc"][-1] == 1.0
    assert 0.96 <= history["val_acc"][-1] <= 0.99
    assert abs(ns["gap"] - (history["train_acc"][-1] - history["val_acc"][-1])) < 1e-12
    assert history["val_acc"][ns["best_epoch"] - 1] == max(history["val_acc"])


def test_compare_optimizers_momentum_brings_the_loss_down_fastest(ns):
    """Optimisers side by side: after 20 epochs momentum (lr 0.1) has the lowest loss of the three,
    and the question's premise holds: its steps are larger than plain SGD's with the same rate."""
    results = ns["optimizer_results"]
    assert set(results) == {"sgd", "sgd_momentum", "adam"}
    loss = {name: value[0] for name, value in results.items()}
    assert loss["sgd_momentum"] < loss["sgd"] and loss["sgd_momentum"] < loss["adam"], loss
    assert results["sgd_momentum"][1] >= max(results["sgd"][1], results["adam"][1])


def test_confusion_counts_every_test_digit_once(ns):
    """Section 7: rows are true digits, columns predicted ones; the diagonal is the test accuracy."""
    confusion = ns["confusion"]
    assert confusion.sum() == 450
    assert np.array_equal(confusion.sum(axis=1), np.bincount(ns["data"]["y_test"], minlength=10))
    assert abs(np.trace(confusion) / 450 - ns["test_acc"]) < 1e-12


def test_misclassified_shows_every_mistake(ns):
    """'the misclassified test digits': exactly the off-diagonal of the confusion matrix."""
    confusion = ns["confusion"]
    assert len(ns["wrong"]) == confusion.sum() - np.trace(confusion) > 0


def test_first_layer_weights_tiles_are_the_columns_of_w1(ns):
    """'Reshaped to 8x8, the 100 columns show what the first layer looks for': tile j is W1[:, j]."""
    W1, mosaic = ns["digits_net"].params["W1"], ns["mosaic"]
    assert mosaic.shape == (90, 90)
    for j in (0, 37, 99):
        row, col = divmod(j, 10)
        assert np.array_equal(mosaic[9 * row:9 * row + 8, 9 * col:9 * col + 8], W1[:, j].reshape(8, 8))


def test_broken_run_stays_at_the_level_of_guessing(ns):
    """Section 8: 'It never gets anywhere: the accuracy stays at the level of guessing', the level of
    a model that always answers the same digit (the data question)."""
    accs = ns["broken_val_accs"]
    assert len(accs) == 11
    always_one_digit = np.bincount(ns["data"]["y_val"]).max() / len(ns["data"]["y_val"])
    assert max(accs) <= always_one_digit + 1e-12, accs


def test_compare_sklearn_matches_accuracy_in_less_than_half_the_time(ns):
    """Section 9: 'your network should match its accuracy, at 97% or more, in less than half its
    time'. The times are CPU times with one BLAS thread, each the best of two runs: the cell's
    wall times, taken one after the other, measure the other processes on a busy machine (a
    ratio of 1.04 in a full run, 2.9 alone)."""
    from sklearn.neural_network import MLPClassifier
    from threadpoolctl import threadpool_limits

    assert ns["our_acc"] >= 0.97
    assert ns["our_acc"] >= ns["sklearn_acc"] - 0.01
    data = ns["data"]

    def fit_sklearn():
        MLPClassifier(hidden_layer_sizes=(100,), random_state=0).fit(data["X_train"], data["y_train"])

    def fit_ours():
        ns["train"](ns["TwoLayerNet"](**ns["net_config"]), data, **ns["train_config"], progress=False)

    def cpu_seconds(fit):
        times = []
        for _ in range(2):
            start = time.process_time()
            fit()
            times.append(time.process_time() - start)
        return min(times)

    with threadpool_limits(limits=1):
        ours, sklearn = cpu_seconds(fit_ours), cpu_seconds(fit_sklearn)
    assert sklearn / ours >= 2.0, (ours, sklearn)
