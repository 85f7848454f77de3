"""Hostile and broken submissions, end to end through the real pipeline.

Nothing in the catalogue (tests/hostile.py) scores above its honest score,
every submission ends with a status, and no other student's grade changes.
"""

import json
import os
import shutil
import socket
import stat
import subprocess
import sys

import nbformat
import pytest

from course.admin.results import grades
from course.admin.grading import pipeline
from course.sandbox_kernel import host as sandbox
from course.admin.authoring import samples
import hostile
import tiny_course as tc
from conftest import REPO

# The fastest assignment to grade; every case is built from it.
ASSIGNMENT = "01_staged_backprop"
# Short enough to keep the suite fast, long enough for any honest cell (printing 100,000
# lines took over 5 s on a loaded 2-core machine running the suite on two workers).
CELL_TIMEOUT = 10
# Seconds a kernel may ignore the interrupt before it is stopped.
INTERRUPT_GRACE = 3


@pytest.fixture(scope="module")
def hostile_course(tmp_path_factory):
    if not (REPO / "source" / ASSIGNMENT).is_dir():
        pytest.skip(f"{ASSIGNMENT} is not in source/")
    root = tmp_path_factory.mktemp("hostile")
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(REPO / "source" / ASSIGNMENT, root / "source" / ASSIGNMENT)
    pipeline.generate(root, ASSIGNMENT)
    overrides = {"Execute": {"timeout": CELL_TIMEOUT},
                 "GuardedExecute": {"interrupt_grace": INTERRUPT_GRACE}}

    # An honest classmate, graded before and after the hostile batch.
    samples.write_submission(root, ASSIGNMENT, "classmate",
                             samples.submission_notebooks(root, ASSIGNMENT))
    before = pipeline.autograde_one(root, ASSIGNMENT, "classmate", overrides)
    classmate_before = _row(root, "classmate")

    students = {case["name"]: hostile.write_case(root, ASSIGNMENT, case) for case in hostile.CASES}
    students["broken-json"] = hostile.write_broken_json(root, ASSIGNMENT)
    results = {name: pipeline.autograde_one(root, ASSIGNMENT, student, overrides)
               for name, student in students.items()}
    rows = {r["student"]: r for r in grades.scores(root, [ASSIGNMENT])}
    return {"root": root, "results": results, "rows": rows, "students": students,
            "classmate_before": classmate_before, "classmate_result": before}


def _row(root, student):
    return next(r for r in grades.scores(root, [ASSIGNMENT]) if r["student"] == student)


def _full(root):
    return sum(m for _, m in grades.problems(root, ASSIGNMENT))


@pytest.mark.parametrize("case", hostile.CASES, ids=[c["name"] for c in hostile.CASES])
def test_case_scores_no_more_than_honest(hostile_course, case):
    if case.get("sandbox") and not sandbox.available()[0]:
        pytest.skip("needs the sandboxed kernel: " + sandbox.available()[1])
    root = hostile_course["root"]
    result = hostile_course["results"][case["name"]]
    student = hostile_course["students"][case["name"]]
    row = hostile_course["rows"].get(student)
    honest = _full(root) if case["honest"] == "reference" else 0
    total = row["total"] if row else 0
    detail = f"status {result.status}, notes {result.notes}, scores {row and row['scores']}"
    assert total <= honest, f"{case['name']} scored {total}, above its honest {honest}: {detail}"
    if case["exact"]:
        assert total == honest, f"{case['name']} scored {total}, expected {honest}: {detail}"
    assert result.status in case["status"], f"{case['name']}: {detail}"


def test_broken_json_is_not_graded_and_says_why(hostile_course):
    result = hostile_course["results"]["broken-json"]
    assert result.status == "not graded"
    assert any("not a readable notebook" in n for n in result.notes), result.notes


def test_huge_output_is_capped(hostile_course):
    root = hostile_course["root"]
    for name in ("10mb-line", "100k-lines"):
        size = hostile.autograded_size(root, ASSIGNMENT, hostile_course["students"][name])
        assert size < 2_000_000, f"{name}: the autograded notebook is {size} bytes"


def test_classmate_grade_unchanged(hostile_course):
    root = hostile_course["root"]
    after = _row(root, "classmate")
    assert after["scores"] == hostile_course["classmate_before"]["scores"]
    assert after["total"] == _full(root)


def test_regrading_is_deterministic(hostile_course):
    root = hostile_course["root"]
    totals = []
    for _ in range(3):
        pipeline.autograde_one(root, ASSIGNMENT, "classmate")
        totals.append(_row(root, "classmate")["scores"])
    assert totals[0] == totals[1] == totals[2]


