"""Due dates, extensions and late penalties, all set in nbgrader_config.py.

    c.LatePolicy.due_dates = {"02_softmax": "2026-10-19 23:59 Europe/Berlin"}
    c.LatePolicy.extensions = {"02_softmax": {"s0042": 3, "s0107": "2026-10-24 12:00 Europe/Berlin"}}
    c.LatePolicy.penalty = "per_day"          # "none", "zero" or "per_day"
    c.LatePolicy.percent_per_day = 10
    c.AssignLatePenalties.plugin_class = "course.nbgrader_plugins.late_policy.LatePolicy"

The last line makes nbgrader's own autograde use this class for the penalty, so
it applies whoever runs the grading (``python -m course grade``, ``nbgrader
autograde``, the formgrader). When it starts on a submission it first writes the
assignment's due date and that student's extension from the configuration into
the gradebook, so that the gradebook never lags behind the configuration.

A submission's time is the one nbgrader records: ``timestamp.txt`` written by
``nbgrader submit`` (and kept by ``collect``), or the time in an LMS file name
(``collect-zip``). Lateness counts from the student's due date (due date plus
extension); a submission without a time is never late.

Penalties (nbgrader stores one per notebook, the export sums them):
  none     no penalty; lateness is still shown in the export;
  zero     a late submission scores 0;
  per_day  percent_per_day of the score for each started day late (1 minute late
           is one day; 25 hours is two), capped at the whole score.
After changing a due date, an extension or the policy, ``python -m course late
ASSIGNMENT`` applies it to graded submissions without running them again.
"""

import sys

from course.admin.course_dir import assignments, load_config, open_gradebook, require_assignment
from course.admin.results.grades import after_penalty


def policy(root):
    """The course's LatePolicy, read from nbgrader_config.py."""
    # imported here: it loads nbgrader (seconds), which `late --help` need not wait for
    from course.nbgrader_plugins.late_policy import LatePolicy

    return LatePolicy(config=load_config(root))


def sync(root, assignment):
    """Due date and extensions of one assignment from the configuration into the gradebook."""
    with open_gradebook(root) as gb:
        policy(root).sync(gb, assignment)


def reapply(root, assignment):
    """Apply the configured due date, extensions and penalty to the graded
    submissions of an assignment, without running them again (what nbgrader's
    AssignLatePenalties does at grading). Returns lateness rows (see lateness)."""
    rule = policy(root)
    with open_gradebook(root) as gb:
        rule.sync(gb, assignment)
        for sub in gb.assignment_submissions(assignment):
            seconds = sub.total_seconds_late
            for nb in sub.notebooks:
                penalty = rule.late_submission_penalty(sub.student_id, nb.score, seconds) if seconds > 0 else None
                nb.late_submission_penalty = None if penalty is None else max(0.0, min(penalty, nb.score))
        gb.db.commit()
    return lateness(root, [assignment])


def lateness(root, assignment_ids):
    """{(student, assignment): {"submitted_at", "due_at", "days_late",
    "late_penalty", "total_after_penalty"}} from the gradebook, as strings for
    the export. Blank where there is nothing to say (no due date, no timestamp)."""
    from course.nbgrader_plugins.late_policy import DAY

    rows = {}
    with open_gradebook(root) as gb:
        known = {a.name for a in gb.assignments}
        for assignment in assignment_ids:
            if assignment not in known:
                continue
            for sub in gb.assignment_submissions(assignment):
                due = sub.duedate
                penalty = sum(nb.late_submission_penalty or 0.0 for nb in sub.notebooks)
                score = sub.score
                rows[(sub.student_id, assignment)] = {
                    "submitted_at": _when(sub.timestamp),
                    "due_at": _when(due),
                    "days_late": (f"{sub.total_seconds_late / DAY:.2f}"
                                  if due is not None and sub.timestamp is not None else ""),
                    "late_penalty": f"{penalty:g}",
                    "total_after_penalty": f"{after_penalty(score, penalty):g}",
                }
    return rows


def unknown_extension_ids(root, rule):
    """Problems, as sentences, for extensions given to ids that are not on the roster
    (the gradebook's students): a typo would give nobody the extension, silently."""
    given = {(a, s) for a, students in rule.extensions.items() if isinstance(students, dict)
             for s in students}
    if not given:
        return []
    with open_gradebook(root) as gb:
        roster = sorted(s.id for s in gb.students)
    if not roster:
        return ["LatePolicy.extensions names students but the roster is empty: import it first "
                "(python -m course students import roster.csv)"]
    shown = ", ".join(roster[:10]) + (f", ... ({len(roster)} in all)" if len(roster) > 10 else "")
    return [f"LatePolicy.extensions[{a!r}][{s!r}]: {s!r} is not on the roster "
            f"(python -m course students list; the roster has {shown})"
            for a, s in sorted(given) if s not in roster]


def _when(moment):
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def export_columns(root, assignment_ids, columns=None):
    """Merge the lateness columns into `columns` ({(student, assignment): {...}},
    e.g. course.admin.grading.status.export_columns) for grades.export_csv; returns it."""
    columns = {} if columns is None else columns
    for key, values in lateness(root, assignment_ids).items():
        columns.setdefault(key, {}).update(values)
    return columns


# -- command line -------------------------------------------------------------
def cmd_late(args):
    known = assignments(args.root)
    for name in args.assignments or []:
        require_assignment(args.root, name)
    rule = policy(args.root)
    problems = rule.check(known)
    problems += unknown_extension_ids(args.root, rule)
    for line in problems:
        print("CONFIG:", line)
    if problems:
        print(f"error: {len(problems)} problem(s) in LatePolicy (nbgrader_config.py): "
              "fix them and run again; nothing was changed", file=sys.stderr)
        return 2
    print(f"late policy: {rule.describe()} (nbgrader_config.py, LatePolicy)")
    for assignment in args.assignments or known:
        due = rule.due_date(assignment)
        if due is None:
            print(f"{assignment}: no due date")
            continue
        given = rule.extensions.get(assignment, {})
        extra = f", {len(given)} extension(s): " + ", ".join(sorted(given)) if given else ""
        print(f"{assignment}: due {due:%Y-%m-%d %H:%M} UTC{extra}")
        if not args.assignments:
            continue
        rows = reapply(args.root, assignment)
        late = {k: v for k, v in rows.items() if v["days_late"] and float(v["days_late"]) > 0}
        print(f"  applied to {len(rows)} graded submission(s); {len(late)} late:")
        for (student, _), v in sorted(late.items()):
            print(f"  {student}: {v['days_late']} days late, penalty {v['late_penalty']}, "
                  f"total after penalty {v['total_after_penalty']}")
    return 0


def add_commands(sub):
    p = sub.add_parser(
        "late", help="show due dates and extensions; apply the late policy to graded submissions",
        description="Without ASSIGNMENT: print due dates, extensions and the policy from "
                    "nbgrader_config.py. With ASSIGNMENT: also write them into the gradebook and "
                    "recompute the late penalties of its graded submissions (no re-execution); "
                    "use it after changing a due date, an extension or the policy.")
    p.add_argument("assignments", nargs="*")
    p.set_defaults(func=cmd_late)
