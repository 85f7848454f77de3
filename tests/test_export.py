"""The CSV export and the printed table agree with the gradebook."""

import csv
import subprocess
import sys

import pytest

import hostile
import tiny_course as tc
from course.admin.results import grades
from conftest import SHOWCASE


@pytest.fixture
def graded(real_course):
    """(course root, {(assignment, student): score row}) once SHOWCASE is graded; the rows are
    the gradebook's, whichever other assignments this worker graded before."""
    real_course.graded(SHOWCASE)
    return real_course.root, {(r["assignment"], r["student"]): r for r in grades.scores(real_course.root)}


def test_csv_has_one_row_per_student_and_assignment(graded, tmp_path):
    course_root, rows = graded
    out = tmp_path / "grades.csv"
    n = grades.export_csv(course_root, out)
    with open(out, newline="") as f:
        table = list(csv.DictReader(f))
    assert n == len(table) == len(rows)
    keys = [(r["assignment"], r["student"]) for r in table]
    assert len(set(keys)) == len(keys), "duplicate rows"
    for r in table:
        row = rows[(r["assignment"], r["student"])]
        assert float(r["total"]) == row["total"]
        for gid, value in row["scores"].items():
            cell = r[f"{r['assignment']}/{gid}"]
            assert cell == ("" if value is None else f"{value:g}")


def test_csv_columns_cover_every_problem(graded, tmp_path):
    course_root, rows = graded
    out = tmp_path / "grades.csv"
    grades.export_csv(course_root, out)
    header = next(csv.reader(open(out, newline="")))
    for assignment in sorted({a for a, _ in rows}):
        for gid, _ in grades.problems(course_root, assignment):
            assert f"{assignment}/{gid}" in header


def test_csv_quotes_awkward_values(graded, tmp_path):
    course_root, rows = graded
    out = tmp_path / "grades.csv"
    (assignment, student), _ = next(iter(rows.items()))
    note = 'crashed, then "recovered"\nsecond line'
    grades.export_csv(course_root, out, extra_columns={(student, assignment): {"note": note}})
    table = list(csv.DictReader(open(out, newline="")))
    mine = [r for r in table if (r["assignment"], r["student"]) == (assignment, student)]
    assert mine[0]["note"] == note


def test_table_lists_every_student(graded):
    _, rows = graded
    for assignment in sorted({a for a, _ in rows}):
        text = grades.table(list(rows.values()), assignment)
        for (a, student) in rows:
            if a == assignment:
                assert student in text


# -- CSV injection (issue 16): ids that a spreadsheet would run, through grade and export ---------
FORMULA_IDS = ["=SUM(1,2)", "+SUM(1,2)", "-SUM(1,2)", "@SUM(1,2)", "\tSUM(1,2)", "\rSUM(1,2)"]


@pytest.fixture
def tiny(tmp_path_factory, tmp_path, monkeypatch):
    for name in ("COURSE_EXCHANGE", "COURSE_DB_URL"):
        monkeypatch.delenv(name, raising=False)
    return tc.copy_course(tc.template(tmp_path_factory), tmp_path / "course")


def _cmd(root, *args):
    out = subprocess.run([sys.executable, "-m", "course", "--root", str(root), *args],
                         capture_output=True, text=True, timeout=600)
    return out.returncode, out.stdout + out.stderr


def test_ids_that_read_as_formulas_are_not_graded_and_export_as_text(tiny, tmp_path):
    root = tiny
    hostile.write_tiny(root, "alice", hostile.answered_tiny(root))
    for student in FORMULA_IDS:
        hostile.write_tiny(root, student, hostile.answered_tiny(root))
    code, out = _cmd(root, "grade", "hw")
    assert code == 0, out
    code, out = _cmd(root, "export", "--out", str(tmp_path / "grades.csv"))
    assert code == 0, out
    with open(tmp_path / "grades.csv", newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    rows = {r[0]: dict(zip(table[0], r)) for r in table[1:]}
    for student in FORMULA_IDS:
        row = rows.get("'" + student)
        assert row, f"no row for {student!r} starting with a quote: {sorted(rows)}"
        assert row["status"] == "not graded", row
        assert "is not a valid id" in row["notes"] and row["total"] == "", row
    assert rows["alice"]["total"] == "3" and rows["alice"]["status"] == "graded", rows["alice"]
    # no cell anywhere starts like a formula, unless it is a plain number
    for r in table:
        for cell in r:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                float(cell)  # raises for text: the cell would run as a formula


def test_csv_safe_leaves_numbers_and_plain_text_alone():
    assert [grades.csv_safe(v) for v in ["-0.5", "+1", "1e-3", "alice", "", "=1+1", "-x", "@a", "\t1"]] \
        == ["-0.5", "+1", "1e-3", "alice", "", "'=1+1", "'-x", "'@a", "'\t1"]
