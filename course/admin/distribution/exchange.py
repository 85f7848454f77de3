"""The exchange path: release, students fetch and submit, collect.

    python -m course release 02_softmax       # release/02_softmax -> the exchange
    # students, in their own account:
    nbgrader fetch_assignment 02_softmax --course backprop-from-scratch
    nbgrader submit 02_softmax --course backprop-from-scratch
    python -m course collect 02_softmax       # the newest submission of each student -> submitted/
    python -m course grade 02_softmax

The exchange is nbgrader's default one: a folder (``c.Exchange.root`` in
nbgrader_config.py, ``COURSE_EXCHANGE`` overrides it) that every student can
write into. nbgrader 0.9.6 has no per-student inbound folder, so privacy rests
on permissions and on names nobody can guess. ``release`` and ``collect`` set
and check these modes (the instructor owns the course's folders):

    <root>/                      1777  everyone may create entries, but (sticky bit)
                                       only an entry's owner may rename or delete it:
                                       no student can replace the course folder
    <root>/<course>/             0755
    <root>/<course>/outbound/    0755  released assignments: everyone reads them
    <root>/<course>/inbound/     3733  students may create submissions but not list
                                       the folder; the sticky bit stops anyone from
                                       deleting or renaming another's submission;
                                       setgid hands submissions the instructor's group
    <root>/<course>/feedback/    0711  feedback files are named by a secret hash
    <root>/<course>/quarantine/  0700  submissions set aside by collect (see below)

A submission is a folder ``<student>+<assignment>+<time>+<random>`` whose last
part is 72 random bits (``ExchangeSubmit.add_random_string``): a student who
cannot list inbound/ cannot find, read or overwrite another's submission.

``nbgrader submit`` takes the student id from the login name (``--student``
can override it) and the time from the student's clock: both are written by the
student's own process. Before collecting, ``collect`` moves to quarantine/
(reported, never graded) every submission

- whose folder is owned by someone other than the login named in it (or the
  instructor): a submission under another student's name
  (``ExchangeCollect.check_owner = False`` turns this off, for setups whose
  student ids are not login names);
- whose recorded time the files contradict: named for a time long before its
  files were written (their ctime, which no user can set back), or in the future:
  a backdated submission that would dodge the late penalty
  (``LatePolicy.check_submission_times = False`` turns this off, e.g. after
  copying the exchange to a new disk, which renews every ctime);
- that holds a symbolic link or a special file: collect would copy what a link
  points to with the instructor's rights (a link to source/ hands in the solution);
- that nbgrader's collect would choke on (an unreadable time, an id with ``+``).

With ``CourseDirectory.groupshared = True`` (several instructors sharing the
course through a Unix group) nbgrader sets group modes itself and the course
leaves the exchange's modes alone.
"""

import datetime
import glob
import os
import pwd
import stat
import time
from pathlib import Path

from course.admin.course_dir import (CourseError, load_config, open_api, raise_on_failure,
                                     require_assignment)

NBGRADER_DEFAULT_ROOT = "/usr/local/share/nbgrader/exchange"
# How far a submission's recorded time may be from when its files were written
# (a large copy to a slow disk, clocks that differ a little).
TIME_SLACK = datetime.timedelta(minutes=15)
MODES = {"root": 0o1777, "course": 0o755, "outbound": 0o755, "inbound": 0o3733,
         "feedback": 0o711, "quarantine": 0o700}


def settings(root):
    """(exchange root Path, course id, config) of the course."""
    config = load_config(root)
    xroot = config.Exchange.get("root", NBGRADER_DEFAULT_ROOT)
    course = config.CourseDirectory.get("course_id", "")
    if not course:
        raise CourseError("CourseDirectory.course_id is not set in nbgrader_config.py")
    return Path(xroot), course, config


def folders(root):
    xroot, course, _ = settings(root)
    base = xroot / course
    return {"root": xroot, "course": base, "outbound": base / "outbound", "inbound": base / "inbound",
            "feedback": base / "feedback", "quarantine": base / "quarantine"}


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def _groupshared(root):
    """CourseDirectory.groupshared: several instructors share the course through
    a Unix group and nbgrader sets group modes itself; the course then leaves
    the exchange's modes to nbgrader and the administrator."""
    return bool(settings(root)[2].CourseDirectory.get("groupshared", False))


