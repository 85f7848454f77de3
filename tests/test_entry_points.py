"""One grading whatever starts it: `python -m course grade`, plain `nbgrader autograde`,
and nbgrader's API as the formgrader's *Autograde* button calls it.

The same submissions, honest and hostile (tests/hostile.py), are graded each way in a
copy of the tiny course (tests/tiny_course.py), with the real commands in their own
processes: the scores, the statuses and the students in the gradebook must be the same,
and the hostile ones must be refused or flagged by nbgrader's own entry points exactly as
by the course's command.
"""

import json
import os
import sqlite3
import subprocess
import sys

import nbformat
import pytest

import hostile
import tiny_course as tc
from course.admin.results import grades
from course.sandbox_kernel import host as sandbox
from test_browser import browser, tools  # noqa: F401 (fixtures)

HTML_ID = "<img src=x onerror=alert(1)>"
TAMPER = "import numpy as np\nnp.allclose = lambda *a, **k: True"

# What the formgrader's Autograde button runs: its handler calls
# NbGraderAPI.autograde(assignment_id, student_id) with the defaults (force, create).
FORMGRADER_BUTTON = """
import json, sys
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config.loader import PyFileConfigLoader

root, assignment, students = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
config = PyFileConfigLoader("nbgrader_config.py", path=root).load_config()
api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
out = {s: api.autograde(assignment, s)["success"] for s in students}
print(json.dumps(out))
"""


def write_submissions(root):
    """The same submissions in any copy of the tiny course; returns the folder names."""
    hostile.write_tiny(root, "alice", hostile.answered_tiny(root))
    hostile.write_tiny(root, "bob", hostile.answered_tiny(root, tc.BUG_MUL))
    hostile.write_tiny(root, "untouched", hostile.answered_tiny(root, [("add", "return a + b", "pass"),
                                                                       ("mul", "return a * b", "pass")]))
    # an audit-flagged tamper: numpy patched in a cell of the student's
    tampered = hostile.answered_tiny(root)
    tampered.cells.insert(2, nbformat.v4.new_code_cell(TAMPER))
    hostile.write_tiny(root, "tamperer", tampered)
    # the notebook a link to the solved source notebook (19/19 under plain nbgrader before)
    linked = root / "submitted" / "copycat" / "hw"
    linked.mkdir(parents=True)
    os.symlink(root / "source" / "hw" / "hw.ipynb", linked / "hw.ipynb")
    # the assignment folder a link to source/hw
    (root / "submitted" / "folderlink").mkdir()
    os.symlink(root / "source" / "hw", root / "submitted" / "folderlink" / "hw")
    # special files beside an honest notebook: a pipe (reading it blocks), links out
    mallory = hostile.write_tiny(root, "mallory", hostile.answered_tiny(root))
    os.mkfifo(mallory / "pipe")
    os.symlink("/etc/passwd", mallory / "passwd.txt")
    os.symlink(root / "gradebook.db", mallory / "grades.db")
    # a folder name that is HTML: never a student id, never in the gradebook
    hostile.write_tiny(root, HTML_ID, hostile.answered_tiny(root))
    return sorted(p.name for p in (root / "submitted").iterdir())


def run(args, cwd, timeout=900):
    out = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    return out.returncode, out.stdout + out.stderr


def course_grade(root, students):
    return run([sys.executable, "-m", "course", "--root", str(root), "grade", "hw"], root)


def nbgrader_autograde(root, students):
    return run([tc.NBGRADER, "autograde", "hw", "--force"], root)


def formgrader_button(root, students):
    code, out = run([sys.executable, "-c", FORMGRADER_BUTTON, str(root), "hw", json.dumps(students)], root)
    return code, out


WAYS = {"course grade": course_grade, "nbgrader autograde": nbgrader_autograde,
        "NbGraderAPI.autograde": formgrader_button}


