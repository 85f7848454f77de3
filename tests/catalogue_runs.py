"""Grade and validate every sample of a bug catalogue, for the suite and for authors.

For one assignment, in a scratch course: the reference, the untouched release,
each correct variant and each catalogued bug are autograded through the real
pipeline (sandboxed kernel, hidden tests), and each filled release notebook is
run through `nbgrader validate` as a student would before submitting (visible
tests only). The result says, per sample, which test cells lost points and
which visible test cells failed, with their messages.

The suite (validate_verdicts) runs `nbgrader validate` itself only where the
grading run cannot stand in for it: the visible and hidden parts of a test cell
run as one execution when grading, so a sample's visible failures are read from its
autograded notebook (both load course.sandbox_kernel.stderr_to_stdout, so output on
stderr counts alike); the reference, the untouched release, a few bugs and correct
variants, and every sample whose grading run cannot tell or tells the unexpected are
validated for real, and tests/test_validate.py compares the two.
"""

import ast
import re
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

from nbconvert.filters import strip_ansi
from nbgrader.preprocessors import Execute
from nbgrader.utils import is_grade

from course.admin.results import grades
from course.admin.grading import pipeline
from course.admin.authoring import samples
from course.nbgrader_plugins import cells
from course.nbgrader_plugins.execute import skipped_when_grading

REPO = Path(__file__).resolve().parents[1]


def scratch_course(root, assignments):
    """A course at `root`: the repo's config, source/ and catalogues; the release generated."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    for assignment in assignments:
        shutil.copytree(REPO / "source" / assignment, root / "source" / assignment)
        catalogue, copy = samples.catalogue_path(REPO, assignment), samples.catalogue_path(root, assignment)
        if catalogue.is_file():
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(catalogue, copy)
        pipeline.generate(root, assignment)
    return root


def catalogue(root, assignment):
    """The catalogue module's names: EXERCISES, INTEGRATION, BUGS, VARIANTS."""
    import runpy

    path = samples.catalogue_path(root, assignment)
    names = runpy.run_path(str(path)) if path.is_file() else {}
    return {key: names.get(key, default) for key, default in
            (("EXERCISES", {}), ("INTEGRATION", []), ("BUGS", []), ("VARIANTS", []))}


def lost_cells(root, assignment):
    """{student: set of test cells that scored below their maximum (or not at all)}."""
    maxima = dict(grades.problems(root, assignment))
    return {row["student"]: {gid for gid, v in row["scores"].items() if v is None or v < maxima[gid]}
            for row in grades.scores(root, [assignment])}


class ExecuteSkippingDemos(Execute):
    """nbgrader validate's Execute, minus the locked demo cells tagged skip-when-grading.

    Those cells only demonstrate (05's training runs take most of its run time), and
    nothing later may use them: the autograder skips them too, and the reference gets
    full marks without them (test_e2e). Skipping them here keeps validating a hundred
    samples within the suite's budget; tests/test_validate.py runs the unmodified
    `nbgrader validate` on every solved source notebook, and the browser test the Validate button.
    """

    def preprocess_cell(self, cell, resources, index):
        if skipped_when_grading(cell):
            return cell, resources
        return super().preprocess_cell(cell, resources, index)


def _validate_one(args):
    """(student, {failed grade id: validate's message}) for one filled release notebook."""
    root, assignment, student = args
    from nbgrader.validator import Validator

    folder = Path(root) / "validate" / student / assignment
    validator = Validator(config=pipeline.load_config(root))
    validator.preprocessors = [ExecuteSkippingDemos if p is Execute else p for p in validator.preprocessors]
    failed = {}
    for path in sorted(folder.glob("*.ipynb")):
        by_source = {c.source.strip(): c.metadata.get("nbgrader", {}).get("grade_id")
                     for c in nbformat.read(path, as_version=4).cells}
        result = validator.validate(str(path))
        for kind in ("type_changed", "changed"):
            if result.get(kind):
                failed[f"<{kind}>"] = str(result[kind])[:500]
        for cell in result.get("failed", []):
            failed[by_source.get(cell["source"], "<unknown cell>")] = cell["raw_error"]
    return student, failed


