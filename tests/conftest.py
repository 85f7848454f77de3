"""The real course fixture, the suite's lanes, its scheduling and its time report.

Executing notebooks is the slow part, so every assignment is generated once and
every sample submission graded once per session (tests/real_course.py), on one worker;
the tests read the results.

Also the suite's lanes and its time report (issue 26):
- a test is `slow` when it needs the real course (the fixtures below) or lives in a
  module of SLOW_MODULES; `make check` runs the others (`-m "not slow"`), `make test` all;
- under `pytest -n 3 --dist loadfile` (make test) the tests of one assignment of the real
  course share a worker, so that it is graded once, and every other module keeps to one
  worker, so that its module fixtures (a graded batch) are built once; the heaviest units
  are handed out first (SCHEDULE_WEIGHTS), so that the workers end together;
- the run ends with the slowest tests and fixtures (--durations), the total, and a
  warning when the total passes --time-budget seconds. Time never fails a test.
"""

import functools
import os
import re
import time
from pathlib import Path

import pytest

# One BLAS thread in every process of the run (set before anything imports numpy; the workers,
# kernels and commands the tests start inherit it). The suite runs three workers on two cores,
# and an unsandboxed kernel (nbgrader validate's) would start a BLAS thread per core that
# spins while it waits: nbgrader validate of 04's solved notebook took 12.4 CPU-s with them
# and 8.9 without, for the same wall time idle. The sandboxed grading kernel sets this itself.
for _blas_threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_blas_threads, "1")

from course.admin.grading import pipeline  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
# COURSE_TEST_ASSIGNMENTS=02_softmax,03_layers limits a run to some assignments (authors
# iterating on one notebook); unset, the suite covers every assignment.
ASSIGNMENTS = [a for a in pipeline.assignments(REPO)
               if a in os.environ.get("COURSE_TEST_ASSIGNMENTS", a).split(",")]


# The assignment that tests of the real course use when they need just one (the browser's
# Validate button, the CSV export): their node ids name none, so they go with its tests.
SHOWCASE = "02_softmax" if "02_softmax" in ASSIGNMENTS else (ASSIGNMENTS or [""])[0]


@pytest.fixture(scope="session")
def real_course(tmp_path_factory):
    """The scratch course of this session (tests/real_course.py): real_course.graded(A),
    .validated(A), .verdicts(A), .fairness_outcomes(A), .built(A); each assignment is built
    and graded the first time a test asks for it, on the worker that runs its tests."""
    from real_course import RealCourse

    return RealCourse(tmp_path_factory.mktemp("course"))


# Modules whose tests grade real notebooks, start browsers or sandboxes, or time out
# runaway cells on purpose: minutes, not seconds. Tests elsewhere may carry
# @pytest.mark.slow themselves; a new module is in `make check` until it is listed here.
SLOW_MODULES = {
    "test_browser", "test_browser_grading", "test_catalogue", "test_e2e", "test_export",
    "test_feedback_report", "test_hostile", "test_isolation", "test_mutants", "test_release",
    "test_sandbox", "test_scale", "test_validate", "test_written_answers",
    # this round's: they grade real notebooks or drive Chromium (minutes each)
    "test_browser_formgrader", "test_entry_points", "test_fairness", "test_fairness_draws",
    "test_feedback_entry_points", "test_term",
}
# The session fixture of the real course: a test that uses it is slow, and the tests of
# one assignment share an xdist worker (see pytest_xdist_make_scheduler).
COURSE_FIXTURES = {"real_course"}


def pytest_addoption(parser):
    parser.addoption("--time-budget", type=float, default=0, metavar="SECONDS",
                     help="print a warning when the run takes longer (0: no budget); never fails")


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if getattr(item, "module", None) else ""
        if module in SLOW_MODULES or COURSE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@functools.lru_cache(maxsize=None)
def _uses_the_real_course(test_file):
    """Whether a test module's functions take one of COURSE_FIXTURES (read from its source:
    the xdist controller schedules node ids and collects nothing)."""
    try:
        text = Path(test_file).read_text()
    except OSError:
        return False
    names = "|".join(sorted(COURSE_FIXTURES))
    return re.search(rf"^\s*def \w+\([^)]*\b({names})\b", text, re.MULTILINE) is not None