def outcome(root):
    """What a grading left: {student: (status, notes)}, {student: total}, gradebook ids.
    The course's path in notes reads ROOT, so that copies compare."""
    recorded = json.loads((root / "grading" / "hw.json").read_text())
    statuses = {s: (r["status"], [n.replace(str(root), "ROOT") for n in r["notes"]])
                for s, r in recorded.items()}
    totals = {r["student"]: r["total"] for r in grades.scores(root, ["hw"])}
    with sqlite3.connect(root / "gradebook.db") as con:
        ids = sorted(row[0] for row in con.execute("SELECT id FROM student"))
    return statuses, totals, ids


@pytest.fixture(scope="module")
def graded_three_ways(tmp_path_factory):
    if not sandbox.available()[0]:
        pytest.skip("needs the sandboxed kernel: " + sandbox.available()[1])
    template = tc.template(tmp_path_factory)
    found = {}
    for name, grade in WAYS.items():
        root = tc.copy_course(template, tmp_path_factory.mktemp("way") / "course")
        students = write_submissions(root)
        code, log = grade(root, students)
        found[name] = {"root": root, "code": code, "log": log, "students": students,
                       "outcome": outcome(root)}
    return found


def test_every_entry_point_grades_alike(graded_three_ways):
    course = graded_three_ways["course grade"]
    assert course["code"] == 0, course["log"][-3000:]
    statuses, totals, ids = course["outcome"]
    for name, found in graded_three_ways.items():
        other_statuses, other_totals, other_ids = found["outcome"]
        for student in course["students"]:
            assert other_statuses.get(student) == statuses.get(student), (
                f"{student!r}: {name} recorded {other_statuses.get(student)}, `python -m course grade` "
                f"{statuses.get(student)}; the plugins in nbgrader_config.py should do the same work "
                f"whatever starts nbgrader\n{found['log'][-2000:]}")
        assert other_totals == totals, f"scores by {name} {other_totals} differ from the course's {totals}"
        assert other_ids == ids, f"gradebook students after {name}: {other_ids}, after the course's: {ids}"


def test_honest_work_scores_what_it_deserves_every_way(graded_three_ways):
    for name, found in graded_three_ways.items():
        statuses, totals, _ = found["outcome"]
        assert (statuses["alice"][0], totals.get("alice")) == ("graded", 3.0), (name, statuses["alice"])
        assert (statuses["bob"][0], totals.get("bob")) == ("graded", 1.0), (name, statuses["bob"])
        assert (statuses["untouched"][0], totals.get("untouched")) == ("graded", 0.0), name


@pytest.mark.parametrize("way", list(WAYS))
def test_linked_notebooks_and_folders_are_refused(graded_three_ways, way):
    statuses, totals, ids = graded_three_ways[way]["outcome"]
    for student, says in [("copycat", "hw.ipynb is not a regular file (symbolic link to"),
                          ("folderlink", "submitted/folderlink/hw is a symbolic link")]:
        status, notes = statuses[student]
        assert status == "not graded" and any(says in n for n in notes), (way, student, statuses[student])
        assert student not in totals, f"{way} gave the linked submission {student} a score: {totals}"
    root = graded_three_ways[way]["root"]
    assert not (root / "autograded" / "copycat").exists(), f"{way}: the linked notebook was graded"


@pytest.mark.parametrize("way", list(WAYS))
def test_special_files_are_set_aside_unread_and_flagged(graded_three_ways, way):
    statuses, totals, _ = graded_three_ways[way]["outcome"]
    status, notes = statuses["mallory"]
    assert status == "flagged" and totals["mallory"] == 3.0, (way, statuses["mallory"])
    for text in ("'pipe' (named pipe)", "'passwd.txt' (symbolic link to '/etc/passwd')", "'grades.db' (symbolic"):
        assert any(text in n for n in notes), f"{way}: {text!r} missing from {notes}"
    root = graded_three_ways[way]["root"]
    copied = sorted(p.name for p in (root / "autograded" / "mallory" / "hw").iterdir())
    assert copied == ["hw.ipynb"], f"{way} copied more than the notebook into autograded/: {copied}"


