"""A whole term, as an instructor runs it: every command of README.md, with its defaults.

On the tiny course (tests/tiny_course.py: one assignment `hw`, add 1 point, mul 2 points),
each `python -m course ...` runs as its own process from the course folder, the way the
README shows it, and each student runs the real `nbgrader` in a HOME of their own
(tests/test_distribution.py does the same for the exchange's corner cases):

build and check-release; the roster (import, list, remove); release; alice (on time
through an extension), bob (late), carol (late, submits twice, the second counts) and
dan (hands in the untouched notebook) fetch and submit; eve never submits; collect;
grade; feedback, nbgrader release_feedback and the students' fetch_feedback; export
(full and --lms canvas|moodle); table; report with its defaults; late, without and with
the assignment; collect-zip of dan's corrected notebook from a Canvas download, graded
again. `demo` is tests/test_demo.py's.

Each step checks its exit code and what it printed, and the numbers that come out: the
late penalty, the newest submission, 0 for a student who never submitted.
"""

import csv
import datetime
import os
import re
import subprocess
import sys
import zipfile

import nbformat
import pytest

import tiny_course as tc

pytestmark = pytest.mark.e2e
HOURS_LATE = 30  # the due date lies this far back when the students submit: 2 started days
ROSTER = """id,first_name,last_name,email,lms_user_id
alice,Alice,Ash,alice@example.edu,1001
bob,Bob,Birch,bob@example.edu,1002
carol,Carol,Cedar,carol@example.edu,1003
dan,Dan,Doe,dan@example.edu,1004
eve,Eve,Elm,eve@example.edu,1005
fran,Fran,Fir,fran@example.edu,1006
"""


def course(root, *args):
    """`python -m course ARGS` in the course folder, as the README shows it: (exit code, output)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSE_")}
    out = subprocess.run([sys.executable, "-m", "course", *args], cwd=root, env=env,
                         capture_output=True, text=True, timeout=900)
    return out.returncode, out.stdout + out.stderr


def ok(root, *args):
    code, out = course(root, *args)
    assert code == 0, f"python -m course {' '.join(args)} exited {code}:\n{out}"
    return out


def _csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    """The term up to grading, feedback and the exports; each test then reads one part of it."""
    tmp = tmp_path_factory.mktemp("term")
    root = tc.copy_course(tc.template(tmp_path_factory), tmp / "course")
    log = {}
    due = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=HOURS_LATE)
    tc.add_config(root, f"""
