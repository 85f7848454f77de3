"""The instructor command line answers bad input with clear errors."""

import subprocess
import sys

import pytest

from conftest import REPO


def _run(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "course", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_help_lists_the_commands():
    out = _run("--help")
    assert out.returncode == 0
    for command in ("build", "check-release", "grade", "feedback", "export", "demo"):
        assert command in out.stdout


HEAVY = ("nbgrader", "nbformat", "nbclient", "numpy", "matplotlib", "sqlalchemy", "jupyter_client")
PROBE = """
import runpy, sys
sys.argv = ["course"] + sys.argv[1:]
try:
    runpy.run_module("course", run_name="__main__")
except SystemExit:
    pass
print("HEAVY:" + ",".join(sorted({m.split(".")[0] for m in sys.modules} & set(%r))), file=sys.stderr)
""" % (HEAVY,)


@pytest.mark.parametrize("args", [["--help"], ["grade", "--help"], ["grdae"], ["grade"], ["collect-zip"],
                                  ["late", "--help"], ["report", "--help"], ["export", "--help"],
                                  ["mutants", "--help"],
                                  ["students", "remove"]])
def test_help_and_argument_errors_import_nothing_heavy(args):
    """`--help` and a mistyped argument answer at once (issue 23, item 10): they import none
    of nbgrader, nbformat, nbclient, numpy, matplotlib (seconds each; bench/cli_startup.py times it)."""
    out = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    heavy = [line for line in out.stderr.splitlines() if line.startswith("HEAVY:")]
    assert heavy == ["HEAVY:"], f"python -m course {' '.join(args)} imported {heavy}:\n{out.stderr[-2000:]}"
    assert "usage: python -m course" in out.stdout + out.stderr, out.stdout + out.stderr


def test_the_help_listing_matches_each_modules_own_help():
    """cli lists the commands of other modules without importing them: the summaries it
    shows must be the ones each module registers when it is loaded."""
    from course.admin import cli

    listing = cli.build_parser([]).format_help()
    for name in cli.MODULE_COMMANDS:
        assert cli.build_parser([name]).format_help() == listing, \
            f"the summary of {name!r} in cli.MODULE_COMMANDS differs from its module's help"
    from course.admin.results import lms_export

    assert cli.LMS_LAYOUTS == lms_export.LAYOUTS


def test_unknown_assignment_is_a_clear_error():
    out = _run("grade", "99_nothing")
    assert out.returncode == 2
    assert "No assignment '99_nothing'" in out.stderr and "known:" in out.stderr


def test_outside_a_course_is_a_clear_error(tmp_path):
    out = _run("build", cwd=tmp_path)
    assert out.returncode == 2
    assert "No nbgrader_config.py found" in out.stderr


# -- misuse on a real (tiny) course: a clear error, a non-zero exit, nothing changed (issue 23) --
import hostile  # noqa: E402
import tiny_course as tc  # noqa: E402
from course.admin.course_dir import open_gradebook  # noqa: E402

ROSTER = "id,first_name,last_name,email\nalice,Alice,Ash,alice@example.edu\nbob,Bob,Birch,bob@example.edu\n"


@pytest.fixture
def tiny(tmp_path_factory, tmp_path, monkeypatch):
    for name in ("COURSE_EXCHANGE", "COURSE_DB_URL"):
        monkeypatch.delenv(name, raising=False)
    root = tc.copy_course(tc.template(tmp_path_factory), tmp_path / "course")
    (tmp_path / "roster.csv").write_text(ROSTER)
    return root


def _roster_ids(root):
    with open_gradebook(root) as gb:
        return sorted(s.id for s in gb.students)


def test_an_extension_for_an_id_not_on_the_roster_is_refused(tiny, tmp_path, capsys):
    code, out = tc.run_cli(capsys, tiny, "late", "hw")
    assert code == 0, out
    tc.add_config(tiny, 'c.LatePolicy.due_dates = {"hw": "2026-10-19 23:59 UTC"}\n'
                        'c.LatePolicy.extensions = {"hw": {"alice": 2}}')
    code, out = tc.run_cli(capsys, tiny, "late", "hw")
    assert code == 2 and "the roster is empty" in out and "students import" in out, out
    code, out = tc.run_cli(capsys, tiny, "students", "import", str(tmp_path / "roster.csv"))
    assert code == 0, out
    tc.add_config(tiny, 'c.LatePolicy.extensions = {"hw": {"alcie": 2}}')
    code, out = tc.run_cli(capsys, tiny, "late", "hw")
    assert code == 2, out
    assert "LatePolicy.extensions['hw']['alcie']: 'alcie' is not on the roster" in out, out
    assert "the roster has alice, bob" in out and "nothing was changed" in out, out
    with open_gradebook(tiny) as gb:
        assert gb.find_assignment("hw").duedate is None, "the refused `late` wrote the due date"
    tc.add_config(tiny, 'c.LatePolicy.extensions = {"hw": {"alice": 2}}')
    code, out = tc.run_cli(capsys, tiny, "late", "hw")
    assert code == 0 and "1 extension(s): alice" in out, out


def test_feedback_before_grading_says_to_grade_first(tiny, capsys):
    for args in (["feedback", "hw"], ["feedback"]):
        code, out = tc.run_cli(capsys, tiny, *args)
        assert code == 2, out
        assert "Grade first: python -m course grade" in out and "Traceback" not in out, out
    assert not (tiny / "feedback").exists()


def test_students_import_of_a_folder_says_it_is_a_folder(tiny, tmp_path, capsys):
    code, out = tc.run_cli(capsys, tiny, "students", "import", str(tmp_path))
    assert code == 2 and "is a folder, not a CSV file" in out, out
    assert _roster_ids(tiny) == []


def test_students_remove_refuses_grades_without_force(tiny, tmp_path, capsys):
    code, out = tc.run_cli(capsys, tiny, "students", "import", str(tmp_path / "roster.csv"))
    assert code == 0, out
    hostile.write_tiny(tiny, "alice", hostile.answered_tiny(tiny))
    code, out = tc.run_cli(capsys, tiny, "grade", "hw")
    assert code == 0 and "1 graded" in out, out

    code, out = tc.run_cli(capsys, tiny, "students", "remove", "bob", "alice")
    assert code == 2 and "alice: submissions of hw" in out and "--force" in out, out
    assert _roster_ids(tiny) == ["alice", "bob"], "a refused remove removed someone"
    code, out = tc.run_cli(capsys, tiny, "students", "remove", "bobby")
    assert code == 2 and "not in the gradebook: bobby" in out, out

    code, out = tc.run_cli(capsys, tiny, "students", "remove", "bob")
    assert code == 0 and "removed bob (no grades)" in out, out
    code, out = tc.run_cli(capsys, tiny, "students", "remove", "alice", "--force")
    assert code == 0 and "removed alice, with the grades of hw" in out, out
    assert _roster_ids(tiny) == []
    with open_gradebook(tiny) as gb:
        assert list(gb.assignment_submissions("hw")) == []
    assert (tiny / "submitted" / "alice" / "hw" / "hw.ipynb").is_file(), "files must stay"
