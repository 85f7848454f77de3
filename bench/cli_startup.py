"""How long `python -m course` takes to start: `--help`, a command's `--help`, an argument error.

    .venv/bin/python bench/cli_startup.py [--runs 5]

Each case runs as a fresh process (the instructor's experience: nothing cached in the
interpreter) from this repository's folder; it prints the median and the fastest of
``--runs`` wall-clock times in seconds, and the heavy modules the process imported
(nbgrader, numpy, matplotlib), which is what made commands slow to start.
"""

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("nbgrader", "numpy", "matplotlib", "nbformat", "sqlalchemy", "jupyter_client")
CASES = [
    ("--help", ["--help"]),
    ("grade --help", ["grade", "--help"]),
    ("an unknown command", ["grdae"]),
    ("a missing argument", ["grade"]),
]
PROBE = ("import runpy, sys\n"
         "sys.argv = ['course'] + sys.argv[1:]\n"
         "try:\n    runpy.run_module('course', run_name='__main__')\n"
         "except SystemExit:\n    pass\n"
         "heavy = sorted({m.split('.')[0] for m in sys.modules} & set(%r))\n"
         "print('HEAVY:', ','.join(heavy), file=sys.stderr)\n" % (HEAVY,))


def time_case(argv, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "course", *argv], cwd=REPO,
                       capture_output=True, text=True)
        times.append(time.perf_counter() - start)
    probe = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=REPO,
                           capture_output=True, text=True)
    heavy = [line for line in probe.stderr.splitlines() if line.startswith("HEAVY:")]
    return times, (heavy[-1][len("HEAVY:"):].strip() or "none") if heavy else "?"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"python -m course start-up, {args.runs} runs each (seconds)")
    print(f"{'case':<22} {'median':>7} {'fastest':>8}  heavy modules imported")
    for name, argv in CASES:
        times, heavy = time_case(argv, args.runs)
        print(f"{name:<22} {statistics.median(times):7.2f} {min(times):8.2f}  {heavy}")


if __name__ == "__main__":
    main()