c.LatePolicy.due_dates = {{"hw": "{due:%Y-%m-%d %H:%M:%S} UTC"}}
c.LatePolicy.extensions = {{"hw": {{"alice": 3}}}}
""")
    log["build"] = ok(root, "build")
    log["check-release"] = ok(root, "check-release")
    (tmp / "roster.csv").write_text(ROSTER)
    log["import"] = ok(root, "students", "import", str(tmp / "roster.csv"))
    log["release"] = ok(root, "release", "hw")

    xopt = f"--Exchange.root={root / 'exchange'}"
    homes = {s: tmp / f"home_{s}" for s in ("alice", "bob", "carol", "dan")}
    for s, home in homes.items():
        tc.finish(tc.nbgrader_student(home, "fetch_assignment", "hw", "--course", tc.COURSE_ID, xopt),
                  f"{s}: fetch_assignment")
    tc.answer(homes["alice"] / "hw" / "hw.ipynb", root)
    tc.answer(homes["bob"] / "hw" / "hw.ipynb", root)
    tc.answer(homes["carol"] / "hw" / "hw.ipynb", root, tc.BUG_MUL)  # her first try loses mul
    for s, home in homes.items():  # dan hands in the notebook as he fetched it
        tc.finish(tc.nbgrader_student(home, "submit", "hw", "--course", tc.COURSE_ID, xopt, "--student", s),
                  f"{s}: submit")
    tc.answer(homes["carol"] / "hw" / "hw.ipynb", root)
    tc.finish(tc.nbgrader_student(homes["carol"], "submit", "hw", "--course", tc.COURSE_ID, xopt,
                                  "--student", "carol"), "carol: second submit")

    log["collect"] = ok(root, "collect", "hw")
    log["grade"] = ok(root, "grade", "hw", "--workers", "2")
    log["feedback"] = ok(root, "feedback", "hw")
    release_feedback = subprocess.run([tc.NBGRADER, "release_feedback", "hw"], cwd=root,
                                      capture_output=True, text=True, timeout=300)
    assert release_feedback.returncode == 0, release_feedback.stdout + release_feedback.stderr
    log["fetch_feedback"] = tc.finish(tc.nbgrader_student(homes["bob"], "fetch_feedback", "hw", "--course",
                                                          tc.COURSE_ID, xopt, "--student", "bob"),
                                      "bob: fetch_feedback")
    log["export"] = ok(root, "export", "--out", "grades.csv")
    log["canvas"] = ok(root, "export", "--lms", "canvas")
    log["moodle"] = ok(root, "export", "--lms", "moodle")
    log["table"] = ok(root, "table")
    log["report"] = ok(root, "report")
    return {"root": root, "tmp": tmp, "homes": homes, "log": log}


def test_build_check_release_and_the_roster(term):
    log = term["log"]
    assert "generated release/hw" in log["build"] and "no solution or hidden test leaked" in log["build"], \
        log["build"]
    assert "release/ matches source/" in log["check-release"], log["check-release"]
    assert "imported 6 students" in log["import"] and "6 new" in log["import"], log["import"]
    listed = ok(term["root"], "students", "list")
    assert [line.split(",")[0] for line in listed.splitlines()[1:7]] == \
        ["alice", "bob", "carol", "dan", "eve", "fran"], listed
    assert "6 students in the gradebook" in listed


def test_release_prints_the_students_commands_and_the_due_date(term):
    out = term["log"]["release"]
    assert "released hw to" in out and "due: " in out and "10% of the score per started day late" in out, out
    assert f"nbgrader fetch_assignment hw --course {tc.COURSE_ID}" in out, out
    assert f"nbgrader submit hw --course {tc.COURSE_ID}" in out, out


def test_collect_takes_each_students_newest_and_names_the_late_and_the_missing(term):
    out = term["log"]["collect"]
    assert "4 new" in out, out
    assert "late: bob, 1.2" in out and "late: carol" in out and "late: dan" in out and "late: alice" not in out, out
    assert "no submission from 2 roster student(s): eve, fran" in out, out
    nb = nbformat.read(term["root"] / "submitted" / "carol" / "hw" / "hw.ipynb", as_version=4)
    mul = [c.source for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "mul"]
    assert mul and "return a * b" in mul[0], f"submitted/carol is not her newest submission: {mul}"


def test_grade_reports_every_submission(term):
    out = term["log"]["grade"]
    assert "4 submissions" in out and "4 graded" in out, out


def test_feedback_reaches_the_student(term):
    root = term["root"]
    assert "feedback/<student>/hw/ written" in term["log"]["feedback"]
    for student in ("alice", "bob", "carol", "dan"):
        assert (root / "feedback" / student / "hw" / "hw.html").is_file(), student
    fetched = list((term["homes"]["bob"] / "hw" / "feedback").glob("*/hw.html"))
    assert fetched, f"bob's fetch_feedback brought no page:\n{term['log']['fetch_feedback']}"
    page = fetched[0].read_text(encoding="utf-8")
    assert "BEGIN HIDDEN TESTS" not in page and "test_mul" in page


# (total, after penalty, status): alice on time by her extension, bob and carol 2 started
# days late (20% off), dan's untouched notebook 0, eve and fran never submitted.
EXPECTED = {"alice": (3, 3, "graded"), "bob": (3, 2.4, "graded"), "carol": (3, 2.4, "graded"),
            "dan": (0, 0, "graded"), "eve": (0, 0, "no submission"), "fran": (0, 0, "no submission")}


def test_export_has_every_roster_student_with_the_penalty(term):
    assert "wrote 6 rows to grades.csv" in term["log"]["export"], term["log"]["export"]
    rows = {r["student"]: r for r in _csv(term["root"] / "grades.csv")}
    found = {s: (float(r["total"]), float(r["total_after_penalty"]), r["status"]) for s, r in rows.items()}
    assert found == EXPECTED, found
    assert rows["eve"]["email"] == "eve@example.edu" and rows["eve"]["lms_user_id"] == "1005"


def test_lms_files_give_every_roster_student_the_total_after_penalty(term):
    root = term["root"]
    assert "exports/canvas-hw.csv: 6 students, 2 without a submission (0 points)" in term["log"]["canvas"]
    with open(root / "exports" / "canvas-hw.csv", newline="") as f:
        canvas = list(csv.reader(f))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "hw"]
    assert canvas[1][0] == "Points Possible" and canvas[1][5] == "3"
    assert {r[2]: float(r[5]) for r in canvas[2:]} == {s: e[1] for s, e in EXPECTED.items()}
    moodle = {r["ID number"]: r for r in _csv(root / "exports" / "moodle-hw.csv")}
    assert {s: float(r["hw"]) for s, r in moodle.items()} == {s: e[1] for s, e in EXPECTED.items()}
    assert moodle["eve"]["Feedback"] == "no submission"


def test_table_lists_the_graded_students(term):
    out = term["log"]["table"]
    for student in ("alice", "bob", "carol", "dan"):
        assert student in out, out
    assert "3/3" in out and "0/3" in out, out


def test_report_with_its_defaults(term):
    root = term["root"]
    assert "item analysis of 1 assignment(s)" in term["log"]["report"], term["log"]["report"]
    for page in ("index.html", "overview.png", "hw/index.html", "hw/scores.png", "hw/failures.png"):
        assert (root / "reports" / page).is_file(), page
    text = (root / "reports" / "hw" / "index.html").read_text(encoding="utf-8")
    assert "4 submissions, 4 with grades; mean 1.95" in text, "the report's mean after penalty: " \
        f"(3 + 2.4 + 2.4 + 0) / 4 = 1.95; the page says:\n{text[:1500]}"


def test_late_shows_the_policy_and_applies_a_change(term):
    root = term["root"]
    out = ok(root, "late")
    assert "late policy: 10% of the score per started day late" in out and "1 extension(s): alice" in out, out
    tc.add_config(root, 'c.LatePolicy.penalty = "zero"')
    out = ok(root, "late", "hw")
    assert "applied to 4 graded submission(s); 3 late:" in out, out
    assert re.search(r"bob: 1\.2\d days late, penalty 3, total after penalty 0\n", out), out
    tc.add_config(root, 'c.LatePolicy.penalty = "per_day"')
    out = ok(root, "late", "hw")
    assert re.search(r"carol: 1\.2\d days late, penalty 0\.6, total after penalty 2\.4\n", out), out


def test_collect_zip_then_grade_replaces_a_submission(term):
    """dan sends his corrected notebook through the LMS: a Canvas download, collected and
    graded again; Canvas names carry no time, so it is not late."""
    root, tmp = term["root"], term["tmp"]
    fixed = tmp / "dan_fixed.ipynb"
    fixed.write_bytes((root / "release" / "hw" / "hw.ipynb").read_bytes())
    tc.answer(fixed, root)
    with zipfile.ZipFile(tmp / "submissions.zip", "w") as z:
        z.write(fixed, "doedan_1004_5550002_hw.ipynb")
    out = ok(root, "collect-zip", "hw", str(tmp / "submissions.zip"))
    assert "wrote 1 notebook(s) for 1 student(s)" in out and "replaced an earlier submitted/ copy: dan" in out, out
    assert "next: python -m course grade hw" in out
    out = ok(root, "grade", "hw", "--students", "dan")
    assert "1 graded" in out, out
    rows = {r["student"]: r for r in _csv_export(root)}
    assert (rows["dan"]["total"], rows["dan"]["total_after_penalty"]) == ("3", "3"), rows["dan"]


def test_students_remove_then_the_export_leaves_them_out(term):
    root = term["root"]
    code, out = course(root, "students", "remove", "alice")
    assert code == 2 and "--force" in out, out
    out = ok(root, "students", "remove", "fran")
    assert "removed fran (no grades)" in out, out
    assert "fran" not in ok(root, "students", "list")
    assert "fran" not in {r["student"] for r in _csv_export(root)}


def _csv_export(root):
    ok(root, "export", "--out", "again.csv")
    return _csv(root / "again.csv")
