"""The instructor pipeline: a thin layer over nbgrader's Python API.

nbgrader does the work (generate, autograde, feedback, the gradebook); this
module finds the course, loads ``nbgrader_config.py`` once, and loops over
assignments and students. Every function takes the course root, the folder
that holds ``nbgrader_config.py``.
"""

import contextlib
import logging
import os
from pathlib import Path

import sys
import warnings

import nbformat
from traitlets.config.loader import PyFileConfigLoader

CONFIG_FILE = "nbgrader_config.py"


def _put_environment_on_path():
    """nbgrader runs `alembic` (and kernels run `python`) through PATH: make
    sure the environment this code runs in comes first, even when it was
    started as `.venv/bin/python -m course` without activating the venv."""
    bindir = os.path.dirname(sys.executable)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if parts[0] != bindir:
        os.environ["PATH"] = os.pathsep.join([bindir, *[p for p in parts if p != bindir]])


_put_environment_on_path()
# nbgrader's SQLAlchemy models warn about autoflush on plain reads; the warning
# says nothing about the grades and would bury the instructor's output.
warnings.filterwarnings("ignore", message=".*not in session.*")


class CourseError(Exception):
    """A problem the instructor must fix; the message says how."""


def find_root(start=None):
    """The course root: the nearest folder at or above `start` with nbgrader_config.py."""
    here = Path(start or os.getcwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise CourseError(
        f"No {CONFIG_FILE} found in {here} or above it. Run the command from the "
        "course repository, or pass --root PATH.")


def load_config(root, **overrides):
    """nbgrader's configuration from <root>/nbgrader_config.py, with the root pinned.

    overrides: extra ``Section.option=value`` pairs as a dict of dicts, e.g.
    {"CourseDirectory": {"db_url": "..."}}.
    """
    root = Path(root).resolve()
    config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    # The file computes root from its own location; pin it explicitly so that a
    # copied config (a temporary course in the tests) cannot point elsewhere.
    config.CourseDirectory.root = str(root)
    for section, values in overrides.items():
        for key, value in values.items():
            config[section][key] = value
    return config


def open_api(root, **overrides):
    """An nbgrader NbGraderAPI for the course at `root`."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = load_config(root, **overrides)
    coursedir = CourseDirectory(config=config)
    # The API also sets up nbgrader's exchange, which logs CRITICAL when the
    # exchange folder does not exist yet: irrelevant to grading, so quiet.
    with _quiet(logging.ERROR + 10):
        api = NbGraderAPI(coursedir=coursedir, config=config)
    api.log.setLevel(logging.WARNING)
    return api


def assignments(root):
    """Assignment ids: the folders of source/ that hold a notebook, in order."""
    source = Path(root) / "source"
    if not source.is_dir():
        raise CourseError(f"{source} does not exist: is {root} the course root?")
    return sorted(p.name for p in source.iterdir()
                  if p.is_dir() and any(p.glob("*.ipynb")))


def notebooks(folder):
    """The notebooks of one assignment folder, sorted, checkpoints excluded."""
    return sorted(p for p in Path(folder).glob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


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


def _raise_on_failure(result, what):
    if not result.get("success"):
        detail = (result.get("error") or "") + "\n" + (result.get("log") or "")
        raise CourseError(f"{what} failed:\n{detail.strip()}")


def generate(root, assignment):
    """nbgrader generate_assignment for one assignment, into <root>/release/."""
    check_source_clean(root, assignment)
    api = open_api(root)
    with _quiet():
        result = api.generate_assignment(assignment, force=True, create=True)
    _raise_on_failure(result, f"generate_assignment {assignment}")


@contextlib.contextmanager
def _quiet(level=logging.WARNING):
    """Silence nbgrader's and the Jupyter client's chatter below `level` for a block."""
    loggers = [logging.getLogger(name) for name in ("traitlets", "nbgrader", "")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(level)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def submitted_students(root, assignment):
    """Student ids with a folder submitted/<student>/<assignment>, sorted."""
    submitted = Path(root) / "submitted"
    if not submitted.is_dir():
        return []
    return sorted(p.name for p in submitted.iterdir() if (p / assignment).is_dir())


def autograde_one(root, assignment, student, overrides=None):
    """Check, autograde and classify one submission; never raises for a bad one, but
    raises InfrastructureFailure when the grader failed (the kernel never started).

    Returns a dict: student, assignment, success (nbgrader ran), seconds, log,
    status and notes (see course.status). A submission that cannot be graded
    has its older grades removed, so that no stale score looks current.
    """
    import time

    from . import status

    start = time.perf_counter()
    notes, fatal = status.precheck(root, assignment, student)
    if fatal:
        result = {"success": False, "log": fatal}
    else:
        api = open_api(root, **(overrides or {}))
        with _quiet():
            out = api.autograde(assignment, student, force=True, create=True)
        result = {"success": bool(out.get("success")),
                  "log": ((out.get("error") or "") + "\n" + (out.get("log") or "")).strip()}
        if not result["success"] and ("KernelStartFailure" in result["log"]
                                      or "SandboxRequired" in result["log"]):
            # Not the student's doing: no grade is kept, and the caller retries.
            status.forget_grades(root, assignment, student)
            line = [l for l in result["log"].splitlines()
                    if "KernelStartFailure" in l or "SandboxRequired" in l][-1]
            raise InfrastructureFailure(line.split(":", 1)[-1].strip()[:500])
    if not result["success"]:
        status.forget_grades(root, assignment, student)
    # no audit of a refused folder: it may be a link, or hold a named pipe that blocks a reader
    verdict = status.classify(root, assignment, student, result, notes,
                              [] if fatal else _audit(root, assignment, student))
    return {"student": student, "assignment": assignment,
            "seconds": round(time.perf_counter() - start, 2), **result, **verdict}


def _audit(root, assignment, student):
    """Static-audit findings for a submission, as short strings ([] if none)."""
    try:
        from .audit import audit_submission
    except ImportError:
        return []
    return audit_submission(Path(root) / "submitted" / student / assignment)


class InfrastructureFailure(RuntimeError):
    """Grading failed for a reason that is not the student's (the kernel never started):
    raised so that the submission is retried and, failing that, marked `failed`."""


def require_sandbox():
    """(sandboxed, how): the sandbox works here, or is explicitly turned off.

    Raises CourseError (why, and how to fix it) when student code would otherwise run
    without it. Grading calls this before it touches any grade."""
    from . import sandbox

    try:
        return sandbox.require()
    except sandbox.SandboxUnavailable as err:
        raise CourseError(str(err)) from None


def register_students(root, students):
    """Create the students in the gradebook before parallel workers start, so
    that no two workers race to insert the same row."""
    api = open_api(root)
    with api.gradebook as gb:
        for student in students:
            gb.update_or_create_student(student)


def grade(root, assignment, students=None, workers=1, progress=True, retries=None):
    """Autograde the submissions of one assignment; a list of autograde_one results.

    students: ids to grade (default: every folder in submitted/ for it).
    workers: processes grading at once; each grades whole submissions.
    retries: extra attempts for a submission whose grading raised or whose worker
    died (default course.pool.DEFAULT_RETRIES); after them its status is `failed`.
    """
    from tqdm.auto import tqdm

    from . import pool, status

    students = list(students) if students is not None else submitted_students(root, assignment)
    if not students:
        return []
    require_sandbox()  # before any grade is touched
    register_students(root, students)
    retries = pool.DEFAULT_RETRIES if retries is None else retries
    bar = tqdm(total=len(students), desc=f"grading {assignment}", unit="nb", disable=not progress)

    def done(student, result):
        # Saved as each one ends: a run that is stopped half way keeps what it graded.
        status.save(root, assignment, {student: {"status": result["status"], "notes": result["notes"],
                                                 "sandboxed": result["sandboxed"]}})
        bar.update()

    if workers <= 1:
        results = pool.grade_here(root, assignment, students, retries, on_result=done)
    else:
        results = pool.grade_in_processes(root, assignment, students, workers, retries, on_result=done)
    bar.close()
    return sorted(results.values(), key=lambda r: r["student"])


def generate_feedback(root, assignment):
    """nbgrader generate_feedback for every autograded submission of an assignment."""
    from .feedback import overrides  # no hidden-test source or traceback reaches students
    api = open_api(root, **overrides())
    with _quiet():
        result = api.generate_feedback(assignment, force=True)
    _raise_on_failure(result, f"generate_feedback {assignment}")
