"""Reading scores out of the gradebook: per student, assignment and problem.

A "problem" is a graded cell (a test cell, or a manually graded answer),
named by its nbgrader grade_id, in the order the notebook shows it.
"""

import csv
import re
from pathlib import Path


from course.admin.course_dir import assignments, notebooks, open_gradebook
from course.nbgrader_plugins.cells import grade_id, is_graded, points


def problems(root, assignment):
    """[(grade_id, max points)] of an assignment's graded cells, in notebook order.

    Read from the release when it exists: it holds what the build made graded
    (manually graded written answers, course.nbgrader_plugins.written_answers), which source/ does not."""
    import nbformat  # seconds to import: not for a command's --help

    result = []
    folder = Path(root) / "release" / assignment
    if not notebooks(folder):
        folder = Path(root) / "source" / assignment
    for path in notebooks(folder):
        for cell in nbformat.read(path, as_version=4).cells:
            if is_graded(cell):
                result.append((grade_id(cell), points(cell)))
    return result


def scores(root, assignment_ids=None, db_url=None):
    """One dict per (student, assignment) found in the gradebook (at `db_url`, default
    the configuration's).

    Each row: student, assignment, scores {grade_id: points or None},
    total, max_total, late_penalty (points nbgrader's late-submission hook took
    off, course.nbgrader_plugins.late_policy) and total_after_penalty (what the
    student gets: the report and both exports show this one). A problem missing
    from a submission's grades is None (shown as blank, never as a silent 0).
    """
    root = Path(root)
    wanted = assignment_ids or assignments(root)
    rows = []
    with open_gradebook(root, db_url=db_url) as gb:
        known = {a.name for a in gb.assignments}
        for assignment in wanted:
            if assignment not in known:
                continue
            expected = problems(root, assignment)
            for sub in sorted(gb.assignment_submissions(assignment), key=lambda s: s.student_id):
                found = {}
                for nb in sub.notebooks:
                    for g in nb.grades:
                        found[g.name] = g.score
                per_problem = {gid: found.get(gid) for gid, _ in expected}
                total = sum(v for v in per_problem.values() if v is not None)
                penalty = sum(nb.late_submission_penalty or 0.0 for nb in sub.notebooks)
                rows.append({
                    "student": sub.student_id,
                    "assignment": assignment,
                    "scores": per_problem,
                    "total": total,
                    "max_total": sum(m for _, m in expected),
                    "late_penalty": penalty,
                    "total_after_penalty": after_penalty(total, penalty),
                })
    return rows


def after_penalty(total, penalty):
    """The score a student gets: total minus the late penalty, never below 0."""
    return max(0.0, total - (penalty or 0.0))


def export_csv(root, path, assignment_ids=None, extra_columns=None, roster=None):
    """Write scores() as CSV: one row per student and assignment, one column per
    problem (``<assignment>/<grade_id>``), then total and max_total. Every cell goes
    through csv_safe, so that no id or note runs as a spreadsheet formula.

    extra_columns: optional {(student, assignment): {column: value}} merged in
    (the grading status, for instance). roster: optional [{id, first_name, last_name,
    email, lms_user_id}] (course.admin.distribution.roster.students): their columns
    follow `student`, and each roster student without a row for an assignment that
    has any gets one, status ``no submission`` and total 0.
    Returns the number of rows written.
    """
    rows = scores(root, assignment_ids)
    extra_columns = dict(extra_columns or {})
    # A submission with a status but no grades (it could not be graded) still
    # gets its row, with blank scores: never a silent 0.
    seen = {(r["student"], r["assignment"]) for r in rows}
    for student, assignment in sorted(set(extra_columns) - seen):
        if assignment_ids and assignment not in assignment_ids:
            continue
        rows.append({"student": student, "assignment": assignment, "total": None,
                     "max_total": sum(m for _, m in problems(root, assignment)),
                     "scores": {gid: None for gid, _ in problems(root, assignment)}})
    identity = {}
    if roster is not None:
        identity = {r["id"]: {k: v for k, v in r.items() if k != "id"} for r in roster}
        seen = {(r["student"], r["assignment"]) for r in rows}
        for assignment in sorted({a for _, a in seen}):
            for student in sorted(set(identity) - {s for s, a in seen if a == assignment}):
                # never handed in: a 0 the LMS can take, and a status that says why
                rows.append({"student": student, "assignment": assignment, "total": 0.0,
                             "max_total": sum(m for _, m in problems(root, assignment)),
                             "scores": {gid: None for gid, _ in problems(root, assignment)}})
                extra_columns[(student, assignment)] = {"status": "no submission",
                                                        "total_after_penalty": "0"}
        rows.sort(key=lambda r: (r["assignment"], r["student"]))
    problem_columns = []
    for assignment in assignment_ids or assignments(root):
        problem_columns += [f"{assignment}/{gid}" for gid, _ in problems(root, assignment)]
    identity_names = ["first_name", "last_name", "email", "lms_user_id"] if roster is not None else []
    extra_names = list(dict.fromkeys(k for v in extra_columns.values() for k in v))
    header = ["student", *identity_names, "assignment", *extra_names, *problem_columns, "total", "max_total"]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, quoting=csv.QUOTE_MINIMAL)
        writer.writerow([csv_safe(name) for name in header])
        for row in rows:
            out = {"student": row["student"], "assignment": row["assignment"],
                   "total": "" if row["total"] is None else _num(row["total"]),
                   "max_total": _num(row["max_total"])}
            for gid, value in row["scores"].items():
                out[f"{row['assignment']}/{gid}"] = "" if value is None else _num(value)
            out.update(identity.get(row["student"], {}))
            out.update(extra_columns.get((row["student"], row["assignment"]), {}))
            # every cell, whatever its source: ids, notes and file names come from submissions
            writer.writerow([csv_safe("" if out.get(name) is None else str(out[name])) for name in header])
    return len(rows)


def _num(value):
    return f"{value:g}"


# A spreadsheet reads a cell that starts with one of these as a formula (=HYPERLINK(...),
# +cmd|..., -1+1, @SUM(...)), or drops the tab or carriage return and reads the next
# character so. OWASP's advice for CSV injection: start such a cell with a quote.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def csv_safe(value):
    """`value` as a CSV cell that a spreadsheet shows as text, never runs: a text that
    begins like a formula gets a leading ', a plain number (-0.5) stays a number."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


def table(rows, assignment):
    """A plain-text table of students x problems for one assignment."""
    rows = [r for r in rows if r["assignment"] == assignment]
    if not rows:
        return f"{assignment}: no graded submissions"
    gids = list(rows[0]["scores"])
    short = [f"p{i + 1}" for i in range(len(gids))]
    width = max(len("student"), *(len(r["student"]) for r in rows))
    lines = [f"{assignment}   " + "   ".join(f"{s}={g}" for s, g in zip(short, gids)),
             f"{'student':<{width}}  " + " ".join(f"{s:>5}" for s in short) + "   total"]
    for r in rows:
        cells = ["    -" if v is None else f"{v:5g}" for v in r["scores"].values()]
        lines.append(f"{r['student']:<{width}}  " + " ".join(cells)
                     + f"   {r['total']:g}/{r['max_total']:g}")
    return "\n".join(lines)