def test_failed_regrade_leaves_no_stale_score(hostile_course):
    root = hostile_course["root"]
    samples.write_submission(root, ASSIGNMENT, "regraded", samples.submission_notebooks(root, ASSIGNMENT))
    assert pipeline.autograde_one(root, ASSIGNMENT, "regraded").status == "graded"
    assert _row(root, "regraded")["total"] == _full(root)
    for path in (root / "submitted" / "regraded" / ASSIGNMENT).glob("*.ipynb"):
        path.write_text("{ not json")
    result = pipeline.autograde_one(root, ASSIGNMENT, "regraded")
    assert result.status == "not graded"
    assert not [r for r in grades.scores(root, [ASSIGNMENT]) if r["student"] == "regraded"], \
        "the old score of a failed regrade is still in the gradebook"



# -- What surrounds the kernel (issue 16): the tiny course, through the real commands ----------
TINY_FULL = 3.0  # add (1) + mul (2)


@pytest.fixture
def tiny(tmp_path_factory, tmp_path, monkeypatch):
    for name in ("COURSE_EXCHANGE", "COURSE_DB_URL"):
        monkeypatch.delenv(name, raising=False)
    return tc.copy_course(tc.template(tmp_path_factory), tmp_path / "course")


def course_cmd(root, *args, timeout=600):
    """`python -m course --root ROOT ARGS` in a fresh process, killed after `timeout`
    seconds (a grader that blocks on a named pipe must fail the test, not hang it)."""
    out = subprocess.run([sys.executable, "-m", "course", "--root", str(root), *args],
                         capture_output=True, text=True, timeout=timeout)
    return out.returncode, out.stdout + out.stderr


def _statuses(root):
    return json.loads((root / "grading" / "hw.json").read_text())


def _totals(root):
    return {r["student"]: r["total"] for r in grades.scores(root, ["hw"])}


