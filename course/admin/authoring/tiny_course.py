"""A tiny course that grades in a second: one assignment `hw` of two exercises
(add: 1 point, mul: 2 points), with a course's nbgrader_config.py.

For tests and benchmarks of the machinery (distribution, isolation, time budgets),
whose cost and behaviour the size of the notebook does not change; the real
assignments are graded elsewhere. ``make_template`` builds it, ``copy_course``
gives each run its own copy, ``answer`` does a student's work in a release copy.
"""

import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course.admin.authoring import samples
from course.admin.course_dir import CONFIG_FILE
from course.admin.grading import pipeline

ASSIGNMENT = "hw"
# Edits to the reference answers (as in catalogues/): mul adds instead.
BUG_MUL = [("mul", "return a * b", "return a + b")]


def nbgrader_cell(kind, source, grade_id, points=None):
    """A cell with nbgrader metadata; kind is "markdown", "solution", "test" or "code"
    (a locked code cell)."""
    meta = {"schema_version": 3, "grade_id": grade_id, "locked": kind != "solution",
            "solution": kind == "solution", "grade": kind == "test", "task": False}
    if points:
        meta["points"] = points
    cell = new_markdown_cell(source) if kind == "markdown" else new_code_cell(source)
    cell.metadata["nbgrader"] = meta
    return cell


def source_notebook():
    """The source notebook of `hw`: add and mul, each with its test cell."""
    nb = new_notebook(cells=[
        nbgrader_cell("markdown", "# A tiny assignment\nTwo functions.", "intro"),
        nbgrader_cell("solution", 'def add(a, b):\n    """Return a + b."""\n    ### BEGIN SOLUTION\n'
                                  "    return a + b\n    ### END SOLUTION", "add"),
        nbgrader_cell("test", 'assert add(1, 2) == 3, f"add(1, 2) returned {add(1, 2)}, expected 3"',
                      "test_add", 1),
        nbgrader_cell("solution", 'def mul(a, b):\n    """Return a * b."""\n    ### BEGIN SOLUTION\n'
                                  "    return a * b\n    ### END SOLUTION", "mul"),
        nbgrader_cell("test", 'assert mul(2, 3) == 6, f"mul(2, 3) returned {mul(2, 3)}, expected 6"',
                      "test_mul", 2),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def make_template(folder, course_root):
    """Config (course_root's nbgrader_config.py), source/hw and release/hw (generated
    by nbgrader) in `folder`; returns it as a Path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(Path(course_root) / CONFIG_FILE, folder / CONFIG_FILE)
    (folder / "source" / ASSIGNMENT).mkdir(parents=True)
    nbformat.write(source_notebook(), folder / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    pipeline.generate(folder, ASSIGNMENT)
    return folder


def copy_course(template, dest):
    """A copy of the template course at `dest`, for one run to change as it likes."""
    shutil.copytree(template, dest)
    return Path(dest)


def add_config(root, text):
    """Append settings to the course's nbgrader_config.py (later lines win)."""
    with open(Path(root) / CONFIG_FILE, "a", encoding="utf-8") as f:
        f.write("\n" + text + "\n")


def answer(notebook_path, root, edits=()):
    """Do the work in a student's copy: fill its solution cells with the
    reference answers of source/ (plus edits), as a student edits the notebook."""
    source = nbformat.read(Path(root) / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    answers = samples.apply_edits(samples.reference_answers(source), list(edits))
    mine = samples.fill_release(nbformat.read(notebook_path, as_version=4), answers)
    nbformat.write(mine, notebook_path)
