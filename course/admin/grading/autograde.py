"""Grade one submission: nbgrader's autograde on it, read back the status its plugins recorded.

Intake, mending, the audit and the status are nbgrader's work here, through the plugins
nbgrader_config.py names (course.nbgrader_plugins.autograde_guard), exactly as for
``nbgrader autograde`` and the formgrader's button. What course.admin.grading.pool runs in
each worker process and course.admin.grading.scale runs on each Dask worker;
course.admin.grading.pipeline.grade loops over the submissions.
"""

import time

from course.admin.course_dir import open_api, quiet
from course.admin.grading.result import GradingResult
from course.nbgrader_plugins import intake, statuses


class InfrastructureFailure(RuntimeError):
    """Grading failed for a reason that is not the student's (the kernel never started):
    raised so that the submission is retried and, failing that, marked `failed`."""


def autograde_one(root, assignment, student, overrides=None, db_url=None):
    """Autograde one submission through nbgrader's API, as the formgrader's button does; never
    raises for a bad submission, but raises InfrastructureFailure when the grader failed.

    overrides: nbgrader settings over nbgrader_config.py's (course_dir.open_api).
    db_url: the gradebook (default: the configuration's), passed as configuration so
    that grading tasks with different gradebooks can share a process.

    Returns a GradingResult (course.admin.grading.result). A submission that cannot be
    graded has its older grades removed, so that no stale score looks current.
    """
    start = time.perf_counter()
    problem = intake.id_problem(student)
    if problem:
        # nbgrader's CourseDirectory strips blanks from an id it is given, so it could not even
        # address a folder named "\tSUM(1,2)"; intake says the same for a listed folder.
        rec = statuses.record(statuses.NOT_GRADED, [problem])
        statuses.save(root, assignment, {student: rec})
        return GradingResult(student, assignment, status=rec["status"], notes=rec["notes"],
                             seconds=round(time.perf_counter() - start, 2))
    api = open_api(root, db_url=db_url, **(overrides or {}))
    # What the plugins record replaces this; if nbgrader stops before they run, it stays.
    statuses.save(root, assignment, {student: statuses.record(statuses.NOT_GRADED, [statuses.UNFINISHED])})
    with quiet():
        out = api.autograde(assignment, student, force=True, create=True)
    success = bool(out.get("success"))
    log = ((out.get("error") or "") + "\n" + (out.get("log") or "")).strip()
    rec = statuses.load(root, assignment).get(student) or {}
    if rec.get("infrastructure"):
        # Not the student's doing: no grade was kept, and the caller retries.
        raise InfrastructureFailure(rec["notes"][-1])
    if statuses.UNFINISHED in rec.get("notes", []):
        # nbgrader stopped before or between the plugins (no notebook, no such assignment)
        rec = statuses.record(statuses.NOT_GRADED, [n for n in rec["notes"] if n != statuses.UNFINISHED]
                              + [statuses.reason(log)])
        success = False
    if not success:
        coursedir = api.coursedir
        statuses.forget_grades(coursedir.db_url, coursedir.course_id, assignment, student)
    return GradingResult(student, assignment, status=rec["status"], notes=rec["notes"],
                         sandboxed=rec.get("sandboxed"), success=success, log=log if not success else "",
                         seconds=round(time.perf_counter() - start, 2))