def secure(root):
    """Create the exchange root if needed and give the course's exchange folders
    the modes in MODES (those that exist and that we own). Returns problems."""
    paths = folders(root)
    xroot = paths["root"]
    if not xroot.exists():
        try:
            xroot.mkdir(parents=True)
        except PermissionError:
            raise CourseError(f"cannot create the exchange {xroot}: permission denied. Ask an "
                              f"administrator to run: mkdir -p {xroot} && chmod 1777 {xroot}") from None
    if _groupshared(root):
        return []
    problems = []
    for name, mode in MODES.items():
        path = paths[name]
        if not path.is_dir() or _mode(path) == mode:
            continue
        if path.stat().st_uid == os.geteuid() or os.geteuid() == 0:
            os.chmod(path, mode)
        else:
            problems.append(f"{path} has mode {_mode(path):04o}, the course needs {mode:04o}; "
                            f"its owner can fix it: chmod {mode:04o} {path}")
    return problems


def permission_problems(root):
    """What in the exchange's and the course folder's modes lets one user
    reach what they should not; sentences ([] when all is well)."""
    paths = folders(root)
    problems = []
    for name, mode in ({} if _groupshared(root) else MODES).items():
        path = paths[name]
        if path.is_dir() and _mode(path) != mode:
            problems.append(f"{path} has mode {_mode(path):04o}, expected {mode:04o} "
                            "(python -m course release or collect sets it)")
    course_root = Path(root).resolve()
    xroot = paths["root"].resolve() if paths["root"].exists() else paths["root"]
    others_enter = _mode(course_root) & 0o005
    if course_root in xroot.parents and others_enter and _shared_exchange_in_use(paths):
        problems.append(
            f"the exchange {xroot} is inside the course folder, which other users can enter: "
            "they could open source/ (the solutions) and the gradebook. On a shared server set "
            "COURSE_EXCHANGE to a folder outside it and run: chmod 700 " + str(course_root))
    elif course_root not in xroot.parents and others_enter:
        problems.append(
            f"the course folder {course_root} can be entered by other users (mode "
            f"{_mode(course_root):04o}): anyone who knows a path could read the solutions in "
            f"source/ and the gradebook. Run: chmod 700 {course_root}")
    return problems


def _shared_exchange_in_use(paths):
    """True when someone other than the instructor has submitted: then other
    users do reach into the course folder."""
    inbound = paths["inbound"]
    if not inbound.is_dir():
        return False
    return any(entry.stat().st_uid != os.geteuid() for entry in inbound.iterdir())


def student_commands(root, assignment):
    """The commands students run (with the exchange root spelled out unless it is
    nbgrader's default)."""
    xroot, course, _ = settings(root)
    extra = "" if str(xroot) == NBGRADER_DEFAULT_ROOT else f" --Exchange.root={xroot}"
    return [f"nbgrader fetch_assignment {assignment} --course {course}{extra}",
            f"nbgrader submit {assignment} --course {course}{extra}"]


def release(root, assignment, force=False):
    """Publish release/<assignment> to the exchange; returns its outbound folder."""
    from course.admin.distribution import late

    require_assignment(root, assignment)
    if not any((Path(root) / "release" / assignment).glob("*.ipynb")):
        raise CourseError(f"release/{assignment} has no notebook: run `python -m course build "
                          f"{assignment}` first")
    secure(root)
    overrides = {"ExchangeReleaseAssignment": {"force": True}} if force else {}
    api = open_api(root, **overrides)
    outbound = folders(root)["outbound"] / assignment
    if outbound.exists() and not force:
        raise CourseError(f"{assignment} is already released ({outbound}). Students who fetched "
                          "it keep their copy; to replace it anyway: release --force")
    raise_on_failure(api.release_assignment(assignment), f"release_assignment {assignment}")
    late.sync(root, assignment)
    return outbound, secure(root)


def submissions_in_inbound(root, assignment):
    """[{student, timestamp, path, owner_uid}] in the inbound folder, any order;
    found and parsed exactly as nbgrader's collect does (glob, then rsplit)."""
    inbound = folders(root)["inbound"]
    found = []
    if not inbound.is_dir():
        return found
    for entry in inbound.glob(f"*+{glob.escape(assignment)}+*"):
        parts = entry.name.rsplit("+", 3)
        if len(parts) < 3:
            continue
        found.append({"student": parts[0], "timestamp": parts[2], "path": entry,
                      "owner_uid": entry.lstat().st_uid})
    return found


