"""release/ is exactly what nbgrader generates from source/, and leaks nothing."""

import json
import shutil

import nbformat
import pytest

from course.admin.grading import pipeline
from course.admin.authoring import release_check
from conftest import ASSIGNMENTS, REPO


def test_there_are_assignments():
    assert ASSIGNMENTS, "source/ holds no assignment folder with a notebook"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_matches_source(real_course, assignment):
    problems = [p.replace("release/", f"release/{assignment}/", 1) for p in release_check.compare_trees(
        real_course.built(assignment) / "release" / assignment, REPO / "release" / assignment)]
    assert not problems, "release/ drifted from source/:\n" + "\n".join(problems) + \
        "\nRun `python -m course build` and commit release/."


def test_release_holds_only_assignments_of_source():
    stale = sorted(p.name for p in (REPO / "release").iterdir()
                   if p.is_dir() and p.name not in pipeline.assignments(REPO))
    assert not stale, f"release/ holds {stale}, which source/ no longer has: remove them"


def test_committed_release_leaks_nothing():
    found = release_check.leaks(REPO)
    assert not found, "\n".join(found)


def test_source_notebooks_have_no_outputs():
    for path in sorted(REPO.glob("source/*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.get("outputs")]
        assert not dirty, f"{path} keeps outputs in cells {dirty}"


def test_leak_check_catches_a_leaked_solution_line(tmp_path):
    """The leak check itself must be able to fail: plant a solution line in a copy."""
    assignment = ASSIGNMENTS[0]
    src = next((REPO / "source" / assignment).glob("*.ipynb"))
    secret = sorted(release_check.secret_lines(nbformat.read(src, as_version=4)))
    assert secret, f"{src.name} has no solution lines long enough to check"
    fake = tmp_path / "course"
    shutil.copytree(REPO / "source", fake / "source")
    shutil.copytree(REPO / "release", fake / "release")
    released = fake / "release" / assignment / src.name
    nb = nbformat.read(released, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(secret[0]))
    nbformat.write(nb, released)
    found = release_check.leaks(fake)
    assert any(repr(secret[0]) in line for line in found), found  # findings quote the line with repr


def test_leak_check_catches_markers(tmp_path):
    fake = tmp_path / "course"
    shutil.copytree(REPO / "source", fake / "source")
    shutil.copytree(REPO / "release", fake / "release")
    released = next((fake / "release" / ASSIGNMENTS[0]).glob("*.ipynb"))
    data = json.loads(released.read_text())
    data["cells"].append({"cell_type": "markdown", "metadata": {}, "id": "planted",
                          "source": "### BEGIN HIDDEN TESTS"})
    released.write_text(json.dumps(data))
    assert any("BEGIN HIDDEN TESTS" in line for line in release_check.leaks(fake))


def test_drift_check_catches_an_edit(tmp_path):
    copy = tmp_path / "release"
    shutil.copytree(REPO / "release", copy)
    released = next((copy / ASSIGNMENTS[0]).glob("*.ipynb"))
    released.write_text(released.read_text().replace("numpy", "numpy ", 1))
    problems = release_check.compare_trees(REPO / "release", copy)
    assert problems == [f"release/{ASSIGNMENTS[0]}/{released.name}: differs from what source/ generates"]


def _code_lines(text):
    """Non-blank, non-comment lines of code, stripped."""
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def _solution_windows(nb, width=3):
    """Every run of `width` consecutive lines of each solution region."""
    windows = set()
    for cell in nb.cells:
        inside, lines = False, []
        for line in cell.source.splitlines():
            if line.strip() == "### BEGIN SOLUTION":
                inside, lines = True, []
            elif line.strip() == "### END SOLUTION":
                inside = False
                code = _code_lines("\n".join(lines))
                windows |= {tuple(code[i:i + width]) for i in range(len(code) - width + 1)}
            elif inside:
                lines.append(line)
    return windows


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_package_holds_no_solution(assignment):
    """No three consecutive lines of any solution appear in the installed course package."""
    src = next((REPO / "source" / assignment).glob("*.ipynb"))
    windows = _solution_windows(nbformat.read(src, as_version=4))
    assert windows, f"{src.name} has no solution of three lines or more to look for"
    found = []
    for path in sorted((REPO / "course").rglob("*.py")):
        code = _code_lines(path.read_text())
        mine = {tuple(code[i:i + 3]) for i in range(len(code) - 2)}
        found += [(path.name, w) for w in windows & mine]
    assert not found, f"course/ contains solution code of {assignment}: {found[:3]}"


def test_leak_check_flags_text_meant_for_instructors():
    from nbformat.v4 import new_markdown_cell, new_notebook

    from course.admin.authoring import release_check

    asides = ["# The hyperparameters (bench/digits_mlp.py uses this cell)",
              "Due in a week (instructors: including late days).",
              "See INSTRUCTORS.md for the answer key."]
    fine = ["Written questions are not graded automatically; your instructor may grade them by hand.",
            "Ask your instructor if the environment check fails."]
    nb = new_notebook(cells=[new_markdown_cell(t) for t in asides + fine])
    found = release_check.instructor_text("x.ipynb", nb)
    flagged = {int(line.split(": cell ")[1].split()[0]) for line in found}
    assert flagged == {0, 1, 2}, found
