"""`python -m course COMMAND`: the instructor's command line.

Each command is a few calls into nbgrader's API through course.admin.grading.pipeline; run
`python -m course --help` for the list, `python -m course COMMAND --help` for one.
"""

import argparse
import os
import sys
from pathlib import Path

from course.admin.authoring import fairness, fuzz, mutants, release_check, samples
from course.admin.course_dir import chosen_assignments, require_assignment
from course.admin.distribution import exchange, late, lms, roster
from course.admin.grading import pipeline, scale, status
from course.admin.grading.result import any_failed, summary_lines
from course.admin.results import feedback, grades, report
from course.nbgrader_plugins.late_policy import LatePolicyError


def cmd_build(args):
    chosen = chosen_assignments(args.root, args.assignments)
    for assignment in chosen:
        pipeline.generate(args.root, assignment)
        print(f"generated release/{assignment}")
    return _report_leaks(args.root, chosen)


def _report_leaks(root, assignment_ids=None):
    found = release_check.leaks(root, assignment_ids=assignment_ids)
    for line in found:
        print("LEAK:", line)
    if found:
        print(f"{len(found)} leak(s): fix source/ (markers around every solution and hidden test), then rebuild.")
        return 1
    print("release/ checked: no solution or hidden test leaked")
    return 0


def cmd_check_release(args):
    problems = release_check.drift(args.root)
    for line in problems:
        print("DRIFT:", line)
    status = _report_leaks(args.root)
    if problems:
        print("release/ is out of date: run `python -m course build` and commit release/.")
        return 1
    print("release/ matches source/")
    return status


def cmd_samples(args):
    for assignment in chosen_assignments(args.root, args.assignments):
        rows = samples.write_samples(args.root, assignment, args.bugs,
                                     include_variants=getattr(args, "variants", True))
        print(f"{assignment}: wrote {len(rows)} sample submissions under submitted/")
    return 0


def cmd_grade(args):
    require_assignment(args.root, args.assignment)
    if getattr(args, "no_sandbox", False):
        # Through the environment: worker processes and the configuration read it.
        os.environ["COURSE_SANDBOX"] = "off"
    sandboxed, how = pipeline.require_sandbox()
    if not sandboxed:
        print("WARNING: grading WITHOUT the sandbox, as asked (--no-sandbox / COURSE_SANDBOX=off): "
              "student code can read source/ and the gradebook and change any grade.", file=sys.stderr)
    results = pipeline.grade(args.root, args.assignment, args.students, workers=args.workers,
                             retries=getattr(args, "retries", None),
                             db_url=getattr(args, "db_url", None))  # set by --db (scale.cmd_grade)
    for line in summary_lines(args.assignment, results):
        print(line)
    return 1 if any_failed(results) else 0


def cmd_feedback(args):
    for assignment in chosen_assignments(args.root, args.assignments):
        feedback.generate(args.root, assignment)
        print(f"feedback/<student>/{assignment}/ written")
    return 0


def cmd_export(args):
    chosen = chosen_assignments(args.root, args.assignments)
    n = grades.export_csv(args.root, args.out, args.assignments or None,
                          extra_columns=late.export_columns(
                              args.root, chosen, status.export_columns(args.root, chosen)))
    print(f"wrote {n} rows to {args.out}")
    return 0


def cmd_table(args):
    rows = grades.scores(args.root, args.assignments or None)
    for assignment in chosen_assignments(args.root, args.assignments):
        print(grades.table(rows, assignment))
        print()
    return 0


def cmd_demo(args):
    """Build, make sample submissions, grade, give feedback, export, print the table, report."""
    return run_demo(args.root, workers=args.workers, bugs=args.bugs)


