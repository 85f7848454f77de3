"""The CSV export and the printed table agree with the gradebook."""

import csv

from course import grades
from conftest import ASSIGNMENTS


def test_csv_has_one_row_per_student_and_assignment(graded, course_root, tmp_path):
    out = tmp_path / "grades.csv"
    n = grades.export_csv(course_root, out)
    with open(out, newline="") as f:
        table = list(csv.DictReader(f))
    assert n == len(table) == len(graded["rows"])
    keys = [(r["assignment"], r["student"]) for r in table]
    assert len(set(keys)) == len(keys), "duplicate rows"
    for r in table:
        row = graded["rows"][(r["assignment"], r["student"])]
        assert float(r["total"]) == row["total"]
        for gid, value in row["scores"].items():
            cell = r[f"{r['assignment']}/{gid}"]
            assert cell == ("" if value is None else f"{value:g}")


def test_csv_columns_cover_every_problem(graded, course_root, tmp_path):
    out = tmp_path / "grades.csv"
    grades.export_csv(course_root, out)
    header = next(csv.reader(open(out, newline="")))
    for assignment in ASSIGNMENTS:
        for gid, _ in grades.problems(course_root, assignment):
            assert f"{assignment}/{gid}" in header


def test_csv_quotes_awkward_values(graded, course_root, tmp_path):
    out = tmp_path / "grades.csv"
    (assignment, student), _ = next(iter(graded["rows"].items()))
    note = 'crashed, then "recovered"\nsecond line'
    grades.export_csv(course_root, out, extra_columns={(student, assignment): {"note": note}})
    table = list(csv.DictReader(open(out, newline="")))
    mine = [r for r in table if (r["assignment"], r["student"]) == (assignment, student)]
    assert mine[0]["note"] == note


def test_table_lists_every_student(graded):
    rows = list(graded["rows"].values())
    for assignment in ASSIGNMENTS:
        text = grades.table(rows, assignment)
        for (a, student) in graded["rows"]:
            if a == assignment:
                assert student in text
