"""The .py files assignments ship (layers.py, optim.py, training.py, normalization.py) are
generated from the solution cells where students wrote them, and the committed copies match."""

import importlib
import shutil
import sys

import numpy as np
import pytest

from course.admin.authoring import shipped

from conftest import REPO


def test_committed_shipped_files_match_the_notebooks():
    assert shipped.stale(REPO) == [], (
        "These shipped files differ from the solution cells they are generated from: run "
        "`python -m course build` and commit source/ and release/.")


def test_every_shipped_function_is_written_in_one_notebook_cell():
    """A function shipped in two files comes from the same cell in both."""
    origin = {}
    for specs in shipped.SHIPPED.values():
        for spec in specs.values():
            for cell in spec.cells:
                origin.setdefault(cell[1], set()).add(cell[0])
    twice = {name: where for name, where in origin.items() if len(where) > 1}
    assert not twice, f"cells copied from more than one assignment: {twice}"


def test_a_change_in_the_notebook_reaches_the_shipped_file(tmp_path):
    root = tmp_path / "course"
    for assignment in ("03_layers", "04_digits_mlp"):
        shutil.copytree(REPO / "source" / assignment, root / "source" / assignment)
    nb_path = root / "source" / "03_layers" / "03_layers.ipynb"
    nb_path.write_text(nb_path.read_text().replace(
        "dx = dout * (x > 0)", "dx = dout * (x >= 0)", 1))
    assert shipped.stale(root) == ["04_digits_mlp/layers.py"]
    shipped.write(root, "04_digits_mlp")
    assert shipped.stale(root) == []
    assert "dx = dout * (x >= 0)" in (root / "source" / "04_digits_mlp" / "layers.py").read_text()


def test_an_edit_that_no_longer_fits_stops_the_build(tmp_path):
    root = tmp_path / "course"
    for assignment in ("03_layers", "04_digits_mlp", "05_normalization"):
        shutil.copytree(REPO / "source" / assignment, root / "source" / assignment)
    nb_path = root / "source" / "04_digits_mlp" / "04_digits_mlp.ipynb"
    nb_path.write_text(nb_path.read_text().replace("model.params = best_params", "model.params = best", 1))
    with pytest.raises(shipped.ShippedError, match="edit of cell 'train'"):
        shipped.write(root, "05_normalization")


@pytest.fixture
def training_05():
    """source/05_normalization/training.py imported as it is in the notebook's folder."""
    folder = str(REPO / "source" / "05_normalization")
    sys.path.insert(0, folder)
    saved = {name: sys.modules.pop(name) for name in ("optim", "training") if name in sys.modules}
    try:
        yield importlib.import_module("training")
    finally:
        sys.path.remove(folder)
        for name in ("optim", "training"):
            sys.modules.pop(name, None)
        sys.modules.update(saved)


class BatchNormSoftmax:
    """scores = batchnorm(X @ W) * 3: a linear classifier with batch normalisation's
    running averages in model.bn_params, as 05's FullyConnectedNet keeps them."""

    def __init__(self, D, C, seed):
        self.params = {"W": np.random.default_rng(seed).standard_normal((D, C)) * 0.1}
        self.bn_params = [{"mode": "train"}]

    def loss(self, X, y=None):
        a = X @ self.params["W"]
        bn = self.bn_params[0]
        if y is None:
            mean, var = bn.get("running_mean", 0.0), bn.get("running_var", 1.0)
            return 3 * (a - mean) / np.sqrt(var + 1e-5)
        mu, var = a.mean(axis=0), a.var(axis=0)
        bn["running_mean"] = 0.9 * bn.get("running_mean", np.zeros_like(mu)) + 0.1 * mu
        bn["running_var"] = 0.9 * bn.get("running_var", np.ones_like(var)) + 0.1 * var
        istd = 1 / np.sqrt(var + 1e-5)
        xhat = (a - mu) * istd
        scores = 3 * xhat
        shifted = scores - scores.max(axis=1, keepdims=True)
        p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        n = X.shape[0]
        loss = -np.mean(np.log(p[np.arange(n), y]))
        dscores = p
        dscores[np.arange(n), y] -= 1
        dxhat = 3 * dscores / n
        da = istd * (dxhat - dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean(axis=0))
        return loss, {"W": X.T @ da}


def test_train_keeps_the_running_averages_of_the_best_epoch(training_05):
    """05's shipped train restored the best epoch's parameters with the last epoch's running
    averages: the model it returned scored less than the best_val_acc it reported."""
    from course.data import load_digits_split

    digits = load_digits_split()
    data = {key: digits[key] for key in ("X_train", "y_train", "X_val", "y_val")}
    model = BatchNormSoftmax(64, 10, seed=0)
    history = training_05.train(model, data, optim_config={"learning_rate": 2.0}, num_epochs=8,
                                batch_size=10, seed=0, progress=False)
    best_epoch = int(np.argmax(history["val_acc"]))
    # the run this test needs: the best epoch is not the last, and their running averages differ
    assert history["val_acc"][-1] < history["best_val_acc"], history["val_acc"]
    final_acc = training_05.accuracy(model, data["X_val"], data["y_val"])
    assert final_acc == history["best_val_acc"], (
        f"train returned a model with validation accuracy {final_acc:.4f}, but reported "
        f"best_val_acc {history['best_val_acc']:.4f} (epoch {best_epoch + 1} of "
        f"{len(history['val_acc'])}): the running averages are not those of the best epoch.")
