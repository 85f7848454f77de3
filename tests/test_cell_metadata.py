"""course.nbgrader_plugins.cell_metadata: nbgrader's metadata check, its schema checked once.

It must accept and refuse exactly what nbgrader's own MetadataValidator does, with the same
exception and message, and the grading configuration must use it in both of autograde's passes.
"""

import copy

import nbformat
import pytest
from nbgrader.nbgraderformat import MetadataValidator
from traitlets.config import Config

from conftest import REPO
from course.nbgrader_plugins import cell_metadata, grading_config

DAMAGE = {
    "points not a number": lambda m: m.update(points="x"),
    "grade missing": lambda m: m.pop("grade"),
    "schema too old": lambda m: m.update(schema_version=2),
    "schema too new": lambda m: m.update(schema_version=9),
    "empty grade id": lambda m: m.update(grade_id=""),
    "unknown key": lambda m: m.update(extra=1),
    "grade id not a string": lambda m: m.update(grade_id=3),
    "points missing": lambda m: m.pop("points"),
    "nothing wrong": lambda m: None,
}


def _outcome(validator, nb):
    try:
        validator.validate_nb(nb)
    except Exception as err:  # the very exception nbgrader raises is compared
        return type(err).__name__, str(err)
    return "ok", ""


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_refuses_what_nbgrader_refuses_with_the_same_message(damage):
    nb = nbformat.read(REPO / "source" / "01_staged_backprop" / "01_staged_backprop.ipynb", as_version=4)
    graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    damaged = copy.deepcopy(nb)
    DAMAGE[damage](damaged.cells[nb.cells.index(graded[0])].metadata["nbgrader"])
    expected = _outcome(MetadataValidator(), copy.deepcopy(damaged))
    assert _outcome(cell_metadata.QuickMetadataValidator(), damaged) == expected
    assert (expected[0] == "ok") == (damage == "nothing wrong"), expected


def test_grading_uses_it_in_both_passes():
    c = Config()
    grading_config.configure_nbgrader(c)
    name = "course.nbgrader_plugins.cell_metadata.CheckCellMetadata"
    for passes in (c.Autograde.autograde_preprocessors, c.Autograde.sanitize_preprocessors):
        assert name in passes and "nbgrader.preprocessors.CheckCellMetadata" not in passes
