"""The LMS path: `python -m course collect-zip ASSIGNMENT FILE.zip`.

Download all submissions of an assignment from the LMS as one zip, then

    python -m course collect-zip 02_softmax submissions.zip

writes ``submitted/<student>/02_softmax/02_softmax.ipynb`` for every student
it can identify and prints a report of everything else. The student is found
from each file's name (its path inside the zip), matched against these
patterns in order (``c.LmsZip.patterns`` in nbgrader_config.py replaces them):

  Canvas   <lastfirst>_[LATE_]<user id>_<attachment id>_<file name>
           doejane_LATE_1001_5550002_02_softmax-1.ipynb
  Moodle   <Full Name>_<id>_assignsubmission_file_<file name>   (one flat zip)
           <Full Name>_<id>_assignsubmission_file_/<file name>  ("in folders")
           Jane Doe_1001_assignsubmission_file_02_softmax.ipynb
  folder   <student id>/<file name>   (one folder per student, at the top of the zip)

The id in the name is looked up in the gradebook (import the roster first,
with ``python -m course students import``): a student whose ``lms_user_id`` is
that id, else the student with that id. Without a roster the id is taken as it
is. A pattern may also capture ``timestamp`` (the submission time, used for late
penalties; a zone-less time is read in LatePolicy.timezone); Canvas and Moodle
names carry none, so lateness from an LMS zip is the LMS's to show.

The file name must be the notebook's (``02_softmax.ipynb``; the suffixes ``-1``
and `` (1)`` that LMSs and browsers add are ignored); for an assignment with a
single notebook any ``.ipynb`` is taken as that notebook, and said so. When a
student has several files for one notebook the newest is kept (by the time in
the name, then the LMS's attachment id or ``-N`` suffix, then the time stored in
the zip) and the others are reported. Reported, and not written: names that
match no pattern, ids of students not in the roster, files that are not
notebooks, unknown notebook names; written but reported: notebooks that are not
valid JSON (grading marks them "not graded").

Each member is streamed to disk in small pieces with a running count of its bytes,
whatever its header claims, and stopped at the notebook size limit (the smaller of
SubmissionLimits.max_notebook_mb and CourseDirectory.max_file_size): a member that lies
about its size, is damaged or uses another compression than deflate is skipped and
reported, and every good member of the same zip is still collected. No member is ever
held whole in memory.

A student's earlier submitted/<student>/<assignment> folder is replaced.
"""

import datetime
import re
import shutil
import tempfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from traitlets import List, Unicode
from traitlets.config import Configurable

from course.admin.distribution.late import policy
from course.admin.course_dir import CourseError, load_config, open_gradebook, require_assignment
from course.admin.distribution.roster import valid_id

DEFAULT_PATTERNS = [
    # Canvas: lastfirst_[LATE_]userid_attachmentid_filename
    r"^(?:.*/)?(?P<name>[^/_]+)_(?:(?P<late>LATE)_)?(?P<student_id>\d+)_(?P<seq>\d+)_(?P<file>[^/]+)$",
    # Moodle, flat or "download submissions in folders"
    r"^(?:.*/)?(?P<name>[^/]+?)_(?P<student_id>\d+)_assignsubmission_(?P<kind>file|onlinetext)_/?(?P<file>[^/]+)$",
    # one folder per student at the top of the zip
    r"^(?P<student_id>[^/]+)/(?P<file>[^/]+)$",
]
# Entries that archivers add and that are nobody's submission.
JUNK = re.compile(r"(^|/)(__MACOSX|\.DS_Store|Thumbs\.db|desktop\.ini|\.ipynb_checkpoints)(/|$)")
SUFFIX = re.compile(r"^(?P<stem>.*?)(?:-(?P<n>\d+)| \((?P<m>\d+)\))$")


class LmsZip(Configurable):
    patterns = List(Unicode(), DEFAULT_PATTERNS,
                    help="Regular expressions for the paths inside an LMS zip, tried in order; each "
                         "captures student_id and file, optionally timestamp, seq, late."
                    ).tag(config=True)


def _compile(patterns):
    compiled = []
    for text in patterns:
        try:
            rx = re.compile(text)
        except re.error as err:
            raise CourseError(f"LmsZip.patterns: {text!r} is not a regular expression ({err})") from None
        if not {"student_id", "file"} <= set(rx.groupindex):
            raise CourseError(f"LmsZip.patterns: {text!r} must capture (?P<student_id>...) and (?P<file>...)")
        compiled.append(rx)
    return compiled


