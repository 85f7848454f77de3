"""Plain `nbgrader generate_feedback` (what the formgrader's button runs) writes the course's
feedback page: no hidden tests, the same bytes as `python -m course feedback`.

One real assignment (01, the fastest), a reference and a catalogued bug graded once;
nbgrader_config.py carries the feedback filters (GenerateFeedback.preprocessors and its
exporter), so nbgrader's own command needs nothing from the course's command line.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import REPO
from course.admin.authoring import samples
from course.admin.grading import pipeline
from course.nbgrader_plugins import cells

A = "01_staged_backprop"
NBGRADER = str(Path(sys.executable).parent / "nbgrader")


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    root = tmp_path_factory.mktemp("entry") / "course"
    root.mkdir()
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(REPO / "source" / A, root / "source" / A)
    shutil.copytree(REPO / samples.CATALOGUES, root / samples.CATALOGUES)
    pipeline.generate(root, A)
    bugs, _ = samples.load_catalogue(root, A)
    bug = bugs[0]
    students = {"reference": [], f"bug-{bug['name']}": bug["edits"]}
    for student, edits in students.items():
        samples.write_submission(root, A, student, samples.submission_notebooks(root, A, edits))
    results = pipeline.grade(root, A, workers=1, progress=False)
    assert {r.student: r.status for r in results} == dict.fromkeys(students, "graded"), results
    return root, list(students)


def hidden_lines(root):
    """The lines only the hidden tests of the assignment's source have, long enough to be telling."""
    found = {cells.INSIDE: set(), cells.OUTSIDE: set()}
    for path in (root / "source" / A).glob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            for line, where in cells.marked_lines(cell.source, [cells.HIDDEN_TESTS]):
                if where != cells.MARKER and len(line.strip()) > 25:
                    found[where].add(line.strip())
    return found[cells.INSIDE] - found[cells.OUTSIDE]


def pages(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*.html"))}


def test_nbgrader_generate_feedback_writes_the_course_page(graded_course):
    root, students = graded_course
    out = subprocess.run([NBGRADER, "generate_feedback", A, "--force"], cwd=root,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    by_nbgrader = pages(root / "feedback")
    assert {p.parts[0] for p in by_nbgrader} == set(students), list(by_nbgrader)
    shutil.move(root / "feedback", root / "feedback-nbgrader")

    out = subprocess.run([sys.executable, "-m", "course", "--root", str(root), "feedback", A],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    by_course = pages(root / "feedback")
    assert by_course.keys() == by_nbgrader.keys()
    for name, page in by_nbgrader.items():
        assert page == by_course[name], f"{name}: nbgrader's page differs from the course's"

    secret = hidden_lines(root)
    assert len(secret) > 5, "the source should have hidden tests to look for"
    for name, page in by_nbgrader.items():
        text = page.decode("utf-8")
        assert "BEGIN HIDDEN TESTS" not in text and "assert_untampered" not in text, name
        shown = sorted(line for line in secret if line in text)
        assert not shown, f"{name} shows hidden-test lines: {shown[:5]}"
        assert 'id="summary"' in text and "Test cell</a>" not in text, \
            f"{name}: the course's summary should replace nbgrader's list of test cells"
