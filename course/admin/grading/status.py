"""What happened to each submission: checked before grading, classified after.

Every graded submission ends with one status, shown in the export:

- ``graded``: graded normally;
- ``flagged``: graded, but the static audit found something an instructor should look at,
  or links, pipes or devices were set aside from the folder (course.admin.grading.intake);
- ``timed out``: at least one cell hit the time limit (that cell scored 0, the rest were graded);
- ``crashed``: the kernel died; cells before the crash are graded, the rest scored 0;
- ``needs manual grading``: some problem waits for a person;
- ``not graded``: nothing could be graded (no notebook, unreadable JSON, a notebook that is a
  link, over SubmissionLimits, a folder name that is no student id, an nbgrader error);
  any older grade of that submission is removed, so that a stale score never looks current;
- ``failed``: grading itself failed on every attempt (its worker process died or raised),
  which is not the student's fault; no grade is kept, and the submission should be graded again.

The statuses of one assignment are kept in ``grading/<assignment>.json`` beside the
gradebook, written by the process that runs the grading (never by the student's kernel).
"""

import json
import re
import shutil
from pathlib import Path

import nbformat

from course.admin.course_dir import open_gradebook


def expected_notebooks(root, assignment):
    """Notebook file names of the released assignment."""
    return sorted(p.name for p in (Path(root) / "release" / assignment).glob("*.ipynb"))


SET_ASIDE = ".set-aside"
_IMPORTABLE = (".py", ".pyc", ".pth", ".so", ".pyd")


def set_aside_importables(folder, released):
    """Move files and folders Python could import (numpy.py, course/, x.pth) that the
    release does not have into <folder>/.set-aside/, where no import finds them:
    the grading kernel runs in the submission folder, which is on sys.path, so a
    submitted `course/` or `numpy.py` would replace what the hidden tests import."""
    moved = []
    for path in sorted(Path(folder).iterdir()):
        if path.name in released or path.name.startswith("."):
            continue
        if path.is_dir() or path.suffix in _IMPORTABLE:
            target = Path(folder) / SET_ASIDE
            target.mkdir(exist_ok=True)
            shutil.move(str(path), str(target / path.name))
            moved.append(path.name)
    return moved


# Notes that make a graded submission "flagged": something an instructor should look at.
# (Unsafe names are only noted: "Jane's hw.ipynb" is more likely than an attack.)
FLAG_NOTES = ("set aside, not followed:",)
UNSAFE_NOTE = "set aside, unsafe names:"


