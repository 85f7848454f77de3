"""What stopping a mutant's run at its first lost test cell saves (course.admin.authoring.mutants).

    nice -n 19 .venv/bin/python bench/mutants_early_stop.py [ASSIGNMENT] [--max 24] [--seed 0] [--workers 2]

Runs the same fixed sample of mutants twice, every cell run (stop_early=False, as before the
early stop) and stopped early (the default), and prints for each: the load average before and
after, wall seconds per mutant, the mean code cells run per mutant and the verdicts, which
must be the same. Wall seconds depend on the load (the 2 cores here are shared); the cells
run do not.

Measured on 06_convolution, --max 24 --seed 0, 2 workers (2026-12-06, 2 shared cores): every
cell 2.8 s and 39.0 code cells per mutant (load 4.6 to 5.9), stopped early 2.8 s and 22.4
cells (load 5.9 to 8.9); the same 24 verdicts. The cells saved are cheap ones: a whole
reference run of 06 took 5.7 s, of which 3.7 s in its cells and 1 s loading the digits, so the
kernel's start and the setup cells every mutant runs weigh as much as the tests it skips.
"""

import argparse
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from course.admin.authoring import mutants  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment", nargs="?", default="06_convolution")
    parser.add_argument("--max", type=int, default=24)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    verdicts = {}
    print(f"{args.assignment}, --max {args.max} --seed {args.seed}, {args.workers} workers", flush=True)
    print(f"{'run':<14}{'mutants':>8}{'killed':>8}{'s/mutant':>10}{'cells/mutant':>14}{'load before':>13}{'after':>7}")
    for stop in (False, True):
        load = os.getloadavg()[0]
        report = mutants.measure(REPO, args.assignment, max_count=args.max, seed=args.seed,
                                 workers=args.workers, progress=False, stop_early=stop)
        n = len(report.outcomes)
        cells = sum(o.cells_run for o in report.outcomes) / n
        print(f"{'stopped early' if stop else 'every cell':<14}{n:>8}{len(report.killed):>8}"
              f"{report.seconds / n:>10.1f}{cells:>14.1f}{load:>13.1f}{os.getloadavg()[0]:>7.1f}",
              flush=True)
        verdicts[stop] = {o.mutant.id: o.killed for o in report.outcomes}
    same = verdicts[True] == verdicts[False]
    print("verdicts: the same" if same else "verdicts DIFFER: the early stop is wrong")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
