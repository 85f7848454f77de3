"""The bug catalogues, exactly: each bug fails its own test cells, no more and no less.

For every assignment (catalogues/<assignment>.py, format in AUTHORING.md):
- each bug loses points in exactly the test cells of its `loses` (real autograde,
  sandboxed kernel, hidden tests), and those cells grade the cells the bug edits,
  or are integration checks: one bug, one penalty;
- `visible` says truly whether `nbgrader validate` on the student's notebook fails;
- the reference and every correct variant pass `nbgrader validate` and get full marks.
"""

import pytest

import catalogue_runs
from conftest import ASSIGNMENTS, REPO
from course.admin.authoring import samples


def _cases(kind):
    return [pytest.param(assignment, student, id=f"{assignment}-{student}")
            for assignment in ASSIGNMENTS
            for student, k, _edits, _loses in samples.sample_students(REPO, assignment) if k == kind]


def _bug(assignment, student):
    cat = catalogue_runs.catalogue(REPO, assignment)
    return cat, next(b for b in cat["BUGS"] if f"bug-{b['name']}" == student)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_exercise_map_names_every_test_cell(assignment):
    cat = catalogue_runs.catalogue(REPO, assignment)
    cells = catalogue_runs.test_cells(REPO, assignment)
    missing = [c for c in cells if c not in cat["EXERCISES"]]
    unknown = [c for c in [*cat["EXERCISES"], *cat["INTEGRATION"]] if c not in cells]
    assert not missing, f"catalogues/{assignment}.py: EXERCISES does not say what {missing} grade"
    assert not unknown, f"catalogues/{assignment}.py names test cells the notebook lacks: {unknown}"


@pytest.mark.parametrize("assignment, student", _cases("bug"))
def test_bug_costs_points_in_its_own_exercise_only(assignment, student):
    cat, bug = _bug(assignment, student)
    assert bug["loses"], f"{student} names no test cell that must catch it"
    outside = catalogue_runs.own_exercise_violations(cat, bug)
    assert not outside, (f"{student} edits {[e[0] for e in bug['edits']]} but is meant to cost points "
                         f"in {outside}, which grade other exercises and are not integration checks")


@pytest.mark.parametrize("assignment, student", _cases("bug"))
def test_bug_fails_exactly_its_test_cells(real_course, assignment, student):
    _cat, bug = _bug(assignment, student)
    actual, expected = real_course.graded(assignment)["lost"].get(student, set()), set(bug["loses"])
    assert actual == expected, (f"{student}: lost points in {sorted(actual)}, the catalogue says "
                                f"{sorted(expected)} (unexpected {sorted(actual - expected)}, "
                                f"kept points in {sorted(expected - actual)})")


@pytest.mark.parametrize("assignment, student", _cases("bug"))
def test_visible_flag_says_whether_validate_catches_it(real_course, assignment, student):
    _cat, bug = _bug(assignment, student)
    failed = real_course.validated(assignment)[student]
    assert isinstance(bug.get("visible"), bool), f"{student}: no `visible` flag in the catalogue"
    assert bug["visible"] == bool(failed), (
        f"{student}: the catalogue says visible={bug['visible']}, but validate "
        + (f"fails on {sorted(failed)}" if failed else "passes"))
    # A visible check of a later exercise may fail too, but only to point at the cause
    # ("fix `affine_backward` first: ..."); it costs no points there (hidden references).
    stray = catalogue_runs.stray_visible_failures(bug, failed)
    assert not stray, (f"{student}: visible tests fail in {stray}, outside the cells it loses, "
                       "without saying which earlier function to fix first")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_share_caught_by_visible_tests(real_course, assignment, record_property):
    bugs = [f"bug-{b['name']}" for b in catalogue_runs.catalogue(REPO, assignment)["BUGS"]]
    validated = real_course.validated(assignment)
    caught = sum(1 for s in bugs if validated[s])
    record_property("visible_share", (assignment, caught, len(bugs)))  # conftest prints it
    assert len(bugs) >= 6, f"catalogues/{assignment}.py lists {len(bugs)} bugs; at least 6 expected"


@pytest.mark.parametrize("assignment, student",
                         [pytest.param(a, "reference", id=f"{a}-reference") for a in ASSIGNMENTS]
                         + _cases("variant"))
def test_correct_work_passes_validate_and_gets_full_marks(real_course, assignment, student):
    failed = real_course.validated(assignment)[student]
    assert not failed, (f"{student}: nbgrader validate fails a correct notebook of {assignment} in "
                        + "; ".join(f"{gid}: {msg.strip()[-300:]}" for gid, msg in failed.items()))
    lost = real_course.graded(assignment)["lost"].get(student)
    assert not lost, f"{student} is correct but lost {lost}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_release_fails_validate(real_course, assignment):
    assert real_course.validated(assignment)["untouched"], f"validate passes the untouched release of {assignment}"
