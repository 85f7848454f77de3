"""Sample submissions: the reference solution, an untouched release, and typical bugs.

A submission is built the way a student makes one: start from the released
notebook and fill in its solution cells. The reference answer of a solution
cell is its source cell with the ``### BEGIN/END SOLUTION`` marker lines
removed. A bug is a list of edits to those answers (see AUTHORING.md):

    {"name": ..., "why": ..., "edits": [(grade_id, old, new), ...], "loses": [test ids]}

The bug catalogues live in ``catalogues/<assignment>.py`` beside ``source/``
(``BUGS`` and ``VARIANTS``); the demo, the tests and the benchmarks read them from
there. They are authoring data: nbgrader never copies them, as they are not in source/.
"""

import copy
import runpy
from pathlib import Path

import nbformat

from course.admin.course_dir import CourseError, notebooks
from course.nbgrader_plugins import cells

# The folder of bug catalogues, beside source/ in the course root.
CATALOGUES = "catalogues"


def strip_markers(source):
    """A solution cell's code with the BEGIN/END SOLUTION lines removed (no final newline)."""
    return "\n".join(cells.without_markers(source).splitlines())


def reference_answers(source_nb):
    """{grade_id: reference code} for every solution code cell of a source notebook."""
    return {cells.grade_id(cell): strip_markers(cell.source)
            for cell in source_nb.cells
            if cell.cell_type == "code" and cells.is_solution(cell)}


def apply_edits(answers, edits, label="edit"):
    """A copy of `answers` with the edits applied; raise CourseError if one does not fit.

    edits: [(grade_id, old, new)]; old None replaces the whole cell, otherwise
    old must occur exactly once in that cell's answer.
    """
    answers = dict(answers)
    for grade_id, old, new in edits:
        if grade_id not in answers:
            raise CourseError(f"{label}: no solution cell with grade_id {grade_id!r} "
                              f"(known: {sorted(answers)})")
        if old is None:
            answers[grade_id] = new
            continue
        count = answers[grade_id].count(old)
        if count != 1:
            raise CourseError(f"{label}: {old!r} occurs {count} times in cell {grade_id!r}; "
                              "it must occur exactly once")
        answers[grade_id] = answers[grade_id].replace(old, new)
    return answers


def fill_release(release_nb, answers):
    """The release notebook with its solution cells replaced by `answers`."""
    nb = copy.deepcopy(release_nb)
    for cell in nb.cells:
        if cell.cell_type == "code" and cells.is_solution(cell) and cells.grade_id(cell) in answers:
            cell.source = answers[cells.grade_id(cell)]
    return nb


def catalogue_path(root, assignment):
    """catalogues/<assignment>.py of the course at `root` (it may not exist)."""
    return Path(root) / CATALOGUES / f"{assignment}.py"


def load_catalogue(root, assignment):
    """(BUGS, VARIANTS) from catalogues/<assignment>.py, or ([], []) if there is none."""
    path = catalogue_path(root, assignment)
    if not path.is_file():
        return [], []
    namespace = runpy.run_path(str(path))
    return list(namespace.get("BUGS", [])), list(namespace.get("VARIANTS", []))


def submission_notebooks(root, assignment, edits=(), untouched=False, label="submission"):
    """{notebook file name: filled notebook} for one assignment.

    untouched: the release as it is (a student who did nothing).
    """
    root = Path(root)
    result = {}
    for release_path in notebooks(root / "release" / assignment):
        release_nb = nbformat.read(release_path, as_version=4)
        if untouched:
            result[release_path.name] = release_nb
            continue
        source_path = root / "source" / assignment / release_path.name
        answers = reference_answers(nbformat.read(source_path, as_version=4))
        mine = [e for e in edits if e[0] in answers]
        result[release_path.name] = fill_release(release_nb, apply_edits(answers, mine, label))
    if not result:
        raise CourseError(f"release/{assignment} has no notebook: run `python -m course build` first")
    unknown = {e[0] for e in edits} - {
        cells.grade_id(c) for nb in result.values() for c in nb.cells}
    if unknown:
        raise CourseError(f"{label}: edits name unknown cells {sorted(unknown)}")
    return result


def write_submission(root, assignment, student, nbs):
    """Write notebooks as submitted/<student>/<assignment>/<name>.ipynb, with the
    release's other files beside them (as a student's folder would have them)."""
    folder = Path(root) / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    for name, nb in nbs.items():
        nbformat.write(nb, folder / name)
    return folder


def sample_students(root, assignment, bugs_per_assignment=None):
    """[(student id, kind, edits, expected-loss test ids)] for one assignment.

    kind is "reference", "untouched", "variant" or "bug"; bugs_per_assignment
    limits how many bugs are taken (the demo takes a few, the tests all).
    """
    bugs, variants = load_catalogue(root, assignment)
    if bugs_per_assignment is not None:
        bugs = bugs[:bugs_per_assignment]
    rows = [("reference", "reference", [], []), ("untouched", "untouched", [], [])]
    rows += [(f"variant-{v['name']}", "variant", v["edits"], []) for v in variants]
    rows += [(f"bug-{b['name']}", "bug", b["edits"], b["loses"]) for b in bugs]
    return rows


def write_samples(root, assignment, bugs_per_assignment=None, include_variants=True):
    """Write every sample submission of one assignment; return sample_students' rows."""
    rows = sample_students(root, assignment, bugs_per_assignment)
    if not include_variants:
        rows = [r for r in rows if r[1] != "variant"]
    for student, kind, edits, _ in rows:
        nbs = submission_notebooks(root, assignment, edits, untouched=(kind == "untouched"),
                                   label=f"{assignment}/{student}")
        write_submission(root, assignment, student, nbs)
    return rows