def run_demo(root, workers=2, bugs=3):
    """The whole pipeline on sample submissions, each step a library call; 0 when all passed."""
    root = Path(root)

    def build():
        for assignment in pipeline.assignments(root):
            pipeline.generate(root, assignment)
            print(f"generated release/{assignment}")
        return _report_leaks(root)

    def write_samples():
        for assignment in pipeline.assignments(root):
            rows = samples.write_samples(root, assignment, bugs, include_variants=False)
            print(f"{assignment}: wrote {len(rows)} sample submissions under submitted/")
        return 0

    def grade(assignment):
        results = pipeline.grade(root, assignment, None, workers=workers)
        for line in summary_lines(assignment, results):
            print(line)
        return 1 if any_failed(results) else 0

    def give_feedback():
        for assignment in pipeline.assignments(root):
            feedback.generate(root, assignment)
        print("feedback/<student>/<assignment>/ written")
        return 0

    def export():
        out = root / "grades.csv"
        chosen = pipeline.assignments(root)
        n = grades.export_csv(root, out, None, extra_columns=late.export_columns(
            root, chosen, status.export_columns(root, chosen)))
        print(f"wrote {n} rows to {out}")
        return 0

    def table():
        rows = grades.scores(root, None)
        for assignment in pipeline.assignments(root):
            print(grades.table(rows, assignment))
            print()
        return 0

    def write_report():
        print(f"item analysis: {report.write_all(root)}")
        return 0

    sandboxed, _ = pipeline.require_sandbox()
    if not sandboxed:
        print("WARNING: grading WITHOUT the sandbox, as asked (COURSE_SANDBOX=off).", file=sys.stderr)
    steps = [("build", build), ("samples", write_samples)]
    steps += [(f"grade {a}", lambda a=a: grade(a)) for a in pipeline.assignments(root)]
    steps += [("feedback", give_feedback), ("export", export), ("table", table), ("report", write_report)]
    for name, step in steps:
        print(f"== {name}")
        code = step()
        if code:
            print(f"demo stopped: step '{name}' failed")
            return code
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m course", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=None,
                        help="course root (default: the folder with nbgrader_config.py at or above here)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("build", help="generate release/ from source/ and check it for leaks")
    p.add_argument("assignments", nargs="*")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("check-release", help="check that release/ matches source/ and leaks nothing")
    p.set_defaults(func=cmd_check_release)

    p = sub.add_parser("samples", help="write sample submissions (reference, untouched, bugs) to submitted/")
    p.add_argument("assignments", nargs="*")
    p.add_argument("--bugs", type=int, default=None, help="at most this many bugs per assignment")
    p.set_defaults(func=cmd_samples)

    p = sub.add_parser("grade", help="autograde the submissions of one assignment")
    p.add_argument("assignment")
    p.add_argument("--students", nargs="*", default=None, help="only these students")
    p.add_argument("--workers", type=int, default=1, help="grading processes at once (default 1)")
    p.add_argument("--retries", type=int, default=None,
                   help="extra attempts for a submission whose grading raised or whose worker died "
                        "(default 2); after them its status is `failed`")
    p.add_argument("--no-sandbox", action="store_true",
                   help="run student code WITHOUT the sandbox (as COURSE_SANDBOX=off); without it, "
                        "grading refuses to run where the sandbox does not work")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("feedback", help="generate feedback HTML for autograded submissions")
    p.add_argument("assignments", nargs="*")
    p.set_defaults(func=cmd_feedback)

    p = sub.add_parser("export", help="write grades as CSV")
    p.add_argument("--out", default="grades.csv")
    p.add_argument("assignments", nargs="*")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("table", help="print students x problems from the gradebook")
    p.add_argument("assignments", nargs="*")
    p.set_defaults(func=cmd_table)

    p = sub.add_parser("demo", help="the whole pipeline on sample submissions")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--bugs", type=int, default=3, help="buggy samples per assignment")
    p.set_defaults(func=cmd_demo)

    # Commands that live in their own modules register themselves here, one line each.
    for module in (report, exchange, lms, roster, late, scale, mutants, fairness, fuzz):
        module.add_commands(sub)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        args.root = pipeline.find_root(args.root)
        return args.func(args)
    except (pipeline.CourseError, LatePolicyError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
