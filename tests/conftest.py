"""Session fixtures: one scratch course, generated and graded once per test run.

Executing notebooks is the slow part, so every notebook is generated once and
every sample submission graded once per session; the tests read the results.
"""

import shutil
from pathlib import Path

import pytest

from course import grades, pipeline, samples

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENTS = pipeline.assignments(REPO)


@pytest.fixture(scope="session")
def course_root(tmp_path_factory):
    """A scratch course: the repo's config, source/ and bug catalogues, release generated."""
    root = tmp_path_factory.mktemp("course")
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(REPO / "source", root / "source")
    shutil.copytree(REPO / "tests" / "bugs", root / "tests" / "bugs")
    for assignment in pipeline.assignments(root):
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
    for assignment in pipeline.assignments(course_root):
        sample_rows[assignment] = samples.write_samples(course_root, assignment)
        for r in pipeline.grade(course_root, assignment, workers=2, progress=False):
            results[(assignment, r["student"])] = r
    rows = {(r["assignment"], r["student"]): r for r in grades.scores(course_root)}
    return {"rows": rows, "results": results, "samples": sample_rows}