def _notebook_name(file_name, expected):
    """(notebook it is, note) or (None, reason)."""
    path = PurePosixPath(file_name)
    if path.suffix.lower() != ".ipynb":
        return None, "not a notebook"
    stem = path.stem
    m = SUFFIX.match(stem)
    candidates = [stem] + ([m["stem"]] if m else [])
    for candidate in candidates:
        if candidate + ".ipynb" in expected:
            note = "" if candidate == stem else f"{file_name} taken as {candidate}.ipynb"
            return candidate + ".ipynb", note
    if len(expected) == 1:
        return expected[0], f"{file_name} taken as {expected[0]} (the assignment's only notebook)"
    return None, f"no notebook of the assignment is called {file_name} (expected: {', '.join(expected)})"


def _attempt(file_name):
    m = SUFFIX.match(PurePosixPath(file_name).stem)
    if not m:
        return 0
    return int(m["n"] or m["m"])


def _student_lookup(root):
    """(map from an LMS/course id to the course id, whether a roster exists)."""
    with open_gradebook(root) as gb:
        rows = [(s.id, s.lms_user_id) for s in gb.students]
    mapping = {sid: sid for sid, _ in rows}
    mapping.update({lms: sid for sid, lms in rows if lms})
    return mapping, bool(rows)


def plan(root, assignment, zip_path):
    """Read the zip and decide, writing nothing. Returns a report dict:
    chosen {(student, notebook): entry}, and lists of (zip path, reason):
    unmatched, unknown_student, not_notebook, duplicates, renamed, junk."""
    from course.nbgrader_plugins.late_policy import parse_when  # loads nbgrader: only when needed

    root = Path(root)
    expected = sorted(p.name for p in (root / "release" / assignment).glob("*.ipynb"))
    if not expected:
        raise CourseError(f"release/{assignment} has no notebook: run `python -m course build {assignment}` first")
    config = load_config(root)
    patterns = _compile(LmsZip(config=config).patterns)
    zone = policy(root).timezone
    max_bytes = member_limit(root, config)
    lookup, have_roster = _student_lookup(root)
    report = {"chosen": {}, "unmatched": [], "unknown_student": [], "not_notebook": [],
              "duplicates": [], "renamed": [], "junk": [], "too_big": [], "late_marked": set(),
              "have_roster": have_roster}
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as err:
        raise CourseError(f"{zip_path} is not a readable zip file ({err})") from None
    with archive:
        candidates = []
        for order, info in enumerate(archive.infolist()):
            if info.is_dir():
                continue
            name = info.filename
            if JUNK.search(name):
                report["junk"].append((name, "archiver's file"))
                continue
            match = next((m for m in (rx.match(name) for rx in patterns) if m), None)
            if match is None:
                report["unmatched"].append((name, "the name carries no student id in a known pattern"))
                continue
            groups = match.groupdict()
            lms_id = groups["student_id"]
            student = lookup.get(lms_id) if have_roster else lms_id
            if student is None:
                report["unknown_student"].append((name, f"id {lms_id} is not in the roster"))
                continue
            if not valid_id(student):
                report["unmatched"].append((name, f"{student!r} cannot be a student id"))
                continue
            notebook, note = _notebook_name(groups["file"], expected)
            if notebook is None:
                key = "not_notebook" if note == "not a notebook" else "unmatched"
                report[key].append((name, note))
                continue
            if info.file_size > max_bytes:
                report["too_big"].append((name, f"its header says {info.file_size} bytes, over the limit "
                                                f"of {max_bytes} (SubmissionLimits.max_notebook_mb)"))
                continue
            when = None
            if groups.get("timestamp"):
                try:
                    when = parse_when(groups["timestamp"], zone)
                except ValueError as err:
                    report["unmatched"].append((name, f"timestamp: {err}"))
                    continue
            if groups.get("late"):
                report["late_marked"].add(student)
            seq = int(groups["seq"]) if (groups.get("seq") or "").isdigit() else -1
            rank = (when or datetime.datetime.min, seq, _attempt(groups["file"]), info.date_time, order)
            candidates.append({"student": student, "notebook": notebook, "zip_name": name, "info": info,
                               "timestamp": when, "rank": rank, "note": note})
        for c in sorted(candidates, key=lambda c: c["rank"]):
            key = (c["student"], c["notebook"])
            older = report["chosen"].get(key)
            if older is not None:
                report["duplicates"].append((older["zip_name"], f"older than {c['zip_name']}, ignored"))
            report["chosen"][key] = c
        for c in report["chosen"].values():
            if c["note"]:
                report["renamed"].append((c["zip_name"], c["note"]))
    report["max_bytes"] = max_bytes
    return report