def _login(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _utc(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).replace(tzinfo=None)


def _time_problem(sub, now):
    """Why a submission's recorded time cannot be trusted, or None.

    nbgrader trusts the student for the time: it is the folder's name and the
    timestamp.txt inside, both written by the student's process. A file's
    ctime, though, is set by the kernel on every write and nobody can set it
    back, so a name dated long before its files were written is backdated."""
    from nbgrader.utils import parse_utc

    try:
        claimed = parse_utc(sub["timestamp"])
    except (ValueError, OverflowError):
        return f"its time {sub['timestamp']!r} cannot be read"
    stamp = sub["path"] / "timestamp.txt"
    if stamp.is_file():  # a regular file: _odd_entry has been checked first
        try:
            inside = parse_utc(stamp.read_text().strip())
        except (ValueError, OverflowError, OSError):
            return "its timestamp.txt cannot be read"
        if abs((inside - claimed).total_seconds()) > 1:
            return f"its timestamp.txt says {inside} but its name says {claimed}"
    written = max(_utc(p.lstat().st_ctime) for p in [sub["path"], stamp] if p.exists())
    if claimed - now > TIME_SLACK:
        return f"dated {claimed:%Y-%m-%d %H:%M} UTC, in the future"
    if written - claimed > TIME_SLACK:
        return (f"dated {claimed:%Y-%m-%d %H:%M} UTC but written at {written:%Y-%m-%d %H:%M} UTC "
                "(backdated, or changed after it was submitted)")
    return None


def _odd_entry(folder):
    """The first symbolic link or special file (FIFO, device, socket) under
    folder, relative to it, or None. nbgrader's collect copies what a link
    points to with the instructor's rights: a link to source/ would hand in the
    solution. nbgrader submit never produces one (it copies file contents)."""
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            mode = os.lstat(os.path.join(dirpath, name)).st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                return os.path.relpath(os.path.join(dirpath, name), folder)
    return None


def suspicious(root, assignment, check_owner=True, check_times=True):
    """Inbound submissions that should not be collected, with the reason:
    not a plain folder, a student id no course id can be, a symbolic link or
    special file inside, a time that cannot be
    read (nbgrader's collect would stop on it); with check_owner, a folder owned
    by someone other than the login in its name (and not by the instructor);
    with check_times, a recorded time the files' ctimes contradict."""
    from course.admin.distribution.roster import valid_id

    me = os.geteuid()
    now = _utc(time.time())
    flagged = []
    for sub in submissions_in_inbound(root, assignment):
        path, owner = sub["path"], sub["owner_uid"]
        if path.is_symlink() or not path.is_dir():
            flagged.append((sub, "not a plain folder"))
            continue
        if not valid_id(sub["student"]):
            flagged.append((sub, f"student id {sub['student']!r} is not a valid id"))
            continue
        odd = _odd_entry(path)
        if odd:
            flagged.append((sub, f"holds {odd!r}, a symbolic link or special file"))
            continue
        if check_owner and owner != me and _login(owner) != sub["student"]:
            flagged.append((sub, f"claims to be from {sub['student']} but belongs to {_login(owner)}"))
            continue
        problem = _time_problem(sub, now)
        if problem and (check_times or "cannot be read" in problem):
            flagged.append((sub, problem))
    return flagged


def quarantine(root, flagged):
    """Move flagged submissions out of inbound/ into quarantine/ (instructor only)."""
    if not flagged:
        return []
    target = folders(root)["quarantine"]
    target.mkdir(exist_ok=True)
    os.chmod(target, MODES["quarantine"])
    moved = []
    for sub, reason in flagged:
        dest = target / sub["path"].name
        sub["path"].rename(dest)
        moved.append((dest, reason))
    return moved


def _timestamps(root, assignment):
    from nbgrader.utils import parse_utc

    result = {}
    submitted = Path(root) / "submitted"
    for path in submitted.glob(f"*/{assignment}/timestamp.txt"):
        try:
            result[path.parent.parent.name] = parse_utc(path.read_text().strip())
        except ValueError:
            result[path.parent.parent.name] = None
    return result


def collect(root, assignment):
    """Quarantine suspicious submissions, then nbgrader's collect (newest
    submission of each student, replacing an older one already collected).

    Returns a report dict: new, updated, unchanged (student lists), quarantined
    [(path, reason)], late [(student, days)], missing (roster students without a
    submission), not_in_roster, problems (permission sentences)."""
    from course.admin.distribution import late, roster
    from course.nbgrader_plugins.late_policy import DAY

    require_assignment(root, assignment)
    paths = folders(root)
    if not paths["inbound"].is_dir():
        raise CourseError(f"{paths['inbound']} does not exist: release an assignment first "
                          f"(python -m course release {assignment})")
    problems = secure(root)
    _, _, config = settings(root)
    from course.admin.distribution.late import policy

    flagged = suspicious(root, assignment, check_owner=config.ExchangeCollect.get("check_owner", True),
                         check_times=policy(root).check_submission_times)
    moved = quarantine(root, flagged)
    before = _timestamps(root, assignment)
    api = open_api(root)
    raise_on_failure(api.collect(assignment, update=True), f"collect {assignment}")
    after = _timestamps(root, assignment)
    late.sync(root, assignment)

    report = {"new": [], "updated": [], "unchanged": [], "quarantined": moved, "late": [],
              "missing": [], "not_in_roster": [], "problems": problems + permission_problems(root)}
    for student in sorted(after):
        if student not in before:
            report["new"].append(student)
        elif after[student] != before[student]:
            report["updated"].append(student)
        else:
            report["unchanged"].append(student)
    rule = late.policy(root)
    due = rule.due_date(assignment)
    if due is not None:
        for student, when in sorted(after.items()):
            ext = rule.extension(assignment, student)
            deadline = due + ext if ext else due
            if when is not None and when > deadline:
                report["late"].append((student, (when - deadline).total_seconds() / DAY))
    ids = {s["id"] for s in roster.students(root)}
    present = {s["student"] for s in submissions_in_inbound(root, assignment)} | set(after)
    if ids:
        report["missing"] = sorted(ids - present)
        report["not_in_roster"] = sorted(set(after) - ids)
    return report


def format_collect(assignment, report):
    lines = [f"{assignment}: {len(report['new'])} new, {len(report['updated'])} updated "
             f"(newer submission), {len(report['unchanged'])} unchanged in submitted/"]
    for key, label in (("new", "new"), ("updated", "updated")):
        if report[key]:
            lines.append(f"  {label}: " + ", ".join(report[key]))
    for path, reason in report["quarantined"]:
        lines.append(f"  QUARANTINED {path.name}: {reason} (kept in {path.parent}, not graded)")
    for student, days in report["late"]:
        lines.append(f"  late: {student}, {days:.2f} days after their due date")
    if report["not_in_roster"]:
        lines.append("  not in the roster (graded anyway; check the id): " + ", ".join(report["not_in_roster"]))
    if report["missing"]:
        shown = report["missing"][:20]
        more = f" ... and {len(report['missing']) - 20} more" if len(report["missing"]) > 20 else ""
        lines.append(f"  no submission from {len(report['missing'])} roster student(s): "
                     + ", ".join(shown) + more)
    for line in report["problems"]:
        lines.append(f"  PERMISSIONS: {line}")
    return "\n".join(lines)


# -- command line -------------------------------------------------------------
def cmd_release(args):
    from course.admin.distribution import late

    outbound, problems = release(args.root, args.assignment, force=args.force)
    rule = late.policy(args.root)
    due = rule.due_date(args.assignment)
    print(f"released {args.assignment} to {outbound}")
    print(f"  due: {due:%Y-%m-%d %H:%M} UTC; late work: {rule.describe()}" if due
          else "  no due date (LatePolicy.due_dates in nbgrader_config.py)")
    print("students run, in their own account (JupyterHub: the Assignments tab does the same):")
    for line in student_commands(args.root, args.assignment):
        print("  " + line)
    for line in problems + permission_problems(args.root):
        print("PERMISSIONS:", line)
    return 0


def cmd_collect(args):
    report = collect(args.root, args.assignment)
    print(format_collect(args.assignment, report))
    print(f"next: python -m course grade {args.assignment}")
    return 0


def add_commands(sub):
    p = sub.add_parser("release", help="publish release/ASSIGNMENT to the nbgrader exchange",
                       description=__doc__, formatter_class=_raw())
    p.add_argument("assignment")
    p.add_argument("--force", action="store_true",
                   help="replace an assignment already in the exchange")
    p.set_defaults(func=cmd_release)
    p = sub.add_parser("collect", help="collect the newest exchange submission of each student "
                                       "into submitted/", description=__doc__, formatter_class=_raw())
    p.add_argument("assignment")
    p.set_defaults(func=cmd_collect)


def _raw():
    import argparse

    return argparse.RawDescriptionHelpFormatter
