"""Session fixtures: one scratch course, generated and graded once per test run.

Executing notebooks is the slow part, so every notebook is generated once and
every sample submission graded once per session; the tests read the results.
"""

import os
import shutil
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
def validated(course_root, graded):
    """{assignment: {student: {failed test cell: message}}}: `nbgrader validate` of every
    sample's filled release notebook, as the student would run it before submitting."""
    import catalogue_runs

    return {assignment: catalogue_runs.validate_samples(course_root, assignment, rows)
            for assignment, rows in graded["samples"].items()}


# Filled by tests/test_catalogue.py: {assignment: (bugs caught by visible tests, bugs)}.
VISIBLE_SHARE = {}


def pytest_terminal_summary(terminalreporter):
    if VISIBLE_SHARE:
        terminalreporter.section("bugs caught by the visible tests (nbgrader validate)")
        for assignment, (caught, total) in sorted(VISIBLE_SHARE.items()):
            terminalreporter.write_line(f"{assignment}: {caught} of {total} ({caught / total:.0%})")