def member_limit(root, config):
    """Bytes one collected notebook may inflate to."""
    from course.nbgrader_plugins.intake import SubmissionLimits

    nbgrader_cap = int(config.CourseDirectory.get("max_file_size", 100000)) * 1000
    return int(min(nbgrader_cap, SubmissionLimits(config=config).max_notebook_mb * 1e6))


CHUNK = 64 * 1024  # bytes inflated at a time: the most memory one member takes


def extract(archive, info, dest, limit):
    """Stream zip member `info` into the file `dest`, stopping past `limit` bytes whatever
    its header says. Returns None, or why the member was not collected (and no `dest`).

    zipfile's own read() inflates up to 2 GiB in one step, so a member whose header
    lies took gigabytes; reading CHUNK bytes at a time bounds it. bzip2 and lzma members
    are refused: zipfile inflates each of their pieces without a bound.
    """
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return (f"compressed with method {info.compress_type}, not deflate: not collected "
                "(zip it again with the usual compression)")
    written, reason = 0, None
    try:
        with archive.open(info) as src, open(dest, "wb") as out:
            while chunk := src.read(CHUNK):
                written += len(chunk)
                if written > limit:
                    reason = (f"inflates past {limit} bytes although its header says {info.file_size}: "
                              "not collected")
                    break
                out.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError,
            ValueError) as err:  # a damaged, truncated or encrypted member
        reason = f"damaged in the zip ({type(err).__name__}: {str(err)[:120]}): not collected"
    if reason:
        Path(dest).unlink(missing_ok=True)
    return reason


def collect_zip(root, assignment, zip_path):
    """Write submitted/<student>/<assignment>/ from an LMS zip; returns the report
    (plan's, plus written {student: [notebooks]}, replaced [students], unreadable)."""
    require_assignment(root, assignment)
    report = plan(root, assignment, zip_path)
    report["written"], report["replaced"], report["unreadable"], report["damaged"] = {}, [], [], []
    with zipfile.ZipFile(zip_path) as archive, \
            tempfile.TemporaryDirectory(dir=root, prefix=".collect-zip-") as tmp:
        # Every member is extracted first; a student's earlier copy is replaced only
        # by members that came out whole.
        by_student, damaged = {}, set()
        for n, ((student, notebook), c) in enumerate(sorted(report["chosen"].items())):
            c["file"] = Path(tmp) / f"{n}.ipynb"
            reason = extract(archive, c["info"], c["file"], report["max_bytes"])
            if reason:
                report["damaged"].append((c["zip_name"], reason))
                damaged.add(student)
            else:
                by_student.setdefault(student, []).append(c)
        for student, chosen in sorted(by_student.items()):
            _write_student(Path(root) / "submitted" / student / assignment, student, chosen, report)
        _forget_old_times(root, assignment, [s for s, chosen in by_student.items()
                                             if all(c["timestamp"] is None for c in chosen)])
        # A student whose newest file came out damaged, and nothing else: an older copy
        # left in submitted/ would be graded as if it were the current one. It goes aside.
        report["superseded"] = [(student, _set_aside_older(root, assignment, student))
                                for student in sorted(damaged - set(by_student))
                                if (Path(root) / "submitted" / student / assignment).exists()]
    return report


def _forget_old_times(root, assignment, students):
    """The gradebook's submission time of students whose new copy carries none (Canvas and
    Moodle names have no time): nbgrader would keep the old one, and with it the old copy's
    late penalty."""
    from nbgrader.api import MissingEntry

    if not students:
        return
    with open_gradebook(root) as gb:
        try:
            submissions = list(gb.assignment_submissions(assignment))
        except MissingEntry:
            return  # nothing graded yet: no time to forget
        for sub in submissions:
            if sub.student_id in students and sub.timestamp is not None:
                sub.timestamp = None
        gb.db.commit()


