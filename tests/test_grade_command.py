"""`python -m course grade` misused, and graded again: a clear error that changes nothing,
and a second run that grades only what changed (issue 23). On the tiny course."""

import json
import shutil
import sqlite3

import pytest

import hostile
import tiny_course as tc
from course.sandbox_kernel import host as sandbox


@pytest.fixture
def tiny(tmp_path_factory, tmp_path, monkeypatch):
    for name in ("COURSE_EXCHANGE", "COURSE_DB_URL"):
        monkeypatch.delenv(name, raising=False)
    return tc.copy_course(tc.template(tmp_path_factory), tmp_path / "course")


def gradebook_students(root):
    with sqlite3.connect(root / "gradebook.db") as con:
        return sorted(row[0] for row in con.execute("SELECT id FROM student"))


def test_an_unbuilt_assignment_is_refused_with_the_command_to_run(tiny, capsys):
    (tiny / "source" / "hw2").mkdir()
    shutil.copy2(tiny / "source" / "hw" / "hw.ipynb", tiny / "source" / "hw2" / "hw2.ipynb")
    folder = tiny / "submitted" / "alice" / "hw2"
    folder.mkdir(parents=True)
    shutil.copy2(tiny / "release" / "hw" / "hw.ipynb", folder / "hw2.ipynb")
    code, out = tc.run_cli(capsys, tiny, "grade", "hw2")
    assert code == 2 and "python -m course build hw2" in out, out
    assert "not graded" not in out, f"the students were blamed for a missing build:\n{out}"
    assert not (tiny / "grading" / "hw2.json").exists(), "a refused run wrote statuses"
    assert gradebook_students(tiny) == []


def test_an_unknown_student_id_is_an_error_naming_the_roster(tiny, capsys):
    hostile.write_tiny(tiny, "alice", hostile.answered_tiny(tiny))
    code, out = tc.run_cli(capsys, tiny, "grade", "hw", "--students", "s777")
    assert code == 2 and "'s777': not on the roster" in out and "students list" in out, out
    assert gradebook_students(tiny) == [], "a typo'd id entered the gradebook"
    assert not (tiny / "grading" / "hw.json").exists()


def test_zero_workers_is_an_error(tiny, capsys):
    with pytest.raises(SystemExit) as stop:
        tc.run_cli(capsys, tiny, "grade", "hw", "--workers", "0")
    assert stop.value.code == 2
    assert "--workers: 0 is not at least 1" in capsys.readouterr().err


def test_no_submissions_says_so(tiny, capsys):
    code, out = tc.run_cli(capsys, tiny, "grade", "hw")
    assert code == 1 and "No submissions of hw to grade" in out and "collect" in out, out


def _graded_times(root):
    return {p.parts[-3]: p.stat().st_mtime_ns for p in (root / "autograded").glob("*/hw/hw.ipynb")}


def test_a_second_run_grades_only_what_changed(tiny, capsys):
    if not sandbox.available()[0]:
        pytest.skip("needs the sandboxed kernel: " + sandbox.available()[1])
    hostile.write_tiny(tiny, "alice", hostile.answered_tiny(tiny))
    hostile.write_tiny(tiny, "bob", hostile.answered_tiny(tiny, tc.BUG_MUL))
    code, out = tc.run_cli(capsys, tiny, "grade", "hw")
    assert code == 0 and "2 submissions" in out, out
    first = _graded_times(tiny)
    statuses = json.loads((tiny / "grading" / "hw.json").read_text())

    code, out = tc.run_cli(capsys, tiny, "grade", "hw")
    assert code == 0 and "2 unchanged since their last grading" in out, out
    assert _graded_times(tiny) == first, "an unchanged submission was graded again"
    assert json.loads((tiny / "grading" / "hw.json").read_text()) == statuses

    hostile.write_tiny(tiny, "bob", hostile.answered_tiny(tiny))  # bob fixes mul and submits again
    code, out = tc.run_cli(capsys, tiny, "grade", "hw")
    assert code == 0 and "1 submissions" in out and "1 unchanged" in out, out
    again = _graded_times(tiny)
    assert again["alice"] == first["alice"] and again["bob"] != first["bob"], (first, again)
    from course.admin.results import grades
    assert {r["student"]: r["total"] for r in grades.scores(tiny, ["hw"])} == {"alice": 3.0, "bob": 3.0}

    tc.add_config(tiny, "c.Execute.timeout = 61")  # a configuration change grades everything again
    code, out = tc.run_cli(capsys, tiny, "grade", "hw")
    assert code == 0 and "2 submissions" in out and "unchanged" not in out, out

    code, out = tc.run_cli(capsys, tiny, "grade", "hw", "--force")
    assert code == 0 and "2 submissions" in out and "unchanged" not in out, out
