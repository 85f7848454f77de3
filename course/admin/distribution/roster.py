"""The class list: `python -m course students import roster.csv`.

The roster is a CSV file with a header row and these columns (any order, any
case; more columns are ignored):

    id,first_name,last_name,email[,lms_user_id]
    s0042,Ada,Lovelace,ada@example.edu,1001

- ``id``: the student id used everywhere in the course: submitted/<id>/, the
  gradebook, the export. With the exchange it is the student's login name
  (nbgrader submit records it), so use the names of your JupyterHub users.
  Letters, digits and ``. _ @ -``; it starts with a letter or digit.
- ``first_name``, ``last_name``: may be empty; ``email``: empty or one address.
- ``lms_user_id`` (optional): the id your LMS puts in download file names
  (Canvas' user id, Moodle's participant id), so that ``collect-zip`` can map
  a file to the student.

Excel's UTF-8 (with a byte order mark) and semicolon-separated files are read
as well. Import is all or nothing: with any bad row nothing is written, and
each problem names its line. Importing again updates names and emails.
"""

import argparse
import csv
import re
import sys
from pathlib import Path

from course.admin.course_dir import CourseError, open_gradebook
from course.nbgrader_plugins.student_ids import valid_id  # noqa: F401 (lms and exchange find it here)

REQUIRED = ("id", "first_name", "last_name", "email")
OPTIONAL = ("lms_user_id",)
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def read_roster(path):
    """([{id, first_name, last_name, email[, lms_user_id]}], [error sentences])."""
    path = Path(path)
    if path.is_dir():
        raise CourseError(f"roster {path} is a folder, not a CSV file: name the file, "
                          f"e.g. {path / 'roster.csv'}")
    if not path.is_file():
        raise CourseError(f"roster {path} does not exist")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise CourseError(f"{path}: not UTF-8 text ({err}); save it as 'CSV UTF-8'") from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise CourseError(f"{path}: empty, or no header row on line 1 "
                          f"(expected: {','.join(REQUIRED)})")
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(lines, delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CourseError(f"{path} line 1: the header lacks {', '.join(missing)} "
                          f"(found: {', '.join(header)}; expected: {','.join(REQUIRED)}[,lms_user_id])")
    doubled = sorted({h for h in header if h and header.count(h) > 1})
    if doubled:
        raise CourseError(f"{path} line 1: column(s) {', '.join(doubled)} appear twice")
    position = {name: header.index(name) for name in REQUIRED + OPTIONAL if name in header}
    rows, errors, first_line_of = [], [], {}
    seen_lms = {}
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue  # blank lines are fine
        where = f"{path.name} line {line}"
        if len(values) != len(header):
            errors.append(f"{where}: {len(values)} fields, the header has {len(header)} "
                          "(a comma inside a name needs quotes)")
            continue
        row = {name: values[i].strip() for name, i in position.items()}
        sid = row["id"]
        if not sid:
            errors.append(f"{where}: empty id")
        elif not valid_id(sid):
            errors.append(f"{where}: id {sid!r} may hold only letters, digits and . _ @ - "
                          "(starting with a letter or digit, at most 128 characters)")
        elif sid in first_line_of:
            errors.append(f"{where}: id {sid!r} already on line {first_line_of[sid]}")
        else:
            first_line_of[sid] = line
        if row["email"] and not EMAIL_PATTERN.match(row["email"]):
            errors.append(f"{where}: email {row['email']!r} is not an address")
        lms = row.get("lms_user_id", "")
        if lms:
            if lms in seen_lms:
                errors.append(f"{where}: lms_user_id {lms!r} already on line {seen_lms[lms]}")
            else:
                seen_lms[lms] = line
        for name in ("first_name", "last_name", "email", "lms_user_id"):
            if len(row.get(name, "")) > 128:
                errors.append(f"{where}: {name} is longer than 128 characters")
        rows.append(row)
    if not rows and not errors:
        errors.append(f"{path.name}: no students below the header")
    return rows, errors


def import_roster(root, path):
    """Write the roster into the gradebook. Returns (new, updated) counts;
    raises CourseError listing every bad row (and writes nothing) if any."""
    rows, errors = read_roster(path)
    if errors:
        raise CourseError(f"{len(errors)} problem(s) in {path}, nothing imported:\n  "
                          + "\n  ".join(errors))
    new = updated = 0
    with open_gradebook(root) as gb:
        existing = {s.id for s in gb.students}
        for row in rows:
            # lms_user_id is written only when the file has that column, so
            # that a plain roster does not erase ids imported earlier.
            fields = {k: (v or None) for k, v in row.items() if k != "id"}
            gb.update_or_create_student(row["id"], **fields)
            if row["id"] in existing:
                updated += 1
            else:
                new += 1
    return new, updated


def students(root):
    """[{id, first_name, last_name, email, lms_user_id}] from the gradebook, sorted by id."""
    with open_gradebook(root) as gb:
        return [{"id": s.id, "first_name": s.first_name or "", "last_name": s.last_name or "",
                 "email": s.email or "", "lms_user_id": s.lms_user_id or ""}
                for s in sorted(gb.students, key=lambda s: s.id)]


def remove_students(root, ids, force=False):
    """Remove students from the gradebook, with their submissions and grades when `force`.

    All or nothing: CourseError, removing nobody, when an id is not in the gradebook, or
    when a student has graded submissions and `force` is false (a typo in ``grade
    --students`` makes a student without any). Returns {id: [assignments whose
    submission was removed]}. Files under submitted/ and autograded/ stay where they are.
    """
    ids = list(dict.fromkeys(ids))
    with open_gradebook(root) as gb:
        known = {s.id: s for s in gb.students}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise CourseError(f"not in the gradebook: {', '.join(unknown)}; nobody removed "
                              "(python -m course students list shows who is)")
        graded = {i: sorted(sub.assignment.name for sub in known[i].submissions) for i in ids}
        holding = {i: a for i, a in graded.items() if a}
        if holding and not force:
            lines = [f"{i}: submissions of {', '.join(a)}" for i, a in holding.items()]
            raise CourseError("these students have grades; nobody removed. Add --force to remove "
                              "them with their grades:\n  " + "\n  ".join(lines))
        for i in ids:
            gb.remove_student(i)
    return graded


def cmd_remove(args):
    removed = remove_students(args.root, args.ids, force=args.force)
    for student, gone in removed.items():
        print(f"removed {student}" + (f", with the grades of {', '.join(gone)}" if gone else " (no grades)"))
    print(f"{len(removed)} student(s) removed from the gradebook; their folders under submitted/ "
          "and autograded/ are left as they are")
    return 0


def cmd_import(args):
    new, updated = import_roster(args.root, args.file)
    print(f"imported {new + updated} students from {args.file}: {new} new, {updated} updated")
    return 0


def cmd_list(args):
    from course.admin.results.grades import csv_safe  # names come from a roster file: never a formula

    rows = students(args.root)
    writer = csv.DictWriter(sys.stdout, fieldnames=list(REQUIRED + OPTIONAL), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: csv_safe(v) for k, v in row.items()} for row in rows)
    print(f"# {len(rows)} students in the gradebook", file=sys.stderr)
    return 0


def add_commands(sub):
    p = sub.add_parser("students", help="the class list in the gradebook (import a roster CSV, list, remove)")
    verbs = p.add_subparsers(dest="verb", required=True, metavar="import|list|remove")
    q = verbs.add_parser("import", help="add or update students from a CSV: "
                                        "id,first_name,last_name,email[,lms_user_id]",
                         description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    q.add_argument("file", type=Path)
    q.set_defaults(func=cmd_import)
    q = verbs.add_parser("list", help="print the students in the gradebook as CSV")
    q.set_defaults(func=cmd_list)
    q = verbs.add_parser("remove", help="remove students from the gradebook (a typo, a student who left)")
    q.add_argument("ids", nargs="+", metavar="ID")
    q.add_argument("--force", action="store_true",
                   help="also remove a student who has grades, with those grades")
    q.set_defaults(func=cmd_remove)