def write_validation_copies(root, assignment, rows):
    """release/<assignment> copied per sample, its notebooks filled as the sample's student would."""
    for student, kind, edits, _ in rows:
        folder = Path(root) / "validate" / student / assignment
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(Path(root) / "release" / assignment, folder)
        nbs = samples.submission_notebooks(root, assignment, edits, untouched=(kind == "untouched"),
                                           label=f"{assignment}/{student}")
        for name, nb in nbs.items():
            nbformat.write(nb, folder / name)


def validate_samples(root, assignment, rows, workers=2, only=None):
    """{student: {failed grade id: message}} from `nbgrader validate` of each sample.

    Every sample's validation copy is written (validate/<student>/<assignment>); only:
    the students actually validated (default all)."""
    write_validation_copies(root, assignment, rows)
    jobs = [(str(root), assignment, student) for student, *_ in rows if only is None or student in only]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return dict(pool.map(_validate_one, jobs))


def _ends_on_a_value(code):
    """Whether `code`'s last statement is an expression other than print(...): validate
    reads its value as a partial-credit score, which no error in the outputs shows."""
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return True
    last = body[-1] if body else None
    return isinstance(last, ast.Expr) and not (
        isinstance(last.value, ast.Call) and getattr(last.value.func, "id", None) == "print")


def _visible_code_after_hidden(marked):
    """Whether a visible line of code comes after hidden lines (03's network cells install
    their grading stand-ins in hidden lines at the top of the visible body): graded, the
    visible part then runs with those stand-ins, so its failures are not validate's."""
    seen_hidden = False
    for line, where in marked:
        if where != cells.OUTSIDE:
            seen_hidden = True
        elif seen_hidden and line.strip() and not line.strip().startswith("#"):
            return True
    return False


def _visible_part_failure(cell):
    """The error of `cell`'s visible part in an autograded notebook: its traceback ("" when
    the visible part passed), or None when the outputs cannot tell.

    The visible and hidden parts run as one cell, so the first "Cell In[n], line L" of an
    error's traceback says which part raised. Output on stderr cannot be placed (and
    IgnorePattern may have dropped a warning that validate would count), nor can a value
    the visible part ends on."""
    marked = cells.marked_lines(cell.source, (cells.HIDDEN_TESTS,))
    where = [w for _, w in marked]
    if _ends_on_a_value(cells.without_regions(cell.source)):
        return None
    if _visible_code_after_hidden(marked):
        return None  # hidden lines ran first when graded (03's stand-ins): validate sees another cell
    messages = []
    for output in cell.outputs:
        if output.output_type == "stream" and output.name == "stderr":
            return None
        if output.output_type == "error":
            found = re.search(r"Cell In\[\d+\], line (\d+)", strip_ansi("\n".join(output.traceback)))
            if not found or not 0 < int(found.group(1)) <= len(where):
                return None
            if where[int(found.group(1)) - 1] == cells.OUTSIDE:
                messages.append("\n".join(output.traceback))
    return "\n".join(messages)


def visible_failures(root, assignment, student, result):
    """{failed grade id: message}: what `nbgrader validate` of the student's notebook
    would report, read from the sample's autograded notebooks (its grading `result`)
    instead of a second execution; None when they cannot tell (see _visible_part_failure,
    or grading did not end `graded`).

    It assumes what validate cannot see does not matter: the hidden parts of earlier
    cells (test_scope restores what they touch) and the sandbox. tests/test_validate.py
    compares it with real `nbgrader validate` runs."""
    notebooks = sorted((Path(root) / "autograded" / student / assignment).glob("*.ipynb"))
    if result is None or result.status != "graded" or not notebooks:
        return None
    failed = {}
    for path in notebooks:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code" or not is_grade(cell):
                continue
            message = _visible_part_failure(cell)
            if message is None:
                return None
            if message:
                failed[cells.grade_id(cell)] = message
    return failed


