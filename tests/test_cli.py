"""The instructor command line answers bad input with clear errors."""

import subprocess
import sys

from conftest import REPO


def _run(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "course", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_help_lists_the_commands():
    out = _run("--help")
    assert out.returncode == 0
    for command in ("build", "check-release", "grade", "feedback", "export", "demo"):
        assert command in out.stdout


def test_unknown_assignment_is_a_clear_error():
    out = _run("grade", "99_nothing")
    assert out.returncode == 2
    assert "No assignment '99_nothing'" in out.stderr and "known:" in out.stderr


def test_outside_a_course_is_a_clear_error(tmp_path):
    out = _run("build", cwd=tmp_path)
    assert out.returncode == 2
    assert "No nbgrader_config.py found" in out.stderr
