"""Grade one submission: check it, run nbgrader's autograde on it, classify the result.

What course.admin.grading.pool runs in each worker process and course.admin.grading.scale runs on each Dask
worker; course.admin.grading.pipeline.grade loops over the submissions.
"""

import time
from pathlib import Path

from course.admin.grading import status
from course.admin.grading.result import GradingResult
from course.admin.course_dir import open_api, quiet


class InfrastructureFailure(RuntimeError):
    """Grading failed for a reason that is not the student's (the kernel never started):
    raised so that the submission is retried and, failing that, marked `failed`."""


def autograde_one(root, assignment, student, overrides=None, db_url=None):
    """Check, autograde and classify one submission; never raises for a bad one, but
    raises InfrastructureFailure when the grader failed (the kernel never started).

    overrides: nbgrader settings over nbgrader_config.py's (course_dir.open_api).
    db_url: the gradebook (default: the configuration's), passed as configuration so
    that grading tasks with different gradebooks can share a process.

    Returns a GradingResult (course.admin.grading.result). A submission that cannot be
    graded has its older grades removed, so that no stale score looks current.
    """
    start = time.perf_counter()
    notes, fatal = status.precheck(root, assignment, student)
    if fatal:
        result = {"success": False, "log": fatal}
    else:
        api = open_api(root, db_url=db_url, **(overrides or {}))
        with quiet():
            out = api.autograde(assignment, student, force=True, create=True)
        result = {"success": bool(out.get("success")),
                  "log": ((out.get("error") or "") + "\n" + (out.get("log") or "")).strip()}
        if not result["success"] and ("KernelStartFailure" in result["log"]
                                      or "SandboxRequired" in result["log"]):
            # Not the student's doing: no grade is kept, and the caller retries.
            status.forget_grades(root, assignment, student, db_url)
            line = [l for l in result["log"].splitlines()
                    if "KernelStartFailure" in l or "SandboxRequired" in l][-1]
            raise InfrastructureFailure(line.split(":", 1)[-1].strip()[:500])
    if not result["success"]:
        status.forget_grades(root, assignment, student, db_url)
    # no audit of a refused folder: it may be a link, or hold a named pipe that blocks a reader
    verdict = status.classify(root, assignment, student, result, notes,
                              [] if fatal else _audit(root, assignment, student), db_url)
    return GradingResult(student, assignment, seconds=round(time.perf_counter() - start, 2),
                         **result, **verdict)


def _audit(root, assignment, student):
    """Static-audit findings for a submission, as short strings ([] if none)."""
    try:
        from course.admin.grading.audit import audit_submission
    except ImportError:
        return []
    return audit_submission(Path(root) / "submitted" / student / assignment)
