"""The tiny course for the distribution tests, and what the tests do with it.

The course itself (one assignment `hw` of two exercises, add: 1 point, mul: 2
points) is course.admin.authoring.tiny_course, which the benchmarks use too; here
it is released once per session with this repo's nbgrader_config.py and copied for
each test, so that grading it takes a second. This module adds what only the tests
need: students running nbgrader in their own HOME, and the CLI run in-process.

The course's real assignments are graded by the other tests; these tests are
about moving files between instructor and students, which the size of the
notebook does not change.
"""

import os
import subprocess
import sys
from pathlib import Path

from course.admin.authoring import tiny_course
# Re-exported: the tests reach the tiny course through this module.
from course.admin.authoring.tiny_course import (  # noqa: F401
    ASSIGNMENT, BUG_MUL, add_config, answer, copy_course)
from course.admin.authoring.tiny_course import nbgrader_cell as _cell  # noqa: F401

REPO = Path(__file__).resolve().parents[1]
NBGRADER = str(Path(sys.executable).parent / "nbgrader")
COURSE_ID = "backprop-from-scratch"


def make_template(folder):
    """The tiny course in `folder`, with this repo's nbgrader_config.py."""
    return tiny_course.make_template(folder, REPO)


def student_env(home):
    """Environment of a simulated student: their own HOME (nbgrader keeps its
    submission cache under it) and no course settings inherited from ours."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("COURSE_", "JUPYTER", "NBGRADER"))}
    env["HOME"] = str(home)
    return env


def nbgrader_student(home, *args):
    """Start `nbgrader ARGS` as a student would: from their home folder, with
    their HOME. Returns the process; finish() waits for it."""
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([NBGRADER, *args], cwd=home, env=student_env(home),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(proc, what):
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, f"{what} failed (exit {proc.returncode}):\n{out}"
    return out


_TEMPLATE = {}


def template(tmp_path_factory):
    """The released tiny course, made once per session (generation takes seconds)."""
    if "path" not in _TEMPLATE:
        _TEMPLATE["path"] = make_template(tmp_path_factory.mktemp("tiny") / "template")
    return _TEMPLATE["path"]


def run_cli(capsys, root, *args):
    """`python -m course --root ROOT ARGS` in this process; (exit code, stdout + stderr)."""
    from course.admin import cli

    capsys.readouterr()
    code = cli.main(["--root", str(root), *args])
    out = capsys.readouterr()
    return code, out.out + out.err
