"""The .py files an assignment ships beside its notebook, generated from earlier solutions.

Assignment 04 ships 03's layers (layers.py); 05 ships them too, and 04's update rules
(optim.py) and training loop (training.py); 06 ships all of that and 05's batch
normalisation (normalization.py). Each function is written once: in the solution cell of
the notebook where students wrote it. `write(root, assignment)` (run by `python -m course
build`) copies those cells, without their solution markers, into
source/<assignment>/<file>; `stale(root)` lists files that differ from what would be
written (tests/test_shipped.py checks it).

A file may change a copied cell through an edit (grade_id, old, new): `old` must occur
exactly once in that cell, so that a change to the notebook that the edit no longer fits
stops the build instead of shipping something else.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

import nbformat

from course.nbgrader_plugins.cells import grade_id, without_markers


class ShippedError(Exception):
    """A shipped file cannot be generated: a cell or an edit's text is missing."""


@dataclass(frozen=True)
class ShippedFile:
    """One generated file: a docstring, its imports, code of its own, then the cells."""
    docstring: str
    imports: str
    cells: tuple          # ((assignment, grade_id), ...), in the file's order
    edits: tuple = ()     # ((grade_id, old, new), ...), each applied once
    helpers: str = ""     # code the file needs that no notebook has (before the cells)


def _layers(target):
    return ShippedFile(
        docstring=f'''Reference layers for assignment {target} (cs231n conventions).

These are the layers you wrote in assignment 03, in a working version, so that a bug left
over from 03 cannot spoil {target}. This file contains assignment 03's solutions: it is
released with assignment {target} only after the deadline of assignment 03.

Generated from 03_layers.ipynb by `python -m course build` (course/admin/authoring/shipped.py):
edit the notebook, not this file.''',
        imports="import numpy as np",
        cells=tuple(("03_layers", name) for name in (
            "affine_forward", "affine_backward", "relu_forward", "relu_backward",
            "affine_relu_forward", "affine_relu_backward", "softmax_loss")))


def _optim(target):
    return ShippedFile(
        docstring=f'''Update rules for assignment {target}: the ones you wrote in assignment 04, working.

This file contains assignment 04's solutions: it is released with assignment {target}
only after the deadline of assignment 04.

Every rule has the signature ``next_w, config = rule(w, dw, config=None)``; no rule
modifies w or dw. Generated from 04_digits_mlp.ipynb by `python -m course build`:
edit the notebook, not this file.''',
        imports="import numpy as np",
        cells=tuple(("04_digits_mlp", name) for name in ("sgd", "sgd_momentum", "adam")))


_TRAIN_MODEL_DOC = '''    - model: a TwoLayerNet, or any object with the same interface, which is all that train
      may rely on:
      - model.params: a dict with TwoLayerNet's keys "W1", "b1", "W2", "b2", each a float
        array (a loop over model.params and a loop over these four names are both fine)
      - model.loss(X), X (N, D): the scores, (N, C)
      - model.loss(X, y), y (N,): a pair (loss, grads), loss a float and grads a dict with
        the keys and shapes of model.params
      train may call model.loss as often as it likes (to log a validation loss, say); what
      it must do is update the parameters with the gradients of the training minibatches.
'''
_SHIPPED_MODEL_DOC = '''    - model: any object with
      - model.params: a dict name -> float array, the parameters to train
      - model.loss(X): the scores (N, C) in test mode (no dropout, running averages in
        batch normalisation)
      - model.loss(X, y): (loss, grads) in train mode, grads a dict with the keys and
        shapes of model.params
      - optionally model.bn_params: a list of dicts of batch normalisation's state
'''
_INTERFACE_CHECK = '''    # A model without that interface gets this message, not a KeyError somewhere below.
    params = getattr(model, "params", None)
    keys = sorted(params) if isinstance(params, dict) else None
    if keys != ["W1", "W2", "b1", "b2"] or not callable(getattr(model, "loss", None)):
        raise TypeError(
            "train needs a model with TwoLayerNet's interface: a dict model.params with the keys W1, "
            f"b1, W2, b2, and a method model.loss. This {type(model).__name__} has "
            + (f"params with the keys {keys}" if keys is not None else "no dict model.params")
            + ("" if callable(getattr(model, "loss", None)) else " and no method loss") + ".")
'''
_RUNNING_AVERAGES = '''def running_averages(model):
    """A deep copy of model.bn_params (batch normalisation's running averages), or None.

    They belong to the parameters they were averaged with: train keeps them together."""
    bn_params = getattr(model, "bn_params", None)
    return None if bn_params is None else copy.deepcopy(bn_params)


def restore_running_averages(model, kept):
    """Put back what running_averages(model) returned (nothing if it was None)."""
    if kept is not None:
        model.bn_params = kept'''