def _set_aside_older(root, assignment, student):
    """Move submitted/<student>/<assignment> to its set-aside folder, forget the grades it
    had and record the status `not graded`; return where it went, relative to root."""
    from course.admin.grading import status
    from course.nbgrader_plugins.intake import aside_folder

    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    dest = aside_folder(Path(root) / "submitted" / student / assignment) / f"superseded-{stamp}"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(Path(root) / "submitted" / student / assignment, dest)
    status.forget_failed(root, assignment, student)  # its grades were the earlier copy's
    status.save(root, assignment, {student: {
        "status": "not graded", "sandboxed": None,
        "notes": [f"the newest file in the LMS zip was damaged; the earlier copy is in {dest.relative_to(root)}"]}})
    return dest.relative_to(root)


def _write_student(folder, student, chosen, report):
    """Replace `folder` with the extracted notebooks of one student; note what was written."""
    import nbformat

    if folder.exists():
        shutil.rmtree(folder)
        report["replaced"].append(student)
    folder.mkdir(parents=True)
    for c in chosen:
        shutil.move(c["file"], folder / c["notebook"])
        try:
            nbformat.read(folder / c["notebook"], as_version=4)
        except Exception as err:  # any parse failure means the same here
            first = (str(err).strip().splitlines() or [type(err).__name__])[0][:120]
            report["unreadable"].append((c["zip_name"], f"not a readable notebook ({first})"))
    stamps = [c["timestamp"] for c in chosen if c["timestamp"] is not None]
    if stamps:
        # nbgrader reads the submission time from timestamp.txt
        (folder / "timestamp.txt").write_text(max(stamps).strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
    report["written"][student] = sorted(c["notebook"] for c in chosen)


def format_report(assignment, report):
    written = report["written"]
    lines = [f"{assignment}: wrote {sum(len(v) for v in written.values())} notebook(s) for "
             f"{len(written)} student(s) into submitted/"]
    if not report["have_roster"]:
        lines.append("  no roster in the gradebook: ids taken from the file names as they are "
                     "(python -m course students import roster.csv)")
    if report["replaced"]:
        lines.append("  replaced an earlier submitted/ copy: " + ", ".join(report["replaced"]))
    sections = [
        ("unmatched", "UNKNOWN NAME (not collected)"),
        ("unknown_student", "UNKNOWN STUDENT (not collected)"),
        ("duplicates", "DUPLICATE (the newest was kept)"),
        ("not_notebook", "NOT A NOTEBOOK (ignored)"),
        ("too_big", "TOO BIG (not collected)"),
        ("damaged", "DAMAGED OR LYING ABOUT ITS SIZE (not collected)"),
        ("unreadable", "UNREADABLE (collected; grading will say 'not graded')"),
        ("renamed", "RENAMED"),
    ]
    for key, title in sections:
        for name, reason in report[key]:
            # a name is the zip's, printed to a terminal: escape control characters
            lines.append(f"  {title}: {name if name.isprintable() else ascii(name)}: {reason}")
    for student, where in report.get("superseded", []):
        lines.append(f"  NOT GRADED: {student}'s newest file is damaged; the earlier copy in submitted/ was "
                     f"moved to {where}, so that it is not graded as current. Ask {student} for the file "
                     "again, or move it back to grade the earlier one")
    if report["junk"]:
        lines.append(f"  ignored {len(report['junk'])} archiver file(s) (__MACOSX, .DS_Store, ...)")
    if report["late_marked"]:
        lines.append("  marked LATE by the LMS (no time in the name, so no course penalty): "
                     + ", ".join(sorted(report["late_marked"])))
    return "\n".join(lines)


def cmd_collect_zip(args):
    report = collect_zip(args.root, args.assignment, args.zip)
    print(format_report(args.assignment, report))
    if not report["written"]:
        print("nothing collected: check the file-name pattern (python -m course collect-zip --help)")
        return 1
    print(f"next: python -m course grade {args.assignment}")
    return 0


def add_commands(sub):
    import argparse

    p = sub.add_parser("collect-zip", help="collect an LMS download (zip) into submitted/",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("assignment")
    p.add_argument("zip", type=Path, help="the zip downloaded from Canvas, Moodle, ...")
    p.set_defaults(func=cmd_collect_zip)
