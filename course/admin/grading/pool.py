"""Grade submissions in worker processes on this machine, and survive a worker that dies.

A submission's worker process can die under it (the machine's OOM killer, a crash inside
nbgrader, a submission that kills its grader when the sandbox is off). Python's process
pool then breaks and every unfinished task fails with it. Here a broken pool costs no
grade: the submissions that had not started go to a fresh pool, and those that were
being graded when it broke are graded again one at a time, so that the one that kills
its worker is known. A submission whose grading dies or raises on ``1 + retries``
attempts gets the status ``failed`` (course.admin.grading.result.FAILED) and keeps no grade.

Grading a submission is idempotent (nbgrader replaces its autograded copy and its
grades), so an attempt that is repeated neither loses nor duplicates a grade.

Workers die with the process that started them (``PR_SET_PDEATHSIG``): a grading run
that is killed leaves no worker grading on, and with the workers go their kernels
(whose launchers die with their worker the same way). The next run grades again
whatever the killed one had started but not recorded.
"""

import ctypes
import multiprocessing
import os
import shutil
import signal
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from course.admin.grading import status
from course.admin.grading.result import failed
from course.admin.grading.autograde import autograde_one
from course.admin.course_dir import CourseError

DEFAULT_RETRIES = 2


def _die_with_parent(parent):
    """Worker initializer: SIGKILL this process when its parent dies (Linux), and exit at
    once if the parent is already gone (it died before the request was made)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return  # not Linux: the pool's own checks remain
    if os.getppid() != parent:
        os._exit(1)


def _grade_marked(root, assignment, student, marks, db_url):
    """Runs in a worker: leave a mark that this submission started, then grade it."""
    (Path(marks) / student).touch()
    return autograde_one(root, assignment, student, db_url=db_url)


def _one_pool(root, assignment, students, workers, on_result, db_url=None):
    """Grade `students` in one pool of `workers` spawned processes.

    on_result(student, result_or_exception) is called for each task that ended.
    Returns the students left unfinished because a worker died, split into
    (started, not_started)."""
    marks = tempfile.mkdtemp(prefix="course-grading-")
    unfinished = []
    try:
        # spawn, not fork: a forked copy of a process that has talked to a
        # kernel or a database is not safe to reuse.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                 initializer=_die_with_parent, initargs=(os.getpid(),)) as pool:
            futures = {pool.submit(_grade_marked, str(root), assignment, s, marks, db_url): s
                       for s in students}
            for future in as_completed(futures):
                student = futures[future]
                try:
                    on_result(student, future.result())
                except BrokenProcessPool:
                    unfinished.append(student)
                except Exception as err:  # autograde_one itself raised: a bug, or the gradebook is gone
                    on_result(student, err)
        started = [s for s in unfinished if (Path(marks) / s).exists()]
        return started, [s for s in unfinished if s not in started]
    finally:
        shutil.rmtree(marks, ignore_errors=True)


class _Attempts:
    """Results so far, and failed attempts counted per student."""

    def __init__(self, root, assignment, retries, on_result, db_url=None):
        self.root, self.assignment, self.retries, self.on_result = root, assignment, retries, on_result
        self.db_url = db_url
        self.results, self.failures = {}, {}

    def record(self, student, outcome):
        """outcome: autograde_one's dict, or the exception its attempt ended with."""
        if isinstance(outcome, BaseException):
            self.failures[student] = self.failures.get(student, 0) + 1
            if self.failures[student] <= self.retries:
                return  # another attempt follows
            status.forget_failed(self.root, self.assignment, student, self.db_url)
            outcome = failed(student, self.assignment, outcome)
        self.results[student] = outcome
        if self.on_result:
            self.on_result(student, outcome)


def grade_here(root, assignment, students, retries=DEFAULT_RETRIES, on_result=None, db_url=None):
    """Grade one submission after another in this process; {student: result}.

    A result is a course.admin.grading.result.GradingResult (autograde_one's, or
    failed()'s for a submission whose grading raised on every attempt). on_result(student, result)
    is called as each one is final (for a progress bar). db_url: the gradebook (default:
    the configuration's)."""
    attempts = _Attempts(root, assignment, retries, on_result, db_url)
    for student in students:
        while student not in attempts.results:
            try:
                outcome = autograde_one(str(root), assignment, student, db_url=db_url)
            except Exception as err:
                outcome = err
            attempts.record(student, outcome)
    return attempts.results


def grade_in_processes(root, assignment, students, workers, retries=DEFAULT_RETRIES, on_result=None,
                       db_url=None):
    """As grade_here, with `workers` spawned processes grading at once."""
    attempts = _Attempts(root, assignment, retries, on_result, db_url)
    queue = list(students)
    while queue:
        before = len(attempts.results) + sum(attempts.failures.values())
        started, not_started = _one_pool(root, assignment, queue, min(workers, len(queue)),
                                         attempts.record, db_url)
        if not started and not_started and before == len(attempts.results) + sum(attempts.failures.values()):
            raise CourseError("The grading worker processes died before grading anything. Try "
                              "`--workers 1` to see the error.")
        # A worker died while these were being graded: grade each alone, to know which one.
        for student in started:
            while student not in attempts.results:
                died, _ = _one_pool(root, assignment, [student], 1, attempts.record, db_url)
                if died:
                    attempts.record(student, BrokenProcessPool(
                        "the process grading this submission died (killed, or out of memory)"))
        # Then those that raised and have attempts left, and those that never started.
        queue = [s for s in queue if s not in attempts.results]
    return attempts.results