def _training(target):
    return ShippedFile(
        docstring=f'''The training loop of assignment 04, working: accuracy and train.

This file contains assignment 04's solution: it is released with assignment {target}
only after the deadline of assignment 04. Unlike 04's, this train takes any model
(not only TwoLayerNet's four parameters), and keeps batch normalisation's running
averages of the best epoch together with its parameters.

Generated from 04_digits_mlp.ipynb by `python -m course build`: edit the notebook, not
this file.''',
        imports="import copy\n\nimport numpy as np\nfrom tqdm.auto import tqdm\n\nfrom optim import sgd",
        cells=(("04_digits_mlp", "accuracy"), ("04_digits_mlp", "train")),
        edits=(
            ("train", _TRAIN_MODEL_DOC, _SHIPPED_MODEL_DOC),
            ("train", _INTERFACE_CHECK, ""),
            ("train", "    On return, model.params holds (copies of) the parameters of the epoch with the best\n"
                      "    validation accuracy.\n",
                      "    On return, model.params holds (copies of) the parameters of the epoch with the best\n"
                      "    validation accuracy, and model.bn_params (if any) the running averages of that epoch.\n"),
            ("train", "\n    best_params = {name: w.copy() for name, w in model.params.items()}\n",
                      "\n    best_params = {name: w.copy() for name, w in model.params.items()}\n"
                      "    best_averages = running_averages(model)\n"),
            ("train", "            best_params = {name: w.copy() for name, w in model.params.items()}\n",
                      "            best_params = {name: w.copy() for name, w in model.params.items()}\n"
                      "            best_averages = running_averages(model)\n"),
            ("train", "    model.params = best_params\n",
                      "    model.params = best_params\n    restore_running_averages(model, best_averages)\n"),
        ),
        helpers=_RUNNING_AVERAGES)


def _normalization(target):
    return ShippedFile(
        docstring=f'''Batch normalisation for assignment {target}: the one you wrote in assignment 05, working.

This file contains assignment 05's solutions: it is released with assignment {target}
only after the deadline of assignment 05.

Generated from 05_normalization.ipynb by `python -m course build`: edit the notebook,
not this file.''',
        imports="import numpy as np",
        cells=tuple(("05_normalization", name) for name in (
            "batchnorm_forward", "batchnorm_backward_staged", "batchnorm_backward")))


# assignment -> {file name: ShippedFile}
SHIPPED = {
    "04_digits_mlp": {"layers.py": _layers("04")},
    "05_normalization": {"layers.py": _layers("05"), "optim.py": _optim("05"),
                         "training.py": _training("05")},
    "06_convolution": {"layers.py": _layers("06"), "optim.py": _optim("06"),
                       "training.py": _training("06"), "normalization.py": _normalization("06")},
}


def _cell_code(root, assignment, cell_id):
    """The code of one cell of source/<assignment>/<assignment>.ipynb, solution markers removed."""
    path = Path(root) / "source" / assignment / f"{assignment}.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if grade_id(cell) == cell_id:
            return without_markers(cell.source).rstrip("\n") + "\n"
    raise ShippedError(f"{path} has no cell {cell_id!r}: shipped.py copies it into a shipped file.")


def _apply(code, cell_id, old, new, name):
    count = code.count(old)
    if count != 1:
        raise ShippedError(
            f"{name}: the edit of cell {cell_id!r} expects its text exactly once, found {count} "
            f"times; the notebook changed: update the edit in course/admin/authoring/shipped.py.\n"
            f"text: {old!r}")
    return code.replace(old, new)


def _defined(code):
    """Names of the top-level functions and classes in code, in order."""
    return [node.name for node in ast.parse(code).body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))]


def render(root, spec, name="shipped file"):
    """The text of one shipped file."""
    blocks = []
    for assignment, cell_id in spec.cells:
        code = _cell_code(root, assignment, cell_id)
        for edit_id, old, new in spec.edits:
            if edit_id == cell_id:
                code = _apply(code, cell_id, old, new, name)
        blocks.append(code.rstrip("\n"))
    names = [n for block in blocks for n in _defined(block)]
    exported = "__all__ = [\n" + "".join(f'    "{n}",\n' for n in names) + "]"
    parts = [f'"""{spec.docstring}\n"""', spec.imports, exported]
    if spec.helpers:
        parts.append(spec.helpers)
    text = "\n\n".join(parts[:3]) + "\n\n\n" + "\n\n\n".join(parts[3:] + blocks) + "\n"
    compile(text, name, "exec")  # a broken edit fails here, not in a student's kernel
    return text


def files(assignment):
    """{file name: ShippedFile} that `assignment` ships (empty if none)."""
    return SHIPPED.get(assignment, {})


def write(root, assignment):
    """Write the shipped files of one assignment into source/<assignment>/; their paths."""
    written = []
    for name, spec in files(assignment).items():
        path = Path(root) / "source" / assignment / name
        if path.parent.is_dir():
            path.write_text(render(root, spec, f"{assignment}/{name}"))
            written.append(path)
    return written


def stale(root):
    """'<assignment>/<file>' for every shipped file that differs from what write would write."""
    found = []
    for assignment, specs in SHIPPED.items():
        for name, spec in specs.items():
            path = Path(root) / "source" / assignment / name
            if not path.parent.is_dir():
                continue
            if not path.is_file() or path.read_text() != render(root, spec, f"{assignment}/{name}"):
                found.append(f"{assignment}/{name}")
    return found
