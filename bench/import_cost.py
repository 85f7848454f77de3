"""What importing the notebook tools costs a fresh process, in CPU seconds.

    .venv/bin/python bench/import_cost.py [--runs 5]

Every nbgrader and `python -m course` command, every grading worker process and
JupyterLab import nbformat, whose validator imports jsonschema's format checkers. From
jsonschema 4.25 those import rfc3987-syntax, which builds 38 parsers on import (about 0.9
CPU-s); requirements.txt holds jsonschema at 4.24.1 for that reason. Prints the median
CPU time of each import in a fresh process, whether the grammar package was imported,
and the wall time of `nbgrader --version`.
"""

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

CASES = ["nbformat.validator", "jsonschema", "nbgrader.apps"]
PROBE = ("import resource, sys, time\n"
         "import {module}\n"
         "used = resource.getrusage(resource.RUSAGE_SELF)\n"
         "print(used.ru_utime + used.ru_stime, 'rfc3987_syntax' in sys.modules)\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"import cost in a fresh process, median of {args.runs} (CPU seconds, start-up included)")
    for module in ["sys"] + CASES:
        runs = [subprocess.run([sys.executable, "-c", PROBE.format(module=module)], capture_output=True,
                               text=True, check=True).stdout.split() for _ in range(args.runs)]
        cpu = statistics.median(float(r[0]) for r in runs)
        print(f"  {module:<20} {cpu:6.2f}   rfc3987_syntax imported: {runs[0][1]}")
    nbgrader = str(Path(sys.executable).parent / "nbgrader")
    walls = []
    for _ in range(args.runs):
        start = time.perf_counter()
        subprocess.run([nbgrader, "--version"], capture_output=True, check=True)
        walls.append(time.perf_counter() - start)
    print(f"  nbgrader --version   {statistics.median(walls):6.2f} s wall")


if __name__ == "__main__":
    main()
