"""Mutation score of every assignment's hidden tests: the full run, not the CI sample.

    nice -n 10 .venv/bin/python bench/mutants.py [ASSIGNMENT ...] [--workers 2] [--out DIR]

For each assignment: every mutant of its solution regions (course.admin.authoring.mutate) run as the
autograder runs a submission (course.admin.authoring.mutants), then one line with the number of mutants,
killed, equivalent (listed in source/<A>/mutants_equivalent.txt), survivors, stale
entries, the score and the wall time. The whole report of each assignment (every mutant
with its diff) goes to DIR/<assignment>.txt (default /tmp/mutants-bench).

Measured with 2 workers on 2 cores shared with other work (load average about 15):
03_layers 169 mutants in 1848 s, 02_softmax 143 in 1593 s, about 11 s per mutant. Alone
on the machine a notebook runs in 3 to 9 s, so expect a third of that. The load average
is printed before and after.
With a mutant's run stopped at its first lost test cell (2026-12-06, 2 workers, load 8 to 15):
06_convolution 494 mutants, 9 equivalent, 485 killed in 1492 s, 3.1 s per mutant;
01_staged_backprop 248, 0, 248 in 395 s; 02_softmax 143, 2, 141 in 314 s; 03_layers 169, 3,
166 in 260 s; 04_digits_mlp 148, 7, 141 in 300 s; 05_normalization 320, 4, 316 in 469 s
(each score 100%, load 9 to 14).
"""

import argparse
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from course.admin.authoring import mutants  # noqa: E402
from course.admin.grading import pipeline


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=mutants.DEFAULT_TIMEOUT)
    parser.add_argument("--out", type=Path, default=Path("/tmp/mutants-bench"))
    args = parser.parse_args(argv)
    chosen = args.assignments or pipeline.assignments(REPO)
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"load average before: {os.getloadavg()[0]:.1f}; workers {args.workers}", flush=True)
    header = f"{'assignment':<22}{'mutants':>8}{'killed':>8}{'equiv':>7}{'survive':>9}{'stale':>7}{'score':>9}{'wall s':>9}"
    lines = []
    for assignment in chosen:
        report = mutants.measure(REPO, assignment, workers=args.workers, timeout=args.timeout)
        (args.out / f"{assignment}.txt").write_text(mutants.format_report(report) + "\n", encoding="utf-8")
        lines.append(f"{assignment:<22}{report.total:>8}{len(report.killed):>8}{len(report.equivalent):>7}"
                     f"{len(report.survivors):>9}{len(report.stale):>7}{100 * report.score:>8.1f}%"
                     f"{report.seconds:>9.0f}")
        print(header, *lines, sep="\n", flush=True)
        for o in report.survivors:
            print(f"  survivor {o.mutant.id}: {o.mutant.grade_id} line {o.mutant.line}", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}; reports in {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
