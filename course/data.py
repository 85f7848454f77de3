"""Data sets for the notebooks: small, bundled with scikit-learn, no download.

``load_digits_split`` gives scikit-learn's handwritten digits (1797 images of
8x8 pixels, grey levels 0..16, ten classes of about 180 images each) as a
stratified train/validation/test split, standardised with statistics of the
training set only.

The default split is also saved with the package (``digits_split.npz``: the raw images, the
labels and the three index lists scikit-learn's split gives), because importing scikit-learn
costs about a second in every grading kernel, for every submission of 03 to 06, and loading
the file a few milliseconds. tests/test_data.py checks that it equals scikit-learn's split;
``write_default_split()`` writes it again.
"""

from pathlib import Path

import numpy as np

__all__ = ["load_digits_split"]

DEFAULTS = (0.15, 0.25, 0)  # val_fraction, test_fraction, seed
SAVED_SPLIT = Path(__file__).with_name("digits_split.npz")
PARTS = ("train", "val", "test")


def _check_fraction(name, value):
    if not 0 < value < 1:
        raise ValueError(f"{name} must be between 0 and 1 (exclusive), got {value!r}.")


def load_digits_split(val_fraction=0.15, test_fraction=0.25, seed=0):
    """scikit-learn's digits, split and standardised.

    Inputs:
    - val_fraction: share of all 1797 images held out for validation
      (choosing hyperparameters and the best epoch)
    - test_fraction: share of all images held out for the final test
    - seed: the split's random seed; the same seed gives the same split

    The test set is split off first, then the validation set from the rest;
    both splits are stratified, so every part keeps the class proportions.
    With the defaults the sizes are 1077 train, 270 validation, 450 test.

    Returns a dict with:
    - X_train, X_val, X_test: float64 arrays (N, 64), standardised:
      (pixels - mean) / std with mean and std of the *training* set
    - y_train, y_val, y_test: int64 arrays (N,) of labels 0..9
    - images_train, images_val, images_test: float64 arrays (N, 8, 8), the raw
      grey levels 0..16, for plotting (row i is the image of X_*[i])
    - mean, std: float64 arrays (64,) used for the standardisation. A pixel
      that is constant on the training set (some corner pixels are always 0)
      gets std 1, so it is only centred, never divided by zero.
    """
    _check_fraction("val_fraction", val_fraction)
    _check_fraction("test_fraction", test_fraction)
    if val_fraction + test_fraction >= 1:
        raise ValueError(
            f"val_fraction + test_fraction must be below 1 to leave training data, "
            f"got {val_fraction} + {test_fraction}.")
    if (val_fraction, test_fraction, seed) == DEFAULTS and SAVED_SPLIT.is_file():
        images, y, rows = saved_split()
    else:
        images, y, rows = sklearn_split(val_fraction, test_fraction, seed)
    return standardised(images, y, rows)


def sklearn_split(val_fraction, test_fraction, seed):
    """(images (1797, 8, 8) float64, labels (1797,) int64, {part: row indices}) from scikit-learn."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = digits.images.astype(np.float64)
    y = digits.target.astype(np.int64)
    index = np.arange(len(y))
    rest, test = train_test_split(index, test_size=test_fraction,
                                  stratify=y, random_state=seed)
    # val_fraction is a share of the whole set; convert it to a share of `rest`.
    val_share = val_fraction / (1 - test_fraction)
    train, val = train_test_split(rest, test_size=val_share,
                                  stratify=y[rest], random_state=seed)
    return images, y, {"train": train, "val": val, "test": test}


def saved_split():
    """The default split as sklearn_split gives it, from SAVED_SPLIT."""
    with np.load(SAVED_SPLIT) as saved:
        return (saved["images"].astype(np.float64), saved["labels"].astype(np.int64),
                {part: saved[part].astype(np.int64) for part in PARTS})


def write_default_split(path=SAVED_SPLIT):
    """Save the default split (grey levels 0..16 fit in a byte, exactly)."""
    images, y, rows = sklearn_split(*DEFAULTS)
    assert np.array_equal(images, images.astype(np.uint8))
    np.savez_compressed(path, images=images.astype(np.uint8), labels=y.astype(np.uint8), **rows)


def standardised(images, y, rows):
    """The dict load_digits_split returns, from images, labels and {part: row indices}."""
    flat = images.reshape(len(y), -1)
    train = rows["train"]
    mean = flat[train].mean(axis=0)
    std = flat[train].std(axis=0)
    std[std == 0] = 1.0

    split = {"mean": mean, "std": std}
    for name in PARTS:
        split[f"X_{name}"] = (flat[rows[name]] - mean) / std
        split[f"y_{name}"] = y[rows[name]]
        split[f"images_{name}"] = images[rows[name]]
    return split
