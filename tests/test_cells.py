"""course.nbgrader_plugins.cells: nbgrader's cell metadata and marker lines, read in one place.

Cells are built with nbformat as nbgrader's create_assignment writes them, and the marker
functions are checked against nbgrader's own ClearSolutions and ClearHiddenTests on the
course's source notebooks: what cells.py says is hidden is what nbgrader hides.
"""

import copy
import json
import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions
from nbgrader.utils import is_grade as nbgrader_is_grade, is_solution as nbgrader_is_solution

from conftest import ASSIGNMENTS, REPO
from course.nbgrader_plugins import cells
from course.nbgrader_plugins.cells import INSIDE, MARKER, OUTSIDE


def nbgrader_cell(source="", cell_type="code", **meta):
    """A cell with nbgrader metadata `meta` (schema 3, as create_assignment writes it)."""
    make = new_code_cell if cell_type == "code" else new_markdown_cell
    cell = make(source)
    cell.metadata["nbgrader"] = {"schema_version": 3, **meta}
    return cell


def source_notebooks():
    return [path for a in ASSIGNMENTS for path in sorted((REPO / "source" / a).glob("*.ipynb"))]


# -- metadata ------------------------------------------------------------------------------

def test_roles_of_the_four_kinds_of_nbgrader_cell():
    solution = nbgrader_cell("x = 1", grade_id="ex", solution=True, grade=False, locked=False)
    test = nbgrader_cell("assert x", grade_id="ex_test", solution=False, grade=True, locked=True,
                         points=2)
    answer = nbgrader_cell("why?", "markdown", grade_id="why", solution=True, grade=True, points=1)
    readonly = nbgrader_cell("import numpy", grade_id="imports", solution=False, grade=False,
                             locked=True)
    roles = {c.metadata.nbgrader["grade_id"]: (cells.is_solution(c), cells.is_graded(c),
                                                cells.is_test(c), cells.is_locked(c))
             for c in (solution, test, answer, readonly)}
    assert roles == {
        "ex": (True, False, False, False),
        "ex_test": (False, True, True, True),
        "why": (True, True, False, False),      # a manually graded answer is not a test
        "imports": (False, False, False, True),
    }
    assert [cells.grade_id(c) for c in (solution, test, answer)] == ["ex", "ex_test", "why"]
    assert (cells.points(test), cells.points(answer), cells.points(solution)) == (2.0, 1.0, 0.0)


def test_points_are_a_float_even_when_stored_as_text():
    assert cells.points(nbgrader_cell(grade_id="t", grade=True, points="1.5")) == 1.5
    assert isinstance(cells.points(nbgrader_cell(grade_id="t", grade=True, points=3)), float)


def test_a_cell_without_nbgrader_metadata_plays_no_role():
    plain = new_code_cell("print(1)")
    assert cells.nbgrader_meta(plain) == {}
    assert not cells.has_nbgrader_meta(plain)
    assert cells.grade_id(plain) is None
    assert not (cells.is_solution(plain) or cells.is_graded(plain) or cells.is_test(plain)
                or cells.is_locked(plain))
    assert cells.points(plain) == 0.0
    # a plain dict (json.load of a submission) is read the same way as a NotebookNode
    assert cells.grade_id({"cell_type": "code", "source": ""}) is None


@pytest.mark.parametrize("damaged", ["ex_test", 3, ["grade_id", "ex"], True])
def test_damaged_metadata_reads_as_none_but_is_still_there(damaged):
    """A hand-edited submission may put anything under "nbgrader": no reader fails on it,
    and has_nbgrader_meta still sees it, so that course.nbgrader_plugins.repair can remove it."""
    cell = new_code_cell("x = 1")
    cell.metadata["nbgrader"] = damaged
    assert cells.nbgrader_meta(cell) == {}
    assert cells.grade_id(cell) is None and not cells.is_test(cell)
    assert cells.has_nbgrader_meta(cell)


def test_null_metadata_counts_as_none():
    cell = new_code_cell("x = 1")
    cell.metadata["nbgrader"] = None
    assert not cells.has_nbgrader_meta(cell)
    assert cells.nbgrader_meta(cell) == {}


def test_the_empty_default_is_a_fresh_dict():
    first = cells.nbgrader_meta(new_code_cell(""))
    first["grade"] = True
    assert cells.nbgrader_meta(new_code_cell("")) == {}


@pytest.mark.parametrize("path", source_notebooks(), ids=lambda p: p.name)
def test_roles_agree_with_nbgrader_on_the_source_notebooks(path):
    nb = nbformat.read(path, as_version=4)
    roles = [(cells.grade_id(c), cells.is_graded(c), cells.is_solution(c)) for c in nb.cells]
    expected = [(c.metadata.get("nbgrader", {}).get("grade_id"), bool(nbgrader_is_grade(c)),
                 bool(nbgrader_is_solution(c))) for c in nb.cells]
    assert roles == expected
    tests = [c for c in nb.cells if cells.is_test(c)]
    assert tests, f"{path.name} has no test cell"
    assert all(cells.grade_id(c) and cells.points(c) > 0 for c in tests)


# -- markers -------------------------------------------------------------------------------

SOLUTION_CELL = """def add(a, b):
    \"\"\"a + b\"\"\"
    ### BEGIN SOLUTION
    total = a + b
    return total
    ### END SOLUTION"""

TEST_CELL = """assert add(1, 2) == 3
print("visible checks passed")
### BEGIN HIDDEN TESTS
assert add(-1, 1) == 0
### END HIDDEN TESTS
print("done")"""