@pytest.mark.parametrize("way", list(WAYS))
def test_an_html_folder_name_is_refused_and_never_enters_the_gradebook(graded_three_ways, way):
    statuses, totals, ids = graded_three_ways[way]["outcome"]
    status, notes = statuses[HTML_ID]
    assert status == "not graded" and "is not a valid id" in notes[-1], (way, statuses[HTML_ID])
    assert HTML_ID not in ids, f"{way} added the refused id {HTML_ID!r} to the gradebook: {ids}"
    assert not (graded_three_ways[way]["root"] / "autograded" / HTML_ID).exists()


@pytest.mark.parametrize("way", list(WAYS))
def test_an_audit_flagged_tamper_is_flagged(graded_three_ways, way):
    statuses, _, _ = graded_three_ways[way]["outcome"]
    status, notes = statuses["tamperer"]
    assert status == "flagged", (way, statuses["tamperer"])
    assert any(n.startswith("audit:") and "numpy.allclose" in n for n in notes), (way, notes)


def test_one_refused_submission_fails_nbgraders_single_student_run(tmp_path_factory, tmp_path):
    """The formgrader's button grades one student: a refusal is a failure it can show."""
    if not sandbox.available()[0]:
        pytest.skip("needs the sandboxed kernel: " + sandbox.available()[1])
    root = tc.copy_course(tc.template(tmp_path_factory), tmp_path / "course")
    write_submissions(root)
    code, out = run([sys.executable, "-c", FORMGRADER_BUTTON, str(root), "hw", json.dumps(["copycat"])], root)
    assert code == 0 and json.loads(out.strip().splitlines()[-1]) == {"copycat": False}, out
    # the link was set aside: the student links again
    os.symlink(root / "source" / "hw" / "hw.ipynb", root / "submitted" / "copycat" / "hw" / "hw.ipynb")
    code, out = run([tc.NBGRADER, "autograde", "hw", "--student", "copycat"], root)
    assert code == 1 and "hw.ipynb is not a regular file" in out, out
    assert not (root / "autograded" / "copycat").exists()


# -- The formgrader's Autograde button, clicked in Chromium ------------------------------------

def test_formgrader_autograde_button_grades_as_the_course_command(graded_three_ways, tools, browser,  # noqa: F811
                                                                  tmp_path_factory):
    """In Debian's Chromium, the Autograde button (the flash icon of each row in the
    formgrader's Manage Submissions page) clicked for each listed submission: the same
    statuses, scores and gradebook students as `python -m course grade`."""
    import re

    import test_browser

    home = tmp_path_factory.mktemp("formgrader-lab")
    root = tc.copy_course(tc.template(tmp_path_factory), home / "course")
    students = write_submissions(root)
    messages = {}
    with test_browser.running_lab(home, root) as (base, token):
        page = browser.new_page()
        try:
            # log in as an instructor would (the token typed, not in the URL)
            test_browser.log_in(page, base, token)
            page.goto(f"{base}/formgrader/manage_submissions/hw", timeout=120_000)
            for student in students:
                row = page.locator("#main-table tr").filter(
                    has=page.locator("td.student-id", has_text=re.compile(f"^{re.escape(student)}$")))
                row.locator(".autograde a").click(timeout=120_000)
                modal = page.locator(".modal")
                modal.locator(".modal-title").wait_for(timeout=300_000)
                messages[student] = modal.locator(".modal-body").inner_text()
                page.screenshot(path=str(test_browser._artifacts()
                                         / f"formgrader-autograde-{students.index(student)}.png"))
                modal.locator(".modal-footer button").last.click()
                modal.wait_for(state="detached", timeout=30_000)
        finally:
            page.close()
    statuses, totals, ids = outcome(root)
    course_statuses, course_totals, course_ids = graded_three_ways["course grade"]["outcome"]
    for student in students:
        assert statuses.get(student) == course_statuses[student], (
            f"{student!r}: the button recorded {statuses.get(student)}, the course command "
            f"{course_statuses[student]}; the formgrader said: {messages[student]!r}")
    assert totals == course_totals, (totals, course_totals)
    assert ids == course_ids and HTML_ID not in ids, (ids, course_ids)
    assert "Successfully autograded" in messages["alice"], messages["alice"]
    for refused in ("copycat", "folderlink", HTML_ID):
        assert "There was an error autograding" in messages[refused], (refused, messages[refused])
