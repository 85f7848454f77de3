"""Session fixtures: one scratch course, generated and graded once per test run.

Executing notebooks is the slow part, so every notebook is generated once and
every sample submission graded once per session; the tests read the results.

Also the suite's lanes and its time report (issue 26):
- a test is `slow` when it needs the real course (the fixtures below) or lives in a
  module of SLOW_MODULES; `make check` runs the others (`-m "not slow"`), `make test` all;
- under `pytest -n 2 --dist loadfile` (make test) the modules of the real course share
  one worker, so that the course is graded once, and every other module keeps to one
  worker, so that its module fixtures (a graded batch) are built once;
- the run ends with the slowest tests and fixtures (--durations), the total, and a
  warning when the total passes --time-budget seconds. Time never fails a test.
"""

import functools
import os
import re
import shutil
import time
from pathlib import Path

import pytest

from course.admin.results import grades
from course.admin.grading import pipeline
from course.admin.authoring import samples

REPO = Path(__file__).resolve().parents[1]
# COURSE_TEST_ASSIGNMENTS=02_softmax,03_layers limits a run to some assignments (authors
# iterating on one notebook); unset, the suite covers every assignment.
ASSIGNMENTS = [a for a in pipeline.assignments(REPO)
               if a in os.environ.get("COURSE_TEST_ASSIGNMENTS", a).split(",")]


@pytest.fixture(scope="session")
def course_root(tmp_path_factory):
    """A scratch course: the repo's config, source/ and bug catalogues, release generated."""
    root = tmp_path_factory.mktemp("course")
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(REPO / "source", root / "source")
    shutil.copytree(REPO / samples.CATALOGUES, root / samples.CATALOGUES)
    for assignment in ASSIGNMENTS:
        pipeline.generate(root, assignment)
    return root


@pytest.fixture(scope="session")
def graded(course_root):
    """Every sample submission of every assignment, autograded.

    Returns {"rows": {(assignment, student): score row},
             "results": {(assignment, student): autograde result},
             "samples": {assignment: sample_students rows}}.
    """
    results, sample_rows = {}, {}
    for assignment in ASSIGNMENTS:
        sample_rows[assignment] = samples.write_samples(course_root, assignment)
        for r in pipeline.grade(course_root, assignment, workers=2, progress=False):
            results[(assignment, r.student)] = r
    rows = {(r["assignment"], r["student"]): r for r in grades.scores(course_root)}
    return {"rows": rows, "results": results, "samples": sample_rows}


@pytest.fixture(scope="session")
def verdicts(course_root, graded):
    """{assignment: catalogue_runs.validate_verdicts(...)}: what `nbgrader validate` says of
    every sample's filled release notebook, run for real on the correct work, the untouched
    release and a few bugs, read from the grading run for the other bugs."""
    import catalogue_runs

    return {assignment: catalogue_runs.validate_verdicts(
                course_root, assignment, rows,
                {student: r for (a, student), r in graded["results"].items() if a == assignment})
            for assignment, rows in graded["samples"].items()}


@pytest.fixture(scope="session")
def validated(verdicts):
    """{assignment: {student: {failed test cell: message}}}: the verdict of `nbgrader
    validate` on every sample's filled release notebook (validate/<student>/<assignment>),
    as the student would run it before submitting."""
    return {assignment: v["visible"] for assignment, v in verdicts.items()}


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
# The session fixtures of the real course: a test that uses one is slow, and the modules
# of such tests run on one xdist worker.
COURSE_FIXTURES = {"course_root", "graded", "validated", "verdicts"}


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


def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile`, except that every module of the real course is one unit: they
    share its session fixtures, so they share a worker and the course is graded once.
    (xdist's loadgroup would do it, but its marks do not reach pytest 9's node ids.)"""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class CourseScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            test_file = nodeid.split("::", 1)[0]
            return "real-course" if _uses_the_real_course(config.rootpath / test_file) else test_file

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
