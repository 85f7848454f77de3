"""`python -m course COMMAND`: the instructor's command line.

Each command is a few calls into nbgrader's API through course.admin.grading.pipeline; run
`python -m course --help` for the list, `python -m course COMMAND --help` for one.

Start-up: the modules behind the commands import nbformat and nbgrader (seconds). Each
command imports what it needs when it runs, and of the commands that live in other modules
only the one being run is imported, so that `--help` and a mistyped argument answer at
once (bench/cli_startup.py measures it).
"""

import argparse
import importlib
import os
import sys
from pathlib import Path

# Commands that live in their own modules (each registers them with add_commands(sub)),
# with the summary `--help` lists; tests/test_cli.py checks it against the module's own.
MODULE_COMMANDS = {
    "report": ("course.admin.results.report", "item analysis: HTML pages with plots under reports/"),
    "release": ("course.admin.distribution.exchange", "publish release/ASSIGNMENT to the nbgrader exchange"),
    "collect": ("course.admin.distribution.exchange",
                "collect the newest exchange submission of each student into submitted/"),
    "collect-zip": ("course.admin.distribution.lms", "collect an LMS download (zip) into submitted/"),
    "students": ("course.admin.distribution.roster",
                 "the class list in the gradebook (import a roster CSV, list, remove)"),
    "late": ("course.admin.distribution.late",
             "show due dates and extensions; apply the late policy to graded submissions"),
    "mutants": ("course.admin.authoring.mutants", "mutation score of an assignment's hidden tests"),
    "fairness": ("course.admin.authoring.fairness", "does one unfinished or broken exercise cost points elsewhere?"),
    "fuzz": ("course.admin.authoring.fuzz", "rewrites of the reference that mean the same: all must get full marks"),
}
LMS_LAYOUTS = ("canvas", "moodle")  # course.admin.results.lms_export.LAYOUTS


def cmd_build(args):
    from course.admin.course_dir import chosen_assignments

    return build(args.root, chosen_assignments(args.root, args.assignments))


def build(root, chosen):
    """Shipped files, then release/ from source/, for each assignment; then the leak check."""
    from course.admin.authoring import shipped
    from course.admin.grading import pipeline

    for assignment in chosen:
        shipped.write(root, assignment)  # layers.py etc. from earlier assignments' solutions
        pipeline.generate(root, assignment)
        print(f"generated release/{assignment}")
    return _report_leaks(root, chosen)


def _report_leaks(root, assignment_ids=None):
    from course.admin.authoring import release_check

    found = release_check.leaks(root, assignment_ids=assignment_ids)
    for line in found:
        print("LEAK:", line)
    if found:
        print(f"{len(found)} leak(s): fix source/ (markers around every solution and hidden test), then rebuild.")
        return 1
    print("release/ checked: no solution or hidden test leaked")
    return 0


def cmd_check_release(args):
    from course.admin.authoring import release_check

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
    from course.admin.authoring import samples
    from course.admin.course_dir import chosen_assignments

    for assignment in chosen_assignments(args.root, args.assignments):
        rows = samples.write_samples(args.root, assignment, args.bugs,
                                     include_variants=getattr(args, "variants", True))
        print(f"{assignment}: wrote {len(rows)} sample submissions under submitted/")
    return 0


def cmd_grade(args):
    """`grade`: course.admin.grading.scale checks the sandbox and handles --db and
    --scheduler; grading on this machine is grade_here."""
    from course.admin.grading import scale

    return scale.cmd_grade(args, grade_here)


def grade_here(args):
    from course.admin.course_dir import require_assignment
    from course.admin.grading import pipeline
    from course.admin.grading.result import any_failed, summary_lines

    require_assignment(args.root, args.assignment)
    if getattr(args, "no_sandbox", False):
        # Through the environment: worker processes and the configuration read it.
        os.environ["COURSE_SANDBOX"] = "off"
    db_url = getattr(args, "db_url", None)  # set by --db (scale.cmd_grade)
    pipeline.require_built(args.root, args.assignment, db_url)
    students = args.students
    if students is not None:
        _require_known_students(args.root, args.assignment, students, db_url)
    elif not pipeline.submitted_students(args.root, args.assignment):
        print(f"No submissions of {args.assignment} to grade: submitted/<student>/{args.assignment}/ is "
              f"empty. Collect them first (python -m course collect {args.assignment}, or collect-zip "
              "for an LMS download).", file=sys.stderr)
        return 1
    sandboxed, how = pipeline.require_sandbox()
    if not sandboxed:
        print("WARNING: grading WITHOUT the sandbox, as asked (--no-sandbox / COURSE_SANDBOX=off): "
              "student code can read source/ and the gradebook and change any grade.", file=sys.stderr)
    results = pipeline.grade(args.root, args.assignment, students, workers=args.workers,
                             retries=getattr(args, "retries", None), db_url=db_url,
                             force=getattr(args, "force", False))
    for line in summary_lines(args.assignment, results):
        print(line)
    return 1 if any_failed(results) else 0


