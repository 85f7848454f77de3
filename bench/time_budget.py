"""What a notebook that sleeps in every cell costs a grading slot, with and without the time budget.

    .venv/bin/python bench/time_budget.py [--cells 6] [--sleep 5] [--budget 12] [--cell-timeout 60]

Builds a scratch copy of the tiny two-test course (course.admin.authoring.tiny_course) under a
temporary folder (never this repo's gradebook), with two submissions: the reference
answers, and the same answers with a cell that sleeps ``--sleep`` seconds after every
solution and test cell (the issue's case: "solution cells that each sleep"). Each is
graded by `python -m course grade` (one worker, sandboxed) once with the notebook time
budget off and once with ``--budget`` seconds; it prints each submission's seconds of
grading, its status and its score. Without a budget the sleeper costs about
cells x sleep seconds (bounded only by the per-cell timeout); with one, about the budget.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import nbformat  # noqa: E402

from course.admin.authoring import tiny_course as tiny  # noqa: E402


def sleeper(path, cells, seconds):
    """Insert a sleeping cell after each of the first `cells` solution and test cells."""
    nb = nbformat.read(path, as_version=4)
    out, added = [], 0
    for cell in nb.cells:
        out.append(cell)
        if cell.cell_type == "code" and added < cells:
            out.append(nbformat.v4.new_code_cell(f"import time\ntime.sleep({seconds})"))
            added += 1
    while added < cells:  # fewer cells than asked: sleep at the end
        out.append(nbformat.v4.new_code_cell(f"import time\ntime.sleep({seconds})"))
        added += 1
    nb.cells = out
    nbformat.write(nb, path)


def grade(root):
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "course", "--root", str(root), "grade", tiny.ASSIGNMENT],
                          capture_output=True, text=True)
    wall = time.monotonic() - t0
    if proc.returncode not in (0, 1):
        sys.exit(f"grade failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    statuses = json.loads((root / "grading" / f"{tiny.ASSIGNMENT}.json").read_text())
    seconds = {}
    for student in statuses:
        nb = nbformat.read(root / "autograded" / student / tiny.ASSIGNMENT / f"{tiny.ASSIGNMENT}.ipynb",
                           as_version=4)
        seconds[student] = nb.metadata.get("course_grading", {}).get("seconds")
    from course.admin.results import grades

    scores = {r["student"]: r["total"]
              for r in grades.scores(root, [tiny.ASSIGNMENT])}
    return wall, statuses, seconds, scores


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cells", type=int, default=6, help="sleeping cells in the sleeper's notebook")
    p.add_argument("--sleep", type=float, default=5, help="seconds each of them sleeps")
    p.add_argument("--budget", type=int, default=12, help="notebook time budget to compare with (s)")
    p.add_argument("--cell-timeout", type=int, default=60, help="per-cell timeout (s), as shipped")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="time-budget-bench-") as tmp:
        template = tiny.make_template(Path(tmp) / "template", REPO)
        rows = []
        for label, budget in (("no budget", 0), (f"budget {args.budget} s", args.budget)):
            root = tiny.copy_course(template, Path(tmp) / label.replace(" ", "-"))
            tiny.add_config(root, f"c.GuardedExecute.time_budget = {budget}\n"
                                  f"c.Execute.timeout = {args.cell_timeout}")
            for student in ("reference", "sleeper"):
                folder = root / "submitted" / student / tiny.ASSIGNMENT
                folder.mkdir(parents=True)
                path = folder / f"{tiny.ASSIGNMENT}.ipynb"
                nbformat.write(nbformat.read(root / "release" / tiny.ASSIGNMENT / path.name, as_version=4), path)
                tiny.answer(path, root)
                if student == "sleeper":
                    sleeper(path, args.cells, args.sleep)
            wall, statuses, seconds, scores = grade(root)
            for student in ("reference", "sleeper"):
                rows.append((label, student, seconds[student], statuses[student]["status"],
                             scores.get(student)))
            print(f"{label}: whole grade command {wall:.1f} s", flush=True)
    print(f"\nsleeper: {args.cells} cells of {args.sleep:g} s each; per-cell timeout {args.cell_timeout} s; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'run':<14} {'student':<10} {'cells s':>8}  {'status':<24} score/3")
    for label, student, secs, st, score in rows:
        print(f"{label:<14} {student:<10} {secs if secs is not None else float('nan'):8.1f}  {st:<24} {score}")
    print("cells s: wall clock of the notebook's cells (course_grading.seconds), kernel start excluded")


if __name__ == "__main__":
    main()
