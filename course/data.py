"""Data sets for the notebooks: small, bundled with scikit-learn, no download.

``load_digits_split`` gives scikit-learn's handwritten digits (1797 images of
8x8 pixels, grey levels 0..16, ten classes of about 180 images each) as a
stratified train/validation/test split, standardised with statistics of the
training set only.
"""

import numpy as np

__all__ = ["load_digits_split"]


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
    With the defaults the sizes are 1078 train, 269 validation, 450 test.

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
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    _check_fraction("val_fraction", val_fraction)
    _check_fraction("test_fraction", test_fraction)
    if val_fraction + test_fraction >= 1:
        raise ValueError(
            f"val_fraction + test_fraction must be below 1 to leave training data, "
            f"got {val_fraction} + {test_fraction}.")

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

    flat = images.reshape(len(y), -1)
    mean = flat[train].mean(axis=0)
    std = flat[train].std(axis=0)
    std[std == 0] = 1.0

    split = {"mean": mean, "std": std}
    for name, rows in (("train", train), ("val", val), ("test", test)):
        split[f"X_{name}"] = (flat[rows] - mean) / std
        split[f"y_{name}"] = y[rows]
        split[f"images_{name}"] = images[rows]
    return split