def _require_known_students(root, assignment, students, db_url=None):
    """CourseError naming the roster when a --students id has no submission and is not on the
    roster (a typo): nothing is graded and nothing is added to the gradebook."""
    from course.admin.course_dir import open_gradebook
    from course.admin.grading import pipeline

    coursedir = pipeline.course_directory(root)
    with open_gradebook(root, db_url=db_url) as gb:
        roster = {s.id for s in gb.students}
    unknown = [s for s in students if s not in roster
               and not os.path.lexists(coursedir.format_path(coursedir.submitted_directory, s, assignment))]
    if unknown:
        raise pipeline.CourseError(
            f"{', '.join(map(repr, unknown))}: not on the roster (the gradebook's {len(roster)} students; "
            "python -m course students list) and no submission in "
            f"submitted/<student>/{assignment}/. A typo? Nothing was graded.")


def positive_int(text):
    """argparse type: an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not at least 1")
    return value


def cmd_feedback(args):
    from course.admin.course_dir import CourseError, chosen_assignments
    from course.admin.results import feedback

    chosen = chosen_assignments(args.root, args.assignments)
    if not args.assignments:  # every assignment: those not graded yet are skipped, and said so
        graded = [a for a in chosen if any((args.root / "autograded").glob(f"*/{a}/*.ipynb"))]
        for assignment in sorted(set(chosen) - set(graded)):
            print(f"{assignment}: nothing graded yet, skipped")
        if not graded:
            raise CourseError("nothing graded yet: autograded/ is empty. "
                              "Grade first: python -m course grade ASSIGNMENT")
        chosen = graded
    for assignment in chosen:
        feedback.generate(args.root, assignment)
        print(f"feedback/<student>/{assignment}/ written")
    return 0


def cmd_export(args):
    from course.admin.course_dir import chosen_assignments

    chosen = chosen_assignments(args.root, args.assignments)
    if args.lms:
        return _export_lms(args, chosen)
    out = args.out or "grades.csv"
    n = export_all(args.root, out, args.assignments or None, chosen)
    print(f"wrote {n} rows to {out}")
    return 0


def export_all(root, out, assignment_ids, chosen):
    """The full export (every problem, status, lateness, the roster's names): its row count."""
    from course.admin.distribution import late, roster
    from course.admin.grading import status
    from course.admin.results import grades

    return grades.export_csv(root, out, assignment_ids, roster=roster.students(root),
                             extra_columns=late.export_columns(root, chosen, status.export_columns(root, chosen)))


def _export_lms(args, chosen):
    from course.admin.course_dir import CourseError
    from course.admin.distribution import roster
    from course.admin.grading import status
    from course.admin.results import grades, lms_export

    people = roster.students(args.root)
    if not people:
        raise CourseError("the roster is empty: an LMS file has one row per roster student. "
                          "Import it first: python -m course students import roster.csv")
    out_dir = Path(args.out or "exports")
    with_grades = {r["assignment"] for r in grades.scores(args.root, chosen)}
    written = 0
    for assignment in chosen:
        if assignment not in with_grades and not status.load(args.root, assignment):
            print(f"{assignment}: nothing graded yet, no file")
            continue
        path, rows = lms_export.write(args.root, assignment, args.lms, out_dir, people)
        written += 1
        missing = [r["id"] for r in rows if r["status"] == "no submission"]
        print(f"wrote {path}: {len(rows)} students, {len(missing)} without a submission (0 points)")
        blank = [r["id"] for r in rows if r["score"] is None]
        if blank:
            print(f"  LEFT BLANK (grading failed, not the student's fault; grade again): {', '.join(blank)}")
        outside = lms_export.off_roster(args.root, assignment, people)
        if outside:
            print(f"  NOT ON THE ROSTER (no row; import them or remove their folders): {', '.join(outside)}")
    if not written:
        raise CourseError("nothing graded yet: no file written. Grade first: python -m course grade ASSIGNMENT")
    return 0


def cmd_table(args):
    from course.admin.course_dir import chosen_assignments
    from course.admin.results import grades

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
    from course.admin.authoring import samples
    from course.admin.grading import pipeline
    from course.admin.grading.result import any_failed, summary_lines
    from course.admin.results import feedback, grades, report

    root = Path(root)

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
        n = export_all(root, out, None, pipeline.assignments(root))
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
    steps = [("build", lambda: build(root, pipeline.assignments(root))), ("samples", write_samples)]
    steps += [(f"grade {a}", lambda a=a: grade(a)) for a in pipeline.assignments(root)]
    steps += [("feedback", give_feedback), ("export", export), ("table", table), ("report", write_report)]
    for name, step in steps:
        print(f"== {name}")
        code = step()
        if code:
            print(f"demo stopped: step '{name}' failed")
            return code
    return 0


def build_parser(argv=None):
    """The parser; argv (default sys.argv[1:]) says which module command to load in full."""
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
    p.add_argument("--workers", type=positive_int, default=1, help="grading processes at once (default 1)")
    p.add_argument("--force", action="store_true",
                   help="grade again the submissions unchanged since their last grading (same files, "
                        "release and configuration), which are otherwise skipped")
    p.add_argument("--retries", type=int, default=None,
                   help="extra attempts for a submission whose grading raised or whose worker died "
                        "(default 2); after them its status is `failed`")
    p.add_argument("--no-sandbox", action="store_true",
                   help="run student code WITHOUT the sandbox (as COURSE_SANDBOX=off); without it, "
                        "grading refuses to run where the sandbox does not work")
    # Grading at scale (course.admin.grading.scale):
    p.add_argument("--db", default=None, metavar="URL",
                   help="gradebook URL, e.g. postgresql://USER:PASSWORD@HOST/DB "
                        "(default: nbgrader_config.py's, or COURSE_DB_URL)")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="grade on this Dask cluster instead of local processes (see README)")
    p.add_argument("--ship", action="store_true",
                   help="with --scheduler: send submissions with the tasks (workers without shared submitted/)")
    p.add_argument("--worker-root", default=None,
                   help="with --scheduler: the course folder on the workers (default: the same path as here)")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("feedback", help="generate feedback HTML for autograded submissions")
    p.add_argument("assignments", nargs="*")
    p.set_defaults(func=cmd_feedback)

    p = sub.add_parser("export", help="write grades as CSV (all of them, or an LMS gradebook's import file)",
                       description="Without --lms: one CSV, a row per student and assignment, a column per "
                                   "problem, status, lateness and the roster's names (--out, default "
                                   "grades.csv). With --lms canvas|moodle: one file per assignment that "
                                   "has grades, <layout>-<assignment>.csv in the folder --out (default "
                                   "exports/), a row per roster student with the total after the late "
                                   "penalty, in the columns that LMS's gradebook import reads.")
    p.add_argument("--out", default=None, help="the CSV file, or with --lms the folder")
    p.add_argument("--lms", choices=LMS_LAYOUTS, default=None,
                   help="write the files an LMS gradebook imports")
    p.add_argument("assignments", nargs="*")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("table", help="print students x problems from the gradebook")
    p.add_argument("assignments", nargs="*")
    p.set_defaults(func=cmd_table)

    p = sub.add_parser("demo", help="the whole pipeline on sample submissions")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--bugs", type=int, default=3, help="buggy samples per assignment")
    p.set_defaults(func=cmd_demo)

    # Commands that live in their own modules: the one being run registers itself (its
    # module imported), the others are listed by name and summary only.
    wanted = MODULE_COMMANDS.get(command_in(sys.argv[1:] if argv is None else argv), (None,))[0]
    for name, (module, summary) in MODULE_COMMANDS.items():
        if name in sub.choices:
            continue  # registered with another command of its module
        if module == wanted:
            importlib.import_module(module).add_commands(sub)
        else:
            sub.add_parser(name, help=summary)
    return parser


def command_in(argv):
    """The command word in argv (the first word that is not an option or --root's value)."""
    words = iter(argv)
    for word in words:
        if word == "--root":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def _user_errors():
    """The exceptions whose message is for the instructor: CourseError, and LatePolicyError
    if its module was loaded (only its code raises it; importing it costs nbgrader)."""
    from course.admin.course_dir import CourseError

    late_policy = sys.modules.get("course.nbgrader_plugins.late_policy")
    return (CourseError,) + ((late_policy.LatePolicyError,) if late_policy else ())


def main(argv=None):
    args = build_parser(argv).parse_args(argv)
    from course.admin.course_dir import find_root

    try:
        args.root = find_root(args.root)
        return args.func(args)
    except Exception as err:
        if not isinstance(err, _user_errors()):
            raise
        print(f"error: {err}", file=sys.stderr)
        return 2
