"""Hostile and broken submissions, end to end through the real pipeline.

Nothing in the catalogue (tests/hostile.py) scores above its honest score,
every submission ends with a status, and no other student's grade changes.
"""

import shutil

import pytest

from course import grades, pipeline, sandbox, samples
import hostile
from conftest import REPO

# The fastest assignment to grade; every case is built from it.
ASSIGNMENT = "01_staged_backprop"
# Short enough to keep the suite fast, long enough for any honest cell.
CELL_TIMEOUT = 5
# Seconds a kernel may ignore the interrupt before it is stopped.
INTERRUPT_GRACE = 3


@pytest.fixture(scope="module")
def hostile_course(tmp_path_factory):
    if not (REPO / "source" / ASSIGNMENT).is_dir():
        pytest.skip(f"{ASSIGNMENT} is not in source/")
    root = tmp_path_factory.mktemp("hostile")
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(REPO / "source" / ASSIGNMENT, root / "source" / ASSIGNMENT)
    pipeline.generate(root, ASSIGNMENT)
    overrides = {"Execute": {"timeout": CELL_TIMEOUT},
                 "GuardedExecute": {"interrupt_grace": INTERRUPT_GRACE}}

    # An honest classmate, graded before and after the hostile batch.
    samples.write_submission(root, ASSIGNMENT, "classmate",
                             samples.submission_notebooks(root, ASSIGNMENT))
    before = pipeline.autograde_one(root, ASSIGNMENT, "classmate", overrides)
    classmate_before = _row(root, "classmate")

    students = {case["name"]: hostile.write_case(root, ASSIGNMENT, case) for case in hostile.CASES}
    students["broken-json"] = hostile.write_broken_json(root, ASSIGNMENT)
    results = {name: pipeline.autograde_one(root, ASSIGNMENT, student, overrides)
               for name, student in students.items()}
    rows = {r["student"]: r for r in grades.scores(root, [ASSIGNMENT])}
    return {"root": root, "results": results, "rows": rows, "students": students,
            "classmate_before": classmate_before, "classmate_result": before}


def _row(root, student):
    return next(r for r in grades.scores(root, [ASSIGNMENT]) if r["student"] == student)


def _full(root):
    return sum(m for _, m in grades.problems(root, ASSIGNMENT))


@pytest.mark.parametrize("case", hostile.CASES, ids=[c["name"] for c in hostile.CASES])
def test_case_scores_no_more_than_honest(hostile_course, case):
    if case.get("sandbox") and not sandbox.available()[0]:
        pytest.skip("needs the sandboxed kernel: " + sandbox.available()[1])
    root = hostile_course["root"]
    result = hostile_course["results"][case["name"]]
    student = hostile_course["students"][case["name"]]
    row = hostile_course["rows"].get(student)
    honest = _full(root) if case["honest"] == "reference" else 0
    total = row["total"] if row else 0
    detail = f"status {result['status']}, notes {result['notes']}, scores {row and row['scores']}"
    assert total <= honest, f"{case['name']} scored {total}, above its honest {honest}: {detail}"
    if case["exact"]:
        assert total == honest, f"{case['name']} scored {total}, expected {honest}: {detail}"
    assert result["status"] in case["status"], f"{case['name']}: {detail}"


def test_broken_json_is_not_graded_and_says_why(hostile_course):
    result = hostile_course["results"]["broken-json"]
    assert result["status"] == "not graded"
    assert any("not a readable notebook" in n for n in result["notes"]), result["notes"]


def test_huge_output_is_capped(hostile_course):
    root = hostile_course["root"]
    for name in ("10mb-line", "100k-lines"):
        size = hostile.autograded_size(root, ASSIGNMENT, hostile_course["students"][name])
        assert size < 2_000_000, f"{name}: the autograded notebook is {size} bytes"


def test_classmate_grade_unchanged(hostile_course):
    root = hostile_course["root"]
    after = _row(root, "classmate")
    assert after["scores"] == hostile_course["classmate_before"]["scores"]
    assert after["total"] == _full(root)


def test_regrading_is_deterministic(hostile_course):
    root = hostile_course["root"]
    totals = []
    for _ in range(3):
        pipeline.autograde_one(root, ASSIGNMENT, "classmate")
        totals.append(_row(root, "classmate")["scores"])
    assert totals[0] == totals[1] == totals[2]


def test_failed_regrade_leaves_no_stale_score(hostile_course):
    root = hostile_course["root"]
    samples.write_submission(root, ASSIGNMENT, "regraded", samples.submission_notebooks(root, ASSIGNMENT))
    assert pipeline.autograde_one(root, ASSIGNMENT, "regraded")["status"] == "graded"
    assert _row(root, "regraded")["total"] == _full(root)
    for path in (root / "submitted" / "regraded" / ASSIGNMENT).glob("*.ipynb"):
        path.write_text("{ not json")
    result = pipeline.autograde_one(root, ASSIGNMENT, "regraded")
    assert result["status"] == "not graded"
    assert not [r for r in grades.scores(root, [ASSIGNMENT]) if r["student"] == "regraded"], \
        "the old score of a failed regrade is still in the gradebook"