def precheck(root, assignment, student):
    """Look at submitted/<student>/<assignment> before grading, and make it safe to grade.

    Returns (notes, fatal): notes are short strings for the instructor; fatal
    is a reason not to run nbgrader at all (None when grading can go ahead).
    In order (course.admin.grading.intake, course.admin.grading.repair): the id and the folder must not be
    links; links, pipes, devices and unsafe names are set aside, unread; a single
    notebook under a wrong name is copied to the expected name; each notebook must
    be a regular file within SubmissionLimits, parse, and is mended if damaged.
    """
    from course.admin.grading import intake

    problem = intake.id_problem(student) or intake.link_problem(root, assignment, student)
    folder = Path(root) / "submitted" / student / assignment
    if problem:
        return [], problem
    if not folder.is_dir():
        return [], "no submission folder"
    notes = []
    aside = intake.aside_folder(root, assignment, student)
    special = intake.set_aside_special(folder, aside)
    odd = [f"{intake.shown(rel)} ({what})" for rel, what in special if what != "unsafe name"]
    if odd:
        notes.append(f"{FLAG_NOTES[0]} " + ", ".join(odd) + f" (moved to {aside.name}/)")
    unsafe = [intake.shown(rel) for rel, what in special if what == "unsafe name"]
    if unsafe:
        notes.append(f"{UNSAFE_NOTE} " + ", ".join(unsafe) + f" (moved to {aside.name}/)")
    expected = expected_notebooks(root, assignment)
    linked = [rel for rel, what in special if rel in expected and what != "unsafe name"]
    if linked:
        return notes, (f"{linked[0]} is not a regular file ({dict(special)[linked[0]]}): not graded; "
                       "the notebook must be a file of its own, not a link to one")
    present = sorted(p.name for p in folder.glob("*.ipynb"))
    # timestamp.txt and submission_secret.txt are nbgrader's own (exchange collect)
    others = sorted(p.name for p in folder.iterdir()
                    if p.is_file() and p.suffix != ".ipynb" and not p.name.startswith(".")
                    and p.name not in ("timestamp.txt", "submission_secret.txt"))
    released = {p.name for p in (Path(root) / "release" / assignment).iterdir()}
    shadowing = set_aside_importables(folder, released)
    if shadowing:
        notes.append(f"set aside (could shadow modules the tests import): {', '.join(shadowing)}")
    extra = [name for name in others if name not in released and name not in shadowing]
    if extra:
        notes.append("extra files ignored: " + ", ".join(extra[:5]) + (" ..." if len(extra) > 5 else ""))
    missing = [name for name in expected if name not in present]
    strangers = [name for name in present if name not in expected]
    # a notebook set aside for its name ("Jane's hw.ipynb") is still the student's work
    odd_named = [aside / rel for rel, what in special if what == "unsafe name" and "/" not in rel
                 and rel.endswith(".ipynb") and (aside / rel).is_file() and not (aside / rel).is_symlink()]
    if missing and len(missing) == 1 and len(strangers) + len(odd_named) == 1:
        chosen = folder / strangers[0] if strangers else odd_named[0]
        shutil.copy2(chosen, folder / missing[0])
        notes.append(f"notebook {intake.shown(chosen.name)} graded as {missing[0]!r} (wrong name)")
        present.append(missing[0])
        missing = []
    elif strangers:
        notes.append("unknown notebooks ignored: " + ", ".join(strangers))
    if missing and not any(name in present for name in expected):
        return notes, "no notebook named " + " or ".join(repr(m) for m in missing)
    if missing:
        notes.append("missing notebooks: " + ", ".join(missing))
    bounds = intake.limits(root)
    for name in expected:
        path = folder / name
        if not path.is_file():
            continue
        fatal = intake.size_problem(path, bounds)
        if fatal:
            return notes, fatal
        if path.stat().st_size == 0:
            return notes, f"{name} is empty (0 bytes)"
        mended, fatal = _mend_notebook(root, assignment, path, aside, bounds)
        notes += mended
        if fatal:
            return notes, fatal
    return notes, None


