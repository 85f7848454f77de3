"""Grades in the layout an LMS gradebook imports: ``python -m course export --lms canvas|moodle``.

One CSV file per assignment, one row per roster student (the gradebook's students,
``python -m course students import``), the score being the total after the late
penalty (course.admin.results.grades.scores, the number the report shows):

- a student who never handed in gets 0 (status ``no submission``);
- a submission whose grading failed (status ``failed``: the grading machine's fault)
  is left blank, so that the import changes nothing for that student, and the
  command names them: grade them again;
- any other submission without grades (``not graded``: an empty or unreadable
  notebook) gets 0.

Canvas (*Grades > Import*): the columns of Canvas's own gradebook export, ``Student``
(last, first), ``ID`` (the Canvas user id: the roster's ``lms_user_id``), ``SIS User
ID`` and ``SIS Login ID`` (the course's id), ``Section`` (blank), then one column named
after the assignment, whose points the ``Points Possible`` row gives. Canvas makes a
new assignment of any column it does not know, so the file holds no other column.

Moodle (*Grade administration > Import > CSV file*): ``First name``, ``Last name``,
``Email address``, ``ID number`` (the course's id), ``LMS user id``, the score, and
``Feedback`` (status and late penalty). On import, map *Email address* to the user's
email (or *ID number* to the ID number), the score column to the grade item and
``Feedback`` to its feedback.
"""

import csv
from pathlib import Path

from course.admin.grading import status
from course.admin.results.grades import csv_safe, problems, scores

LAYOUTS = ("canvas", "moodle")


def roster_rows(root, assignment, roster):
    """One dict per roster student, sorted by id: the roster's fields plus status,
    score (after penalty; None for a failed grading), late_penalty, max_total."""
    graded = {r["student"]: r for r in scores(root, [assignment])}
    recorded = status.load(root, assignment)
    max_total = sum(m for _, m in problems(root, assignment))
    rows = []
    for person in sorted(roster, key=lambda r: r["id"]):
        sid = person["id"]
        row, st = graded.get(sid), recorded.get(sid)
        state = st["status"] if st else ("graded" if row else "no submission")
        if row is not None:
            score, penalty = row["total_after_penalty"], row["late_penalty"]
        else:
            score, penalty = (None if state == "failed" else 0.0), 0.0
        rows.append(dict(person, status=state, score=score, late_penalty=penalty, max_total=max_total))
    return rows


def off_roster(root, assignment, roster):
    """Students with a submission of the assignment who are not on the roster (no row)."""
    ids = {r["id"] for r in roster}
    return sorted(({r["student"] for r in scores(root, [assignment])} | set(status.load(root, assignment)))
                  - ids)


def _num(value):
    return "" if value is None else f"{value:g}"


def canvas_table(assignment, rows):
    header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment]
    points = rows[0]["max_total"] if rows else 0
    table = [header, ["Points Possible", "", "", "", "", _num(points)]]
    for r in rows:
        name = ", ".join(x for x in (r["last_name"], r["first_name"]) if x) or r["id"]
        table.append([name, r["lms_user_id"], r["id"], r["id"], "", _num(r["score"])])
    return table


def moodle_table(assignment, rows):
    header = ["First name", "Last name", "Email address", "ID number", "LMS user id", assignment, "Feedback"]
    table = [header]
    for r in rows:
        feedback = r["status"]
        if r["late_penalty"]:
            feedback += f"; late penalty {r['late_penalty']:g} of {r['max_total']:g} points"
        table.append([r["first_name"], r["last_name"], r["email"], r["id"], r["lms_user_id"],
                      _num(r["score"]), feedback])
    return table


def write(root, assignment, layout, out_dir, roster):
    """Write <out_dir>/<layout>-<assignment>.csv; return (its path, the roster rows)."""
    rows = roster_rows(root, assignment, roster)
    table = (canvas_table if layout == "canvas" else moodle_table)(assignment, rows)
    path = Path(out_dir) / f"{layout}-{assignment}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        # names and ids come from a roster file and submissions: never a formula
        csv.writer(f).writerows([[csv_safe(cell) for cell in line] for line in table])
    return path, rows