# Rough seconds of each unit of work on one worker (from a run on a loaded 2-core machine,
# scaled), used only to hand out the heaviest first; a unit not listed weighs 0.2 s a test.
SCHEDULE_WEIGHTS = {
    "course:06_convolution": 330, "course:02_softmax": 320, "course:05_normalization": 300,
    "course:01_staged_backprop": 250, "tests/test_scale.py": 215, "course:04_digits_mlp": 175,
    "course:03_layers": 155, "tests/test_hostile.py": 90, "tests/test_term.py": 55,
    "tests/test_mutants.py": 42, "tests/test_entry_points.py": 35, "tests/test_sandbox.py": 28,
    "tests/test_browser.py": 27, "tests/test_isolation.py": 24, "tests/test_browser_formgrader.py": 14,
}


def _course_scope(nodeid):
    """"course:<assignment>": the assignment a real-course test's parameters name, or SHOWCASE."""
    params = nodeid.partition("[")[2]
    named = [a for a in ASSIGNMENTS if params.startswith(a)]
    return f"course:{named[0] if named else SHOWCASE}"


def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile`, except that the tests of the real course are grouped by assignment,
    across modules: they share its graded batch, so they share a worker, and each
    assignment is graded once. Units are handed out heaviest first (longest processing
    time first: the workers end close together). (xdist's loadgroup would do the
    grouping, but its marks do not reach pytest 9's node ids.)"""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class CourseScheduling(LoadScopeScheduling):
        _ordered = False

        def _split_scope(self, nodeid):
            test_file = nodeid.split("::", 1)[0]
            return _course_scope(nodeid) if _uses_the_real_course(config.rootpath / test_file) else test_file

        def _assign_work_unit(self, node):
            if not self._ordered:
                self._ordered = True
                units = sorted(self.workqueue.items(),
                               key=lambda item: -SCHEDULE_WEIGHTS.get(item[0], 0.2 * len(item[1])))
                self.workqueue.clear()
                self.workqueue.update(units)
            super()._assign_work_unit(node)

    return CourseScheduling(config, log)


# Filled from the reports of tests/test_catalogue.py (which may run in an xdist worker):
# {assignment: (bugs caught by visible tests, bugs)}.
VISIBLE_SHARE = {}
_STARTED = pytest.StashKey[float]()


def pytest_sessionstart(session):
    session.config.stash[_STARTED] = time.monotonic()


def pytest_runtest_logreport(report):
    for name, value in report.user_properties:
        if name == "visible_share":
            assignment, caught, total = value
            VISIBLE_SHARE[assignment] = (caught, total)


@pytest.hookimpl(trylast=True)  # after pytest's own --durations table
def pytest_terminal_summary(terminalreporter, config):
    if VISIBLE_SHARE:
        terminalreporter.section("bugs caught by the visible tests (nbgrader validate)")
        for assignment, (caught, total) in sorted(VISIBLE_SHARE.items()):
            terminalreporter.write_line(f"{assignment}: {caught} of {total} ({caught / total:.0%})")
    if _STARTED not in config.stash or hasattr(config, "workerinput"):
        return
    total, budget = time.monotonic() - config.stash[_STARTED], config.getoption("time_budget")
    ran = sum(len(terminalreporter.stats.get(k, [])) for k in ("passed", "failed", "error", "skipped"))
    if not ran:
        return
    terminalreporter.section("test time")
    terminalreporter.write_line(f"{ran} tests in {total:.0f} s ({total / 60:.1f} min) of pytest"
                                + (f"; budget {budget:.0f} s" if budget else ""))
    if budget and total > budget:
        terminalreporter.write_line(
            f"WARNING: this run took {total - budget:.0f} s more than its budget of {budget:.0f} s "
            f"({budget / 60:g} min); the slowest tests and fixtures are listed above.", yellow=True, bold=True)
