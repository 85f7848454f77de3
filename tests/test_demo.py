"""`python -m course demo` and `report` with their defaults, as the README shows them.

Both crashed on main once (a stale import string in demo, an undefined name in report)
because no test ran them. Here they run end to end, as subprocesses, on the tiny course:
the same code path as on the real course, in seconds.
"""

import csv
import subprocess
import sys

import pytest

import tiny_course

pytestmark = pytest.mark.e2e


def _course(*args, root):
    return subprocess.run([sys.executable, "-m", "course", *args], cwd=root,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    root = tiny_course.copy_course(tiny_course.template(tmp_path_factory),
                                   tmp_path_factory.mktemp("demo") / "course")
    return root, _course("demo", "--workers", "1", root=root)


def test_demo_runs_every_step_and_exits_0(demo_run):
    root, out = demo_run
    assert out.returncode == 0, f"demo failed (exit {out.returncode}):\n{out.stdout}\n{out.stderr}"
    steps = [line[3:] for line in out.stdout.splitlines() if line.startswith("== ")]
    assert steps == ["build", "samples", f"grade {tiny_course.ASSIGNMENT}", "feedback", "export",
                     "table", "report"], out.stdout
    with open(root / "grades.csv", newline="") as f:
        totals = {row["student"]: float(row["total"]) for row in csv.DictReader(f)}
    assert totals == {"reference": 3.0, "untouched": 0.0}, totals
    assert (root / "reports" / "index.html").is_file()
    assert (root / "reports" / tiny_course.ASSIGNMENT / "index.html").is_file()
    assert list((root / "feedback" / "reference" / tiny_course.ASSIGNMENT).glob("*.html"))


def test_report_with_its_defaults_writes_every_page(demo_run):
    root, _ = demo_run
    (root / "reports" / "index.html").unlink()
    out = _course("report", root=root)
    assert out.returncode == 0, f"report failed (exit {out.returncode}):\n{out.stdout}\n{out.stderr}"
    assert "item analysis of 1 assignment(s)" in out.stdout, out.stdout
    assert (root / "reports" / "index.html").is_file()