def validate_verdicts(root, assignment, rows, results, workers=2, cross_check=1, for_real=()):
    """{"visible": {student: {failed grade id: message}}, "real": {...}, "derived": {...}}.

    "visible" is the verdict the tests use: `nbgrader validate` itself (in "real") for the
    reference, the untouched release, every sample whose grading run cannot tell or tells
    the unexpected (a caught bug that passes, correct work or a bug the catalogue says the
    visible tests miss that fails: the message shown is then validate's own), the first
    `cross_check` caught bugs, passing correct samples and missed bugs, and the students in
    `for_real`; visible_failures (in "derived", computed for every sample) for the others.
    rows: (student, kind, edits, loses); kind "untouched" and a "bug" are expected to fail
    validate, except a bug whose catalogue entry says `visible: False`; every other kind is
    expected to pass it."""
    derived = {student: visible_failures(root, assignment, student, results.get(student))
               for student, *_ in rows}
    missed = {f"bug-{bug['name']}" for bug in catalogue(root, assignment)["BUGS"] if bug.get("visible") is False}
    fails = {student: kind == "untouched" or (kind == "bug" and student not in missed)
             for student, kind, *_ in rows}
    real_ones = {student for student, *_ in rows
                 if student in ("reference", "untouched") or student in for_real
                 or derived[student] is None or bool(derived[student]) != fails[student]}
    for group in ([student for student, kind, *_ in rows if kind == "bug" and fails[student]],
                  [student for student, kind, *_ in rows if kind == "variant"],
                  [student for student, kind, *_ in rows if kind == "bug" and not fails[student]]):
        real_ones |= set([student for student in group if student not in real_ones][:cross_check])
    real = validate_samples(root, assignment, rows, workers, only=real_ones)
    visible = {student: real[student] if student in real else derived[student] for student, *_ in rows}
    return {"visible": visible, "real": real, "derived": derived}


def run(root, assignment, only=None, workers=2, validate=True):
    """Grade (and validate) every sample of one assignment in the course at `root`.

    only: sample names (bug or variant names) to keep, besides the reference.
    Returns {"rows": sample_students rows, "lost": {student: set}, "visible": {student: {...}},
             "results": {student: autograde result}}.
    """
    rows = samples.sample_students(root, assignment)
    if only:
        rows = [r for r in rows if r[1] == "reference" or r[0].split("-", 1)[-1] in only]
    for student, kind, edits, _ in rows:
        nbs = samples.submission_notebooks(root, assignment, edits, untouched=(kind == "untouched"),
                                           label=f"{assignment}/{student}")
        samples.write_submission(root, assignment, student, nbs)
    results = {r.student: r for r in pipeline.grade(root, assignment, [r[0] for r in rows],
                                                       workers=workers, progress=False)}
    visible = validate_samples(root, assignment, rows, workers) if validate else {}
    return {"rows": rows, "lost": lost_cells(root, assignment), "visible": visible, "results": results}


def own_exercise_violations(cat, bug):
    """Test cells in bug['loses'] that are neither in INTEGRATION nor grade a cell the bug edits."""
    edited = {grade_id for grade_id, _old, _new in bug["edits"]}
    return sorted(t for t in bug["loses"]
                  if t not in cat["INTEGRATION"] and not edited & set(cat["EXERCISES"].get(t, ())))


def stray_visible_failures(bug, failed):
    """Visible test cells failing outside bug['loses'] without saying which earlier function
    to fix first ("fix `affine_backward` first: ..."): those blame the wrong code."""
    return sorted(gid for gid in set(failed) - set(bug["loses"])
                  if not re.search(r"fix `?\w+`? first", strip_ansi(failed[gid])))


def test_cells(root, assignment):
    return [gid for gid, _ in grades.problems(root, assignment)]
