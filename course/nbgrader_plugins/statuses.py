"""What happened to each submission: its status, classified after grading and kept in a file.

Every graded submission ends with one status, shown in the export:

- ``graded``: graded normally;
- ``flagged``: graded, but the static audit found something an instructor should look at,
  or links, pipes or devices were set aside from the folder (course.nbgrader_plugins.intake);
- ``timed out``: at least one cell hit the time limit (that cell scored 0, the rest were graded);
- ``time budget exhausted``: the notebook's time budget ran out; the cells left scored 0;
- ``crashed``: the kernel died; cells before the crash are graded, the rest scored 0;
- ``needs manual grading``: some problem waits for a person;
- ``not graded``: nothing could be graded (no notebook, unreadable JSON, a notebook that is a
  link, over SubmissionLimits, a folder name that is no student id, an nbgrader error);
  any older grade of that submission is removed, so that a stale score never looks current;
- ``failed``: grading itself failed (the kernel never started, the worker died), which is
  not the student's fault; no grade is kept, and the submission should be graded again.

The statuses of one assignment are kept in ``grading/<assignment>.json`` beside the
gradebook, written by the process that runs nbgrader (never by the student's kernel),
under a lock: several grading processes write it at once.
"""

import fcntl
import json
import re
from contextlib import contextmanager
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from course.nbgrader_plugins.execute import grading_report
from course.nbgrader_plugins.intake import FLAG_NOTES

FAILED = "failed"  # grading failed for a reason that is not the student's
NOT_GRADED = "not graded"
# A submission nbgrader was started on and has not finished with (or stopped on before it
# reached a notebook): what its record says until the run records its outcome.
UNFINISHED = "grading did not finish: see nbgrader's log"


def status_file(root, assignment):
    return Path(root) / "grading" / f"{assignment}.json"


def load(root, assignment):
    """{student: {"status": ..., "notes": [...], "sandboxed": ...}} recorded for an assignment."""
    path = status_file(root, assignment)
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


@contextmanager
def _locked(root, assignment):
    path = status_file(root, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield path
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def save(root, assignment, statuses):
    """Merge {student: status record} into the assignment's status file."""
    with _locked(root, assignment) as path:
        merged = load(root, assignment)
        merged.update(statuses)
        tmp = path.with_suffix(f".tmp{id(statuses)}")
        tmp.write_text(json.dumps(merged, indent=1, sort_keys=True), encoding="utf-8")
        tmp.replace(path)


def record(status, notes, sandboxed=None, **extra):
    """One submission's status record, as the status file keeps it."""
    return {"status": status, "notes": list(notes), "sandboxed": sandboxed, **extra}


def reason(log):
    """The most telling line of a failed nbgrader run's log, for a note."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    named = [line for line in lines if re.search(r"\w+(Error|Exception|Timeout)\b", line)
             and "see the" not in line and "Traceback" not in line]
    return ((named or lines or ["nbgrader failed without a log"])[-1])[:300]


def autograded_notebooks(autograded):
    """The notebooks of an autograded submission folder, sorted."""
    return sorted(Path(autograded).glob("*.ipynb"))


def error_names(autograded):
    """Names of the errors (ename) in the outputs of an autograded submission folder, in order."""
    names = []
    for path in autograded_notebooks(autograded):
        try:
            nb = nbformat.read(path, as_version=4)
        except (OSError, ValueError):
            names.append("unreadable autograded notebook")
            continue
        for cell in nb.cells:
            names += [out.get("ename", "") for out in cell.get("outputs", [])
                      if out.get("output_type") == "error"]
    return names


def classify(reports, notes, needs_manual):
    """The status record of a submission nbgrader graded.

    reports: the course_grading records (course.nbgrader_plugins.execute) of its graded
    notebooks; notes: intake's and the audit's (an audit finding starts with "audit:");
    needs_manual: the gradebook says a grade waits for a person.
    """
    sandboxed = bool(reports) and all(r.get("sandboxed") for r in reports)
    notes = list(notes)
    status = "graded"
    for r in reports:
        timed = [c.get("grade_id") or f"cell {c.get('index')}" for c in r.get("timed_out_cells", [])]
        if timed:
            notes.append("timed out in " + ", ".join(map(str, timed)))
        if r.get("stopped_at"):
            notes.append("stopped: " + str(r["stopped_at"].get("reason", "")))
    if any(r.get("status") == "timed_out" for r in reports):
        status = "timed out"
    if any(r.get("status") == "time_budget" for r in reports):
        status = "time budget exhausted"  # the notebook's time budget (course.nbgrader_plugins.execute) ran out
    if any(r.get("status") == "crashed" for r in reports):
        status = "crashed"
    if status == "graded" and needs_manual:
        status = "needs manual grading"
    # A possible cheat outranks everything else: the instructor must look at it.
    if any(n.startswith(("audit:",) + FLAG_NOTES) for n in notes):
        status = "flagged"
    if not sandboxed:
        notes.append("graded WITHOUT the sandbox")
    return record(status, notes, sandboxed)


def report_of(nb):
    """The course_grading record of a graded notebook; a notebook GuardedExecute did not run
    (another Execute configured) counts as run unsandboxed."""
    return grading_report(nb) or {"status": "ok", "sandboxed": False}


def needs_manual(db_url, course_id, assignment, student):
    """True when a grade of the submission waits for a person (False when it has none)."""
    with Gradebook(db_url, course_id) as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            return False
        return any(g.needs_manual_grade for nb in sub.notebooks for g in nb.grades)


def forget_grades(db_url, course_id, assignment, student):
    """Remove a submission's grades from the gradebook (after a failed regrade), so that no
    stale score looks current."""
    with Gradebook(db_url, course_id) as gb:
        try:
            gb.remove_submission(assignment, student)
        except MissingEntry:
            pass  # there was nothing to remove


def export_columns(root, assignment_ids):
    """{(student, assignment): {"status": ..., "notes": ...}} for grades.export_csv."""
    columns = {}
    for assignment in assignment_ids:
        for student, st in load(root, assignment).items():
            columns[(student, assignment)] = {"status": st["status"], "notes": "; ".join(st["notes"])}
    return columns