def test_links_pipes_devices_and_unsafe_names_are_set_aside_unread(tiny):
    root = tiny
    hostile.write_tiny(root, "alice", hostile.answered_tiny(root))
    folder = hostile.write_tiny(root, "mallory", hostile.answered_tiny(root))
    os.symlink("/etc/passwd", folder / "passwd.txt")
    os.symlink(root / "gradebook.db", folder / "grades.db")
    os.symlink(root / "source" / "hw", folder / "solutions")          # a folder link
    (folder / "data").mkdir()
    os.symlink(root / "source" / "hw" / "hw.ipynb", folder / "data" / "answers.ipynb")  # nested
    os.mkfifo(folder / "pipe")                                          # reading it blocks forever
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(folder / "sock"))
    devices = os.geteuid() == 0
    if devices:
        os.mknod(folder / "null", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    (folder / "=HYPERLINK(1).txt").write_text("x")
    (folder / "<img src=x onerror=alert(1)>.txt").write_text("x")
    # the notebook itself a link to the solved source notebook (scored 19/19 before)
    linked = root / "submitted" / "copycat" / "hw"
    linked.mkdir(parents=True)
    os.symlink(root / "source" / "hw" / "hw.ipynb", linked / "hw.ipynb")
    # the only notebook under a name with a quote: set aside, still graded as the notebook
    odd = hostile.write_tiny(root, "jane", hostile.answered_tiny(root))
    (odd / "hw.ipynb").rename(odd / "Jane's hw.ipynb")
    # the assignment folder a link to source/hw
    (root / "submitted" / "folderlink").mkdir()
    os.symlink(root / "source" / "hw", root / "submitted" / "folderlink" / "hw")

    code, out = course_cmd(root, "grade", "hw")
    sock.close()
    assert code == 0, out
    st, totals = _statuses(root), _totals(root)
    assert st["alice"]["status"] == "graded" and totals["alice"] == TINY_FULL, (st["alice"], totals)

    mallory = st["mallory"]
    notes = "\n".join(mallory["notes"])
    assert mallory["status"] == "flagged" and totals["mallory"] == TINY_FULL, (mallory, totals)
    expected = ["'passwd.txt' (symbolic link to '/etc/passwd')", "'grades.db' (symbolic link to",
                "'solutions' (symbolic link to", "'data/answers.ipynb' (symbolic link to",
                "'pipe' (named pipe)", "'sock' (socket)"] + (["'null' (device file)"] if devices else [])
    for text in expected:
        assert text in notes, f"{text!r} missing from mallory's notes:\n{notes}"
    assert "unsafe names: '<img src=x onerror=alert(1)>.txt', '=HYPERLINK(1).txt'" in notes, notes
    graded = root / "autograded" / "mallory" / "hw"
    copied = sorted(str(p.relative_to(graded)) for p in graded.rglob("*") if not p.is_dir() or p.is_symlink())
    assert copied == ["hw.ipynb"], f"autograded/ got more than the notebook: {copied}"
    aside = root / "submitted" / "mallory" / ".set-aside-hw"
    assert (aside / "passwd.txt").is_symlink() and stat.S_ISFIFO(os.lstat(aside / "pipe").st_mode)

    assert st["copycat"]["status"] == "not graded", st["copycat"]
    assert any("hw.ipynb is not a regular file (symbolic link to" in n and "not graded" in n
               for n in st["copycat"]["notes"]), st["copycat"]
    assert st["folderlink"]["status"] == "not graded", st["folderlink"]
    assert "submitted/folderlink/hw is a symbolic link" in "\n".join(st["folderlink"]["notes"])
    assert "copycat" not in totals and "folderlink" not in totals, totals
    jane = st["jane"]
    assert jane["status"] == "graded" and totals["jane"] == TINY_FULL, (jane, totals)
    assert "notebook \"Jane's hw.ipynb\" graded as 'hw.ipynb' (wrong name)" in jane["notes"], jane

    code, out = course_cmd(root, "feedback", "hw")
    assert code == 0, out
    sent = sorted(p.name for p in (root / "feedback" / "mallory" / "hw").rglob("*"))
    assert sent == ["hw.html"], sent


def test_damaged_notebooks_are_mended_and_graded_in_full(tiny):
    root = tiny
    good = hostile.answered_tiny(root)
    cases = {
        "dup-test": (hostile.duplicate_test(good), None,
                     "grade id 'test_add' was on 2 cells: kept the first, dropped 1"),
        "dup-solution": (hostile.duplicate_solution(good), None,
                         "grade id 'add' was on 2 solution cells: the first is graded, the later 1"),
        "test-above": (hostile.move_test_above_solution(good), None,
                       "test 'test_add' was above 'add', which it needs: moved below it"),
        "test-markdown": (hostile.turn_test_into_markdown(good), None,
                          "cell 'test_mul' was changed from code to markdown: graded as code"),
        "foreign-cell": (hostile.foreign_metadata(good), None,
                         "grade id this assignment does not have ('cell-from-elsewhere')"),
        "nbformat-5.0": (None, hostile.nbformat_version(good, 5, 0),
                         "nbformat 5.0 is newer than this grader knows: read as 4."),
        "nbformat-4.99": (None, hostile.nbformat_version(good, 4, 99),
                          "nbformat 4.99 is newer than this grader knows: read as 4."),
    }
    for student, (nb, text, _) in cases.items():
        hostile.write_tiny(root, student, nb, text)
    # a moved test must still catch a bug: mending never hands out points
    hostile.write_tiny(root, "test-above-buggy",
                       hostile.move_test_above_solution(hostile.answered_tiny(root, tc.BUG_MUL)))
    code, out = course_cmd(root, "grade", "hw")
    assert code == 0, out
    st, totals = _statuses(root), _totals(root)
    for student, (_, _, note) in cases.items():
        detail = f"{student}: {st[student]}, total {totals.get(student)}"
        assert st[student]["status"] == "graded", detail
        assert totals.get(student) == TINY_FULL, detail
        assert any(note in n for n in st[student]["notes"]), detail
    assert totals["test-above-buggy"] == 1.0, (st["test-above-buggy"], totals)

    # grading the mended file again says the same (the student's file is kept aside)
    kept = root / "submitted" / "dup-test" / ".set-aside-hw" / "original" / "hw.ipynb"
    assert kept.is_file()
    code, out = course_cmd(root, "grade", "hw", "--students", "dup-test")
    assert code == 0, out
    assert _statuses(root)["dup-test"]["notes"] == st["dup-test"]["notes"]


def test_huge_notebooks_are_refused_before_any_kernel(tiny):
    root = tiny
    many = hostile.answered_tiny(root)
    many.cells += [nbformat.v4.new_code_cell("pass") for _ in range(5000)]
    hostile.write_tiny(root, "many-cells", many)
    folder = hostile.write_tiny(root, "huge-file", hostile.answered_tiny(root))
    with open(folder / "hw.ipynb", "a") as f:  # 25 MB of trailing blanks: valid JSON
        f.write(" " * 25_000_000)
    tc.add_config(root, "c.SubmissionLimits.max_cells = 500")
    code, out = course_cmd(root, "grade", "hw")
    assert code == 0, out
    st = _statuses(root)
    assert st["many-cells"]["status"] == "not graded", st
    assert any("5005 cells, over the limit of 500 (SubmissionLimits.max_cells)" in n
               and "no kernel started" in n for n in st["many-cells"]["notes"]), st["many-cells"]
    assert st["huge-file"]["status"] == "not graded", st
    assert any("25.0 MB, over the 20 MB limit" in n for n in st["huge-file"]["notes"]), st["huge-file"]
    for student in ("many-cells", "huge-file"):
        assert not (root / "autograded" / student).exists(), f"{student}: a kernel ran"