def _mend_notebook(root, assignment, path, aside, bounds):
    """Parse one submitted notebook, check its cell count, and mend it (course.admin.grading.repair)
    in place, keeping the student's file as <aside>/original/<name>. Returns (notes, fatal).

    The notes of a mend are kept in <aside>/mended.json with the mended file's hash, so
    that grading the same file again reports them again."""
    import hashlib

    from course.admin.grading import intake, repair

    data = path.read_bytes()
    record_path = aside / "mended.json"
    try:
        records = json.loads(record_path.read_text()) if record_path.is_file() else {}
    except ValueError:
        records = {}  # a damaged record only costs mending again
    digest = hashlib.sha256(data).hexdigest()
    known = records.get(path.name)
    try:
        raw = repair.load(data.decode("utf-8"))
        fatal = intake.cells_problem(path.name, len(raw.get("cells", [])), bounds)
        if fatal:
            return [], fatal
        nb, notes = repair.parse(raw)
    except Exception as err:  # any parse failure means the same to the instructor
        first = str(err).strip().splitlines()[0][:200] if str(err).strip() else type(err).__name__
        return [], f"{path.name} is not a readable notebook ({first})"
    if known and known["sha256"] == digest:
        return known["notes"], None
    # The release, not source/: it has the cells students got, including answer cells
    # that the build made manually graded (course.nbgrader_plugins.written_answers).
    released = Path(root) / "release" / assignment / path.name
    if released.is_file():
        notes += repair.mend(nb, nbformat.read(released, as_version=4))
    if notes:
        (aside / "original").mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, aside / "original" / path.name)
        nbformat.write(nb, path)
        records[path.name] = {"sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "notes": notes}
        record_path.write_text(json.dumps(records, indent=1))
    return notes, None


def _reason(log):
    """The most telling line of a failed nbgrader run's log."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    named = [line for line in lines if re.search(r"\w+(Error|Exception|Timeout)\b", line)
             and "see the" not in line and "Traceback" not in line]
    return ((named or lines or ["nbgrader failed without a log"])[-1])[:300]


def _grading_reports(root, assignment, student):
    """The course_grading records (course.nbgrader_plugins.execute) of the autograded notebooks."""
    from course.nbgrader_plugins.execute import grading_report

    reports = []
    for path in sorted((Path(root) / "autograded" / student / assignment).glob("*.ipynb")):
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:
            reports.append({"status": "crashed", "stopped_at": {"reason": "unreadable autograded notebook"}})
            continue
        reports.append(grading_report(nb) or {"status": "ok", "sandboxed": False})
    return reports


def error_names(root, assignment, student):
    """Names of the errors (ename) in the autograded notebooks' outputs, in order."""
    names = []
    for path in sorted((Path(root) / "autograded" / student / assignment).glob("*.ipynb")):
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:
            names.append("unreadable autograded notebook")
            continue
        for cell in nb.cells:
            names += [out.get("ename", "") for out in cell.get("outputs", [])
                      if out.get("output_type") == "error"]
    return names


def classify(root, assignment, student, result, notes, audit_findings=(), db_url=None):
    """The status dict of one submission after nbgrader ran (result: autograde_one's).

    Keys: status, notes (list of str), sandboxed (bool or None when nothing ran).
    db_url: the gradebook nbgrader wrote to (default: the configuration's).
    """
    if not result["success"]:
        return {"status": "not graded", "notes": notes + [_reason(result["log"])], "sandboxed": None}
    reports = _grading_reports(root, assignment, student)
    sandboxed = bool(reports) and all(r.get("sandboxed") for r in reports)
    notes = list(notes)
    status = "graded"
    notes += [f"audit: {f}" for f in audit_findings]
    for r in reports:
        timed = [c.get("grade_id") or f"cell {c.get('index')}" for c in r.get("timed_out_cells", [])]
        if timed:
            notes.append("timed out in " + ", ".join(map(str, timed)))
        if r.get("stopped_at"):
            notes.append("stopped: " + str(r["stopped_at"].get("reason", "")))
    if any(r.get("status") == "timed_out" for r in reports):
        status = "timed out"
    if any(r.get("status") == "time_budget" for r in reports):
        status = "time budget exhausted"  # the notebook's time budget (course.nbgrader_plugins.execute) ran out
    if any(r.get("status") == "crashed" for r in reports):
        status = "crashed"
    if status == "graded" and _needs_manual(root, assignment, student, db_url):
        status = "needs manual grading"
    # A possible cheat outranks everything else: the instructor must look at it.
    if audit_findings or any(n.startswith(FLAG_NOTES) for n in notes):
        status = "flagged"
    if not sandboxed:
        notes.append("graded WITHOUT the sandbox")
    return {"status": status, "notes": notes, "sandboxed": sandboxed}


def _needs_manual(root, assignment, student, db_url=None):
    with open_gradebook(root, db_url=db_url) as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except Exception:
            return False
        return any(g.needs_manual_grade for nb in sub.notebooks for g in nb.grades)


def forget_grades(root, assignment, student, db_url=None):
    """Remove a submission's grades from the gradebook at `db_url` (default: the
    configuration's) after a failed regrade."""
    with open_gradebook(root, db_url=db_url) as gb:
        try:
            gb.remove_submission(assignment, student)
        except Exception:
            pass  # there was nothing to remove


def forget_failed(root, assignment, student, db_url=None):
    """A submission whose grading failed on every attempt keeps nothing that looks current:
    its grades leave the gradebook and its half-written autograded copy goes."""
    forget_grades(root, assignment, student, db_url)
    shutil.rmtree(Path(root) / "autograded" / student / assignment, ignore_errors=True)


def status_file(root, assignment):
    return Path(root) / "grading" / f"{assignment}.json"


def load(root, assignment):
    """{student: {"status": ..., "notes": [...]}} recorded for an assignment."""
    path = status_file(root, assignment)
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def save(root, assignment, statuses):
    """Merge {student: status dict} into the assignment's status file."""
    merged = load(root, assignment)
    merged.update(statuses)
    path = status_file(root, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(merged, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def save_result(root, assignment, result):
    """Record one submission's GradingResult in the assignment's status file."""
    save(root, assignment, {result.student: result.status_record()})


def export_columns(root, assignment_ids):
    """{(student, assignment): {"status": ..., "notes": ...}} for grades.export_csv."""
    columns = {}
    for assignment in assignment_ids:
        for student, st in load(root, assignment).items():
            columns[(student, assignment)] = {"status": st["status"], "notes": "; ".join(st["notes"])}
    return columns