def test_marked_lines_labels_every_line():
    assert [where for _, where in cells.marked_lines(SOLUTION_CELL)] == [
        OUTSIDE, OUTSIDE, MARKER, INSIDE, INSIDE, MARKER]
    assert [where for _, where in cells.marked_lines(TEST_CELL)] == [
        OUTSIDE, OUTSIDE, MARKER, INSIDE, MARKER, OUTSIDE]
    assert "\n".join(line for line, _ in cells.marked_lines(TEST_CELL)) == TEST_CELL


def test_only_the_regions_asked_for_are_marked():
    labels = dict(cells.marked_lines(TEST_CELL, [cells.SOLUTION]))
    assert set(labels.values()) == {OUTSIDE}
    assert dict(cells.marked_lines(SOLUTION_CELL, [cells.HIDDEN_TESTS])) == {
        line: OUTSIDE for line in SOLUTION_CELL.split("\n")}


def test_an_unterminated_region_runs_to_the_end():
    source = "a\n### BEGIN HIDDEN TESTS\nsecret\nmore secret"
    assert [w for _, w in cells.marked_lines(source)] == [OUTSIDE, MARKER, INSIDE, INSIDE]
    assert cells.without_regions(source) == "a"


def test_a_marker_is_its_text_anywhere_in_the_line_as_nbgrader_reads_it():
    # indented, with one '#', or followed by a comment: nbgrader treats each as a marker
    source = "  # BEGIN HIDDEN TESTS (fresh inputs)\nsecret\n    ### END HIDDEN TESTS\nshown"
    assert [w for _, w in cells.marked_lines(source)] == [MARKER, INSIDE, MARKER, OUTSIDE]
    # a line holding both texts opens a region (BEGIN is checked first, as in nbgrader)
    both = "x\n# BEGIN SOLUTION ... END SOLUTION\ny"
    assert [w for _, w in cells.marked_lines(both)] == [OUTSIDE, MARKER, INSIDE]


def test_an_end_of_either_kind_closes_a_region_when_both_are_read():
    source = "### BEGIN SOLUTION\na\n### END HIDDEN TESTS\nb"
    assert [w for _, w in cells.marked_lines(source)] == [MARKER, INSIDE, MARKER, OUTSIDE]
    assert [w for _, w in cells.marked_lines(source, [cells.SOLUTION])] == [
        MARKER, INSIDE, INSIDE, INSIDE]


def test_without_regions_and_without_markers():
    assert cells.without_regions(TEST_CELL) == (
        'assert add(1, 2) == 3\nprint("visible checks passed")\nprint("done")')
    assert cells.without_regions("a\n### BEGIN HIDDEN TESTS\nb\n### END HIDDEN TESTS\n") == "a"
    assert cells.without_markers(SOLUTION_CELL) == (
        'def add(a, b):\n    """a + b"""\n    total = a + b\n    return total')
    # hidden tests are not a solution region: left as they are
    assert cells.without_markers(TEST_CELL) == TEST_CELL
    assert cells.without_markers("no markers\n") == "no markers\n"


def test_has_region():
    assert cells.has_region(TEST_CELL) and cells.has_region(TEST_CELL, [cells.HIDDEN_TESTS])
    assert not cells.has_region(TEST_CELL, [cells.SOLUTION])
    assert not cells.has_region("print('END HIDDEN TESTS')")  # an END alone opens nothing


def test_the_marker_texts_are_nbgraders_delimiters():
    assert cells.SOLUTION == (ClearSolutions().begin_solution_delimeter,
                              ClearSolutions().end_solution_delimeter)
    assert cells.HIDDEN_TESTS == (ClearHiddenTests().begin_test_delimeter,
                                  ClearHiddenTests().end_test_delimeter)
    assert set(cells.MARKERS) == set(cells.SOLUTION + cells.HIDDEN_TESTS)


def _release_by_hand(source, stub):
    """What ClearSolutions makes of a solution cell, from marked_lines: each region
    becomes the stub, indented as its BEGIN line."""
    out = []
    for line, where in cells.marked_lines(source, [cells.SOLUTION]):
        if where == OUTSIDE:
            out.append(line)
        elif where == MARKER and cells.BEGIN_SOLUTION in line:
            indent = re.match(r"\s*", line).group(0)
            out += [indent + s for s in stub.split("\n")]
    return "\n".join(out)


@pytest.mark.parametrize("path", source_notebooks(), ids=lambda p: p.name)
def test_regions_are_what_nbgrader_removes_from_the_source_notebooks(path):
    nb = nbformat.read(path, as_version=4)
    hidden, _ = ClearHiddenTests().preprocess(copy.deepcopy(nb), {})
    solutions_cleared = ClearSolutions()
    released, _ = solutions_cleared.preprocess(copy.deepcopy(nb), {})
    stub = solutions_cleared.code_stub["python"]
    checked = 0
    for cell, without_hidden, without_solution in zip(nb.cells, hidden.cells, released.cells):
        if cells.has_region(cell.source, [cells.HIDDEN_TESTS]):
            # nbgrader keeps a trailing newline that without_regions drops
            assert cells.without_regions(cell.source) == without_hidden.source.rstrip("\n")
            checked += 1
        if cell.cell_type == "code" and cells.has_region(cell.source, [cells.SOLUTION]):
            assert _release_by_hand(cell.source, stub) == without_solution.source
            checked += 1
    assert checked, f"{path.name}: no marked region found"


def test_a_whole_notebook_reads_the_same_as_json():
    """Readers take the dicts of a raw submission (json.loads) as well as NotebookNodes."""
    nb = new_notebook(cells=[nbgrader_cell("assert x", grade_id="t", grade=True, points=1)])
    cell = json.loads(nbformat.writes(nb))["cells"][0]
    assert (cells.grade_id(cell), cells.is_test(cell), cells.points(cell)) == ("t", True, 1.0)
