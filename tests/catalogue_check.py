"""Check a bug catalogue end to end, for authors: python tests/catalogue_check.py ASSIGNMENT.

    python tests/catalogue_check.py 02_softmax [--only NAME ...] [--no-validate] [-v] [--keep DIR]

Builds a scratch course from the current source/ and catalogues/, autogrades the
reference, each variant and each bug, validates each as a student would, and
prints one line per sample. Exit status 1 when anything disagrees with the catalogue.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import catalogue_runs  # noqa: E402


def check(root, assignment, only, workers, validate, verbose):
    cat = catalogue_runs.catalogue(root, assignment)
    out = catalogue_runs.run(root, assignment, only, workers, validate)
    bugs = {f"bug-{b['name']}": b for b in cat["BUGS"]}
    cells = catalogue_runs.test_cells(root, assignment)
    problems = 0
    missing_map = [c for c in cells if c not in cat["EXERCISES"]]
    if missing_map:
        problems += 1
        print(f"EXERCISES lacks test cells: {missing_map}")
    caught = 0
    for student, kind, _edits, _loses in out["rows"]:
        lost = out["lost"].get(student, set())
        seen = out["visible"].get(student, {})
        result = out["results"][student]
        line, bad = [], False
        if kind in ("reference", "variant"):
            bad = bool(lost) or (validate and bool(seen))
            line.append(f"lost {sorted(lost) or 'nothing'}")
            if validate:
                line.append(f"validate {'FAILS ' + str(sorted(seen)) if seen else 'Success'}")
        elif kind == "untouched":
            bad = not validate or not seen
            line.append("validate fails" if seen else "validate PASSES an untouched notebook")
            bad = bool(validate and not seen)
        else:
            bug = bugs[student]
            expected = set(bug["loses"])
            extra, missed = sorted(lost - expected), sorted(expected - lost)
            outside = catalogue_runs.own_exercise_violations(cat, bug)
            line.append(f"loses {sorted(lost)}")
            if extra:
                line.append(f"UNEXPECTED {extra}")
            if missed:
                line.append(f"KEPT POINTS IN {missed}")
            if outside:
                line.append(f"OUTSIDE OWN EXERCISE {outside}")
            bad = bool(extra or missed or outside)
            if validate:
                flag = bug.get("visible")
                caught += bool(seen)
                line.append(f"visible: {'caught by ' + str(sorted(seen)) if seen else 'not caught'}")
                if flag is None or flag != bool(seen):
                    line.append(f"VISIBLE FLAG {flag!r} IS WRONG")
                    bad = True
                stray = catalogue_runs.stray_visible_failures(bug, seen)
                if stray:
                    line.append(f"VISIBLE FAILURES {stray} DO NOT SAY WHAT TO FIX FIRST")
                    bad = True
        if result.status != "graded" and kind != "untouched":
            line.append(f"status {result.status}: {result.notes}")
        problems += bad
        print(f"{'FAIL' if bad else 'ok  '} {student}: " + "; ".join(line))
        if verbose or (bad and kind in ("reference", "variant")):
            for gid, message in seen.items():
                print(f"       {gid}: " + message.strip().replace("\n", "\n       ")[-1500:])
    n_bugs = sum(1 for r in out["rows"] if r[1] == "bug")
    if validate and n_bugs:
        print(f"visible tests catch {caught} of {n_bugs} bugs ({caught / n_bugs:.0%})")
    print(f"{problems} problem(s)")
    return 1 if problems else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment")
    parser.add_argument("--only", nargs="*", help="bug or variant names (the reference always runs)")
    parser.add_argument("--no-validate", dest="validate", action="store_false")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", help="build the scratch course in this folder and keep it")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every validate message")
    parser.add_argument("--sandbox", action="store_true",
                        help="grade in the sandboxed kernel (the suite does; scores of honest code are the same)")
    args = parser.parse_args(argv)
    if not args.sandbox:
        # An explicit choice, read by nbgrader_config.py in every grading process.
        os.environ["COURSE_SANDBOX"] = "off"
    if args.keep:
        root = catalogue_runs.scratch_course(Path(args.keep), [args.assignment])
        return check(root, args.assignment, args.only, args.workers, args.validate, args.verbose)
    with tempfile.TemporaryDirectory(prefix="catalogue-") as tmp:
        root = catalogue_runs.scratch_course(Path(tmp) / "course", [args.assignment])
        return check(root, args.assignment, args.only, args.workers, args.validate, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
