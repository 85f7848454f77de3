"""The instructor pipeline: a thin layer over nbgrader's Python API.

nbgrader does the work (generate, autograde, feedback, the gradebook); this
module loops over assignments and students. Every function takes the course
root, the folder that holds ``nbgrader_config.py``. Finding it, its
configuration and nbgrader's API on it are course.admin.course_dir's; grading one
submission is course.admin.grading.autograde's, grading many at once course.admin.grading.pool's.
"""

import glob
import os
from pathlib import Path

import nbformat

from course.admin.grading.autograde import InfrastructureFailure, autograde_one  # noqa: F401 (callers find them here)
from course.admin.course_dir import (  # noqa: F401 (re-exported: cli, tests and bench find them here)
    CONFIG_FILE, CourseError, assignments, course_directory, find_root, load_config, notebooks, open_api,
    open_gradebook, quiet, raise_on_failure)


def check_source_clean(root, assignment):
    """Raise CourseError if a source notebook keeps outputs or execution counts."""
    for path in notebooks(Path(root) / "source" / assignment):
        nb = nbformat.read(path, as_version=4)
        dirty = [i for i, cell in enumerate(nb.cells)
                 if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count"))]
        if dirty:
            raise CourseError(
                f"{path} keeps outputs in cells {dirty}: source notebooks are stored "
                "without outputs. Clear them (JupyterLab: Edit > Clear Outputs of All "
                f"Cells, or: jupyter nbconvert --clear-output --inplace {path}).")


def generate(root, assignment):
    """nbgrader generate_assignment for one assignment, into <root>/release/."""
    check_source_clean(root, assignment)
    api = open_api(root)
    with quiet():
        result = api.generate_assignment(assignment, force=True, create=True)
    raise_on_failure(result, f"generate_assignment {assignment}")


def submitted_students(root, assignment, coursedir=None):
    """Student ids with a submission folder of `assignment` (nbgrader's layout:
    CourseDirectory.format_path of the submitted directory), sorted."""
    from course.nbgrader_plugins.autograde_guard import submission_pattern

    coursedir = coursedir or course_directory(root)
    pattern = submission_pattern(coursedir)
    found = glob.glob(coursedir.format_path(coursedir.submitted_directory, "*", assignment))
    return sorted(m["student_id"] for m in map(pattern.match, found)
                  if m and m["assignment_id"] == assignment and os.path.isdir(m.group(0)))


def require_built(root, assignment, db_url=None):
    """Raise CourseError with the command to run when `assignment` has no release or is not
    in the gradebook (it was never built): its submissions cannot be graded, and that is
    not their authors' fault."""
    from nbgrader.api import MissingEntry

    coursedir = course_directory(root)
    release = Path(coursedir.format_path(coursedir.release_directory, ".", assignment))
    with open_gradebook(root, db_url=db_url) as gb:
        try:
            in_gradebook = bool(gb.find_assignment(assignment).notebooks)
        except MissingEntry:
            in_gradebook = False
    if not notebooks(release) or not in_gradebook:
        raise CourseError(f"{assignment} has not been built (no release/{assignment} notebooks or no "
                          f"entry in the gradebook): run `python -m course build {assignment}`, "
                          "then grade again. Nothing was graded.")


def require_sandbox():
    """(sandboxed, how): the sandbox works here, or is explicitly turned off.

    Raises CourseError (why, and how to fix it) when student code would otherwise run
    without it. Grading calls this before it touches any grade."""
    from course.sandbox_kernel import host as sandbox

    try:
        return sandbox.require()
    except sandbox.SandboxUnavailable as err:
        raise CourseError(str(err)) from None


def register_students(root, students, db_url=None):
    """Create the students in the gradebook (at `db_url`, default the configuration's)
    before parallel workers start, so that no two workers race to insert the same row.
    An id that is no valid student id is left out: grading refuses it, and a refused id
    never enters the gradebook (where the formgrader would show it)."""
    from course.nbgrader_plugins.intake import valid_id

    with open_gradebook(root, db_url=db_url) as gb:
        for student in students:
            if valid_id(student):
                gb.update_or_create_student(student)


def grade(root, assignment, students=None, workers=1, progress=True, retries=None, db_url=None,
          force=False):
    """Autograde the submissions of one assignment; a list of GradingResult, by student.

    students: ids to grade (default: every submission folder of it).
    force: grade again those unchanged since their last grading (course.admin.grading.incremental),
    which are otherwise skipped and returned from their record with skipped=True.
    workers: processes grading at once; each grades whole submissions.
    retries: extra attempts for a submission whose grading raised or whose worker
    died (default course.admin.grading.pool.DEFAULT_RETRIES); after them its status is `failed`.
    db_url: the gradebook (default: the configuration's); it reaches every worker as
    configuration, never through the environment.
    """
    from tqdm.auto import tqdm

    from course.admin.grading import incremental, pool, status
    from course.admin.grading.result import GradingResult

    coursedir = course_directory(root)  # the configuration, loaded once for the run
    students = list(students) if students is not None else submitted_students(root, assignment, coursedir)
    if not students:
        return []
    require_sandbox()  # before any grade is touched
    release = coursedir.format_path(coursedir.release_directory, ".", assignment)
    settings = incremental.config_fingerprint(root, f"sandbox={os.environ.get('COURSE_SANDBOX', '')}")
    prints = {s: incremental.fingerprint(coursedir.format_path(coursedir.submitted_directory, s, assignment),
                                         release, settings) for s in students}
    skipped = set() if force else set(incremental.unchanged(root, assignment, prints, db_url))
    recorded = status.load(root, assignment)
    kept = [GradingResult(s, assignment, recorded[s]["status"], notes=recorded[s]["notes"],
                          sandboxed=recorded[s].get("sandboxed"), success=True, skipped=True)
            for s in sorted(skipped)]
    students = [s for s in students if s not in skipped]
    # nbgrader adds each student it grades to the gradebook, as for `nbgrader autograde`:
    # one row per student, so parallel workers never insert the same one.
    retries = pool.DEFAULT_RETRIES if retries is None else retries
    bar = tqdm(total=len(students), desc=f"grading {assignment}", unit="nb", disable=not progress)

    def done(student, result):
        # Saved as each one ends: a run that is stopped half way keeps what it graded.
        status.save(root, assignment, {student: {**result.status_record(), "fingerprint": prints[student]}})
        bar.update()

    if workers <= 1:
        results = pool.grade_here(root, assignment, students, retries, on_result=done, db_url=db_url)
    else:
        results = pool.grade_in_processes(root, assignment, students, workers, retries, on_result=done,
                                          db_url=db_url)
    bar.close()
    return sorted([*results.values(), *kept], key=lambda r: r.student)

