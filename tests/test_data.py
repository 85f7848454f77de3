"""course.data.load_digits_split: sizes, stratification, determinism, standardisation."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import load_digits

from course import data
from course.data import load_digits_split

PARTS = ("train", "val", "test")


@pytest.fixture(scope="module")
def split():
    return load_digits_split()


def test_default_sizes_are_the_documented_ones(split):
    sizes = {part: len(split["y_" + part]) for part in PARTS}
    assert sizes == {"train": 1077, "val": 270, "test": 450}


def test_shapes_and_dtypes(split):
    for part in PARTS:
        n = len(split["y_" + part])
        assert split["X_" + part].shape == (n, 64) and split["X_" + part].dtype == np.float64
        assert split["y_" + part].shape == (n,) and split["y_" + part].dtype == np.int64
        assert split["images_" + part].shape == (n, 8, 8)
        assert split["images_" + part].dtype == np.float64
    assert split["mean"].shape == split["std"].shape == (64,)


def test_parts_are_disjoint_and_cover_the_data_set(split):
    digits = load_digits()
    ours = np.concatenate([
        np.column_stack([split["images_" + p].reshape(-1, 64), split["y_" + p]]) for p in PARTS])
    full = np.column_stack([digits.images.reshape(-1, 64), digits.target])
    # Same multiset of (image, label) rows: sort both lexicographically and compare.
    assert np.array_equal(ours[np.lexsort(ours.T[::-1])], full[np.lexsort(full.T[::-1])])


def test_every_part_is_stratified(split):
    overall = np.bincount(load_digits().target, minlength=10) / 1797
    for part in PARTS:
        counts = np.bincount(split["y_" + part], minlength=10)
        expected = overall * counts.sum()
        assert np.all(np.abs(counts - expected) <= 1.5), (part, counts, expected.round(1))


def test_same_seed_same_split_other_seed_other_split():
    a, b, c = load_digits_split(seed=0), load_digits_split(seed=0), load_digits_split(seed=1)
    for key in a:
        assert np.array_equal(a[key], b[key]), key
    assert not np.array_equal(a["y_train"], c["y_train"])


def test_split_ignores_the_global_random_state():
    np.random.seed(123)
    a = load_digits_split()
    np.random.seed(456)
    b = load_digits_split()
    assert np.array_equal(a["X_test"], b["X_test"])


def test_standardised_with_training_statistics_only(split):
    train_pixels = split["images_train"].reshape(-1, 64)
    assert np.allclose(split["mean"], train_pixels.mean(axis=0))
    varying = train_pixels.std(axis=0) > 0
    assert np.allclose(split["std"][varying], train_pixels.std(axis=0)[varying])
    assert np.allclose(split["X_train"].mean(axis=0), 0, atol=1e-12)
    assert np.allclose(split["X_train"].std(axis=0)[varying], 1)
    for part in PARTS:
        pixels = split["images_" + part].reshape(-1, 64)
        assert np.allclose(split["X_" + part], (pixels - split["mean"]) / split["std"])
    # The validation and test sets are not centred by their own statistics.
    assert not np.allclose(split["X_test"].mean(axis=0), 0, atol=1e-3)


def test_constant_training_pixels_are_centred_not_divided_by_zero(split):
    train_pixels = split["images_train"].reshape(-1, 64)
    constant = train_pixels.std(axis=0) == 0
    assert constant.any(), "the digits have border pixels that are 0 in every training image"
    assert np.all(split["std"][constant] == 1.0)
    for part in PARTS:
        assert np.all(np.isfinite(split["X_" + part]))
    assert np.all(split["X_train"][:, constant] == 0)


@pytest.mark.parametrize("val_fraction, test_fraction", [(0.1, 0.2), (0.2, 0.3), (0.05, 0.5)])
def test_other_fractions_give_the_requested_sizes(val_fraction, test_fraction):
    split = load_digits_split(val_fraction=val_fraction, test_fraction=test_fraction)
    sizes = {part: len(split["y_" + part]) for part in PARTS}
    assert sum(sizes.values()) == 1797
    assert abs(sizes["test"] - test_fraction * 1797) <= 1
    assert abs(sizes["val"] - val_fraction * 1797) <= 1.5


@pytest.mark.parametrize("kwargs", [
    {"val_fraction": 0}, {"val_fraction": 1}, {"test_fraction": -0.1}, {"test_fraction": 1.2},
    {"val_fraction": 0.5, "test_fraction": 0.5}, {"val_fraction": 0.6, "test_fraction": 0.5},
])
def test_impossible_fractions_are_refused_with_a_message(kwargs):
    with pytest.raises(ValueError, match="fraction"):
        load_digits_split(**kwargs)


def test_saved_default_split_is_scikit_learns(split):
    """course/digits_split.npz (the default split, saved so that grading kernels need not import
    scikit-learn) gives exactly what scikit-learn's own split gives."""
    fresh = data.standardised(*data.sklearn_split(*data.DEFAULTS))
    differ = [key for key in fresh if not (np.array_equal(fresh[key], split[key]) and fresh[key].dtype == split[key].dtype)]
    assert sorted(fresh) == sorted(split) and not differ, (
        f"{data.SAVED_SPLIT} differs from scikit-learn's split in {differ} (a new scikit-learn?). "
        "Write it again: .venv/bin/python -c 'from course import data; data.write_default_split()'")


def test_default_split_loads_without_scikit_learn():
    """Importing scikit-learn costs about a second per grading kernel; the default split needs none."""
    code = "import sys; from course.data import load_digits_split; load_digits_split(); print(sorted(m for m in sys.modules if m.startswith('sklearn')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", f"the default split imported {out.stdout.strip()}"
