"""The data of the item analysis (course.admin.results.report), as plain dicts and lists.

From the gradebook (course.admin.results.grades), the grading status file
(course.admin.grading.status) and the autograded notebooks: scores per problem and
per student, and the failure messages of test cells, grouped by their first line
with numbers and indices blanked out and by the "Likely cause:" hint of
course.gradcheck.assert_gradients_close (e.g. "constant factor: missing 1/N").
No plotting and no HTML here.
"""

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from course.admin.results import grades
from course.admin.grading import status
from course.nbgrader_plugins import cells

# "Likely cause:" hints of course.gradcheck.gradient_diagnosis -> short labels.
HINT_LABELS = [
    (r"nan or inf", "nan or inf in the gradient"),
    (r"all zeros", "gradient all zeros"),
    (r"minus the right one", "wrong sign"),
    (r"missing 1/N", "constant factor: missing 1/N (or a path counted twice)"),
    (r"once too often", "constant factor: divided once too often (or a dropped path)"),
    (r"constant factor", "constant factor"),
    (r"transpose", "transposed"),
    (r"entries are right", "partly right: a missing branch or path"),
]

_TUPLE = re.compile(r"\(\s*[-+]?\d[\d\s,.eE+-]*\)")
# a number, but not part of a name (dW1) nor of "2-D"
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?!\w|-[A-Za-z])")


def normalise(line):
    """A message line with index tuples and numbers blanked, so that they do not
    split a group: 'max relative error 0.82 ... at index (2, 3).' ->
    'max relative error # ... at index (…).'"""
    line = _TUPLE.sub("(…)", line)
    return _NUMBER.sub("#", line).strip()


def hint_label(hint):
    """A short name for a "Likely cause:" hint."""
    for pattern, label in HINT_LABELS:
        if re.search(pattern, hint):
            return label
    return normalise(hint)


def failure_key(ename, evalue):
    """(message group, likely-cause label) of one failed test."""
    lines = [line.strip() for line in (evalue or "").strip().splitlines() if line.strip()]
    first = normalise(lines[0]) if lines else "(no message)"
    cause = ""
    for line in lines[1:]:
        if line.startswith("Likely cause:"):
            cause = hint_label(line[len("Likely cause:"):].strip())
            break
    if ename == "NotImplementedError" and not lines:
        first, cause = "(not attempted)", ""
    return f"{ename}: {first}", cause


def shorten(text, n):
    """text cut to at most n characters, with an ellipsis where it was cut."""
    return text if len(text) <= n else text[: n - 1] + "…"


def _read_json(path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def test_failures(root, assignment, student):
    """[(grade_id, ename, evalue)] of the failed test cells in a student's
    autograded notebooks (ename "stderr" for a cell that lost its points by
    writing to stderr)."""
    found = []
    folder = Path(root) / "autograded" / student / assignment
    for path in sorted(folder.glob("*.ipynb")):
        nb = _read_json(path)
        if not nb:
            continue
        for cell in nb.get("cells", []):
            if not cells.is_test(cell) or cell.get("cell_type") != "code":
                continue
            outputs = cell.get("outputs", [])
            errors = [o for o in outputs if o.get("output_type") == "error"]
            if errors:
                found.append((cells.grade_id(cell), errors[-1].get("ename", "Error"),
                              errors[-1].get("evalue", "")))
            elif any(o.get("output_type") == "stream" and o.get("name") == "stderr" for o in outputs):
                found.append((cells.grade_id(cell), "stderr", "the test cell wrote to stderr"))
    return found


def _derived_status(root, assignment, student):
    """The status when the pipeline recorded none (graded with plain nbgrader)."""
    names = status.error_names(root, assignment, student)
    if any(n in ("DeadKernelError", "KernelCrashed") for n in names):
        return {"status": "crashed", "notes": ["derived from a DeadKernelError in the graded notebook"]}
    if any(n in ("CellTimeoutError", "TimeoutError", "CellTimeout") for n in names):
        return {"status": "timed out", "notes": ["derived from a timeout error in the graded notebook"]}
    return {"status": "graded", "notes": []}


def problem_stats(probs, rows):
    """Per problem: its points, how many scores it has, their mean, the share of
    students who lost points and how many got partial credit."""
    per_problem = []
    for gid, points in probs:
        values = [r["scores"][gid] for r in rows if r["scores"].get(gid) is not None]
        lost = [v for v in values if v < points]
        partial = [v for v in values if 0 < v < points]
        per_problem.append({
            "grade_id": gid, "points": points, "n": len(values),
            "mean": sum(values) / len(values) if values else None,
            "lost_share": len(lost) / len(values) if values else None,
            "partial": len(partial),
        })
    return per_problem


def failure_groups(root, assignment, students):
    """(groups, per problem) of the failed tests of the given students:
    groups is [((message, cause), {"students", "problems", "example"})], largest first;
    per problem is {grade_id: Counter of (message, cause)}."""
    groups = defaultdict(lambda: {"students": set(), "problems": Counter(), "example": ""})
    problem_failures = defaultdict(Counter)
    for student in students:
        for gid, ename, evalue in test_failures(root, assignment, student):
            key = failure_key(ename, evalue)
            group = groups[key]
            group["students"].add(student)
            group["problems"][gid] += 1
            group["example"] = group["example"] or f"{ename}: {evalue}"
            problem_failures[gid][key] += 1
    failures = sorted(groups.items(), key=lambda kv: (-len(kv[1]["students"]), kv[0]))
    return failures, problem_failures


def collect(root, assignment):
    """Everything one report page shows, as plain data."""
    root = Path(root)
    probs = grades.problems(root, assignment)
    rows = grades.scores(root, [assignment])
    recorded = status.load(root, assignment)
    students = sorted({r["student"] for r in rows} | set(recorded))
    statuses = {s: recorded.get(s) or _derived_status(root, assignment, s) for s in students}
    by_student = {r["student"]: r for r in rows}
    # Failures are counted over the students with grades, like the scores they explain.
    failures, problem_failures = failure_groups(root, assignment, [s for s in students if s in by_student])
    return {"assignment": assignment, "problems": probs, "rows": rows, "by_student": by_student,
            "students": students, "statuses": statuses, "per_problem": problem_stats(probs, rows),
            "failures": failures, "problem_failures": problem_failures,
            "max_total": sum(p for _, p in probs)}
