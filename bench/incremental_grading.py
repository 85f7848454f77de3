"""What incremental grading saves: a second run with nothing new, and one new submission among many.

    .venv/bin/python bench/incremental_grading.py [--students 20] [--workers 1]

Builds a scratch copy of the tiny two-test course (course.admin.authoring.tiny_course) under
a temporary folder (never this repo's gradebook) with ``--students`` submissions of the
reference answers, and times `python -m course grade` (sandboxed, as an instructor runs it):

1. the first run, which grades every submission;
2. a second run with nothing new (every submission is skipped);
3. a run after one student submitted again among them (only that one is graded);
4. the same with ``--force``, which grades every submission again: what every run cost
   before grading was incremental.

Each figure is the command's wall time, start-up included; the start-up alone (the same
command on an assignment that does not exist, which stops after the imports and the
configuration) is printed first, so that what grading itself costs can be read off.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import nbformat  # noqa: E402

from course.admin.authoring import tiny_course as tiny  # noqa: E402


def grade(root, *extra):
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "course", "--root", str(root), "grade", tiny.ASSIGNMENT,
                           *extra], capture_output=True, text=True)
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        sys.exit(f"grade failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return wall, proc.stdout.strip().splitlines()


def submit(root, student):
    folder = root / "submitted" / student / tiny.ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{tiny.ASSIGNMENT}.ipynb"
    nbformat.write(nbformat.read(root / "release" / tiny.ASSIGNMENT / path.name, as_version=4), path)
    tiny.answer(path, root)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="incremental-") as tmp:
        root = tiny.make_template(Path(tmp) / "course", REPO)
        students = [f"s{i:03d}" for i in range(args.students)]
        for student in students:
            submit(root, student)
        workers = ["--workers", str(args.workers)]
        runs = [("first run, every submission graded", ())]
        runs += [("second run, nothing new", ())]
        runs += [("one new submission among them", ("resubmit",))]
        runs += [("--force: every submission graded again", ("--force",))]
        print(f"tiny course, {args.students} submissions, {args.workers} worker(s), sandboxed:")
        t0 = time.monotonic()
        subprocess.run([sys.executable, "-m", "course", "--root", str(root), "grade", "no-such-assignment"],
                       capture_output=True, text=True)
        print(f"  {'start-up alone (imports, configuration)':42s} {time.monotonic() - t0:6.1f} s")
        for label, extra in runs:
            if "resubmit" in extra:
                submit(root, students[len(students) // 2])
                nb = root / "submitted" / students[len(students) // 2] / tiny.ASSIGNMENT / "hw.ipynb"
                nb.write_text(nb.read_text() + "\n")  # a new copy of the same work: new bytes
                extra = ()
            wall, lines = grade(root, *workers, *extra)
            print(f"  {label:42s} {wall:6.1f} s   | {lines[0] if lines else ''}")
            for line in lines[1:]:
                if "unchanged" in line:
                    print(f"  {'':42s}          | {line.strip()[:90]}")


if __name__ == "__main__":
    main()
